// A probe of the layer rules (docs/ARCHITECTURE.md): compiled as part of one layer's target with
// PROBE_HEADER naming a header, it builds if and only if that layer may include the header.
#include PROBE_HEADER

int dynlib_layer_probe() {
  return 0;
}

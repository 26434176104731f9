// Read access to past committed states (`lag_x(k)` in a model).
//
// Storage (owned by the caller, lives in RunArgs so it survives re-entry): one ring of `depth` rows
// and `width` columns. Only lagged states get a column; columns are assigned in state order (the
// c-th lagged state has column c) and `depth` is the largest lag depth of any state. Row `head` is
// where the next push goes, so the state k committed steps ago is in row (head - k) mod depth.
// Before the run has k steps of history the ring holds the initial state, so lag = y_0.
#pragma once

namespace dynlib::kernel {

template <class Real>
struct LagView {
  const Real* ring = nullptr;  // depth x width, row-major
  int width = 0;               // number of lagged states (columns)
  int depth = 0;               // rows; the largest k a model may ask for
  int head = 0;                // row the next push writes

  // Column `col` (a lagged state), k >= 1 committed steps ago; requires 1 <= k <= depth.
  Real operator()(int col, int k) const {
    int r = head - k;
    if (r < 0) r += depth;
    return ring[r * width + col];
  }
};

// Column layout from a model's lag depths: fills col_state[c] (the state index of column c, room
// for n_state entries) and returns width; depth receives the largest lag depth (0 if nothing is
// lagged).
template <class Model>
int lag_layout(const Model& m, int* col_state, int& depth) {
  int width = 0;
  depth = 0;
  for (int s = 0; s < m.n_state(); ++s) {
    int d = m.lag_depth(s);
    if (d <= 0) continue;
    col_state[width++] = s;
    if (d > depth) depth = d;
  }
  return width;
}

}  // namespace dynlib::kernel

#include "dynlib/dtype.hpp"

namespace dynlib {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float64: return "float64";
    case DType::Float32: return "float32";
    case DType::Int64: return "int64";
  }
  return "?";
}

}  // namespace dynlib

// The number type a model computes in: one definition shared by the front end and the public API.
#pragma once

namespace dynlib {

enum class DType { Float64, Float32, Int64 };

// "float64", "float32", "int64"
const char* dtype_name(DType d);

}  // namespace dynlib

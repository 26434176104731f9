// The functions and macros every expression may call, with their arities. The checker resolves
// calls against this table; dsl/operations.hpp says which kernel operations each one computes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dynlib::dsl {

enum class BuiltinId {
  // math (libm)
  Abs,
  Min,
  Max,
  Round,
  Exp,
  Expm1,
  Log,
  Log10,
  Log2,
  Log1p,
  Sqrt,
  Sin,
  Cos,
  Tan,
  Asin,
  Acos,
  Atan,
  Atan2,
  Sinh,
  Cosh,
  Tanh,
  Asinh,
  Acosh,
  Atanh,
  Floor,
  Ceil,
  Trunc,
  Hypot,
  Copysign,
  Erf,
  Erfc,
  Pow,
  // macros
  Sign,
  Heaviside,
  Relu,
  Clip,
  Approx,
  // event macros (only in event conditions; defined through lagged values)
  CrossUp,
  CrossDown,
  CrossEither,
  Changed,
  InInterval,
  EntersInterval,
  LeavesInterval,
  Increasing,
  Decreasing,
};

enum class BuiltinKind { Math, Macro, EventMacro };

struct BuiltinInfo {
  std::string_view name;
  BuiltinId id;
  BuiltinKind kind;
  int min_args;
  int max_args;         // -1: any number (min/max)
  bool integer_ok;      // allowed in int64 models
  bool first_is_state;  // event macros: the first argument must name a state
};

// nullptr when `name` is not a builtin.
const BuiltinInfo* find_builtin(std::string_view name);
const BuiltinInfo& builtin_info(BuiltinId id);
std::vector<std::string> builtin_names();

// Named constants of the language.
inline constexpr double kPi = 3.141592653589793;
inline constexpr double kE = 2.718281828459045;

}  // namespace dynlib::dsl

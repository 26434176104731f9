// Evaluates expressions whose value is known when the model loads: constants, param and initial
// values, preset values. Follows the language's semantics exactly (Python-style // and %, small
// integer powers as repeated multiplication) so a folded value equals what a run would compute.
#pragma once

#include <stdexcept>

#include "dsl/model_spec.hpp"

namespace dynlib::dsl {

struct ConstValue {
  double value = 0.0;
  long long int_value = 0;
  bool is_integer = false;  // integral and exactly representable (|v| <= 2^53 for floats)
};

class ConstEvalError : public std::runtime_error {
 public:
  ConstEvalError(const std::string& message, int pos) : std::runtime_error(message), pos(pos) {}
  int pos;
};

// `e` must be resolved. Params take their default values from `spec`.
ConstValue eval_const(const Expr& e, const ModelSpec& spec);

}  // namespace dynlib::dsl

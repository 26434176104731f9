// Evaluates expressions whose value is known when the model loads: constants, param and initial
// values, preset values. Computes in the model's dtype through the kernel's operation table
// (kernel/op_table.hpp), with the lowering's rules (small integer powers as repeated
// multiplication), so a value known at load time equals what a run would compute. Where a run
// defines a quiet result (int64 wrap-around, a zero divisor) loading reports an error instead.
#pragma once

#include <optional>
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

// The exponent of `x ** k` when it is a literal or constant integer that lowers to
// multiplications: 0..3 for floats (x**0 == 1, x**1 == x exactly; x**2, x**3 are products), any
// k >= 0 for int64 models. Every other power calls pow. The IR and this evaluator share the rule.
std::optional<long long> small_int_exponent(const Expr& exponent, bool integer_model);

// `e` must be resolved. Params take their default values from `spec`.
ConstValue eval_const(const Expr& e, const ModelSpec& spec);

}  // namespace dynlib::dsl

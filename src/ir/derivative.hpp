// Symbolic derivatives: forward-mode differentiation of a module's rhs, producing IR.
//
// add_derivatives(m) fills m.jacobian (d f_i / d y_j), m.jvp (J(y) v, v read through
// InputKind::Direction inputs), m.dfdp (d f_i / d p_k over the flattened params) and
// m.jac_sparsity, and sets m.has_derivatives. For maps, f is the next-state map.
//
// What is differentiated: rhs exactly as lowered, so aux values and user functions (inlined by
// lowering) are covered. A reduction stays a loop whose accumulator gets a loop-carried derivative
// slot; a conditional `a if c else b` differentiates each branch inside the same If/Else.
// ParamAt p[off + i] has derivative 0 in y and, in dfdp, the indicator (off + i == k) in p_k.
//
// Lagged states lag_x(k) count as constants: their derivative is 0 (the Jacobian is that of the
// current-state map with the history held fixed). Time is a constant too.
//
// Piecewise operations get their almost-everywhere derivative:
//   abs(x) -> sign(x) dx (0 at 0); min/max -> the derivative of the argument the operation selects
//   (on ties, the one it returns: min2/max2 return the first argument unless the second is strictly
//   smaller/larger), so clip and relu follow; sign, floor, ceil, trunc, round, //, comparisons and
//   logic -> 0; a % b -> da - (a // b) db (Python's definition a % b = a - (a // b) b);
//   copysign(a, b) -> copysign(1, a) copysign(1, b) da.
// pow(a, b) -> b a^(b-1) da + a^b log(a) db, where the db term is left out when b's derivative is
// structurally zero (so a^2.5 of a negative a stays finite).
//
// The emitted code follows the IR's order rule: every derivative instruction has a fixed operand
// order, nothing is reassociated. Structurally zero derivatives emit nothing (outputs that are
// structurally zero read the constant 0). Identical instructions are shared (hash-consing scoped to
// the code they dominate; nothing that reads a loop-carried or conditional slot is shared), and the
// primal computation appears once per function, ahead of the derivatives that need it; primal
// values no derivative needs are dropped.
//
// New constants (0, 1, ln 2, ...) are appended to the module's constants, rounded to its dtype; the
// non-constant slots of every existing function are renumbered past them.
//
// int64 modules (exact integer maps) have no meaningful derivatives: add_derivatives throws
// std::invalid_argument for them.
#pragma once

#include "ir/ir.hpp"

namespace dynlib::ir {

void add_derivatives(Module& m);

}  // namespace dynlib::ir

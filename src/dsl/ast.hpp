// The expression language's syntax tree. One node type with a kind tag keeps the tree easy to walk
// for the checker, the printer and the lowering; `pos`/`end` are byte offsets into the expression
// text so every diagnostic can point at the exact character.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace dynlib::dsl {

enum class ExprKind {
  Number,       // 1, 2.5, 1e-3
  Name,         // x, t, pi
  Unary,        // -a, +a
  Binary,       // a + b, a ** b ...
  Compare,      // a < b <= c (a chain: args[0] ops[0] args[1] ops[1] args[2] ...)
  And,          // a and b
  Or,           // a or b
  Not,          // not a
  Conditional,  // args: [then, cond, else] for "then if cond else else"
  Call,         // name(args...)
  Index,        // name[args[0]]
  Reduction,    // sum/prod(args[0] for var in range(args[1], args[2][, args[3]]) [if cond])
};

enum class Op {
  Add,
  Sub,
  Mul,
  Div,
  FloorDiv,
  Mod,
  Pow,  // binary arithmetic
  Neg,
  Pos,  // unary
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Ne,  // comparisons
};

const char* op_text(Op op);

// What a Name (or a Call's callee, or an Index's base) refers to once the checker resolved it.
enum class Ref {
  Unresolved,
  State,       // index = state index
  Param,       // index = param index (array params only through Index)
  Constant,    // folded value in Expr::number
  Aux,         // index = aux index
  Time,        // t
  LoopVar,     // a reduction's variable; index = nesting depth
  FuncArg,     // argument of a user function; index = argument position
  Builtin,     // a math function or macro; index = BuiltinId
  Function,    // user function; index = function index
  Lag,         // lag_x(k): index = state index, lag depth in Expr::int_value
  EventMacro,  // cross_up(...) etc; index = BuiltinId
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::Number;
  int pos = 0;  // first byte of the node in the expression text
  int end = 0;  // one past its last byte
  int depth =
      1;  // height of the subtree; the parser bounds it so no later walk overflows the stack

  // Number: value; integer literals also keep their exact integer value (int64 models need it).
  double number = 0.0;
  long long int_value = 0;
  bool is_integer_literal = false;

  std::string name;  // Name, Call callee, Index base, Reduction kind ("sum"/"prod")
  int name_end = 0;  // end offset of the callee/base name (for diagnostics)
  Op op = Op::Add;   // Unary/Binary
  std::vector<Op> compare_ops;
  std::vector<ExprPtr> args;

  // Reduction only
  std::string loop_var;
  bool has_step = false;
  bool has_filter = false;  // args.back() is the `if` filter when set

  // Filled by the checker.
  Ref ref = Ref::Unresolved;
  int ref_index = -1;
};

ExprPtr clone(const Expr& e);

// One assignment statement of an equations block or an event action.
enum class AssignOp { Set, AddTo, SubFrom };

struct Assignment {
  std::string target;       // the state (or param) assigned
  bool derivative = false;  // written as dx = ... or d(x) = ...
  AssignOp op = AssignOp::Set;
  int target_pos = 0, target_end = 0;  // offsets into the block text the statement came from
  ExprPtr value;
};

}  // namespace dynlib::dsl

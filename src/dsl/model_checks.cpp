// Whole-model checks run once every table is read: no recursion among user functions, and the aux
// variables in an order where each comes after what it reads.

#include "dsl/frontend.hpp"

#include <algorithm>
#include <functional>

namespace dynlib::dsl::frontend {

void Frontend::check_function_recursion() {
  // Depth-first search over the call graph; a back edge is a cycle.
  const size_t n = spec_.functions.size();
  std::vector<int> color(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<int> stack;
  std::function<void(int)> visit = [&](int f) {
    color[static_cast<size_t>(f)] = 1;
    stack.push_back(f);
    for (const auto& [callee, at] : calls_[static_cast<size_t>(f)]) {
      if (color[static_cast<size_t>(callee)] == 1) {
        std::vector<std::string> cycle;
        auto it = std::find(stack.begin(), stack.end(), callee);
        for (; it != stack.end(); ++it)
          cycle.push_back(spec_.functions[static_cast<size_t>(*it)].name);
        cycle.push_back(spec_.functions[static_cast<size_t>(callee)].name);
        // `at` is in f's body, which a mod may have written in another file.
        fail_at_in(*spec_.functions[static_cast<size_t>(f)].body.src, at,
                   fmt::format("recursion is not allowed: {}", fmt::join(cycle, " -> ")));
      }
      if (color[static_cast<size_t>(callee)] == 0) visit(callee);
    }
    stack.pop_back();
    color[static_cast<size_t>(f)] = 2;
  };
  for (size_t i = 0; i < n; ++i)
    if (color[i] == 0) visit(static_cast<int>(i));
}

// Aux variables referenced by an expression, directly or through the functions it calls.
void Frontend::aux_refs(const Expr& e, const SourceText& src,
                        std::vector<std::pair<int, Position>>& out,
                        std::vector<bool>& seen_functions) const {
  if (e.ref == Ref::Aux) out.push_back({e.ref_index, src.at(e.pos)});
  if (e.ref == Ref::Function && !seen_functions[static_cast<size_t>(e.ref_index)]) {
    seen_functions[static_cast<size_t>(e.ref_index)] = true;
    const auto& f = spec_.functions[static_cast<size_t>(e.ref_index)];
    std::vector<std::pair<int, Position>> inner;
    aux_refs(*f.body.expr, *f.body.src, inner, seen_functions);
    for (auto& r : inner) out.push_back({r.first, src.at(e.pos)});
  }
  for (const auto& a : e.args) aux_refs(*a, src, out, seen_functions);
}

void Frontend::order_aux() {
  const size_t n = spec_.aux.size();
  std::vector<std::vector<std::pair<int, Position>>> deps(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<bool> seen(spec_.functions.size(), false);
    aux_refs(*spec_.aux[i].expr.expr, *spec_.aux[i].expr.src, deps[i], seen);
  }
  std::vector<int> color(n, 0);
  std::vector<int> stack;
  std::function<void(int)> visit = [&](int a) {
    color[static_cast<size_t>(a)] = 1;
    stack.push_back(a);
    for (const auto& [d, at] : deps[static_cast<size_t>(a)]) {
      if (color[static_cast<size_t>(d)] == 1) {
        std::vector<std::string> cycle;
        for (auto it = std::find(stack.begin(), stack.end(), d); it != stack.end(); ++it)
          cycle.push_back(spec_.aux[static_cast<size_t>(*it)].name);
        cycle.push_back(spec_.aux[static_cast<size_t>(d)].name);
        fail_at_in(*spec_.aux[static_cast<size_t>(a)].expr.src, at,
                   fmt::format("aux variables depend on each other in a cycle: {}",
                               fmt::join(cycle, " -> ")));
      }
      if (color[static_cast<size_t>(d)] == 0) visit(d);
    }
    stack.pop_back();
    color[static_cast<size_t>(a)] = 2;
    spec_.aux_order.push_back(a);
  };
  for (size_t i = 0; i < n; ++i)
    if (color[i] == 0) visit(static_cast<int>(i));
}

}  // namespace dynlib::dsl::frontend

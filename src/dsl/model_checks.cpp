// Whole-model checks run once every table is read: no recursion among user functions, no chain of
// calls too deep to inline, and the aux variables in an order where each comes after what it
// reads.

#include "dsl/frontend.hpp"

#include <algorithm>

namespace dynlib::dsl::frontend {

namespace {

using Edges = std::vector<std::vector<std::pair<int, Position>>>;  // per node: (target, where)

// Depth-first search over every node, iterative (a graph of 10^5 aux must not overflow the
// stack). on_cycle(from, to, where, path) is called for a back edge (it throws); finished(v) when
// all of v's targets are, so the calls come in dependency order.
template <class OnCycle, class Finished>
void depth_first(const Edges& edges, OnCycle&& on_cycle, Finished&& finished) {
  const size_t n = edges.size();
  std::vector<int> color(n, 0);              // 0 new, 1 on the path, 2 done
  std::vector<std::pair<int, size_t>> todo;  // (node, its next edge)
  std::vector<int> path;                     // the nodes with color 1, in order
  for (size_t root = 0; root < n; ++root) {
    if (color[root] != 0) continue;
    color[root] = 1;
    path.push_back(static_cast<int>(root));
    todo.push_back({static_cast<int>(root), 0});
    while (!todo.empty()) {
      const int v = todo.back().first;
      const size_t next = todo.back().second;
      const auto& out = edges[static_cast<size_t>(v)];
      if (next == out.size()) {
        color[static_cast<size_t>(v)] = 2;
        finished(v);
        path.pop_back();
        todo.pop_back();
        continue;
      }
      todo.back().second = next + 1;
      const auto& [to, at] = out[next];
      if (color[static_cast<size_t>(to)] == 1) on_cycle(v, to, at, path);
      if (color[static_cast<size_t>(to)] == 0) {
        color[static_cast<size_t>(to)] = 1;
        path.push_back(to);
        todo.push_back({to, 0});
      }
    }
  }
}

// The names along `path` from `to` back to `to`: "a -> b -> a".
template <class Named>
std::vector<std::string> cycle_names(const std::vector<int>& path, int to, const Named& items) {
  std::vector<std::string> cycle;
  for (auto it = std::find(path.begin(), path.end(), to); it != path.end(); ++it)
    cycle.push_back(items[static_cast<size_t>(*it)].name);
  cycle.push_back(items[static_cast<size_t>(to)].name);
  return cycle;
}

}  // namespace

void Frontend::check_function_recursion() {
  // A back edge of the call graph is a cycle. Callees finish first, so each function's inlined
  // height can be computed from its callees'.
  inlined_height_.assign(spec_.functions.size(), 0);
  depth_first(
      calls_,
      [&](int f, int callee, Position at, const std::vector<int>& path) {
        // `at` is in f's body, which a mod may have written in another file.
        fail_at_in(*spec_.functions[static_cast<size_t>(f)].body.src, at,
                   fmt::format("recursion is not allowed: {}",
                               fmt::join(cycle_names(path, callee, spec_.functions), " -> ")));
      },
      [&](int f) {
        const Located& body = spec_.functions[static_cast<size_t>(f)].body;
        inlined_height_[static_cast<size_t>(f)] = inlined_height(*body.expr, body);
      });
}

// The height of `e` with every user function it calls inlined: how deep lowering recurses. The
// parser bounds one expression's height; this bounds a chain of calls, checked callee first so
// the error points at the call that goes too deep.
int Frontend::inlined_height(const Expr& e, const Located& where) {
  int h = 0;
  for (const auto& a : e.args) h = std::max(h, inlined_height(*a, where));
  if (e.kind == ExprKind::Call && e.ref == Ref::Function) {
    h = std::max(h, inlined_height_[static_cast<size_t>(e.ref_index)]);
    if (h + 1 > kMaxInlinedHeight)
      fail_expr(where, e,
                fmt::format("function call chain deeper than {} levels (counting the expressions "
                            "of the called functions' bodies)",
                            kMaxInlinedHeight),
                "shorten the chain of functions calling functions, e.g. compute intermediate "
                "values as aux variables");
  }
  return h + 1;
}

// Aux variables referenced by an expression, directly or through the functions it calls (a ref
// inside a function's body is reported at the call). Iterative: a chain of 10^5 functions each
// calling the next must not overflow the stack.
void Frontend::aux_refs(const Expr& root, const SourceText& src,
                        std::vector<std::pair<int, Position>>& out,
                        std::vector<bool>& seen_functions) const {
  struct Pending {
    const Expr* e;
    const SourceText* src;  // the text `e` is in, for a node of the root expression
    Position call;          // the call site in the root expression, for a node of a body
  };
  std::vector<Pending> todo{{&root, &src, {}}};
  while (!todo.empty()) {
    const Pending p = todo.back();
    todo.pop_back();
    const Expr& e = *p.e;
    const Position here = p.src ? p.src->at(e.pos) : p.call;
    if (e.ref == Ref::Aux) out.push_back({e.ref_index, here});
    // Arguments after the body, so the order is that of the recursive walk this replaces.
    for (auto a = e.args.rbegin(); a != e.args.rend(); ++a)
      todo.push_back({a->get(), p.src, p.call});
    if (e.ref == Ref::Function && !seen_functions[static_cast<size_t>(e.ref_index)]) {
      seen_functions[static_cast<size_t>(e.ref_index)] = true;
      todo.push_back(
          {spec_.functions[static_cast<size_t>(e.ref_index)].body.expr.get(), nullptr, here});
    }
  }
}

void Frontend::order_aux() {
  const size_t n = spec_.aux.size();
  Edges deps(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<bool> seen(spec_.functions.size(), false);
    aux_refs(*spec_.aux[i].expr.expr, *spec_.aux[i].expr.src, deps[i], seen);
  }
  depth_first(
      deps,
      [&](int a, int d, Position at, const std::vector<int>& path) {
        fail_at_in(*spec_.aux[static_cast<size_t>(a)].expr.src, at,
                   fmt::format("aux variables depend on each other in a cycle: {}",
                               fmt::join(cycle_names(path, d, spec_.aux), " -> ")));
      },
      [&](int a) { spec_.aux_order.push_back(a); });
}

}  // namespace dynlib::dsl::frontend

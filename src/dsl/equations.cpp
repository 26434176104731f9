// [equations]: the right-hand side (ODE derivatives or map updates), the inverse map and a
// user Jacobian.

#include "dsl/frontend.hpp"

namespace dynlib::dsl::frontend {

void Frontend::load_equations() {
  const toml::table* eq = sub_table(root_, "equations", "[equations]");
  const bool ode = spec_.kind == ModelKind::Ode;
  spec_.equations.resize(spec_.states.size());
  std::vector<Position> defined_at(spec_.states.size());
  if (eq) {
    check_keys(*eq, {"rhs", "expr", "jacobian", "inverse"}, "in [equations]");
    load_equation_set(*eq, "equations", spec_.equations, defined_at, ode);
  }
  for (size_t i = 0; i < spec_.states.size(); ++i)
    if (!spec_.equations[i].expr)
      fail_at(spec_.states[i].where,
              fmt::format("state '{}' has no equation", spec_.states[i].name),
              ode ? fmt::format("add d{} = ... to [equations] or {} = \"...\" to [equations.rhs]",
                                spec_.states[i].name, spec_.states[i].name)
                  : fmt::format("add {} = \"...\" to [equations.rhs]", spec_.states[i].name));
  const char* where = ode ? "in an equation" : "in a map equation";
  for (auto& e : spec_.equations) resolve_located(e, model_scope(where));

  if (eq) {
    if (const toml::table* jac = sub_table(*eq, "jacobian", "[equations.jacobian]"))
      load_jacobian(*jac);
    if (const toml::table* inv = sub_table(*eq, "inverse", "[equations.inverse]")) {
      if (ode) fail_at(to_position(inv->source().begin), "[equations.inverse] is only for maps");
      // Same forms as the map itself: one key per state, and/or an `expr` block.
      std::vector<Located> inverse(spec_.states.size());
      std::vector<Position> at(spec_.states.size());
      check_keys(*inv, {"rhs", "expr"}, "in [equations.inverse]");
      load_equation_set(*inv, "equations.inverse", inverse, at, false);
      for (size_t i = 0; i < inverse.size(); ++i) {
        if (!inverse[i].expr)
          fail_at(
              to_position(inv->source().begin),
              fmt::format("the inverse map has no equation for state '{}'", spec_.states[i].name));
        resolve_located(inverse[i], model_scope("in the inverse map"));
      }
      spec_.inverse = std::move(inverse);
    }
  }
}

// Reads `rhs` (per-state keys) and `expr` (a block of assignments) of one equations table.
void Frontend::load_equation_set(const toml::table& tbl, const std::string& table_name,
                                 std::vector<Located>& out, std::vector<Position>& defined_at,
                                 bool ode) {
  auto store = [&](int si, Located l, Position at) {
    if (out[static_cast<size_t>(si)].expr) {
      // Per-state keys are read before the block: report at whichever comes later in the file.
      Position first = defined_at[static_cast<size_t>(si)], second = at;
      if (second.line < first.line || (second.line == first.line && second.column < first.column))
        std::swap(first, second);
      fail_at(
          second,
          fmt::format("state '{}' is defined twice", spec_.states[static_cast<size_t>(si)].name),
          fmt::format("first defined at line {}", first.line));
    }
    out[static_cast<size_t>(si)] = std::move(l);
    defined_at[static_cast<size_t>(si)] = at;
  };
  // Per-state keys live in the `rhs` sub-table, beside the `expr` block, in [equations] and in
  // [equations.inverse] alike (docs/modeling.md).
  const toml::table* rhs = sub_table(tbl, "rhs", "[" + table_name + ".rhs]");
  if (rhs) {
    for (const auto& [k_ptr, v_ptr] : in_file_order(*rhs)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      const std::string name(k.str());
      const int si = spec_.state_index(name);
      if (si < 0) {
        std::string hint = support::did_you_mean(name, state_names());
        if (ode && name.size() > 1 && name[0] == 'd' && spec_.state_index(name.substr(1)) >= 0)
          hint = fmt::format("[{}.rhs] keys are state names: write {} = \"...\"", table_name,
                             name.substr(1));
        fail_key(k, fmt::format("equation for unknown state '{}'", name), hint);
      }
      store(si, expr_value(v, fmt::format("equation of '{}'", name)),
            to_position(k.source().begin));
    }
  }
  if (const toml::node* block = tbl.get("expr")) {
    if (!block->is_string())
      fail_node(*block, "expr must be a string of assignments, one per line");
    SourceRef src = file_.string_value(*block, block->as_string()->get());
    StatementRules rules;
    rules.allow_d_call = true;  // so a map's d(x) gets a clear error instead of a syntax error
    auto stmts = parse_block(*src, rules);
    for (auto& a : stmts) {
      const Position at = src->at(a.target_pos);
      std::string target = a.target;
      if (ode) {
        if (!a.derivative) {
          const bool d_form =
              target.size() > 1 && target[0] == 'd' && spec_.state_index(target.substr(1)) >= 0;
          if (!d_form) {
            if (spec_.state_index(target) >= 0)
              fail_at(at,
                      fmt::format("ODE equations give derivatives: write d{} = ... or d({}) = ...",
                                  target, target));
            std::vector<std::string> ds;
            for (const auto& s : spec_.states) ds.push_back("d" + s.name);
            const std::string bare =
                target.size() > 1 && target[0] == 'd' ? target.substr(1) : target;
            fail_at(at, fmt::format("equation for unknown state '{}'", bare),
                    support::did_you_mean(target, ds));
          }
          target = target.substr(1);
        }
        const int si = spec_.state_index(target);
        if (si < 0)
          fail_at(at, fmt::format("equation for unknown state '{}'", target),
                  support::did_you_mean(target, state_names()));
        store(si, Located{std::move(a.value), src}, at);
      } else {
        const bool d_form =
            a.derivative || (spec_.state_index(target) < 0 && target.size() > 1 &&
                             target[0] == 'd' && spec_.state_index(target.substr(1)) >= 0);
        if (d_form) {
          const std::string s = a.derivative ? target : target.substr(1);
          fail_at(at, "derivative notation in a map",
                  fmt::format("a map gives the next value: write {} = ...", s));
        }
        const int si = spec_.state_index(target);
        if (si < 0)
          fail_at(at, fmt::format("equation for unknown state '{}'", target),
                  support::did_you_mean(target, state_names()));
        store(si, Located{std::move(a.value), src}, at);
      }
    }
  }
}

void Frontend::load_jacobian(const toml::table& jac) {
  check_keys(jac, {"expr"}, "in [equations.jacobian]");
  const toml::node* m = jac.get("expr");
  if (!m)
    fail_at(to_position(jac.source().begin), "[equations.jacobian] needs expr = [[...], ...]");
  const toml::array* rows = m->as_array();
  const size_t n = spec_.states.size();
  if (!rows) fail_node(*m, "the Jacobian must be an array of rows, e.g. [[\"a\", \"b\"], [...]]");
  if (rows->size() != n)
    fail_node(*m, fmt::format("the Jacobian must be square ({}x{} for {} states); it has {} row{}",
                              n, n, n, rows->size(), rows->size() == 1 ? "" : "s"));
  std::vector<std::vector<Located>> out;
  for (size_t i = 0; i < n; ++i) {
    const toml::array* row = rows->get(i)->as_array();
    if (!row) fail_node(*rows->get(i), fmt::format("row {} of the Jacobian must be an array", i));
    if (row->size() != n)
      fail_node(*rows->get(i),
                fmt::format("the Jacobian must be square ({}x{}); row {} has {} entries", n, n, i,
                            row->size()));
    std::vector<Located> r;
    for (size_t j = 0; j < n; ++j) {
      Located l = expr_value(*row->get(j), fmt::format("Jacobian entry [{}][{}]", i, j));
      resolve_located(l, model_scope("in the Jacobian"));
      r.push_back(std::move(l));
    }
    out.push_back(std::move(r));
  }
  spec_.jacobian = std::move(out);
}

}  // namespace dynlib::dsl::frontend

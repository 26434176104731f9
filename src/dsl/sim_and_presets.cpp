// [sim] run defaults and [presets] (named sets of param and state values).

#include "dsl/frontend.hpp"

#include <algorithm>
#include <cmath>

namespace dynlib::dsl::frontend {

double Frontend::number_at(const toml::node& n, const std::string& what) {
  if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
  if (n.is_floating_point() && std::isfinite(n.as_floating_point()->get()))
    return n.as_floating_point()->get();
  fail_node(n, fmt::format("{} must be a finite number, not {}", what, describe(n)));
}

long long Frontend::integer_at(const toml::node& n, const std::string& what, long long min) {
  if (!n.is_integer())
    fail_node(n, fmt::format("{} must be an integer, not {}", what, describe(n)));
  const long long v = n.as_integer()->get();
  if (v < min) fail_node(n, fmt::format("{} must be at least {}", what, min));
  return v;
}

void Frontend::load_sim() {
  const toml::table* t = sub_table(root_, "sim", "[sim]");
  if (!t) return;
  // Unknown keys are warnings: the reference dynlib passes them on to its stepper silently, and
  // its model files carry such keys (e.g. T); a typo still gets a did-you-mean.
  warn_unknown_keys(*t, {"t0",         "t_end",           "dt",          "stepper",
                         "record",     "record_interval", "max_steps",   "atol",
                         "rtol",       "dt_min",          "dt_max",      "safety",
                         "min_factor", "max_factor",      "max_rejects", "controller",
                         "newton_tol", "newton_max_iter", "jac_eps",     "jacobian_mode",
                         "max_order",  "linear_solver",   "max_tries",   "min_step",
                         "stop"},
                    "in [sim]");
  // max_tries and min_step are the reference's names of max_rejects and dt_min.
  auto spelling = [&](const char* name, const char* reference_name) -> const char* {
    const toml::node* ours = t->get(name);
    const toml::node* theirs = t->get(reference_name);
    if (ours && theirs)
      fail_node(*theirs,
                fmt::format("{} is another name of {}, which is also given", reference_name, name),
                "keep one of them");
    return theirs ? reference_name : name;
  };
  SimDefaults& s = spec_.sim;
  auto positive = [&](const char* key) -> std::optional<double> {
    const toml::node* n = t->get(key);
    if (!n) return std::nullopt;
    const double v = number_at(*n, key);
    if (!(v > 0)) fail_node(*n, fmt::format("{} must be positive", key));
    return v;
  };
  if (const toml::node* n = t->get("t0")) s.t0 = number_at(*n, "t0");
  if (const toml::node* n = t->get("t_end")) {
    s.t_end = number_at(*n, "t_end");
    if (*s.t_end < s.t0) fail_node(*n, "t_end must not be before t0");
  }
  s.dt = positive("dt");
  if (const toml::node* n = t->get("stepper")) {
    if (!n->is_string() || n->as_string()->get().empty())
      fail_node(*n, "stepper must be a stepper name such as \"rk4\"");
    s.stepper = n->as_string()->get();
    s.stepper_where = to_position(n->source().begin);
  }
  if (const toml::node* n = t->get("record")) {
    if (!n->is_boolean()) fail_node(*n, "record must be true or false");
    s.record = n->as_boolean()->get();
  }
  if (const toml::node* n = t->get("record_interval"))
    s.record_interval = integer_at(*n, "record_interval", 1);
  if (const toml::node* n = t->get("max_steps")) s.max_steps = integer_at(*n, "max_steps", 1);
  if (auto v = positive("atol")) s.atol = *v;
  if (auto v = positive("rtol")) s.rtol = *v;
  s.dt_min = positive(spelling("dt_min", "min_step"));
  s.dt_max = positive("dt_max");
  s.safety = positive("safety");
  s.min_factor = positive("min_factor");
  s.max_factor = positive("max_factor");
  const char* max_rejects = spelling("max_rejects", "max_tries");
  if (const toml::node* n = t->get(max_rejects)) s.max_rejects = integer_at(*n, max_rejects, 1);
  if (const toml::node* n = t->get("controller")) {
    const std::string c = n->value_or(std::string{});
    if (c != "pi" && c != "standard")
      fail_node(*n, fmt::format("controller must be \"pi\" or \"standard\", not {}", describe(*n)),
                support::did_you_mean(c, {"pi", "standard"}));
    s.controller = c;
  }
  s.newton_tol = positive("newton_tol");
  s.jac_eps = positive("jac_eps");
  if (const toml::node* n = t->get("newton_max_iter"))
    s.newton_max_iter = integer_at(*n, "newton_max_iter", 1);
  if (const toml::node* n = t->get("max_order")) s.max_order = integer_at(*n, "max_order", 1);
  if (const toml::node* n = t->get("jacobian_mode")) {
    // The reference dynlib's spellings are accepted: "external" (the model's), "internal" (fd).
    const std::vector<std::string> modes = {"symbolic", "analytic", "fd", "external", "internal"};
    const std::string m = n->value_or(std::string{});
    if (std::find(modes.begin(), modes.end(), m) == modes.end())
      fail_node(*n,
                fmt::format("jacobian_mode must be \"symbolic\", \"analytic\" or \"fd\", not {}",
                            describe(*n)),
                support::did_you_mean(m, modes));
    s.jacobian_mode = m;
  }
  if (const toml::node* n = t->get("linear_solver")) {
    const std::vector<std::string> solvers = {"auto", "dense", "klu"};
    const std::string v = n->value_or(std::string{});
    if (std::find(solvers.begin(), solvers.end(), v) == solvers.end())
      fail_node(
          *n,
          fmt::format("linear_solver must be \"auto\", \"dense\" or \"klu\", not {}", describe(*n)),
          support::did_you_mean(v, solvers));
    s.linear_solver = v;
  }
  if (s.dt_min && s.dt_max && *s.dt_min > *s.dt_max)
    fail_node(*t->get("dt_min"), "dt_min must not exceed dt_max");
  if (const toml::node* n = t->get("stop")) load_stop(*n);
}

// [sim] stop = "cond", or [sim.stop] with cond and phase. Only the phase "post" exists (after each
// committed step), as in the reference dynlib. Event macros (cross_up, ...) are allowed: after a
// step their lagged value is the state before it, so crossings work as in end-phase events.
void Frontend::load_stop(const toml::node& n) {
  const toml::node* cond = &n;
  if (const toml::table* st = n.as_table()) {
    check_keys(*st, {"cond", "phase"}, "in [sim.stop]");
    cond = st->get("cond");
    if (!cond) fail_node(n, "[sim.stop] has no cond", "add cond = \"...\"");
    if (const toml::node* ph = st->get("phase")) {
      const std::string p = ph->value_or(std::string{});
      if (p != "post")
        fail_node(*ph, fmt::format("[sim.stop] phase must be \"post\", not {}", describe(*ph)),
                  "the condition is checked after each committed step");
    }
  } else if (!n.is_string()) {
    fail_node(n, fmt::format("stop must be a condition (a quoted expression) or a table with cond, "
                             "not {}",
                             describe(n)));
  }
  if (!cond->is_string()) fail_node(*cond, "the stop condition must be a quoted expression");
  Located l = expr_value(*cond, "the stop condition");
  Scope s = model_scope("in the stop condition");
  s.event_macros = true;
  resolve_located(l, s);
  spec_.stop = std::move(l);
}

void Frontend::load_presets() {
  const toml::table* t = sub_table(root_, "presets", "[presets]");
  if (!t) return;
  for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
    const toml::key& k = *k_ptr;
    const toml::node& v = *v_ptr;
    const std::string name(k.str());
    if (!is_identifier(name))
      fail_key(k, fmt::format("invalid preset name '{}'", name),
               "names start with a letter or '_' and contain only letters, digits and '_'");
    if (!v.is_table())
      fail_node(v, fmt::format("[presets.{}] must hold [presets.{}.params] and/or "
                               "[presets.{}.states]",
                               name, name, name));
    const toml::table& pt = *v.as_table();
    check_keys(pt, {"params", "states"}, fmt::format("in [presets.{}]", name));
    PresetSpec p;
    p.name = name;
    p.where = to_position(k.source().begin);
    if (const toml::table* params = sub_table(pt, "params", "preset params"))
      for (const auto& [pk_ptr, pv_ptr] : in_file_order(*params)) {
        const toml::key& pk = *pk_ptr;
        const toml::node& pv = *pv_ptr;
        const int pi = spec_.param_index(std::string(pk.str()));
        if (pi < 0) {
          std::vector<std::string> names;
          for (const auto& x : spec_.params) names.push_back(x.name);
          fail_key(pk, fmt::format("preset '{}' sets unknown param '{}'", name, pk.str()),
                   support::did_you_mean(pk.str(), names));
        }
        p.values.push_back(preset_value(pk, pv, Ref::Param, pi));
      }
    if (const toml::table* states = sub_table(pt, "states", "preset states"))
      for (const auto& [sk_ptr, sv_ptr] : in_file_order(*states)) {
        const toml::key& sk = *sk_ptr;
        const toml::node& sv = *sv_ptr;
        const int si = spec_.state_index(std::string(sk.str()));
        if (si < 0)
          fail_key(sk, fmt::format("preset '{}' sets unknown state '{}'", name, sk.str()),
                   support::did_you_mean(sk.str(), state_names()));
        p.values.push_back(preset_value(sk, sv, Ref::State, si));
      }
    spec_.presets.push_back(std::move(p));
  }
}

PresetValue Frontend::preset_value(const toml::key& k, const toml::node& v, Ref kind, int index) {
  PresetValue pv;
  pv.name = std::string(k.str());
  pv.kind = kind;
  pv.index = index;
  Scope s;
  s.where = "in a preset (preset values may use numbers, constants and params)";
  s.states = s.aux = s.time = s.functions = s.lags = false;
  auto add = [&](const toml::node& n, const std::string& what) {
    ConstValue cv = value_of(n, what, s);
    if (integer_model() && !cv.is_integer)
      fail_node(n, fmt::format("{} must be an integer in an int64 model", what));
    pv.values.push_back(cv.value);
    pv.int_values.push_back(cv.int_value);
  };
  const bool is_array = kind == Ref::Param && spec_.params[static_cast<size_t>(index)].is_array;
  if (const toml::array* arr = v.as_array()) {
    if (!is_array) fail_node(v, fmt::format("'{}' is a scalar; give one value", pv.name));
    const size_t want = spec_.params[static_cast<size_t>(index)].values.size();
    if (arr->size() != want)
      fail_node(
          v, fmt::format("'{}' has {} elements; the preset gives {}", pv.name, want, arr->size()));
    for (size_t i = 0; i < arr->size(); ++i)
      add(*arr->get(i), fmt::format("element {} of '{}'", i, pv.name));
  } else {
    if (is_array) fail_node(v, fmt::format("'{}' is an array param; give an array", pv.name));
    add(v, fmt::format("preset value of '{}'", pv.name));
  }
  return pv;
}

}  // namespace dynlib::dsl::frontend

// The declaration tables: [model], [constants], [params], [states] (and their initial values),
// [functions] and [aux].

#include "dsl/frontend.hpp"

#include <algorithm>

namespace dynlib::dsl::frontend {

void Frontend::load_model_table() {
  const toml::table* m = sub_table(root_, "model", "[model]");
  if (!m) fail_at({1, 1}, "missing [model] table", "add [model] with type = \"ode\" or \"map\"");
  // Unknown keys warn, as in [sim]: the reference ignores them and its files carry some (its
  // examples put stepper here); a typo still gets a did-you-mean.
  warn_unknown_keys(*m, {"type", "name", "dtype"}, "in [model]");
  const toml::node* type = m->get("type");
  if (!type) fail_at(to_position(m->source().begin), "[model] needs a type: \"ode\" or \"map\"");
  const std::string tv = type->value_or(std::string{});
  if (tv == "ode")
    spec_.kind = ModelKind::Ode;
  else if (tv == "map")
    spec_.kind = ModelKind::Map;
  else
    fail_node(*type, fmt::format("model type must be \"ode\" or \"map\", not {}", describe(*type)),
              support::did_you_mean(tv, {"ode", "map"}));
  if (const toml::node* n = m->get("name")) {
    if (!n->is_string() || n->as_string()->get().empty())
      fail_node(*n, "model name must be a non-empty string");
    spec_.name = n->as_string()->get();
    for (unsigned char c : spec_.name)
      if (c < 0x20 || c == 0x7f) fail_node(*n, "model name contains a control character");
  } else {
    spec_.name = default_model_name(file_.name());
  }
  if (const toml::node* d = m->get("dtype")) {
    const std::string dv = d->value_or(std::string{});
    if (dv == "float64")
      spec_.dtype = DType::Float64;
    else if (dv == "float32")
      spec_.dtype = DType::Float32;
    else if (dv == "int64")
      spec_.dtype = DType::Int64;
    else
      fail_node(
          *d,
          fmt::format("bad dtype {}: expected \"float64\", \"float32\" or \"int64\"", describe(*d)),
          support::did_you_mean(dv, {"float64", "float32", "int64"}));
    if (spec_.dtype == DType::Int64 && spec_.kind != ModelKind::Map)
      fail_node(*d, "dtype int64 is only allowed for maps", "use float64 for an ODE");
  }
}

std::string Frontend::describe(const toml::node& n) {
  if (const auto* s = n.as_string()) return fmt::format("\"{}\"", s->get());
  switch (n.type()) {
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

std::string Frontend::default_model_name(const std::string& source) {
  std::string base = source;
  if (auto p = base.find_last_of('/'); p != std::string::npos) base = base.substr(p + 1);
  if (base.size() > 5 && base.substr(base.size() - 5) == ".toml") base.resize(base.size() - 5);
  if (base.empty() || base.front() == '<') return "model";
  return base;
}

// A number written in the file, or an expression evaluated in `scope`.
ConstValue Frontend::value_of(const toml::node& n, const std::string& what, const Scope& scope) {
  Located l = expr_value(n, what);
  resolve_located(l, scope);
  try {
    return eval_const(*l.expr, spec_);
  } catch (const ConstEvalError& err) {
    fail_in(*l.src, err.pos, fmt::format("{}: {}", what, err.what()));
  }
}

Scope Frontend::constant_scope(int visible) const {
  Scope s;
  s.where = "in [constants] (constants may use numbers and earlier constants)";
  s.states = s.params = s.aux = s.time = s.functions = s.lags = false;
  s.constants_visible = visible;
  return s;
}

void Frontend::load_constants() {
  const toml::table* t = sub_table(root_, "constants", "[constants]");
  if (!t) return;
  for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
    const toml::key& k = *k_ptr;
    const toml::node& v = *v_ptr;
    define(k, "constant");
    const int visible = static_cast<int>(spec_.constants.size());
    ConstValue cv = value_of(v, fmt::format("constant '{}'", k.str()), constant_scope(visible));
    ConstantSpec c;
    c.name = std::string(k.str());
    c.value = cv.value;
    c.is_integer = cv.is_integer;
    c.int_value = cv.int_value;
    c.where = to_position(k.source().begin);
    if (integer_model() && !c.is_integer)
      fail_node(v, fmt::format("constant '{}' must be an integer in an int64 model", c.name));
    spec_.constants.push_back(std::move(c));
  }
}

void Frontend::load_params() {
  const toml::table* t = sub_table(root_, "params", "[params]");
  if (!t) return;
  for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
    const toml::key& k = *k_ptr;
    const toml::node& v = *v_ptr;
    define(k, "param");
    ParamSpec p;
    p.name = std::string(k.str());
    p.where = to_position(k.source().begin);
    Scope s;
    s.where = "in [params] (params may use numbers, constants and earlier params)";
    s.states = s.aux = s.time = s.functions = s.lags = false;
    s.params_visible = static_cast<int>(spec_.params.size());
    auto add_value = [&](const toml::node& n, const std::string& what) {
      ConstValue cv = value_of(n, what, s);
      if (integer_model() && !cv.is_integer)
        fail_node(n, fmt::format("{} must be an integer in an int64 model", what));
      p.values.push_back(cv.value);
      p.int_values.push_back(cv.int_value);
    };
    if (const toml::array* arr = v.as_array()) {
      p.is_array = true;
      if (arr->empty()) fail_node(v, fmt::format("array param '{}' is empty", p.name));
      for (size_t i = 0; i < arr->size(); ++i)
        add_value(*arr->get(i), fmt::format("element {} of param '{}'", i, p.name));
    } else {
      add_value(v, fmt::format("param '{}'", p.name));
    }
    spec_.params.push_back(std::move(p));
  }
}

void Frontend::load_states() {
  const toml::table* t = sub_table(root_, "states", "[states]");
  if (!t || t->empty())
    fail_at(t ? to_position(t->source().begin) : Position{1, 1}, "the model has no states",
            "add a [states] table, e.g. x = 1.0");
  for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
    const toml::key& k = *k_ptr;
    const toml::node& v = *v_ptr;
    define(k, "state");
    StateSpec st;
    st.name = std::string(k.str());
    st.where = to_position(k.source().begin);
    st.init = expr_value(v, fmt::format("initial value of state '{}'", st.name));
    spec_.states.push_back(std::move(st));
  }
  // Initial values may use params and constants; they are resolved once all names are known.
}

void Frontend::evaluate_initial_states() {
  Scope s;
  s.where = "in an initial value (initial values may use numbers, constants and params)";
  s.states = s.aux = s.time = s.functions = s.lags = false;
  for (auto& st : spec_.states) {
    resolve_located(st.init, s);
    try {
      ConstValue cv = eval_const(*st.init.expr, spec_);
      if (integer_model() && !cv.is_integer)
        fail_in(*st.init.src, 0, fmt::format("initial value of '{}' must be an integer", st.name));
      st.init_value = cv.value;
      st.init_int = cv.int_value;
    } catch (const ConstEvalError& err) {
      fail_in(*st.init.src, err.pos,
              fmt::format("initial value of state '{}': {}", st.name, err.what()));
    }
  }
}

Scope Frontend::model_scope(const char* where) const {
  Scope s;
  s.where = where;
  return s;
}

void Frontend::load_functions() {
  const toml::table* t = sub_table(root_, "functions", "[functions]");
  if (!t) return;
  // Names first, so functions may call each other regardless of order.
  std::vector<std::pair<const toml::key*, const toml::table*>> defs;
  for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
    const toml::key& k = *k_ptr;
    const toml::node& v = *v_ptr;
    define(k, "function");
    if (!v.is_table())
      fail_node(v, fmt::format("[functions.{}] must be a table with args and expr", k.str()));
    function_index_.emplace(std::string(k.str()), static_cast<int>(function_names_.size()));
    function_names_.push_back(std::string(k.str()));
    defs.push_back({&k, v.as_table()});
  }
  calls_.resize(defs.size());
  for (const auto& [k, tbl] : defs) {
    check_keys(*tbl, {"args", "expr"}, fmt::format("in [functions.{}]", k->str()));
    FunctionSpec f;
    f.name = std::string(k->str());
    f.where = to_position(k->source().begin);
    const toml::node* args = tbl->get("args");
    if (args) {
      const toml::array* arr = args->as_array();
      if (!arr) fail_node(*args, "args must be an array of names, e.g. [\"x\", \"y\"]");
      for (const auto& a : *arr) {
        if (!a.is_string() || !is_identifier(a.as_string()->get()) ||
            is_keyword(a.as_string()->get()))
          fail_node(a, "each argument must be a name, e.g. \"x\"");
        const std::string an = a.as_string()->get();
        if (std::find(f.args.begin(), f.args.end(), an) != f.args.end())
          fail_node(a, fmt::format("argument '{}' is listed twice", an));
        f.args.push_back(an);
      }
    }
    const toml::node* body = tbl->get("expr");
    if (!body) fail_key(*k, fmt::format("function '{}' has no expr", f.name), "add expr = \"...\"");
    f.body = expr_value(*body, fmt::format("body of function '{}'", f.name));
    spec_.functions.push_back(std::move(f));
  }
  pending_functions_ = true;
}

void Frontend::resolve_functions() {
  for (size_t i = 0; i < spec_.functions.size(); ++i) {
    FunctionSpec& f = spec_.functions[i];
    Scope s = model_scope("in a function body");
    s.function = &f;
    current_function_ = static_cast<int>(i);
    resolve_located(f.body, s);
    current_function_ = -1;
  }
}

void Frontend::load_aux() {
  const toml::table* t = sub_table(root_, "aux", "[aux]");
  if (t)
    for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      define(k, "aux variable");
      aux_index_.emplace(std::string(k.str()), static_cast<int>(aux_names_.size()));
      aux_names_.push_back(std::string(k.str()));
      AuxSpec a;
      a.name = std::string(k.str());
      a.where = to_position(k.source().begin);
      a.expr = expr_value(v, fmt::format("aux '{}'", a.name));
      spec_.aux.push_back(std::move(a));
    }
  // All names are declared now: resolve function bodies and aux expressions.
  if (pending_functions_) resolve_functions();
  for (auto& a : spec_.aux) resolve_located(a.expr, model_scope("in an aux expression"));
}

}  // namespace dynlib::dsl::frontend

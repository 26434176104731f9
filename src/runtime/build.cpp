// build(): load and validate a model, choose its stepper and dtype, lower it and prepare it for the
// interpreter. Also the small public helpers (names of enums, the stepper listing).
#include <fmt/format.h>

#include <algorithm>

#include "kernel/registry.hpp"
#include "runtime/model_impl.hpp"
#include "support/text.hpp"

namespace dynlib {

const char* status_name(Status s) {
  switch (s) {
    case Status::Done:
      return "done";
    case Status::EarlyExit:
      return "early_exit";
    case Status::StepFail:
      return "stepfail";
    case Status::NanDetected:
      return "nan_detected";
    case Status::UserBreak:
      return "user_break";
  }
  return "?";
}

namespace detail {

std::string with_suggestion(std::string msg, const std::string& name,
                            const std::vector<std::string>& candidates, const char* what_plural) {
  const std::string hint = support::did_you_mean(name, candidates);
  if (!hint.empty()) return msg + "; " + hint;
  if (candidates.empty()) return msg + fmt::format(" (the model has no {})", what_plural);
  return msg + fmt::format(" ({}: {})", what_plural, fmt::join(candidates, ", "));
}

}  // namespace detail

namespace {

std::vector<std::string> stepper_names_and_aliases() {
  std::vector<std::string> out;
  for (const auto& s : kernel::kSteppers) {
    out.emplace_back(s.name);
    for (const char* a : s.aliases)
      if (a) out.emplace_back(a);
  }
  return out;
}

std::vector<std::string> stepper_names(int kind) {
  std::vector<std::string> out;
  for (const auto& s : kernel::kSteppers)
    if (s.kind == kind) out.emplace_back(s.name);
  return out;
}

// The source line of a position, from any expression's text (they all share the file's lines).
std::string line_of(const dsl::ModelSpec& spec, int line) {
  for (const auto& e : spec.equations)
    if (e.src) return e.src->line_text(line);
  return {};
}

// Throws the right error type for a stepper problem: a ModelError pointing at [sim] stepper when
// the name came from the model file, a DynlibError when it came from BuildOptions.
[[noreturn]] void stepper_error(const dsl::ModelSpec& spec, bool from_model, const std::string& msg,
                                const std::string& hint) {
  if (from_model) {
    throw ModelError(msg,
                     {spec.source_name, spec.sim.stepper_where.line, spec.sim.stepper_where.column},
                     line_of(spec, spec.sim.stepper_where.line), hint);
  }
  throw DynlibError(hint.empty() ? msg : msg + "; " + hint);
}

ModelInfo make_info(const dsl::ModelSpec& spec) {
  ModelInfo info;
  info.name = spec.name;
  info.kind = dsl::kind_name(spec.kind);
  info.dtype = spec.dtype;
  info.hash = spec.hash;
  for (const auto& s : spec.states) {
    info.state_names.push_back(s.name);
    info.initial_state.push_back(spec.dtype == dsl::DType::Int64 ? static_cast<double>(s.init_int)
                                                                 : s.init_value);
  }
  for (const auto& p : spec.params) {
    info.param_names.push_back(p.name);
    if (spec.dtype == dsl::DType::Int64) {
      std::vector<double> v;
      for (long long x : p.int_values) v.push_back(static_cast<double>(x));
      info.param_values.push_back(std::move(v));
    } else {
      info.param_values.push_back(p.values);
    }
  }
  for (const auto& a : spec.aux) info.aux_names.push_back(a.name);
  for (const auto& e : spec.events) info.event_names.push_back(e.name);
  for (const auto& p : spec.presets) info.preset_names.push_back(p.name);
  info.t0 = spec.sim.t0;
  info.t_end = spec.sim.t_end;
  info.dt = spec.sim.dt;
  info.has_jacobian = spec.jacobian.has_value();
  return info;
}

}  // namespace

FullModel build(const std::string& model, const BuildOptions& options) {
  dsl::ModelSpec spec = dsl::load_model(model);
  auto impl = std::make_shared<detail::ModelImpl>();
  impl->info = make_info(spec);
  const int kind = spec.kind == dsl::ModelKind::Map ? kernel::KIND_MAP : kernel::KIND_ODE;
  const char* kind_word = kind == kernel::KIND_MAP ? "a map" : "an ODE";

  // ---- stepper ----
  const bool from_options = options.stepper.has_value();
  const bool from_model = !from_options && spec.sim.stepper.has_value();
  const std::string name = from_options ? *options.stepper
                           : from_model ? *spec.sim.stepper
                                        : (kind == kernel::KIND_MAP ? "map" : "rk45");
  const int id = kernel::find_stepper(name.c_str());
  if (id < 0) {
    std::string hint = support::did_you_mean(name, stepper_names_and_aliases());
    if (hint.empty())
      hint = fmt::format("steppers for {}: {}", kind == kernel::KIND_MAP ? "maps" : "ODEs",
                         fmt::join(stepper_names(kind), ", "));
    stepper_error(spec, from_model, fmt::format("unknown stepper '{}'", name), hint);
  }
  const kernel::StepperInfo& si = kernel::kSteppers[id];
  if (si.kind != kind) {
    stepper_error(spec, from_model,
                  fmt::format("stepper '{}' is for {}, but model '{}' is {}", name,
                              si.kind == kernel::KIND_MAP ? "maps" : "ODEs", spec.name, kind_word),
                  fmt::format("use one of: {}", fmt::join(stepper_names(kind), ", ")));
  }

  // ---- dtype ----
  DType dtype = spec.dtype;
  if (options.dtype) {
    const std::string& d = *options.dtype;
    DType want;
    if (d == "float64") {
      want = DType::Float64;
    } else if (d == "float32") {
      want = DType::Float32;
    } else if (d == "int64") {
      want = DType::Int64;
    } else {
      throw DynlibError(detail::with_suggestion(fmt::format("unknown dtype '{}'", d), d,
                                                {"float64", "float32", "int64"}, "dtypes"));
    }
    if (want == DType::Int64 && dtype != DType::Int64)
      throw DynlibError(fmt::format(
          "model '{}' is {} and cannot run as int64: only models declared with dtype = \"int64\" "
          "use integer arithmetic",
          spec.name, dtype_name(dtype)));
    if (want != DType::Int64 && dtype == DType::Int64)
      throw DynlibError(fmt::format(
          "model '{}' is int64 and cannot run as {}: its arithmetic ('//', '%') is integer",
          spec.name, dtype_name(want)));
    dtype = want;
  }
  if (dtype == DType::Int64 && !(si.caps & kernel::CAP_INTEGER))
    stepper_error(spec, from_model, fmt::format("stepper '{}' cannot step int64 states", name),
                  "use 'map'");

  // ---- jit ----
  if (options.jit)
    throw JITUnavailableError(
        "the native JIT backend is not built yet; use jit=false (the interpreter)");

  // ---- lower and compile for the interpreter ----
  if (dtype != spec.dtype) spec.dtype = dtype;  // float64 <-> float32 rebuild
  impl->module = std::make_shared<const ir::Module>(ir::lower(spec));
  impl->compiled = interp::compile(impl->module);
  impl->dtype = dtype;
  impl->stepper_id = id;
  impl->stepper_name = si.name;
  impl->adaptive = si.adaptive;
  impl->state_names = impl->info.state_names;
  impl->aux_names = impl->info.aux_names;
  impl->param_names = impl->info.param_names;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    impl->param_offset.push_back(impl->module->param_offset[i]);
    impl->param_size.push_back(static_cast<int>(spec.params[i].values.size()));
  }
  impl->spec = std::make_shared<const dsl::ModelSpec>(std::move(spec));
  return FullModel(std::move(impl));
}

// ---- FullModel ----
const ModelInfo& FullModel::spec() const {
  return impl_->info;
}
const std::string& FullModel::stepper_name() const {
  return impl_->stepper_name;
}
DType FullModel::dtype() const {
  return impl_->dtype;
}
bool FullModel::is_jitted() const {
  return false;
}

namespace {
ModelPart part(const char* name) {
  return ModelPart{name, false, {}};
}
}  // namespace
ModelPart FullModel::rhs() const {
  return part("rhs");
}
ModelPart FullModel::events_pre() const {
  return part("events_pre");
}
ModelPart FullModel::events_post() const {
  return part("events_post");
}
ModelPart FullModel::update_aux() const {
  return part("update_aux");
}
ModelPart FullModel::stepper() const {
  return part("stepper");
}
ModelPart FullModel::runner() const {
  return part("runner");
}
ModelPart FullModel::guards() const {
  return part("guards");
}

std::vector<StepperDescription> steppers() {
  std::vector<StepperDescription> out;
  for (const auto& s : kernel::kSteppers) {
    StepperDescription d;
    d.name = s.name;
    for (const char* a : s.aliases)
      if (a) d.aliases.emplace_back(a);
    d.kind = s.kind == kernel::KIND_MAP ? "map" : "ode";
    d.adaptive = s.adaptive;
    d.implicit = s.implicit;
    d.stiff = s.stiff;
    d.order = s.order;
    d.embedded_order = s.embedded_order;
    d.description = s.description;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace dynlib

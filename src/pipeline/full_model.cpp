// FullModel: the public face of a built model — its description, parts, generated sources, and
// the model as callable functions (rhs, jacobian, jvp, dfdp, inv_rhs) evaluated by the kernel of
// the build's backend. Also the small public helpers (names of enums, the stepper listing).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "codegen/codegen.hpp"
#include "kernel/registry.hpp"
#include "pipeline/built_model.hpp"

namespace dynlib {

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
  return impl_->native() != nullptr;
}
int FullModel::jit_tier() const {
  return impl_->best_native().tier;
}

namespace {

// What each part of a native kernel is, as a C-like signature (the reference dynlib lists the
// types a part was compiled for). Every part is inlined into the one run entry point.
std::vector<std::string> part_signatures(const std::string& part, const std::string& stepper,
                                         DType dtype) {
  const std::string real = dtype == DType::Float32 ? "float"
                           : dtype == DType::Int64 ? "int64_t"
                                                   : "double";
  const std::string time = dtype == DType::Float32 ? "float" : "double";
  const std::string entry = codegen::run_symbol(stepper);
  const std::string args =
      fmt::format("({} t, const {}* y, const {}* p, const LagView* lag", time, real, real);
  std::string sig;
  if (part == "rhs")
    sig = fmt::format("void rhs{}, {}* dy)", args, real);
  else if (part == "update_aux")
    sig = fmt::format("void aux{}, {}* aux)", args, real);
  else if (part == "events_pre" || part == "events_post")
    sig = fmt::format("void {}{}, {}* y_out, {}* p_out, EventLog* log)", part, args, real, real);
  else if (part == "guards")
    sig = fmt::format("int guards(const {}* y, int n_state)", real);
  else if (part == "stepper")
    sig = fmt::format("int {}::step(Model&, RunArgs<{}>&, {}* y_new)", stepper, real, real);
  else
    return {fmt::format("int {}(RunArgs<{}>* args)", entry, real)};
  return {sig + " [inlined into " + entry + "]"};
}

}  // namespace

namespace {
ModelPart part(const detail::BuiltModel& mi, const char* name) {
  ModelPart p{name, mi.native() != nullptr, {}};
  if (p.native) p.signatures = part_signatures(name, mi.stepper_name, mi.dtype);
  return p;
}
}  // namespace
ModelPart FullModel::rhs() const {
  return part(*impl_, "rhs");
}
ModelPart FullModel::events_pre() const {
  return part(*impl_, "events_pre");
}
ModelPart FullModel::events_post() const {
  return part(*impl_, "events_post");
}
ModelPart FullModel::update_aux() const {
  return part(*impl_, "update_aux");
}
ModelPart FullModel::stepper() const {
  return part(*impl_, "stepper");
}
ModelPart FullModel::runner() const {
  return part(*impl_, "runner");
}
ModelPart FullModel::guards() const {
  return part(*impl_, "guards");
}

const std::string& FullModel::rhs_source() const {
  return impl_->sources().rhs;
}
const std::string& FullModel::events_source() const {
  return impl_->sources().events;
}
const std::string& FullModel::aux_source() const {
  return impl_->sources().aux;
}
const std::string& FullModel::stepper_source() const {
  return impl_->sources().stepper;
}
const std::string& FullModel::runner_source() const {
  return impl_->sources().runner;
}
const std::string& FullModel::translation_unit_source() const {
  return impl_->sources().whole;
}
const BuildStats& FullModel::build_stats() const {
  return impl_->stats;
}
const BuildOptions& FullModel::build_options() const {
  return impl_->options;
}
const Layout& FullModel::layout() const {
  return impl_->layout;
}
std::vector<std::string> FullModel::export_sources(const std::string& dir) const {
  return impl_->export_sources(dir);
}

const char* jit_mode_name(JitMode mode) {
  switch (mode) {
    case JitMode::Off:
      return "off";
    case JitMode::On:
      return "on";
    case JitMode::Auto:
      return "auto";
    case JitMode::Quick:
      return "quick";
  }
  return "?";
}

JitMode parse_jit_mode(const std::string& text) {
  std::string t = text;
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "on" || t == "true" || t == "1" || t == "yes") return JitMode::On;
  if (t == "off" || t == "false" || t == "0" || t == "no") return JitMode::Off;
  if (t == "auto") return JitMode::Auto;
  if (t == "quick") return JitMode::Quick;
  throw DynlibError(with_suggestion(fmt::format("unknown jit mode '{}'", text), t,
                                    {"on", "off", "auto", "quick"}, "jit modes"));
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
    d.jacobian = (s.caps & kernel::CAP_JACOBIAN) != 0;
    d.host = (s.caps & kernel::CAP_HOST) != 0;
    if (s.caps & kernel::CAP_HOST)
      d.dtypes = {"float64"};
    else if (s.caps & kernel::CAP_INTEGER)
      d.dtypes = {"float64", "float32", "int64"};
    else
      d.dtypes = {"float64", "float32"};
    d.description = s.description;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace dynlib

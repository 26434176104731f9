// build(): load and validate a model, choose its stepper and dtype, lower it and prepare it for the
// interpreter. Also the small public helpers (names of enums, the stepper listing).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "jit/embedded_kernel.hpp"
#include "support/config.hpp"
#include "support/digest.hpp"

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

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// What each part of a native kernel is, as a C-like signature (the reference dynlib lists the
// types a part was compiled for). Every part is inlined into the one run entry point.
std::vector<std::string> part_signatures(const std::string& part, const std::string& stepper,
                                         DType dtype) {
  const std::string real = dtype == DType::Float32 ? "float"
                           : dtype == DType::Int64 ? "int64_t"
                                                   : "double";
  const std::string time = dtype == DType::Float32 ? "float" : "double";
  const std::string entry = "dynlib_run_" + stepper;
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

// The run entry point of a loaded kernel, after checking it computes in the model's dtype.
detail::ModelImpl::NativeRunFn entry_point(const detail::ModelImpl& impl,
                                           const jit::LoadedKernel& k) {
  using DtypeFn = int (*)();
  const auto dtype_fn = reinterpret_cast<DtypeFn>(k.require_symbol("dynlib_dtype"));
  if (dtype_fn() != static_cast<int>(impl.dtype))
    throw CompileError(fmt::format("the compiled kernel {} computes in another dtype than {}",
                                   k.key().substr(0, 16), dtype_name(impl.dtype)),
                       "dynlib_dtype() mismatch", "");
  return reinterpret_cast<detail::ModelImpl::NativeRunFn>(
      k.require_symbol("dynlib_run_" + impl.stepper_name));
}

// Makes `k` the model's native kernel and records where it came from.
void adopt_kernel(detail::ModelImpl& impl, std::shared_ptr<const jit::LoadedKernel> k) {
  impl.native_run = entry_point(impl, *k);
  const jit::CompileTimings& tm = k->timings();
  impl.stats.compile = k->from_memory_cache() ? 0.0 : tm.key + tm.write + tm.compile;  // 0 on hits
  impl.stats.load = k->from_memory_cache() ? 0.0 : tm.load;
  impl.stats.kernel_source = k->from_memory_cache() ? "memory"
                             : k->from_disk_cache() ? "disk"
                                                    : "compiled";
  impl.stats.kernel_digest = k->key();
  impl.kernel = std::move(k);
}

}  // namespace

FullModel build(const std::string& model, const BuildOptions& options) {
  auto t_phase = Clock::now();
  dsl::ModelSpec spec = dsl::load_model(model);
  auto impl = std::make_shared<detail::ModelImpl>();
  impl->options = options;
  impl->stats.resolve_parse = seconds_since(t_phase);
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

  // ---- lower and compile for the interpreter ----
  t_phase = Clock::now();
  if (dtype != spec.dtype) spec.dtype = dtype;  // float64 <-> float32 rebuild
  impl->module = std::make_shared<const ir::Module>(ir::lower(spec));
  impl->compiled = interp::compile(impl->module);
  impl->stats.lower = seconds_since(t_phase);

  // ---- generate C++ (always: the sources are inspectable in both modes) ----
  t_phase = Clock::now();
  impl->source = codegen::generate(*impl->module, {si.name}, dtype);
  jit::CompileRequest& req = impl->request;
  req.source = impl->source.whole();
  // The source already names the stepper and dtype; they are repeated as key inputs so a key
  // never depends on how the generator happens to spell them.
  req.key_inputs = {{"stepper", si.name}, {"dtype", dtype_name(dtype)}};
  req.options.march_native = options.march_native;
  req.disk_cache = options.disk_cache;
  req.component_kind = "runner";
  req.manifest = {{"model_name", spec.name},
                  {"model_hash", spec.hash},
                  {"stepper", si.name},
                  {"dtype", dtype_name(dtype)}};
  impl->stats.codegen = seconds_since(t_phase);
  {
    std::string id = req.source;
    for (const auto& [k, v] : req.key_inputs) id += "\n" + k + "=" + v;
    impl->stats.kernel_id = support::sha256_hex(id);
  }
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

  // ---- jit: compile (or find in a cache) and load the one fused kernel ----
  if (options.jit.mode == JitMode::On) adopt_kernel(*impl, jit::compile_and_load(impl->request));
  if (options.jit.mode == JitMode::Auto) {
    impl->auto_native = std::make_shared<detail::ModelImpl::AutoNative>();
    impl->auto_threshold = options.auto_threshold.value_or(
        support::user_config().jit_auto_threshold.value_or(impl->auto_threshold));
    if (impl->auto_threshold < 0)
      throw DynlibError(
          fmt::format("auto_threshold must be non-negative, got {}", impl->auto_threshold));
    // A kernel already compiled (in this process, or on disk) is used from the first step.
    if (auto k = jit::find_cached(impl->request)) adopt_kernel(*impl, std::move(k));
  }
  detail::stats_on_build(*impl);
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
  return impl_->current_native() != nullptr;
}

namespace detail {

void start_auto_compile(const ModelImpl& mi) {
  ModelImpl::AutoNative& an = *mi.auto_native;
  std::lock_guard lock(an.mutex);
  if (an.started) return;
  an.started = true;
  // The task reads `mi`, which outlives it: ~AutoNative (a member of mi) waits for the task.
  an.job = std::async(std::launch::async, [&mi, &an] {
             try {
               auto k = jit::compile_and_load(mi.request);
               const auto fn = entry_point(mi, *k);
               an.kernel = k;
               stats_on_compiled(mi, *k);
               an.run.store(fn, std::memory_order_release);
             } catch (const std::exception& e) {
               an.failed = true;
               static std::atomic<bool> warned{false};
               if (!warned.exchange(true))
                 fmt::print(stderr,
                            "dynlib: warning: jit=auto could not build a native kernel for "
                            "model '{}'; it keeps running in the interpreter ({})\n",
                            mi.info.name, e.what());
             }
           }).share();
}

}  // namespace detail

namespace {
ModelPart part(const detail::ModelImpl& mi, const char* name) {
  ModelPart p{name, mi.current_native() != nullptr, {}};
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
  return impl_->source.rhs;
}
const std::string& FullModel::events_source() const {
  return impl_->source.events;
}
const std::string& FullModel::aux_source() const {
  return impl_->source.aux;
}
const std::string& FullModel::stepper_source() const {
  return impl_->source.stepper;
}
const std::string& FullModel::runner_source() const {
  return impl_->source.runner;
}
const std::string& FullModel::translation_unit_source() const {
  return impl_->request.source;
}
const BuildStats& FullModel::build_stats() const {
  return impl_->stats;
}

namespace {

// POSIX single-quoting, for build.sh (paths may contain spaces).
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw DynlibError("cannot write " + path.string());
}

}  // namespace

std::vector<std::string> FullModel::export_sources(const std::string& dir) const {
  namespace fs = std::filesystem;
  const detail::ModelImpl& mi = *impl_;
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw DynlibError(fmt::format("cannot create directory {}: {}", dir, ec.message()));
  std::vector<std::string> written;
  auto put = [&](const fs::path& rel, std::string_view text) {
    write_text(root / rel, text);
    written.push_back((root / rel).string());
  };
  const std::string banner =
      fmt::format("// dynlib {} of model '{}' (hash {}), stepper {}, dtype {}.\n", "{}",
                  mi.info.name, mi.info.hash, mi.stepper_name, dtype_name(mi.dtype));
  auto view = [&](const char* what, const std::string& text) {
    return fmt::format(fmt::runtime(banner), std::string(what) +
                                                 " (a view of kernel.cpp; kernel.cpp is what is "
                                                 "compiled)") +
           text;
  };
  put("rhs.cpp", view("rhs", mi.source.rhs));
  put("events.cpp", view("events", mi.source.events));
  put("aux.cpp", view("aux", mi.source.aux));
  put("stepper.cpp", view("stepper", mi.source.stepper));
  put("runner.cpp", view("runner", mi.source.runner));
  // The entry unit exactly as the JIT compiles it (the same bytes are part of the cache key).
  put("kernel.cpp", mi.request.source);
  for (const auto& h : embedded_kernel_headers())
    put(fs::path("include") / std::string(h.path), h.text);

  // build.sh: the JIT's own compile command (compiler, extra DYNLIB_CXX args, flags), so a hand
  // build gives the same binary behaviour. Uses the compiler found now, or $CXX / c++ without one.
  std::string compiler = "\"${CXX:-c++}\"";
  try {
    const jit::CompilerInfo& cc = jit::system_compiler();
    compiler = shell_quote(cc.path);
    for (const auto& a : cc.extra_args) compiler += " " + shell_quote(a);
  } catch (const JITUnavailableError&) {
  }
  std::string flags;
  for (const auto& f : jit::compile_flags(mi.request.options)) flags += " " + shell_quote(f);
  const std::string script = fmt::format(
      "#!/bin/sh\n"
      "# Rebuilds the native kernel of model '{}' (stepper {}, dtype {}) exactly as dynlib's JIT\n"
      "# does. Output: kernel.so, exporting dynlib_abi_version() and dynlib_run_{}(RunArgs*).\n"
      "set -e\n"
      "cd \"$(dirname \"$0\")\"\n"
      "{}{} -I include -o kernel.so kernel.cpp\n",
      mi.info.name, mi.stepper_name, dtype_name(mi.dtype), mi.stepper_name, compiler, flags);
  put("build.sh", script);
  fs::permissions(root / "build.sh",
                  fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add, ec);
  return written;
}

const char* jit_mode_name(JitMode mode) {
  switch (mode) {
    case JitMode::Off:
      return "off";
    case JitMode::On:
      return "on";
    case JitMode::Auto:
      return "auto";
  }
  return "?";
}

JitMode parse_jit_mode(const std::string& text) {
  std::string t = text;
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "on" || t == "true" || t == "1" || t == "yes") return JitMode::On;
  if (t == "off" || t == "false" || t == "0" || t == "no") return JitMode::Off;
  if (t == "auto") return JitMode::Auto;
  throw DynlibError(detail::with_suggestion(fmt::format("unknown jit mode '{}'", text), t,
                                            {"on", "off", "auto"}, "jit modes"));
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

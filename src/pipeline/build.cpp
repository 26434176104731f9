// build(): load and validate a model, choose its stepper and dtype, lower it and prepare it for the
// interpreter. Also the small public helpers (names of enums, the stepper listing).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "support/config.hpp"
#include "support/digest.hpp"

#include "dsl/mods.hpp"
#include "dsl/uri.hpp"
#include "dynlib/inspect.hpp"
#include "ir/derivative.hpp"
#include "kernel/registry.hpp"
#include "pipeline/factory.hpp"
#include "support/text.hpp"

namespace dynlib {

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
    if (spec.dtype == dsl::DType::Int64) info.initial_state_i64.push_back(s.init_int);
  }
  for (const auto& p : spec.params) {
    info.param_names.push_back(p.name);
    if (spec.dtype == dsl::DType::Int64) {
      std::vector<double> v;
      for (long long x : p.int_values) v.push_back(static_cast<double>(x));
      info.param_values.push_back(std::move(v));
      info.param_values_i64.push_back(p.int_values);
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
  // An equation of a block (`expr = """x = ...\ny = ..."""`) shares the block's text: print the
  // expression back instead.
  const auto as_written = [](const dsl::Located& e) {
    const bool own_text = e.src && e.src->text.find('\n') == std::string::npos;
    return own_text ? e.src->text : dsl::to_source(*e.expr);
  };
  for (const auto& e : spec.equations) info.equations.push_back(as_written(e));
  if (spec.jacobian)
    for (const auto& row : *spec.jacobian) {
      info.jacobian_equations.emplace_back();
      for (const auto& e : row) info.jacobian_equations.back().push_back(as_written(e));
    }
  if (spec.inverse)
    for (const auto& e : *spec.inverse) info.inverse_equations.push_back(as_written(e));
  info.sim = spec.sim;
  info.warnings = spec.warnings;
  return info;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// What the native kernel of `module` is compiled from: the generated source and everything else
// its binary depends on (DESIGN rule 5).
jit::CompileRequest compile_request(const std::string& source, const dsl::ModelSpec& spec,
                                    const std::string& stepper, DType dtype,
                                    const BuildOptions& options) {
  jit::CompileRequest req;
  req.source = source;
  // The source already names the stepper and dtype; they are repeated as key inputs so a key
  // never depends on how the generator happens to spell them.
  req.key_inputs = {{"stepper", stepper}, {"dtype", dtype_name(dtype)}};
  // The reversed source differs anyway (negations); named too, so the key says what it is.
  if (options.time_reversed) req.key_inputs.emplace_back("time_reversed", "1");
  req.options.march_native = options.march_native;
  req.disk_cache = options.disk_cache;
  if (options.config) req.cache_root = options.config->cache_root;
  req.component_kind = "runner";
  req.manifest = {{"model_name", spec.name},
                  {"model_hash", spec.hash},
                  {"stepper", stepper},
                  {"dtype", dtype_name(dtype)}};
  return req;
}

// The model's layout table, sizes, initial values and presets: all the runtime needs to know of it.
void describe(detail::BuiltModel& m, const dsl::ModelSpec& spec, const ir::Module& module) {
  const bool is_int = spec.dtype == dsl::DType::Int64;
  std::vector<int> param_sizes;
  std::vector<bool> param_is_array;
  for (const auto& p : spec.params) {
    param_sizes.push_back(static_cast<int>(p.values.size()));
    param_is_array.push_back(p.is_array);
  }
  std::vector<Layout::Event> events;
  for (const auto& e : spec.events) events.push_back({e.name, e.tags, e.log_names});
  m.layout = Layout(m.info.state_names, m.info.param_names, std::move(param_sizes),
                    std::move(param_is_array), m.info.aux_names, std::move(events));

  pipeline::KernelShape& sh = m.shape;
  sh.n_state = module.n_state;
  sh.n_param = module.n_param;
  sh.n_aux = module.n_aux;
  sh.n_event = static_cast<int>(module.events.size());
  sh.lag_depth = module.lag_depth;
  if (module.has_derivatives)
    sh.jac_sparsity.assign(module.jac_sparsity.begin(), module.jac_sparsity.end());
  for (const auto& e : module.events)
    sh.event_log_size.push_back(static_cast<int>(e.log.outputs.size()));

  if (is_int)
    for (const auto& st : spec.states) m.y0_i64.push_back(st.init_int);
  m.p0.assign(static_cast<size_t>(module.n_param), 0.0);
  if (is_int) m.p0_i64.assign(static_cast<size_t>(module.n_param), 0);
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const auto& ps = spec.params[i];
    const size_t off = static_cast<size_t>(module.param_offset[i]);
    for (size_t k = 0; k < ps.values.size(); ++k) {
      m.p0[off + k] = is_int ? static_cast<double>(ps.int_values[k]) : ps.values[k];
      if (is_int) m.p0_i64[off + k] = ps.int_values[k];
    }
  }
  for (const auto& ps : spec.presets) {
    detail::BuiltModel::Preset preset{ps.name, {}};
    for (const auto& v : ps.values) {
      detail::BuiltModel::Preset::Value pv;
      const bool is_state = v.kind == dsl::Ref::State;
      pv.ref = m.layout.resolve(is_state ? m.info.state_names[static_cast<size_t>(v.index)]
                                         : m.info.param_names[static_cast<size_t>(v.index)],
                                {is_state ? NameKind::State : NameKind::Param});
      pv.values = v.values;
      pv.int_values = v.int_values;
      preset.values.push_back(std::move(pv));
    }
    m.presets.push_back(std::move(preset));
  }
}

// Makes `k` the model's native kernel and records where it came from.
// `kernel`: what `k` became (a quick kernel), else `k` is a whole kernel.
void adopt_native(detail::BuiltModel& m, std::shared_ptr<const jit::LoadedKernel> k,
                  std::shared_ptr<const pipeline::Kernel> kernel = nullptr) {
  m.factory->native =
      kernel ? std::move(kernel) : detail::pipeline_detail::make_native_kernel(m, k, false);
  const jit::CompileTimings& tm = k->timings();
  m.stats.compile = k->from_memory_cache() ? 0.0 : tm.key + tm.write + tm.compile;  // 0 on hits
  m.stats.load = k->from_memory_cache() ? 0.0 : tm.load;
  m.stats.kernel_source = k->from_memory_cache() ? "memory"
                          : k->from_disk_cache() ? "disk"
                                                 : "compiled";
  m.stats.kernel_digest = k->key();
  m.factory->loaded = std::move(k);
}

}  // namespace

namespace {

// Everything of build() after the model is loaded and validated: rebuild() starts here with the
// spec an earlier build() kept, so a model's source is read (and its warnings reported) once.
FullModel build_spec(std::shared_ptr<const dsl::ModelSpec> spec_ptr, const BuildOptions& options,
                     double resolve_parse, bool report_warnings) {
  const dsl::ModelSpec& spec = *spec_ptr;
  auto t_phase = Clock::now();
  auto impl = std::make_shared<detail::BuiltModel>();
  auto factory = std::make_shared<detail::BuiltModel::Factory>();
  impl->factory = factory;
  impl->options = options;
  impl->stats.resolve_parse = resolve_parse;
  impl->info = make_info(spec);
  impl->info.time_reversed = options.time_reversed;
  if (report_warnings) detail::report_model_warnings(spec.warnings);
  const int kind = spec.kind == dsl::ModelKind::Map ? kernel::KIND_MAP : kernel::KIND_ODE;
  const char* kind_word = kind == kernel::KIND_MAP ? "a map" : "an ODE";

  // ---- stepper ----
  const bool from_options = options.stepper.has_value();
  const bool from_model = !from_options && spec.sim.stepper.has_value();
  const std::string name =
      from_options ? *options.stepper
      : from_model ? *spec.sim.stepper
                   : default_stepper(kind == kernel::KIND_MAP ? ModelKind::Map : ModelKind::Ode);
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
    const std::string msg =
        fmt::format("stepper '{}' is for {}, but model '{}' is {}", name,
                    si.kind == kernel::KIND_MAP ? "maps" : "ODEs", spec.name, kind_word);
    const std::string hint = fmt::format("use one of: {}", fmt::join(stepper_names(kind), ", "));
    if (!from_model)
      throw StepperKindMismatchError(msg + "; " + hint, name,
                                     si.kind == kernel::KIND_MAP ? "map" : "ode",
                                     kind == kernel::KIND_MAP ? "map" : "ode");
    stepper_error(spec, from_model, msg, hint);
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
      throw DynlibError(with_suggestion(fmt::format("unknown dtype '{}'", d), d,
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
  if (dtype != DType::Float64 && (si.caps & kernel::CAP_HOST))
    stepper_error(spec, from_model,
                  fmt::format("stepper '{}' steps float64 states only (SUNDIALS' realtype), "
                              "not {}",
                              name, dtype_name(dtype)),
                  "use dtype float64, or 'tr-bdf2a' / 'rodas3' for float32");

  // ---- which Jacobian ----
  if (options.jacobian && *options.jacobian != "symbolic") {
    if (*options.jacobian != "user")
      throw DynlibError(with_suggestion(fmt::format("unknown jacobian '{}'", *options.jacobian),
                                        *options.jacobian, {"symbolic", "user"},
                                        "jacobian choices"));
    if (!spec.jacobian)
      throw DynlibError(fmt::format(
          "jacobian = \"user\", but model '{}' has no [equations.jacobian] table", spec.name));
  }

  // ---- lower and compile for the interpreter ----
  t_phase = Clock::now();
  {
    ir::Module module = ir::lower(spec, dtype);  // dtype: float64 <-> float32 rebuilds
    if (options.time_reversed) {
      // Refused where reversing the field is not the backward flow: a map's backward orbit is its
      // inverse; events fire on crossings in one direction and their actions jump; lagged values
      // are the past, which a backward run has not visited.
      const char* why = kind == kernel::KIND_MAP ? "it is a map (its backward orbit is its "
                                                   "inverse, [equations.inverse])"
                        : !module.events.empty() ? "it has events"
                        : module.has_stop        ? "it has an early-exit condition ([sim] stop)"
                        : std::any_of(module.lag_depth.begin(), module.lag_depth.end(),
                                      [](int d) { return d > 0; })
                            ? "it reads lagged states (lag_<name>)"
                            : nullptr;
      if (why)
        throw DynlibError(fmt::format("time_reversed: model '{}' cannot be reversed in time: {}",
                                      spec.name, why));
      ir::reverse_time(module);
    }
    // Implicit steppers step with the model's Jacobian: the kernel carries the derivatives.
    if ((si.caps & kernel::CAP_JACOBIAN) && module.dtype != DType::Int64)
      ir::add_derivatives(module);
    factory->module = std::make_shared<const ir::Module>(std::move(module));
  }
  factory->compiled = interp::compile(factory->module);
  impl->stats.lower = seconds_since(t_phase);

  // ---- generate C++ (always: the sources are inspectable in both modes) ----
  t_phase = Clock::now();
  factory->source = codegen::generate(*factory->module, {si.name}, dtype);
  factory->request = compile_request(factory->source.whole(), spec, si.name, dtype, options);
  factory->sources = {factory->source.rhs,     factory->source.events, factory->source.aux,
                      factory->source.stepper, factory->source.runner, factory->request.source};
  impl->stats.codegen = seconds_since(t_phase);
  {
    std::string id = factory->request.source;
    for (const auto& [k, v] : factory->request.key_inputs) id += "\n" + k + "=" + v;
    if (options.jit.mode == JitMode::Quick) id += "\njit=quick";  // another kernel, its own stats
    impl->stats.kernel_id = support::sha256_hex(id);
  }
  impl->dtype = dtype;
  impl->is_map = kind == kernel::KIND_MAP;
  impl->stepper_id = id;
  impl->stepper_name = si.name;
  impl->adaptive = si.adaptive;
  describe(*impl, spec, *factory->module);
  factory->spec = std::move(spec_ptr);
  impl->interpreter = detail::pipeline_detail::make_interp_kernel(*impl, factory->compiled);

  // ---- jit: compile (or find in a cache) and load the one fused kernel ----
  if (options.jit.mode == JitMode::On) adopt_native(*impl, jit::compile_and_load(factory->request));
  if (options.jit.mode == JitMode::Quick) {
    std::shared_ptr<const jit::LoadedKernel> k;
    auto kernel = detail::pipeline_detail::compile_quick_kernel(*impl, factory->module,
                                                                impl->stepper_name, &k);
    adopt_native(*impl, std::move(k), std::move(kernel));
  }
  if (options.jit.mode == JitMode::Auto) {
    detail::pipeline_detail::configure_auto_native(*impl, options);
    // A kernel already compiled (in this process, or on disk) is used from the first step. (Its
    // tier-2 build, if a cache has one, is found again when the kernel gets hot: tier 2 stays on
    // trial in every process, tier_trial.hpp.)
    if (auto k = jit::find_cached(factory->request)) adopt_native(*impl, std::move(k));
  }
  detail::pipeline_detail::stats_on_build(*impl);
  return FullModel(std::move(impl));
}

}  // namespace

PathConfig load_path_config(const std::string& file) {
  PathConfig out;
  if (file.empty()) {
    out.tags = dsl::default_tags();
    out.cache_root = support::user_config().cache_root;
  } else {
    support::UserConfig c = support::load_user_config(file);
    out.tags = std::move(c.paths);
    out.cache_root = std::move(c.cache_root);
  }
  return out;
}

FullModel build(const std::string& model, const BuildOptions& options) {
  const auto t_phase = Clock::now();
  dsl::LoadOptions load;
  load.mods = options.mods;
  if (options.config) load.tags = options.config->tags;
  auto spec = std::make_shared<const dsl::ModelSpec>(dsl::load_model(model, load));
  return build_spec(std::move(spec), options, seconds_since(t_phase), true);
}

FullModel rebuild(const FullModel& model, const BuildOptions& options) {
  return build_spec(model.impl()->factory->spec, options, 0.0, false);
}

FullModel time_reversed(const FullModel& model) {
  BuildOptions o = model.build_options();
  o.time_reversed = !o.time_reversed;
  return rebuild(model, o);
}

FullModel with_stepper(const FullModel& model, const std::string& stepper) {
  BuildOptions o = model.build_options();
  o.stepper = stepper;
  return rebuild(model, o);
}

}  // namespace dynlib

#include "codegen/codegen.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "kernel/registry.hpp"

namespace dynlib::codegen {
namespace {

using ir::Op;

const char* const kHex = "0123456789abcdef";

// mantissa: the fraction bits, left-aligned in `digits` hex digits; trailing zeros trimmed.
std::string hex_float(bool negative, bool subnormal, uint64_t fraction, int digits, int exponent) {
  std::string s = negative ? "(-0x" : "0x";
  s += subnormal ? '0' : '1';
  std::string frac;
  for (int d = digits - 1; d >= 0; --d) frac += kHex[(fraction >> (4 * d)) & 0xf];
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) s += "." + frac;
  // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + to_string().
  s += exponent < 0 ? "p-" : "p+";
  s += std::to_string(exponent < 0 ? -exponent : exponent);
  return s;
}

// The default quiet NaN reads as __builtin_nan(""); any other (negative, or with a payload, as
// sqrt(-1) gives on x86) is spelled by its bits.
std::string nan_literal(bool plain, uint64_t bits, const char* type, const char* suffix,
                        const char* f) {
  if (plain) return std::string("__builtin_nan") + f + "(\"\")";
  return std::string("__builtin_bit_cast(") + type + ", " + std::to_string(bits) + suffix + ")";
}

}  // namespace

std::string double_literal(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool neg = bits >> 63;
  const int e = static_cast<int>((bits >> 52) & 0x7ff);
  const uint64_t frac = bits & ((uint64_t{1} << 52) - 1);
  if (e == 0x7ff) {
    // A NaN keeps its sign and payload: copysign() of a folded NaN must see what the VM sees.
    if (frac != 0) return nan_literal(bits == 0x7ff8000000000000ULL, bits, "double", "ULL", "");
    return neg ? "(-__builtin_inf())" : "__builtin_inf()";
  }
  std::string s;
  if (e == 0 && frac == 0)
    s = neg ? "(-0x0p+0" : "0x0p+0";
  else
    s = hex_float(neg, e == 0, frac, 13, e == 0 ? -1022 : e - 1023);
  return neg ? s + ")" : s;
}

std::string float_literal(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool neg = bits >> 31;
  const int e = static_cast<int>((bits >> 23) & 0xff);
  const uint64_t frac = bits & ((1u << 23) - 1);
  if (e == 0xff) {
    if (frac != 0) return nan_literal(bits == 0x7fc00000u, bits, "float", "U", "f");
    return neg ? "(-__builtin_inff())" : "__builtin_inff()";
  }
  std::string s;
  if (e == 0 && frac == 0)
    s = neg ? "(-0x0p+0f" : "0x0p+0f";
  else  // 23 fraction bits, left-aligned in 6 hex digits
    s = hex_float(neg, e == 0, frac << 1, 6, e == 0 ? -126 : e - 127) + "f";
  return neg ? s + ")" : s;
}

std::string int64_literal(long long v) {
  if (v == INT64_MIN) return "(-9223372036854775807LL - 1)";
  if (v < 0) return "(-" + std::to_string(-v) + "LL)";
  return std::to_string(v) + "LL";
}

namespace {

std::string slot(int32_t s) {
  std::string name = "v";
  name += std::to_string(s);
  return name;
}

struct Emitter {
  const ir::Module& m;
  DType dtype;
  bool integer() const { return dtype == DType::Int64; }

  // One IR instruction's value expression: a value operation calls the kernel function the
  // operation table names for it (the one the VM and the constant folder call); ParamAt reads p.
  std::string expr(const ir::Instr& in) const {
    const std::string x = slot(in.a), y = in.b >= 0 ? slot(in.b) : "";
    if (ir::is_value_op(in.op)) {
      const auto& info = kernel::ops::op_info(ir::kernel_op(in.op));
      // Operations int64 models cannot use are x there, as in the VM (unreachable: the front end
      // rejects them).
      if (integer() && !info.int64_ok) return x;
      if (in.op == Op::Copy) return x;
      std::string call = std::string("ops::") + info.kernel_function + "(" + x;
      if (info.arity >= 2) call += ", " + y;
      return call + ")";
    }
    if (in.op == Op::ParamAt)  // a is an immediate (flattened base), b the index slot
      return "p[" + std::to_string(in.a) + " + static_cast<long long>(" + y + ")]";
    throw std::logic_error("codegen: not a value instruction");
  }

  // The body of one IR Function as a force-inlined free function named `name`.
  // `direction`: the function reads Direction inputs, so it takes v after lag.
  std::string function(const ir::Function& f, const std::string& name,
                       bool direction = false) const {
    const int n_consts = static_cast<int>(m.n_consts());
    std::vector<char> is_input(static_cast<size_t>(f.n_slots), 0);
    for (const auto& in : f.inputs) is_input[static_cast<size_t>(in.slot)] = 1;
    // Slots written by Copy/LoopEnd or inside a block become mutable locals declared up front.
    std::vector<char> is_mutable(static_cast<size_t>(f.n_slots), 0);
    int depth = 0;
    for (const auto& in : f.code) {
      switch (in.op) {
        case Op::LoopBegin:
        case Op::If:
          ++depth;
          break;
        case Op::Else:
          break;
        case Op::EndIf:
          --depth;
          break;
        case Op::LoopEnd:
          --depth;
          is_mutable[static_cast<size_t>(in.a)] = 1;
          break;
        default:
          if (in.op == Op::Copy || depth > 0) is_mutable[static_cast<size_t>(in.dst)] = 1;
      }
    }
    std::string s = "DYNLIB_KERNEL_INLINE void " + name +
                    "([[maybe_unused]] Time t, [[maybe_unused]] const Real* y, "
                    "[[maybe_unused]] const Real* p, [[maybe_unused]] const Lag& lag, " +
                    (direction ? "[[maybe_unused]] const Real* v, " : "") +
                    "[[maybe_unused]] Real* out, [[maybe_unused]] Real* y_out, "
                    "[[maybe_unused]] Real* p_out) {\n";
    for (const auto& in : f.inputs) {
      s += "  const Real " + slot(in.slot) + " = ";
      switch (in.kind) {
        case ir::InputKind::State:
          s += "y[" + std::to_string(in.index) + "]";
          break;
        case ir::InputKind::Param:
          s += "p[" + std::to_string(in.index) + "]";
          break;
        case ir::InputKind::Lag:
          s += "lag(" + std::to_string(in.index) + ", " + std::to_string(in.lag) + ")";
          break;
        case ir::InputKind::Time:
          s += "static_cast<Real>(t)";
          break;
        case ir::InputKind::Direction:
          s += "v[" + std::to_string(in.index) + "]";
          break;
      }
      s += ";\n";
    }
    for (int i = n_consts; i < f.n_slots; ++i)
      if (is_mutable[static_cast<size_t>(i)] && !is_input[static_cast<size_t>(i)])
        s += "  Real " + slot(i) + " = 0;\n";
    std::string indent = "  ";
    for (const auto& in : f.code) {
      switch (in.op) {
        case Op::LoopBegin:
          s += indent + "while (" + slot(in.a) + (in.c > 0 ? " < " : " > ") + slot(in.b) + ") {\n";
          indent += "  ";
          break;
        case Op::LoopEnd:
          s += indent + slot(in.a) + " = ops::add(" + slot(in.a) + ", " + slot(in.b) + ");\n";
          indent.resize(indent.size() - 2);
          s += indent + "}\n";
          break;
        case Op::If:
          s += indent + "if (" + slot(in.a) + " != 0) {\n";
          indent += "  ";
          break;
        case Op::Else:
          s += indent.substr(2) + "} else {\n";
          break;
        case Op::EndIf:
          indent.resize(indent.size() - 2);
          s += indent + "}\n";
          break;
        default:
          if (is_mutable[static_cast<size_t>(in.dst)])
            s += indent + slot(in.dst) + " = " + expr(in) + ";\n";
          else
            s += indent + "const Real " + slot(in.dst) + " = " + expr(in) + ";\n";
      }
    }
    // Outputs in the VM's order: the zero fill, values, then states, then params.
    if (f.zero_fill > 0)
      s += "  for (int k = 0; k < " + std::to_string(f.zero_fill) + "; ++k) out[k] = 0;\n";
    for (auto kind : {ir::OutputKind::Value, ir::OutputKind::State, ir::OutputKind::Param})
      for (const auto& o : f.outputs) {
        if (o.kind != kind) continue;
        const char* dst = kind == ir::OutputKind::Value   ? "out"
                          : kind == ir::OutputKind::State ? "y_out"
                                                          : "p_out";
        s +=
            "  " + std::string(dst) + "[" + std::to_string(o.index) + "] = " + slot(o.slot) + ";\n";
      }
    s += "}\n";
    return s;
  }

  std::string constant(size_t i) const {
    switch (dtype) {
      case DType::Int64:
        return int64_literal(m.int_consts[i]);
      case DType::Float32:
        return float_literal(static_cast<float>(m.consts[i]));
      default:
        return double_literal(m.consts[i]);
    }
  }
};

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string hex64(uint64_t v) {
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = kHex[v & 0xf];
  return s;
}

// The kernel type of each registry id.
const char* stepper_type(int id) {
  switch (id) {
    case kernel::STEPPER_MAP:
      return "MapStepper";
    case kernel::STEPPER_EULER:
      return "Euler";
    case kernel::STEPPER_RK2:
      return "RK2";
    case kernel::STEPPER_RK4:
      return "RK4";
    case kernel::STEPPER_RK45:
      return "RK45";
    case kernel::STEPPER_AB2:
      return "AB2";
    case kernel::STEPPER_AB3:
      return "AB3";
    case kernel::STEPPER_SDIRK2:
      return "SDIRK2";
    case kernel::STEPPER_BDF2:
      return "BDF2";
    case kernel::STEPPER_BDF2A:
      return "BDF2A";
    case kernel::STEPPER_TRBDF2A:
      return "TRBDF2A";
    case kernel::STEPPER_RODAS3:
      return "Rodas3";
    case kernel::STEPPER_CVODE:
      return "CvodeBdf";
    case kernel::STEPPER_CVODE_ADAMS:
      return "CvodeAdams";
    default:
      return nullptr;
  }
}

// The kernel header that defines it: generated code includes only the steppers it runs, so a
// plain kernel does not parse the implicit ones (cold compile time).
const char* stepper_header(int id) {
  switch (id) {
    case kernel::STEPPER_RK45:
      return "kernel/steppers/rk45.hpp";
    case kernel::STEPPER_AB2:
    case kernel::STEPPER_AB3:
      return "kernel/steppers/adams.hpp";
    case kernel::STEPPER_SDIRK2:
      return "kernel/steppers/sdirk2.hpp";
    case kernel::STEPPER_BDF2:
    case kernel::STEPPER_BDF2A:
      return "kernel/steppers/bdf2.hpp";
    case kernel::STEPPER_TRBDF2A:
      return "kernel/steppers/trbdf2.hpp";
    case kernel::STEPPER_RODAS3:
      return "kernel/steppers/rodas3.hpp";
    case kernel::STEPPER_CVODE:
    case kernel::STEPPER_CVODE_ADAMS:
      return "kernel/steppers/host.hpp";
    default:
      return "kernel/steppers/explicit_rk.hpp";
  }
}

std::string switch_int(const std::string& sig, const std::vector<int>& values) {
  std::string s = "  " + sig + " {\n";
  if (!values.empty()) {
    s += "    switch (e) {\n";
    for (size_t i = 0; i < values.size(); ++i)
      s += "      case " + std::to_string(i) + ": return " + std::to_string(values[i]) + ";\n";
    s += "    }\n";
  }
  s += "    return 0;\n  }\n";
  return s;
}

}  // namespace

namespace {
// What a loader checks before it calls anything else: the ABI version, the dtype, the sizes.
std::string identity_exports(const ir::Module& m) {
  return "extern \"C\" DYNLIB_EXPORT int dynlib_abi_version() { return "
         "::dynlib::kernel::kRunArgsAbi; }\n"
         "extern \"C\" DYNLIB_EXPORT int dynlib_dtype() { return " +
         std::to_string(m.dtype == DType::Float64   ? 0
                        : m.dtype == DType::Float32 ? 1
                                                    : 2) +
         "; }\n"
         "extern \"C\" DYNLIB_EXPORT void dynlib_model_sizes(int* sizes) {\n"
         "  sizes[0] = " +
         std::to_string(m.n_state) + ";\n  sizes[1] = " + std::to_string(m.n_param) +
         ";\n  sizes[2] = " + std::to_string(m.n_aux) +
         ";\n  sizes[3] = " + std::to_string(m.events.size()) + ";\n}\n";
}

std::string entry_symbol(const char* prefix, const std::string& stepper) {
  std::string s = prefix + stepper;
  for (char& ch : s)
    if (ch == '-') ch = '_';
  return s;
}
}  // namespace

std::string run_symbol(const std::string& stepper) {
  return entry_symbol("dynlib_run_", stepper);
}

std::string observe_symbol(const std::string& stepper) {
  return entry_symbol("dynlib_observe_", stepper);
}

GeneratedSource generate(const ir::Module& m, const std::vector<std::string>& steppers,
                         std::optional<DType> dtype) {
  if (dtype && *dtype != m.dtype)
    throw std::invalid_argument(
        "codegen: dtype differs from the module's (lower it with that dtype)");
  const Emitter em{m, m.dtype};
  const char* real = m.dtype == DType::Int64     ? "long long"
                     : m.dtype == DType::Float32 ? "float"
                                                 : "double";
  const char* time = m.dtype == DType::Float32 ? "float" : "double";
  const int n_event = static_cast<int>(m.events.size());

  // Stepper ids (validated before anything is generated).
  std::vector<int> ids;
  for (const auto& name : steppers) {
    const int id = kernel::find_stepper(name.c_str());
    if (id < 0 || !stepper_type(id)) throw std::invalid_argument("codegen: unknown stepper");
    bool dup = false;
    for (int j : ids) dup |= j == id;
    if (!dup) ids.push_back(id);
  }

  GeneratedSource g;
  // ---- the namespace body ----
  std::string consts;
  for (size_t i = 0; i < m.n_consts(); ++i)
    consts +=
        "inline constexpr Real " + slot(static_cast<int32_t>(i)) + " = " + em.constant(i) + ";\n";
  g.rhs = em.function(m.rhs, "f_rhs");
  if (m.has_user_jacobian) g.rhs += em.function(m.user_jacobian, "f_user_jacobian");
  if (m.has_derivatives) {
    g.rhs += em.function(m.jacobian, "f_jacobian");
    g.rhs += em.function(m.jvp, "f_jvp", true);
    g.rhs += em.function(m.dfdp, "f_dfdp");
  }
  g.aux = em.function(m.aux, "f_aux");
  std::string inverse = m.has_inverse ? em.function(m.inverse, "f_inverse") : "";
  for (int e = 0; e < n_event; ++e) {
    const auto& ev = m.events[static_cast<size_t>(e)];
    const std::string k = std::to_string(e);
    g.events += "// event " + k + "\n";
    g.events += em.function(ev.cond, "f_event" + k + "_cond");
    g.events += em.function(ev.action, "f_event" + k + "_action");
    g.events += em.function(ev.log, "f_event" + k + "_log");
  }

  if (m.has_stop) g.events += "// [sim] stop\n" + em.function(m.stop, "f_stop");

  std::vector<int> phases, log_sizes;
  for (const auto& ev : m.events) {
    phases.push_back(ev.phases);
    log_sizes.push_back(static_cast<int>(ev.log.outputs.size()));
  }
  std::string model_struct = "struct Model {\n  using real_t = Real;\n";
  auto size = [&](const char* what, int v) {
    model_struct += "  static constexpr int " + std::string(what) + "_v = " + std::to_string(v) +
                    ";\n  constexpr int " + what + "() const { return " + std::to_string(v) +
                    "; }\n";
  };
  size("n_state", m.n_state);
  size("n_param", m.n_param);
  size("n_aux", m.n_aux);
  size("n_event", n_event);
  model_struct += "  constexpr int lag_depth([[maybe_unused]] int s) const {\n";
  for (int s = 0; s < m.n_state; ++s)
    if (m.lag_depth[static_cast<size_t>(s)] > 0)
      model_struct += "    if (s == " + std::to_string(s) + ") return " +
                      std::to_string(m.lag_depth[static_cast<size_t>(s)]) + ";\n";
  model_struct += "    return 0;\n  }\n";
  const std::string args = "Time t, const Real* y, const Real* p, const Lag& lag";
  model_struct += "  DYNLIB_KERNEL_INLINE void rhs(" + args +
                  ", Real* out) const { f_rhs(t, y, p, lag, out, nullptr, nullptr); }\n";
  model_struct += "  DYNLIB_KERNEL_INLINE void aux(" + args +
                  ", Real* out) const { f_aux(t, y, p, lag, out, nullptr, nullptr); }\n";
  model_struct += std::string("  constexpr bool has_user_jacobian() const { return ") +
                  (m.has_user_jacobian ? "true" : "false") + "; }\n";
  if (m.has_user_jacobian)
    model_struct +=
        "  DYNLIB_KERNEL_INLINE void user_jacobian(" + args +
        ", Real* out) const { f_user_jacobian(t, y, p, lag, out, nullptr, nullptr); }\n";
  model_struct += std::string("  constexpr bool has_derivatives() const { return ") +
                  (m.has_derivatives ? "true" : "false") + "; }\n";
  if (m.has_derivatives) {
    model_struct += "  DYNLIB_KERNEL_INLINE void jacobian(" + args +
                    ", Real* out) const { f_jacobian(t, y, p, lag, out, nullptr, nullptr); }\n";
    model_struct +=
        "  DYNLIB_KERNEL_INLINE void jvp(" + args +
        ", const Real* v, Real* out) const { f_jvp(t, y, p, lag, v, out, nullptr, nullptr); }\n";
    model_struct += "  DYNLIB_KERNEL_INLINE void dfdp(" + args +
                    ", Real* out) const { f_dfdp(t, y, p, lag, out, nullptr, nullptr); }\n";
  }
  // Only a model with a stop condition declares it: the runner's check then compiles away.
  if (m.has_stop) {
    model_struct += "  constexpr bool has_stop() const { return true; }\n";
    model_struct += "  DYNLIB_KERNEL_INLINE bool stop_cond(" + args +
                    ") const { Real stop = 0; f_stop(t, y, p, lag, &stop, nullptr, nullptr); "
                    "return stop != 0; }\n";
  }
  model_struct += std::string("  constexpr bool has_inverse() const { return ") +
                  (m.has_inverse ? "true" : "false") + "; }\n";
  if (m.has_inverse)
    model_struct += "  DYNLIB_KERNEL_INLINE void inverse(" + args +
                    ", Real* out) const { f_inverse(t, y, p, lag, out, nullptr, nullptr); }\n";
  model_struct += switch_int("constexpr int event_phases([[maybe_unused]] int e) const", phases);
  model_struct +=
      switch_int("constexpr int event_log_size([[maybe_unused]] int e) const", log_sizes);
  auto dispatch = [&](const std::string& sig, const std::string& part, const std::string& call,
                      const std::string& ret, const std::string& fallback) {
    model_struct += "  DYNLIB_KERNEL_INLINE " + sig + " const {\n";
    if (n_event > 0) {
      model_struct += "    switch (e) {\n";
      for (int e = 0; e < n_event; ++e)
        model_struct += "      case " + std::to_string(e) + ": " + (ret.empty() ? "" : "{ ") +
                        (ret.empty() ? "" : ret) + "f_event" + std::to_string(e) + "_" + part +
                        call + (ret.empty() ? " return;\n" : " }\n");
      model_struct += "    }\n";
    }
    model_struct += fallback;
    model_struct += "  }\n";
  };
  dispatch(
      "bool event_cond([[maybe_unused]] int e, [[maybe_unused]] Time t, [[maybe_unused]] "
      "const Real* y, [[maybe_unused]] const Real* p, [[maybe_unused]] const Lag& lag)",
      "cond", "(t, y, p, lag, &fired, nullptr, nullptr); return fired != 0;", "Real fired = 0; ",
      "    return false;\n");
  dispatch(
      "void event_action([[maybe_unused]] int e, [[maybe_unused]] Time t, [[maybe_unused]] "
      "const Real* y, [[maybe_unused]] const Real* p, [[maybe_unused]] const Lag& lag, "
      "[[maybe_unused]] Real* y_out, [[maybe_unused]] Real* p_out)",
      "action", "(t, y, p, lag, nullptr, y_out, p_out);", "", "");
  dispatch(
      "void event_log([[maybe_unused]] int e, [[maybe_unused]] Time t, [[maybe_unused]] "
      "const Real* y, [[maybe_unused]] const Real* p, [[maybe_unused]] const Lag& lag, "
      "[[maybe_unused]] Real* out)",
      "log", "(t, y, p, lag, out, nullptr, nullptr);", "", "");
  model_struct += "};\n";

  const std::string body =
      consts + "\n" + g.rhs + "\n" + g.aux + "\n" + inverse + "\n" + g.events + "\n" + model_struct;
  g.ns = "dynlib_gen_" + hex64(fnv1a(std::string(real) + "\n" + body));

  g.model =
      "// Generated by dynlib codegen from the model's IR. Do not edit.\n"
      "#include \"kernel/lag.hpp\"\n"
      "#include \"kernel/model.hpp\"\n"
      "#include \"kernel/ops.hpp\"\n"
      "#include \"kernel/types.hpp\"\n\n"
      "namespace " +
      g.ns +
      " {\n\n"
      "namespace ops = ::dynlib::kernel::ops;\n"
      "using Real = " +
      real +
      ";\n"
      "using Time = " +
      time +
      ";\n"
      "using Lag = ::dynlib::kernel::LagView<Real>;\n\n" +
      body + "\n}  // namespace " + g.ns + "\n";

  // ---- the entry ----
  // extern "C" functions declared inside the private namespace keep their plain C symbol names.
  const std::string& ns = g.ns;
  g.stepper.clear();
  g.runner.clear();
  std::vector<std::string> headers;
  for (int id : ids)
    if (std::find(headers.begin(), headers.end(), stepper_header(id)) == headers.end())
      headers.push_back(stepper_header(id));
  const bool observed = m.has_derivatives && m.dtype != DType::Int64;
  if (observed) headers.push_back("kernel/variational.hpp");
  std::string includes;
  for (const auto& h : headers) includes += "#include \"" + h + "\"\n";
  for (int id : ids) {
    const std::string symbol = run_symbol(kernel::kSteppers[id].name);
    const std::string alias = "Stepper_" + symbol.substr(sizeof("dynlib_run_") - 1);
    g.stepper += "using " + alias + " = ::dynlib::kernel::" + stepper_type(id) + ";\n";
    g.runner += "extern \"C\" DYNLIB_EXPORT int " + symbol +
                "(void* args) {\n  return ::dynlib::kernel::run<" + alias +
                ">(Model{}, *static_cast<::dynlib::kernel::RunArgs<Real>*>(args));\n}\n";
    // Observed runs (Lyapunov tangents, host callbacks) need J·v: only kernels with derivatives.
    if (observed)
      g.runner += "extern \"C\" DYNLIB_EXPORT int " + observe_symbol(kernel::kSteppers[id].name) +
                  "(void* args, void* observe) {\n"
                  "  auto& o = *static_cast<::dynlib::kernel::ObserveArgs<Real>*>(observe);\n"
                  "  const Model model{};\n"
                  "  auto& a = *static_cast<::dynlib::kernel::RunArgs<Real>*>(args);\n"
                  "  ::dynlib::kernel::TangentObserver<Real> obs{o, model.n_state()};\n"
                  "  int status;\n"
                  // Without tangents (host observers only) the model runs as itself: its sizes
                  // stay compile-time constants, so the loop is the plain run's, not the
                  // variational wrapper's (same arithmetic, so the same bits).
                  "  if (o.k == 0) {\n"
                  "    status = ::dynlib::kernel::run<" +
                  alias +
                  ">(model, a, obs.host);\n"
                  "  } else {\n"
                  "    ::dynlib::kernel::Variational<Model> vm{model, o.k, o.jac_scratch};\n"
                  "    status = ::dynlib::kernel::run<" +
                  alias +
                  ">(vm, a, obs);\n"
                  "  }\n"
                  "  obs.host.save();\n"
                  "  return status;\n}\n";
  }

  const std::string in_args = "Time t, const Real* y, const Real* p, const void* lag";
  std::string inspect =
      "inline const Lag& lag_of(const void* lag) {\n"
      "  static constexpr Lag kNone{};\n"
      "  return lag ? *static_cast<const Lag*>(lag) : kNone;\n"
      "}\n" +
      identity_exports(m);
  auto value_fn = [&](const char* name, const char* method) {
    inspect += "extern \"C\" DYNLIB_EXPORT void " + std::string(name) + "(" + in_args +
               ", Real* out) {\n  Model{}." + method + "(t, y, p, lag_of(lag), out);\n}\n";
  };
  value_fn("dynlib_rhs", "rhs");
  value_fn("dynlib_aux", "aux");
  if (m.has_user_jacobian) value_fn("dynlib_user_jacobian", "user_jacobian");
  if (m.has_inverse) value_fn("dynlib_inverse", "inverse");
  if (m.has_derivatives) {
    value_fn("dynlib_jacobian", "jacobian");
    inspect += "extern \"C\" DYNLIB_EXPORT void dynlib_jvp(" + in_args +
               ", const Real* v, Real* out) {\n  Model{}.jvp(t, y, p, lag_of(lag), v, out);\n}\n";
    value_fn("dynlib_dfdp", "dfdp");
  }
  inspect += "extern \"C\" DYNLIB_EXPORT int dynlib_event_cond(int e, " + in_args +
             ") {\n  return Model{}.event_cond(e, t, y, p, lag_of(lag)) ? 1 : 0;\n}\n";
  inspect +=
      "extern \"C\" DYNLIB_EXPORT void dynlib_event_action(int e, " + in_args +
      ", Real* y_out, Real* p_out) {\n  Model{}.event_action(e, t, y, p, lag_of(lag), y_out, "
      "p_out);\n}\n";
  inspect += "extern \"C\" DYNLIB_EXPORT void dynlib_event_log(int e, " + in_args +
             ", Real* out) {\n  Model{}.event_log(e, t, y, p, lag_of(lag), out);\n}\n";

  g.entry = "// Entry points: the kernel's runner instantiated with the model above.\n" + includes +
            "#include \"kernel/run_args.hpp\"\n"
            "#include \"kernel/runner.hpp\"\n\n"
            "#ifndef DYNLIB_EXPORT\n"
            "#define DYNLIB_EXPORT __attribute__((visibility(\"default\")))\n"
            "#endif\n\n"
            "namespace " +
            ns + " {\n\n" + g.stepper + "\n" + g.runner + "\n" + inspect + "\n}  // namespace " +
            ns + "\n";
  return g;
}

bool has_quick_step(const std::string& stepper) {
  const int id = kernel::find_stepper(stepper.c_str());
  return id >= 0 && id < kernel::STEPPER_SDIRK2;  // the explicit ones (registry.hpp)
}

std::string generate_functions(const ir::Module& m, const std::string& stepper) {
  const GeneratedSource g = generate(m, {});
  const bool step = !stepper.empty() && has_quick_step(stepper);
  const int id = step ? kernel::find_stepper(stepper.c_str()) : -1;
  std::string s = g.model +
                  "\n// Entry points: each function alone, for the library's runner.\n"
                  "#include \"kernel/run_args.hpp\"\n" +
                  (step ? std::string("#include \"") + stepper_header(id) + "\"\n" : "") +
                  "\n"
                  "#ifndef DYNLIB_EXPORT\n"
                  "#define DYNLIB_EXPORT __attribute__((visibility(\"default\")))\n"
                  "#endif\n\n"
                  "namespace " +
                  g.ns + " {\n\n";
  s += identity_exports(m);
  auto exported = [&](const std::string& name, bool direction = false) {
    s += "extern \"C\" DYNLIB_EXPORT void dynlib_fn_" + name +
         "(Time t, const Real* y, const Real* p, const void* lag, [[maybe_unused]] const Real* v, "
         "Real* out, Real* y_out, Real* p_out) {\n  f_" +
         name + "(t, y, p, *static_cast<const Lag*>(lag), " + (direction ? "v, " : "") +
         "out, y_out, p_out);\n}\n";
  };
  exported("rhs");
  exported("aux");
  if (m.has_stop) exported("stop");
  if (m.has_user_jacobian) exported("user_jacobian");
  if (m.has_inverse) exported("inverse");
  if (m.has_derivatives) {
    exported("jacobian");
    exported("jvp", true);
    exported("dfdp");
  }
  for (size_t e = 0; e < m.events.size(); ++e) {
    const std::string k = "event" + std::to_string(e);
    exported(k + "_cond");
    exported(k + "_action");
    exported(k + "_log");
  }
  if (step)
    s += std::string("extern \"C\" DYNLIB_EXPORT int dynlib_step(void* ctx, Time t, Time* h, ") +
         "Time* h_next, const Real* y, Real* y_new) {\n  return ::dynlib::kernel::" +
         stepper_type(id) +
         "::step(Model{}, *static_cast<::dynlib::kernel::StepCtx<Real>*>(ctx), t, *h, *h_next, y, "
         "y_new);\n}\n";
  return s + "\n}  // namespace " + g.ns + "\n";
}

}  // namespace dynlib::codegen

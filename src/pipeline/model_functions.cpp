// The model as callable functions, as reference dynlib users call them: rhs, jacobian, jvp, dfdp
// and a map's inverse, on float64 buffers, evaluated by the kernel of the build's backend (the
// interpreter, or native code with jit) in the model's dtype. A call has no history: lagged terms
// read the state given.
#include <fmt/format.h>

#include <cmath>
#include <type_traits>

#include <fmt/ranges.h>

#include "pipeline/built_model.hpp"

namespace dynlib {

const char* model_function_name(ModelFunction f) {
  switch (f) {
    case ModelFunction::Rhs:
      return "rhs";
    case ModelFunction::Jacobian:
      return "jacobian";
    case ModelFunction::Jvp:
      return "jvp";
    case ModelFunction::Dfdp:
      return "dfdp";
    case ModelFunction::Inverse:
      return "inv_rhs";
  }
  return "?";
}

namespace {

template <class Real>
void evaluate_as(const pipeline::Kernel& k, ModelFunction f, double t, const double* y,
                 const double* p, const double* v, double* out, size_t n_out) {
  using Time = kernel::time_t_of<Real>;
  const pipeline::KernelShape& sh = k.shape();
  const size_t n = static_cast<size_t>(sh.n_state), np = static_cast<size_t>(sh.n_param);
  std::vector<Real> yr(y, y + n), pr(p, p + np), vr, res(n_out);
  if (v) vr.assign(v, v + n);
  // Every lagged column reads the state given, at every depth.
  int depth = 0;
  const std::vector<int> cols = sh.lag_columns(depth);
  std::vector<Real> ring;
  for (int r = 0; r < depth; ++r)
    for (int c : cols) ring.push_back(yr[static_cast<size_t>(c)]);
  kernel::LagView<Real> lag;
  lag.ring = ring.empty() ? nullptr : ring.data();
  lag.width = static_cast<int>(cols.size());
  lag.depth = depth;
  lag.head = 0;
  auto entry = k.entry<Real>();
  const Time tt = static_cast<Time>(t);
  const Real* pp = pr.empty() ? nullptr : pr.data();
  switch (f) {
    case ModelFunction::Rhs:
      entry->rhs(tt, yr.data(), pp, lag, res.data());
      break;
    case ModelFunction::Jacobian:
      entry->jacobian(tt, yr.data(), pp, lag, res.data());
      break;
    case ModelFunction::Jvp:
      entry->jvp(tt, yr.data(), pp, lag, vr.data(), res.data());
      break;
    case ModelFunction::Dfdp:
      entry->dfdp(tt, yr.data(), pp, lag, res.data());
      break;
    case ModelFunction::Inverse:
      entry->inverse(tt, yr.data(), pp, lag, res.data());
      break;
  }
  for (size_t i = 0; i < n_out; ++i) out[i] = static_cast<double>(res[i]);
}

}  // namespace

size_t FullModel::output_size(ModelFunction f) const {
  const size_t n = static_cast<size_t>(impl_->shape.n_state);
  switch (f) {
    case ModelFunction::Jacobian:
      return n * n;
    case ModelFunction::Dfdp:
      return n * static_cast<size_t>(impl_->shape.n_param);
    default:
      return n;
  }
}

void FullModel::evaluate(ModelFunction f, double t, const double* y, const double* params,
                         const double* v, double* out) const {
  const detail::BuiltModel& m = *impl_;
  const bool derivative =
      f == ModelFunction::Jacobian || f == ModelFunction::Jvp || f == ModelFunction::Dfdp;
  if (derivative && m.dtype == DType::Int64)
    throw DynlibError(fmt::format(
        "{}: model '{}' is an int64 map, which has no derivatives (its arithmetic is integer)",
        model_function_name(f), m.info.name));
  if (f == ModelFunction::Jvp && !v) throw DynlibError("jvp needs a direction vector v");
  if (!y) throw DynlibError(fmt::format("{} needs a state y", model_function_name(f)));
  std::shared_ptr<const pipeline::Kernel> k =
      derivative ? m.function_kernel() : (m.native() ? m.native() : m.interpreter);
  if (f == ModelFunction::Inverse && !k->has_inverse())
    throw DynlibError(fmt::format(
        "inv_rhs: model '{}' has no inverse: give one in [equations.inverse] (maps only)",
        m.info.name));
  const double* p = params ? params : m.p0.data();
  if (m.dtype == DType::Int64) {
    // Converting to int64 would truncate silently (27.5 -> 27): refuse, as runs do.
    auto check_whole = [&](const char* what, const double* x, int count) {
      for (int i = 0; i < count; ++i)
        if (!std::isfinite(x[i]) || x[i] != std::floor(x[i]) || std::fabs(x[i]) > 9.2e18)
          throw DynlibError(
              fmt::format("{}: {}[{}] = {}: model '{}' is int64 and takes whole numbers only",
                          model_function_name(f), what, i, x[i], m.info.name));
    };
    check_whole("y", y, m.shape.n_state);
    check_whole("params", p, m.shape.n_param);
  }
  switch (m.dtype) {
    case DType::Float64:
      evaluate_as<double>(*k, f, t, y, p, v, out, output_size(f));
      break;
    case DType::Float32:
      evaluate_as<float>(*k, f, t, y, p, v, out, output_size(f));
      break;
    case DType::Int64:
      evaluate_as<long long>(*k, f, t, y, p, v, out, output_size(f));
      break;
  }
}

namespace {
std::vector<double> call(const FullModel& m, ModelFunction f, double t,
                         const std::vector<double>& y, const std::vector<double>& params,
                         const std::vector<double>* v) {
  const size_t n = static_cast<size_t>(m.layout().n_state());
  const size_t np = static_cast<size_t>(m.layout().n_param_values());
  if (y.size() != n)
    throw DynlibError(fmt::format("{}: y has {} values, but model '{}' has {} states",
                                  model_function_name(f), y.size(), m.spec().name, n));
  if (!params.empty() && params.size() != np)
    throw DynlibError(fmt::format(
        "{}: params has {} values, but model '{}' has {} (the flat parameter vector: {})",
        model_function_name(f), params.size(), m.spec().name, np,
        fmt::join(m.layout().param_value_labels(), ", ")));
  if (v && v->size() != n)
    throw DynlibError(fmt::format("jvp: v has {} values, but model '{}' has {} states", v->size(),
                                  m.spec().name, n));
  std::vector<double> out(m.output_size(f));
  m.evaluate(f, t, y.data(), params.empty() ? nullptr : params.data(), v ? v->data() : nullptr,
             out.data());
  return out;
}
}  // namespace

std::vector<double> FullModel::rhs(double t, const std::vector<double>& y,
                                   const std::vector<double>& params) const {
  return call(*this, ModelFunction::Rhs, t, y, params, nullptr);
}
std::vector<double> FullModel::jacobian(double t, const std::vector<double>& y,
                                        const std::vector<double>& params) const {
  return call(*this, ModelFunction::Jacobian, t, y, params, nullptr);
}
std::vector<double> FullModel::jvp(double t, const std::vector<double>& y,
                                   const std::vector<double>& params,
                                   const std::vector<double>& v) const {
  return call(*this, ModelFunction::Jvp, t, y, params, &v);
}
std::vector<double> FullModel::dfdp(double t, const std::vector<double>& y,
                                    const std::vector<double>& params) const {
  return call(*this, ModelFunction::Dfdp, t, y, params, nullptr);
}
std::vector<double> FullModel::inv_rhs(double t, const std::vector<double>& y,
                                       const std::vector<double>& params) const {
  return call(*this, ModelFunction::Inverse, t, y, params, nullptr);
}

}  // namespace dynlib

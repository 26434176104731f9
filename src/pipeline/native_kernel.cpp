// A natively compiled Kernel: the entry points a loaded shared object exports (codegen.hpp lists
// them), checked on load against the model's dtype and sizes so a kernel can never run on buffers
// laid out for another model.
#include <fmt/format.h>

#include "kernel/status.hpp"
#include "pipeline/factory.hpp"

namespace dynlib::detail::pipeline_detail {
namespace {

using pipeline::Entry;
using pipeline::Kernel;

template <class Real>
struct NativeFns {
  using Time = kernel::time_t_of<Real>;
  using Run = int (*)(void*);
  using Observe = int (*)(void*, void*);
  Observe observe = nullptr;  // kernels with derivatives, float dtypes
  using Value = void (*)(Time, const Real*, const Real*, const void*, Real*);
  using Jvp = void (*)(Time, const Real*, const Real*, const void*, const Real*, Real*);
  Run run = nullptr;
  Value rhs = nullptr, aux = nullptr, jacobian = nullptr, dfdp = nullptr, inverse = nullptr;
  Jvp jvp = nullptr;
};

template <class Real>
class NativeEntry final : public Entry<Real> {
 public:
  using typename Entry<Real>::Time;
  using typename Entry<Real>::Lag;
  explicit NativeEntry(const NativeFns<Real>& fns) : f_(fns) {}
  int run(kernel::RunArgs<Real>& args) override { return f_.run(&args); }
  int run_observed(kernel::RunArgs<Real>& args, kernel::ObserveArgs<Real>& o) override {
    return f_.observe ? f_.observe(&args, &o) : kernel::BAD_ARGS;
  }
  void rhs(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    f_.rhs(t, y, p, &lag, out);
  }
  void aux(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    f_.aux(t, y, p, &lag, out);
  }
  void jacobian(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    f_.jacobian(t, y, p, &lag, out);
  }
  void jvp(Time t, const Real* y, const Real* p, const Lag& lag, const Real* v,
           Real* out) override {
    f_.jvp(t, y, p, &lag, v, out);
  }
  void dfdp(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    f_.dfdp(t, y, p, &lag, out);
  }
  void inverse(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    f_.inverse(t, y, p, &lag, out);
  }

 private:
  NativeFns<Real> f_;
};

class NativeKernel final : public Kernel {
 public:
  NativeKernel(const BuiltModel& m, std::shared_ptr<const jit::LoadedKernel> loaded,
               bool with_derivatives)
      : shape_(m.shape), layout_(m.layout), dtype_(m.dtype), loaded_(std::move(loaded)) {
    check_kernel_identity(m, *loaded_);
    switch (dtype_) {
      case DType::Float64:
        bind(f64_, m.stepper_name, with_derivatives);
        break;
      case DType::Float32:
        bind(f32_, m.stepper_name, with_derivatives);
        break;
      case DType::Int64:
        bind(i64_, m.stepper_name, with_derivatives);
        break;
    }
    has_derivatives_ = with_derivatives;
  }
  const char* backend() const override { return "native"; }
  DType dtype() const override { return dtype_; }
  bool has_derivatives() const override { return has_derivatives_; }
  bool has_inverse() const override { return has_inverse_; }
  const pipeline::KernelShape& shape() const override { return shape_; }
  const Layout& layout() const override { return layout_; }
  std::unique_ptr<Entry<double>> entry_f64() const override { return make(f64_); }
  std::unique_ptr<Entry<float>> entry_f32() const override { return make(f32_); }
  std::unique_ptr<Entry<long long>> entry_i64() const override { return make(i64_); }

 private:
  template <class Real>
  void bind(NativeFns<Real>& f, const std::string& stepper, bool with_derivatives) {
    const jit::LoadedKernel& k = *loaded_;
    using F = NativeFns<Real>;
    f.run = reinterpret_cast<typename F::Run>(k.require_symbol(codegen::run_symbol(stepper)));
    f.rhs = reinterpret_cast<typename F::Value>(k.require_symbol("dynlib_rhs"));
    f.aux = reinterpret_cast<typename F::Value>(k.require_symbol("dynlib_aux"));
    if (with_derivatives) {
      f.jacobian = reinterpret_cast<typename F::Value>(k.require_symbol("dynlib_jacobian"));
      f.jvp = reinterpret_cast<typename F::Jvp>(k.require_symbol("dynlib_jvp"));
      f.dfdp = reinterpret_cast<typename F::Value>(k.require_symbol("dynlib_dfdp"));
      if constexpr (kernel::is_floating<Real>)
        f.observe = reinterpret_cast<typename F::Observe>(
            k.require_symbol(codegen::observe_symbol(stepper)));
    }
    f.inverse = reinterpret_cast<typename F::Value>(k.symbol("dynlib_inverse"));
    has_inverse_ = f.inverse != nullptr;
  }
  template <class Real>
  std::unique_ptr<Entry<Real>> make(const NativeFns<Real>& f) const {
    return f.run ? std::make_unique<NativeEntry<Real>>(f) : nullptr;
  }

  pipeline::KernelShape shape_;
  Layout layout_;
  DType dtype_;
  std::shared_ptr<const jit::LoadedKernel> loaded_;
  NativeFns<double> f64_;
  NativeFns<float> f32_;
  NativeFns<long long> i64_;
  bool has_derivatives_ = false, has_inverse_ = false;
};

}  // namespace

void check_kernel_identity(const BuiltModel& m, const jit::LoadedKernel& k) {
  using IntFn = int (*)();
  const auto dtype_fn = reinterpret_cast<IntFn>(k.require_symbol("dynlib_dtype"));
  if (dtype_fn() != static_cast<int>(m.dtype))
    throw CompileError(fmt::format("the compiled kernel {} computes in another dtype than {}",
                                   k.key().substr(0, 16), dtype_name(m.dtype)),
                       "dynlib_dtype() mismatch", "");
  int sizes[4] = {-1, -1, -1, -1};
  reinterpret_cast<void (*)(int*)>(k.require_symbol("dynlib_model_sizes"))(sizes);
  if (sizes[0] != m.shape.n_state || sizes[1] != m.shape.n_param || sizes[2] != m.shape.n_aux ||
      sizes[3] != m.shape.n_event)
    throw CompileError(
        fmt::format("the compiled kernel {} has other sizes than model '{}' ({}, {}, {}, {} "
                    "states, params, aux, events; expected {}, {}, {}, {})",
                    k.key().substr(0, 16), m.info.name, sizes[0], sizes[1], sizes[2], sizes[3],
                    m.shape.n_state, m.shape.n_param, m.shape.n_aux, m.shape.n_event),
        "dynlib_model_sizes() mismatch", "");
}

std::shared_ptr<const Kernel> make_native_kernel(const BuiltModel& model,
                                                 std::shared_ptr<const jit::LoadedKernel> loaded,
                                                 bool with_derivatives) {
  return std::make_shared<NativeKernel>(model, std::move(loaded), with_derivatives);
}

}  // namespace dynlib::detail::pipeline_detail

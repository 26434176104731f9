// The interpreter's Kernel: the IR's programs run on the tape VM, through the one shared runner
// and steppers (kernel::run<Stepper> over interp::InterpModel, the stepper picked at run time).
// A quick kernel (jit=quick) is the same with each program's native twin in place of its tape.
#include "interp/called_step.hpp"
#include "kernel/kernel.hpp"
#include "kernel/registry.hpp"
#include "kernel/status.hpp"
#include "pipeline/factory.hpp"
#include "pipeline/interp_observed.hpp"

namespace dynlib::detail::pipeline_detail {
namespace {

using pipeline::Entry;
using pipeline::Kernel;

template <class Real>
class InterpEntry final : public Entry<Real> {
 public:
  using typename Entry<Real>::Time;
  using typename Entry<Real>::Lag;
  InterpEntry(std::shared_ptr<const interp::CompiledModule> cm, int stepper_id)
      : model_(std::move(cm)), stepper_id_(stepper_id) {}

  int run(kernel::RunArgs<Real>& args) override {
    if (model_.has_native_step())  // a quick kernel of an explicit stepper
      return kernel::dispatch_explicit_stepper(
          stepper_id_, [&]<class S>() { return kernel::run<interp::CalledStep<S>>(model_, args); });
    return kernel::dispatch_stepper(stepper_id_,
                                    [&]<class S>() { return kernel::run<S>(model_, args); });
  }
  int run_observed(kernel::RunArgs<Real>& args, kernel::ObserveArgs<Real>& o) override {
    if constexpr (!kernel::is_floating<Real>) {
      return kernel::BAD_ARGS;
    } else {
      if (!model_.has_derivatives()) return kernel::BAD_ARGS;
      return interp_run_observed(model_, stepper_id_, args, o);
    }
  }
  void rhs(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    model_.rhs(t, y, p, lag, out);
  }
  void aux(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    model_.aux(t, y, p, lag, out);
  }
  void jacobian(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    model_.jacobian(t, y, p, lag, out);
  }
  void jvp(Time t, const Real* y, const Real* p, const Lag& lag, const Real* v,
           Real* out) override {
    model_.jvp(t, y, p, lag, v, out);
  }
  void dfdp(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    model_.dfdp(t, y, p, lag, out);
  }
  void inverse(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) override {
    model_.inverse(t, y, p, lag, out);
  }

 private:
  interp::InterpModel<Real> model_;
  int stepper_id_;
};

class InterpKernel final : public Kernel {
 public:
  InterpKernel(const BuiltModel& m, std::shared_ptr<const interp::CompiledModule> cm,
               const char* backend)
      : backend_(backend),
        shape_(m.shape),
        layout_(m.layout),
        dtype_(m.dtype),
        stepper_id_(m.stepper_id),
        cm_(std::move(cm)) {}
  const char* backend() const override { return backend_; }
  DType dtype() const override { return dtype_; }
  bool has_derivatives() const override { return cm_->module->has_derivatives; }
  bool has_inverse() const override { return cm_->module->has_inverse; }
  const pipeline::KernelShape& shape() const override { return shape_; }
  const Layout& layout() const override { return layout_; }
  std::unique_ptr<Entry<double>> entry_f64() const override { return make<double>(); }
  std::unique_ptr<Entry<float>> entry_f32() const override { return make<float>(); }
  std::unique_ptr<Entry<long long>> entry_i64() const override { return make<long long>(); }

 private:
  template <class Real>
  std::unique_ptr<Entry<Real>> make() const {
    const DType want = std::is_same_v<Real, double>  ? DType::Float64
                       : std::is_same_v<Real, float> ? DType::Float32
                                                     : DType::Int64;
    if (want != dtype_) return nullptr;
    return std::make_unique<InterpEntry<Real>>(cm_, stepper_id_);
  }
  const char* backend_;
  pipeline::KernelShape shape_;
  Layout layout_;
  DType dtype_;
  int stepper_id_;
  std::shared_ptr<const interp::CompiledModule> cm_;
};

}  // namespace

std::shared_ptr<const Kernel> make_interp_kernel(
    const BuiltModel& model, std::shared_ptr<const interp::CompiledModule> compiled,
    const char* backend) {
  return std::make_shared<InterpKernel>(model, std::move(compiled), backend);
}

}  // namespace dynlib::detail::pipeline_detail

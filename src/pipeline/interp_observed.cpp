// interp_run_observed (interp_observed.hpp).
#include "pipeline/interp_observed.hpp"

#include "kernel/kernel.hpp"
#include "kernel/registry.hpp"

namespace dynlib::detail::pipeline_detail {

template <class Real>
int interp_run_observed(const interp::InterpModel<Real>& model, int stepper_id,
                        kernel::RunArgs<Real>& args, kernel::ObserveArgs<Real>& o) {
  const kernel::Variational<interp::InterpModel<Real>> vm{model, o.k, o.jac_scratch};
  kernel::TangentObserver<Real> obs{o, model.n_state()};
  const int status = kernel::dispatch_stepper(
      stepper_id, [&]<class S>() { return kernel::run<S>(vm, args, obs); });
  obs.host.save();  // the host observers' cursors, for the next entry
  return status;
}

template int interp_run_observed<float>(const interp::InterpModel<float>&, int,
                                        kernel::RunArgs<float>&, kernel::ObserveArgs<float>&);
template int interp_run_observed<double>(const interp::InterpModel<double>&, int,
                                         kernel::RunArgs<double>&, kernel::ObserveArgs<double>&);

}  // namespace dynlib::detail::pipeline_detail

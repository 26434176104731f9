// The interpreter's observed runs (Entry::run_observed): every stepper over
// kernel::Variational<InterpModel> with a kernel::TangentObserver. A translation unit of its own
// (interp_observed.cpp), so that these instantiations compile beside interp_kernel.cpp's instead
// of after them.
#pragma once

#include "interp/interp_model.hpp"
#include "kernel/run_args.hpp"
#include "kernel/variational.hpp"

namespace dynlib::detail::pipeline_detail {

template <class Real>
int interp_run_observed(const interp::InterpModel<Real>& model, int stepper_id,
                        kernel::RunArgs<Real>& args, kernel::ObserveArgs<Real>& observe);

extern template int interp_run_observed<float>(const interp::InterpModel<float>&, int,
                                               kernel::RunArgs<float>&,
                                               kernel::ObserveArgs<float>&);
extern template int interp_run_observed<double>(const interp::InterpModel<double>&, int,
                                                kernel::RunArgs<double>&,
                                                kernel::ObserveArgs<double>&);

}  // namespace dynlib::detail::pipeline_detail

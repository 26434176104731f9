// The runner's observer seam, measured on the kernel alone: a hand-written Lorenz model shaped like
// a generated one (constexpr sizes, inline rhs) run with RK4 through kernel::run with no observer,
// with a trivial counting observer, on the fast path, and as an analysis run (no recording).
// Record buffers are preallocated outside the timed loop, so the numbers are the loop's own.
#include <benchmark/benchmark.h>

#include <vector>

#include "kernel/kernel.hpp"

namespace {

using namespace dynlib::kernel;

struct LorenzKernelModel {
  using real_t = double;
  static constexpr int n_state_v = 3, n_param_v = 3, n_aux_v = 0, n_event_v = 0;
  constexpr int n_state() const { return 3; }
  constexpr int n_param() const { return 3; }
  constexpr int n_aux() const { return 0; }
  constexpr int n_event() const { return 0; }
  constexpr int lag_depth(int) const { return 0; }
  DYNLIB_KERNEL_INLINE void rhs(double, const double* y, const double* p, const LagView<double>&,
                                double* out) const {
    out[0] = p[0] * (y[1] - y[0]);
    out[1] = y[0] * (p[1] - y[2]) - y[1];
    out[2] = y[0] * y[1] - p[2] * y[2];
  }
  void aux(double, const double*, const double*, const LagView<double>&, double*) const {}
  int event_phases(int) const { return 0; }
  bool event_cond(int, double, const double*, const double*, const LagView<double>&) const {
    return false;
  }
  void event_action(int, double, const double*, const double*, const LagView<double>&, double*,
                    double*) const {}
  int event_log_size(int) const { return 0; }
  void event_log(int, double, const double*, const double*, const LagView<double>&, double*) const {
  }
};

// The cheapest observer that still does something per step.
struct CountSteps {
  long long steps = 0;
  template <class M>
  DYNLIB_KERNEL_INLINE int on_step(const M&, const Observation<double>&) {
    ++steps;
    return OBS_CONTINUE;
  }
};

constexpr long long kSteps = 100000;

struct Buffers {
  double y[3], p[3] = {10, 28, 8.0 / 3}, work[5 * 3], scratch[16];
  int fired[1], state_idx[3] = {0, 1, 2};
  std::vector<double> rec_t, rec_data;
  std::vector<long long> rec_step;
  RunArgs<double> a;
  Buffers() : rec_t(kSteps + 1), rec_data(3 * (kSteps + 1)), rec_step(kSteps + 1) {}
  void reset(bool record) {
    a = RunArgs<double>{};
    a.abi_version = kRunArgsAbi;
    y[0] = y[1] = y[2] = 1;
    a.y = y;
    a.p = p;
    a.n_state = 3;
    a.n_param = 3;
    a.work = work;
    a.work_size = stepper_work_size(RK4::info, 3);
    a.scratch = scratch;
    a.scratch_size = 16;
    a.evt_fired = fired;
    a.dt = 1e-3;
    a.step_end = kSteps;
    a.record = record;
    a.record_interval = 1;
    a.t_record_start = -1e300;
    a.rec_n_state = 3;
    a.rec_state_idx = state_idx;
    a.rec_t = rec_t.data();
    a.rec_step = rec_step.data();
    a.rec_data = rec_data.data();
    a.rec_cap = kSteps + 1;
  }
};

void set_steps(benchmark::State& state) {
  state.counters["s/step"] =
      benchmark::Counter(static_cast<double>(kSteps) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Variants: 0 ordinary, no observer (what the backends call); 1 ordinary + CountSteps; 2 fast
// path, no observer; 3 analysis + CountSteps (no recording).
void BM_Runner_Lorenz_RK4(benchmark::State& state) {
  const int variant = static_cast<int>(state.range(0));
  const LorenzKernelModel m;
  Buffers b;
  CountSteps count;
  for (auto _ : state) {
    b.reset(variant != 3);
    int status = -1;
    switch (variant) {
      case 0:
        status = run<RK4>(m, b.a);
        break;
      case 1:
        status = run<RK4, RunVariant::ordinary>(m, b.a, count);
        break;
      case 2:
        status = run<RK4, RunVariant::fast>(m, b.a);
        break;
      case 3:
        status = run<RK4, RunVariant::analysis>(m, b.a, count);
        break;
    }
    if (status != DONE) state.SkipWithError("run did not finish");
    benchmark::DoNotOptimize(b.y);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(count.steps);
  set_steps(state);
}

BENCHMARK(BM_Runner_Lorenz_RK4)
    ->ArgName("variant")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace

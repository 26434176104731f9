// Stiff problems: hand-written SUNDIALS CVODE runs (stiff_baselines.hpp), timed per whole solve
// from 0 to t_end (setup included, as a user pays it). Each benchmark reports CVODE's work as
// counters (steps, f and Jacobian evaluations, LU factorisations, failures) so that a stepper's
// speed can be told apart from its step count. Timings are measurements, never test thresholds.
//
// Naming: BM_Stiff_<Problem>_<stepper>; the CVODE runs are BM_Stiff_<Problem>_CVODE_Baseline.
// A dynlib stepper's benchmark on the same problem takes the model URI, preset, interval and
// tolerances from the same StiffProblem (kRobertson, kVanDerPol), so both solve exactly the same
// initial value problem.
#include <benchmark/benchmark.h>

#include <string>

#include "stiff_baselines.hpp"

namespace {

// One stiff initial value problem: the builtin model (with a preset, or "" for its defaults),
// the interval [0, t_end] and the tolerances every solver of it is given.
struct StiffProblem {
  const char* name;    // the <Problem> of BM_Stiff_<Problem>_<stepper>
  const char* uri;     // builtin model
  const char* preset;  // applied on top of the model's defaults; "" for none
  double t_end;
  double rtol;
  double atol;  // scalar, as CVodeSStolerances takes it (chosen per problem below)
};

// Robertson on [0, 1e5] (y1 has decayed to 0.018; the fast transient is at t ~ 1e-3);
// atol = 1e-10 resolves y2 (peak 3.6e-5, 7.3e-8 at t = 1e5) to ~3 digits at its end value.
constexpr StiffProblem kRobertson{"Robertson", "builtin://ode/robertson", "", 1e5, 1e-6, 1e-10};
// Van der Pol, mu = 1000, x, y = 2, 0, on [0, 3000] (jumps near t = 807, 1614, 2421): x is O(1),
// y = x' ~ 1e-3 on the slow branches and up to ~1e3 in the jumps, so atol = 1e-10 stays below
// rtol |y| everywhere and the error control is relative.
constexpr StiffProblem kVanDerPol{"VanDerPol", "builtin://ode/vanderpol", "stiff", 3000.0, 1e-6,
                                  1e-10};
constexpr double kVanDerPolMu = 1000.0;  // the "stiff" preset

void report(benchmark::State& state, const bench::CvodeResult& r) {
  if (r.flag != 0) {
    state.SkipWithError(("CVode returned flag " + std::to_string(r.flag)).c_str());
    return;
  }
  state.counters["steps"] = static_cast<double>(r.steps);
  state.counters["nfe"] = static_cast<double>(r.nfe);
  state.counters["nje"] = static_cast<double>(r.nje);
  state.counters["nlu"] = static_cast<double>(r.nsetups);
  state.counters["netf"] = static_cast<double>(r.netf);
  state.counters["ncfn"] = static_cast<double>(r.ncfn);
}

void BM_Stiff_Robertson_CVODE_Baseline(benchmark::State& state) {
  const StiffProblem& p = kRobertson;
  bench::CvodeResult r;
  for (auto _ : state) {
    r = bench::robertson_cvode(p.t_end, p.rtol, p.atol);
    benchmark::DoNotOptimize(r.y.data());
  }
  report(state, r);
}

void BM_Stiff_VanDerPol_CVODE_Baseline(benchmark::State& state) {
  const StiffProblem& p = kVanDerPol;
  bench::CvodeResult r;
  for (auto _ : state) {
    r = bench::vanderpol_cvode(kVanDerPolMu, p.t_end, p.rtol, p.atol);
    benchmark::DoNotOptimize(r.y.data());
  }
  report(state, r);
}

BENCHMARK(BM_Stiff_Robertson_CVODE_Baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Stiff_VanDerPol_CVODE_Baseline)->Unit(benchmark::kMillisecond);

}  // namespace

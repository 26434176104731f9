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

#include <cmath>
#include <string>
#include <vector>

#include "brusselator_model.hpp"
#include "dynlib/dynlib.hpp"
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

// ---- dynlib's steppers on the same problems ----
// Reference states at t_end (tests/data/stiff_reference.toml: CVODE at rtol 1e-12, cross-checked
// with Radau to ~10 digits), for the "relerr" counter: the worst relative error of the final
// state. Accuracy is what makes times comparable: the second-order methods also run at the
// tighter rtol where their error matches the baseline's ("_eq" runs).
const std::vector<double> kRobertsonRef = {1.7865921142844216e-02, 7.2747514687450518e-08,
                                           9.8213400610963864e-01};
const std::vector<double> kVanDerPolRef = {-1.5106069360882293e+00, 1.1783800020393864e-03};

struct StepperRun {
  const char* stepper;
  const char* label;  // the <stepper> of the benchmark's name
  double rtol;        // 0: the problem's
  double dt;          // fixed-step steppers: their step; 0 for adaptive ones
};

void run_dynlib(benchmark::State& state, const StiffProblem& p, const std::vector<double>& ref,
                const StepperRun& s, bool native) {
  dynlib::Sim sim = dynlib::setup(p.uri, {.stepper = s.stepper, .jit = native});
  if (*p.preset) sim.apply_preset(p.preset);
  dynlib::RunOptions o;
  o.T = p.t_end;
  o.record = false;
  o.rtol = s.rtol > 0 ? s.rtol : p.rtol;
  o.atol = p.atol;
  if (s.dt > 0) o.dt = s.dt;
  const dynlib::Results* r = nullptr;
  for (auto _ : state) {
    r = &sim.run(o);
    benchmark::DoNotOptimize(r->final_state());
  }
  if (!r || r->status() != dynlib::Status::Done) {
    state.SkipWithError(r ? r->message().c_str() : "no run");
    return;
  }
  const dynlib::Evaluations& e = r->evaluations();
  state.counters["steps"] = static_cast<double>(r->steps());
  state.counters["nfe"] = static_cast<double>(e.rhs);
  state.counters["nje"] = static_cast<double>(e.jacobians);
  state.counters["nlu"] = static_cast<double>(e.lu);
  state.counters["nni"] = static_cast<double>(e.newton);
  double worst = 0;
  const std::vector<double> y = r->final_state();
  for (size_t i = 0; i < ref.size(); ++i)
    worst = std::max(worst, std::abs(y[i] - ref[i]) / std::abs(ref[i]));
  state.counters["relerr"] = worst;
}

// Each stepper at the problem's tolerances; tr-bdf2a and bdf2a also at the rtol where their error
// matches CVODE's at the problem's (measured: Robertson 4.6e-6 vs tr-bdf2a 3.7e-6 at 1e-8, bdf2a
// 1.0e-5 at 1e-8; Van der Pol 4.2e-5 vs tr-bdf2a 4.2e-5 at 3e-8, bdf2a 4.2e-5 at 1e-8); the
// fixed-step ones at a step that gets through (Robertson 0.1, Van der Pol 1e-3).
const StepperRun kRobertsonRuns[] = {
    {"cvode", "cvode", 0, 0},
    {"tr-bdf2a", "trbdf2a", 0, 0},
    {"bdf2a", "bdf2a", 0, 0},
    {"rodas3", "rodas3", 0, 0},
    {"tr-bdf2a", "trbdf2a_eq", 1e-8, 0},
    {"bdf2a", "bdf2a_eq", 1e-8, 0},
    {"sdirk2", "sdirk2", 0, 0.1},
    {"bdf2", "bdf2", 0, 0.1},
};
const StepperRun kVanDerPolRuns[] = {
    {"cvode", "cvode", 0, 0},
    {"tr-bdf2a", "trbdf2a", 0, 0},
    {"bdf2a", "bdf2a", 0, 0},
    {"rodas3", "rodas3", 0, 0},
    {"tr-bdf2a", "trbdf2a_eq", 3e-8, 0},
    {"bdf2a", "bdf2a_eq", 1e-8, 0},
    {"sdirk2", "sdirk2", 0, 1e-3},
    {"bdf2", "bdf2", 0, 1e-3},
};

// A large sparse stiff problem: the 1-D Brusselator (Hairer & Wanner II, IV.10) with 100 grid
// points, 200 states, each coupled to its neighbours; cvode natively with dense LU and with KLU on
// the Jacobian's pattern (linear_solver "auto" picks KLU here).
void BM_Stiff_Bruss200_cvode_Native(benchmark::State& state, const char* solver) {
  static const std::string model = bench::brusselator_model(100);
  dynlib::Sim sim = dynlib::setup(model, {.stepper = "cvode", .jit = true});
  dynlib::RunOptions o{.T = 10.0, .record = false, .atol = 1e-8, .rtol = 1e-6};
  o.linear_solver = solver;
  const dynlib::Results* r = nullptr;
  for (auto _ : state) r = &sim.run(o);
  if (!r || r->status() != dynlib::Status::Done) {
    state.SkipWithError(r ? r->message().c_str() : "no run");
    return;
  }
  state.counters["steps"] = static_cast<double>(r->steps());
  state.counters["nlu"] = static_cast<double>(r->evaluations().lu);
}
BENCHMARK_CAPTURE(BM_Stiff_Bruss200_cvode_Native, dense, "dense")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Stiff_Bruss200_cvode_Native, klu, "klu")->Unit(benchmark::kMillisecond);

// Registered at start-up: BM_Stiff_<Problem>_<stepper>_<Native|Interp>. Fixed-step runs of Van
// der Pol take 3 million steps: natively only.
const bool kRegistered = [] {
  auto add = [](const StiffProblem& p, const std::vector<double>& ref, const StepperRun& s) {
    for (bool native : {true, false}) {
      if (!native && s.dt > 0 && p.t_end / s.dt > 1e5) continue;
      const std::string name =
          std::string("BM_Stiff_") + p.name + "_" + s.label + (native ? "_Native" : "_Interp");
      benchmark::RegisterBenchmark(name.c_str(), [&p, &ref, s, native](benchmark::State& st) {
        run_dynlib(st, p, ref, s, native);
      })->Unit(benchmark::kMillisecond);
    }
  };
  for (const StepperRun& s : kRobertsonRuns) add(kRobertson, kRobertsonRef, s);
  for (const StepperRun& s : kVanDerPolRuns) add(kVanDerPol, kVanDerPolRef, s);
  return true;
}();

}  // namespace

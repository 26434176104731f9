// Van der Pol (mu = 1, x = 2, y = 0, t = 0..200) with Boost.Odeint's Dormand-Prince 5(4) at
// rtol = atol = 1e-8, every accepted step observed into a preallocated recorder: the solve the
// issue compares dynlib's native rk45 against. Steppers differ in their controllers, so the two
// are compared per whole solve (milliseconds), beside BM_VanDerPol_RK45_Native (bench_main.cpp).
// Built only where Boost is installed (CMakeLists.txt: DYNLIB_BENCH_ODEINT).
#ifdef DYNLIB_BENCH_ODEINT
#include <benchmark/benchmark.h>

#include <array>
#include <boost/numeric/odeint.hpp>

#include "baselines.hpp"

namespace {

using State = std::array<double, 2>;

void BM_VanDerPol_RK45_Odeint(benchmark::State& state) {
  namespace odeint = boost::numeric::odeint;
  bench::Recorder rec;
  long long steps = 0;
  for (auto _ : state) {
    rec.clear();
    State y{2.0, 0.0};
    auto rhs = [](const State& s, State& d, double) {
      d[0] = s[1];
      d[1] = (1 - s[0] * s[0]) * s[1] - s[0];
    };
    auto observe = [&](const State& s, double t) {
      rec.t.push_back(t);
      rec.data.insert(rec.data.end(), s.begin(), s.end());
    };
    steps = static_cast<long long>(odeint::integrate_adaptive(
        odeint::make_controlled(1e-8, 1e-8, odeint::runge_kutta_dopri5<State>()), rhs, y, 0.0,
        200.0, 1e-3, observe));
    benchmark::DoNotOptimize(y);
  }
  state.counters["steps"] = static_cast<double>(steps);
}

BENCHMARK(BM_VanDerPol_RK45_Odeint)->Unit(benchmark::kMillisecond);

}  // namespace
#endif

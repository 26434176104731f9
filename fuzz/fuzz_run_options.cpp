// libFuzzer target: a run's options. Small builtin models are built once (interpreter, no JIT);
// each input is decoded into RunOptions (end time, steps, dt, recording, budget, warm-up, initial
// values, params, adaptive tolerances, resumes) and run. Every run is kept short (N, T/dt and the
// step budget are capped). A run must finish or raise a DynlibError: no crash, no other exception.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/errors.hpp"

namespace {

using dynlib::RunOptions;

struct Target {
  dynlib::FullModel model;
  std::vector<std::string> names;  // states, params, aux and a few wrong names
};

std::vector<Target>& targets() {
  static std::vector<Target> all = [] {
    std::vector<Target> t;
    auto add = [&](const char* uri, const char* stepper, std::vector<std::string> names) {
      dynlib::BuildOptions bo;
      bo.stepper = stepper;
      bo.jit = dynlib::JitMode::Off;
      names.insert(names.end(), {"", "nope", "aux.", "aux.nope", "x[0]", "x[99]", "t", "aux.x"});
      t.push_back({dynlib::build(uri, bo), std::move(names)});
    };
    add("builtin://ode/lorenz", "rk45", {"x", "y", "z", "sigma", "rho", "beta"});
    add("builtin://ode/vanderpol", "rk4", {"x", "y", "mu"});
    add("builtin://map/logistic", "map", {"x", "r"});
    return t;
  }();
  return all;
}

// A double the run options may get: ordinary values, edges (zero of both signs, tiny, huge,
// infinities, NaN) or arbitrary bits.
double any_double(FuzzedDataProvider& in) {
  static const double edges[] = {0.0,
                                 -0.0,
                                 1.0,
                                 -1.0,
                                 0.5,
                                 1e-3,
                                 1e-12,
                                 1e-300,
                                 5e-324,
                                 1e300,
                                 -1e300,
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 std::numeric_limits<double>::quiet_NaN()};
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      return in.PickValueInArray(edges);
    case 1:
      return in.ConsumeFloatingPointInRange<double>(-10.0, 10.0);
    default:
      return in.ConsumeFloatingPoint<double>();
  }
}

long long any_integer(FuzzedDataProvider& in) {
  static const long long edges[] = {0,
                                    1,
                                    -1,
                                    2,
                                    7,
                                    100,
                                    -100,
                                    1LL << 40,
                                    std::numeric_limits<long long>::max(),
                                    std::numeric_limits<long long>::min()};
  return in.ConsumeBool() ? in.PickValueInArray(edges) : in.ConsumeIntegral<long long>();
}

template <class T, class F>
void maybe(FuzzedDataProvider& in, std::optional<T>& field, F&& value) {
  if (in.ConsumeBool()) field = value();
}

dynlib::Value any_value(FuzzedDataProvider& in) {
  if (in.ConsumeIntegralInRange<int>(0, 3) > 0) return any_double(in);
  std::vector<double> v(in.ConsumeIntegralInRange<size_t>(0, 4));
  for (auto& x : v) x = any_double(in);
  return v;
}

RunOptions any_options(FuzzedDataProvider& in, const Target& target) {
  const auto name = [&] {
    return target.names[in.ConsumeIntegralInRange<size_t>(0, target.names.size() - 1)];
  };
  RunOptions o;
  maybe(in, o.T, [&] { return any_double(in); });
  maybe(in, o.N, [&] { return any_integer(in); });
  maybe(in, o.dt, [&] { return any_double(in); });
  maybe(in, o.t0, [&] { return any_double(in); });
  maybe(in, o.record, [&] { return in.ConsumeBool(); });
  maybe(in, o.record_interval, [&] { return any_integer(in); });
  maybe(in, o.record_vars, [&] {
    std::vector<std::string> vars(in.ConsumeIntegralInRange<size_t>(0, 4));
    for (auto& v : vars) v = name();
    return vars;
  });
  maybe(in, o.transient, [&] { return any_double(in); });
  maybe(in, o.max_steps, [&] { return any_integer(in); });
  for (int k = in.ConsumeIntegralInRange<int>(0, 3); k > 0; --k) o.ic[name()] = any_value(in);
  for (int k = in.ConsumeIntegralInRange<int>(0, 3); k > 0; --k) o.params[name()] = any_value(in);
  if (in.ConsumeBool()) {
    maybe(in, o.atol, [&] { return any_double(in); });
    maybe(in, o.rtol, [&] { return any_double(in); });
    maybe(in, o.dt_min, [&] { return any_double(in); });
    maybe(in, o.dt_max, [&] { return any_double(in); });
    maybe(in, o.safety, [&] { return any_double(in); });
    maybe(in, o.min_factor, [&] { return any_double(in); });
    maybe(in, o.max_factor, [&] { return any_double(in); });
    maybe(in, o.max_rejects, [&] { return any_integer(in); });
    maybe(in, o.controller, [&] { return in.ConsumeBool() ? std::string("pi") : name(); });
  }
  o.resume = in.ConsumeBool();
  return o;
}

// Keeps a run short: at most a few thousand steps however the options ask for more.
void bound(RunOptions& o) {
  constexpr long long kSteps = 2000;
  if (o.N && *o.N > kSteps) o.N = kSteps;
  if (!o.max_steps || *o.max_steps > kSteps) o.max_steps = kSteps;
  // An end time or warm-up whose step count (at the smallest step the run may take) is large.
  const double dt = std::max({o.dt.value_or(0.01), o.dt_min.value_or(0.0), 1e-3});
  if (o.T && std::isfinite(*o.T) && std::fabs(*o.T) > kSteps * dt)
    o.T = std::copysign(kSteps * dt, *o.T);
  if (o.transient && std::isfinite(*o.transient) && std::fabs(*o.transient) > kSteps * dt)
    o.transient = kSteps * dt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Target& target = targets()[in.ConsumeIntegralInRange<size_t>(0, targets().size() - 1)];
  dynlib::Sim sim(target.model);
  for (int run = in.ConsumeIntegralInRange<int>(1, 3); run > 0; --run) {
    RunOptions o = any_options(in, target);
    bound(o);
    try {
      sim.run(o);
    } catch (const dynlib::DynlibError&) {
      // A refusal with a message is the answer to a bad option.
    }
  }
  return 0;
}

// The code generator: generated kernels compiled by the system compiler must reproduce the
// interpreter bit for bit (DESIGN rule 2), contain nothing from the model's strings (rule 3), and
// need no standard library.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "codegen/codegen.hpp"
#include "codegen/native.hpp"
#include "dsl/model_spec.hpp"
#include "dsl/uri.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"
#include "dynlib/errors.hpp"

namespace {

using namespace dynlib;
namespace ct = dynlib::codegen::testing;

std::vector<std::string> steppers_for(dsl::ModelKind kind) {
  if (kind == dsl::ModelKind::Map) return {"map"};
  return {"euler", "rk2", "rk4", "rk45", "ab2", "ab3"};
}

template <class Real>
std::vector<Real> initial_state(const dsl::ModelSpec& s) {
  std::vector<Real> y;
  for (const auto& st : s.states)
    y.push_back(s.dtype == DType::Int64 ? static_cast<Real>(st.init_int)
                                        : static_cast<Real>(st.init_value));
  return y;
}
template <class Real>
std::vector<Real> initial_params(const dsl::ModelSpec& s) {
  std::vector<Real> p;
  for (const auto& pr : s.params) {
    if (s.dtype == DType::Int64)
      for (long long v : pr.int_values) p.push_back(static_cast<Real>(v));
    else
      for (double v : pr.values) p.push_back(static_cast<Real>(v));
  }
  return p;
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b, size_t n) {
  return a.size() >= n && b.size() >= n && (n == 0 || std::memcmp(a.data(), b.data(), n * sizeof(T)) == 0);
}

// One model at one dtype: generated once with all its steppers.
struct Case {
  std::string uri;
  dsl::ModelSpec spec;
  std::shared_ptr<const ir::Module> module;
  codegen::GeneratedSource src;
  std::unique_ptr<ct::Compiled> native;
};

// Compiles all cases two at a time (2 cores).
void compile_all(std::vector<Case>& cases) {
  size_t next = 0;
  std::mutex mu;
  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next == cases.size()) return;
        i = next++;
      }
      ct::compile(*cases[i].native, cases[i].src.whole());
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
}

// Runs interp and native for one stepper and compares everything the run produced.
template <class Real>
void compare(const Case& c, const std::string& stepper) {
  SCOPED_TRACE(c.uri + " " + dtype_name(c.module->dtype) + " " + stepper);
  auto model = interp::InterpModel<Real>(interp::compile(c.module));
  const auto y0 = initial_state<Real>(c.spec);
  const auto p0 = initial_params<Real>(c.spec);
  kernel::testing::Sim vm(model, stepper.c_str(), y0, p0);
  kernel::testing::Sim nat(model, stepper.c_str(), y0, p0);
  using Time = kernel::time_t_of<Real>;
  const bool is_map = c.spec.kind == dsl::ModelKind::Map;
  const Time dt = static_cast<Time>(c.spec.sim.dt.value_or(is_map ? 1.0 : 0.01));
  const long long n = is_map ? 3000 : 4000;
  for (auto* s : {&vm, &nat}) {
    if (stepper == "rk45")
      s->adaptive(static_cast<Time>(c.spec.sim.t0), static_cast<Time>(c.spec.sim.t0) + dt * n,
                  static_cast<Time>(1e-6));
    else
      s->fixed(static_cast<Time>(c.spec.sim.t0), dt, n);
    s->a.step_budget = 700;  // exercise YIELD re-entry
  }
  const int st_vm = vm.run_all();
  auto* fn = c.native->sym<ct::RunFn>(("dynlib_run_" + stepper).c_str());
  ASSERT_NE(fn, nullptr);
  const int st_nat = ct::run_native(fn, nat);
  EXPECT_EQ(st_vm, st_nat);
  EXPECT_EQ(vm.a.exit_reason, nat.a.exit_reason);
  ASSERT_EQ(vm.rows(), nat.rows());
  ASSERT_GT(vm.rows(), 1);
  const size_t rows = static_cast<size_t>(vm.rows());
  EXPECT_TRUE(same_bytes(vm.rec_t, nat.rec_t, rows));
  EXPECT_TRUE(same_bytes(vm.rec_step, nat.rec_step, rows));
  EXPECT_TRUE(same_bytes(vm.rec_data, nat.rec_data, rows * static_cast<size_t>(vm.rec_width())));
  ASSERT_EQ(vm.events(), nat.events());
  const size_t ev = static_cast<size_t>(vm.events());
  EXPECT_TRUE(same_bytes(vm.evt_code, nat.evt_code, ev));
  EXPECT_TRUE(same_bytes(vm.evt_time, nat.evt_time, ev));
  EXPECT_TRUE(same_bytes(vm.evt_rec_index, nat.evt_rec_index, ev));
  EXPECT_TRUE(same_bytes(vm.evt_data, nat.evt_data, ev * static_cast<size_t>(vm.a.evt_width)));
  EXPECT_TRUE(same_bytes(vm.y, nat.y, vm.y.size()));
  EXPECT_TRUE(same_bytes(vm.p, nat.p, vm.p.size()));
  EXPECT_EQ(vm.a.n_rhs, nat.a.n_rhs);
  EXPECT_EQ(vm.a.n_rejected, nat.a.n_rejected);
}

std::unique_ptr<Case> make_case(const std::string& uri_or_text, std::optional<DType> dtype,
                                const std::vector<std::string>& steppers = {}, bool text = false) {
  auto c = std::make_unique<Case>();
  c->uri = text ? "<inline>" : uri_or_text;
  c->spec = text ? dsl::load_model_text(uri_or_text, "t.toml") : dsl::load_model(uri_or_text);
  if (dtype) c->spec.dtype = *dtype;
  c->module = std::make_shared<const ir::Module>(ir::lower(c->spec));
  c->src = codegen::generate(*c->module, steppers.empty() ? steppers_for(c->spec.kind) : steppers);
  c->native = std::make_unique<ct::Compiled>();
  return c;
}

void compare_case(const Case& c) {
  for (const auto& s : steppers_for(c.spec.kind)) {
    switch (c.module->dtype) {
      case DType::Float64:
        compare<double>(c, s);
        break;
      case DType::Float32:
        compare<float>(c, s);
        break;
      case DType::Int64:
        compare<long long>(c, s);
        break;
    }
  }
}

TEST(Codegen, BitIdentityMatrixAllBuiltinModels) {
  std::vector<Case> cases;
  for (const auto& uri : dsl::list_models()) {
    if (uri.rfind("builtin://", 0) != 0) continue;
    const dsl::ModelSpec spec = dsl::load_model(uri);
    std::vector<DType> dtypes;
    if (spec.dtype == DType::Int64)
      dtypes = {DType::Int64};
    else
      dtypes = {DType::Float64, DType::Float32};
    for (DType d : dtypes) cases.push_back(std::move(*make_case(uri, d)));
  }
  ASSERT_GE(cases.size(), 30u);
  const auto t0 = std::chrono::steady_clock::now();
  compile_all(cases);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("compiled %zu translation units in %.1f s\n", cases.size(), secs);
  long long total_events = 0;
  for (auto& c : cases) {
    SCOPED_TRACE(c.uri);
    ASSERT_TRUE(ct::load(*c.native)) << c.native->log;
    compare_case(c);
  }
  (void)total_events;
}

// Events fire in the matrix runs (spiking neurons), so the event log is really compared.
TEST(Codegen, SpikingModelsLogEventsIdentically) {
  for (const char* uri : {"builtin://ode/izhikevich", "builtin://ode/leaky-if"}) {
    auto c = make_case(uri, std::nullopt, {"rk4"});
    ct::compile(*c->native, c->src.whole());
    ASSERT_TRUE(ct::load(*c->native)) << c->native->log;
    auto model = interp::InterpModel<double>(interp::compile(c->module));
    kernel::testing::Sim nat(model, "rk4", initial_state<double>(c->spec),
                             initial_params<double>(c->spec));
    nat.fixed(0.0, c->spec.sim.dt.value_or(0.01), 4000);
    ASSERT_EQ(ct::run_native(c->native->sym<ct::RunFn>("dynlib_run_rk4"), nat), kernel::DONE);
    EXPECT_GE(nat.events(), 2) << uri;
    compare<double>(*c, "rk4");
  }
}

}  // namespace

// The code generator: generated kernels compiled by the system compiler must reproduce the
// interpreter bit for bit (DESIGN rule 2), contain nothing from the model's strings (rule 3), and
// need no standard library.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "codegen/codegen.hpp"
#include "codegen/native.hpp"
#include "dsl/model_spec.hpp"
#include "dsl/uri.hpp"
#include "dynlib/errors.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"

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
  return a.size() >= n && b.size() >= n &&
         (n == 0 || std::memcmp(a.data(), b.data(), n * sizeof(T)) == 0);
}

// One model at one dtype: generated once with all its steppers.
struct Case {
  std::string uri;
  dsl::ModelSpec spec;
  std::shared_ptr<const ir::Module> module;
  codegen::GeneratedSource src;
  std::unique_ptr<ct::Compiled> native;
};

// Compiles every case, two at a time.
void compile_all(std::vector<Case>& cases) {
  ct::for_each_in_parallel(cases.size(),
                           [&](size_t i) { ct::compile(*cases[i].native, cases[i].src.whole()); });
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
  // The builtin leaky-if rests without input: this one is driven above threshold.
  const std::string driven_lif = R"([model]
type = "ode"
[states]
v = -65.0
[params]
tau = 10.0
I = 20.0
[equations.rhs]
v = "(-65 - v + I) / tau"
[events.reset]
cond = "v >= -50"
action = "v = -65"
log = ["t"]
)";
  for (const std::string& uri : {std::string("builtin://ode/izhikevich"), driven_lif}) {
    const bool text = uri.rfind("builtin://", 0) != 0;
    auto c = make_case(uri, std::nullopt, {"rk4"}, text);
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

// ---- rule 3: the grammar is the only door ----

// Either the front end rejects the model (ModelError), or the generated code is exactly the
// intended arithmetic (bit-identical to the interpreter for every stepper of its kind) and none of
// `forbidden` (user identifiers, literal spellings, expression text) appears in the generated text.
// Returns true if it was rejected.
bool rejected_or_safe(const std::string& text, const std::vector<std::string>& forbidden) {
  std::unique_ptr<Case> c;
  try {
    c = make_case(text, std::nullopt, {}, true);
  } catch (const ModelError&) {
    return true;
  }
  const std::string whole = c->src.whole();
  for (const auto& w : forbidden) EXPECT_EQ(whole.find(w), std::string::npos) << w;
  ct::compile(*c->native, whole);
  EXPECT_TRUE(ct::load(*c->native)) << c->native->log;
  if (c->native->handle) compare_case(*c);
  return false;
}

TEST(CodegenRule3, KeywordNamesAndOddLiteralsCompileToTheIntendedArithmetic) {
  // Names that are C++ keywords or main: accepted or rejected by the front end, never emitted.
  const char* keywords = R"toml(
[model]
type = "map"
[states]
main = 0.5
smuggled_state = 0.25
[params]
int = 0.1
class = 2.0
return = -1.5
delete = 3.0
[aux]
smuggled_aux = "main * class"
[equations.rhs]
main = "int * main + class * 0.1 - return / delete + 1e308 * 1e-308"
smuggled_state = "4.9e-324 + smuggled_state * 0.1 + 123456789012345678 * 1e-18"
)toml";
  const bool keywords_rejected =
      rejected_or_safe(keywords, {"smuggled_state", "smuggled_aux", "main", "class", "delete",
                                  "1e308", "4.9e-324", "123456789012345678", "0.1"});
  // The same with plain names, so the odd literals are compiled at least once.
  const char* literals = R"toml(
[model]
type = "map"
[states]
a_state = 0.5
b_state = 0.25
[params]
k_param = 0.1
huge_param = 1e308
[equations.rhs]
a_state = "k_param * a_state + 0.1 * huge_param * 1e-308 + 1e308 * 1e-308"
b_state = "4.9e-324 + b_state * 0.1 + 123456789012345678 * 1e-18 - 2.2250738585072014e-308"
)toml";
  EXPECT_FALSE(rejected_or_safe(literals, {"a_state", "b_state", "k_param", "huge_param", "1e308",
                                           "4.9e-324", "0.1", "123456789012345678"}));
  std::printf("C++ keyword names: %s\n",
              keywords_rejected ? "rejected by the front end" : "accepted, compiled safely");
}

TEST(CodegenRule3, Int64LiteralsAreExact) {
  const char* text = R"toml(
[model]
type = "map"
dtype = "int64"
[states]
cnt_state = 1
[params]
big_param = 123456789012345678
[equations.rhs]
cnt_state = "(cnt_state * 3 + 123456789012345678) % 1000000007 + big_param // 7 - 9223372036854775807"
)toml";
  // The constant reaches the output only as the generator prints it (an LL literal).
  EXPECT_FALSE(rejected_or_safe(text, {"cnt_state", "big_param", "1000000007 "}));
  const auto c = make_case(text, std::nullopt, {}, true);
  EXPECT_NE(c->src.model.find("= 123456789012345678LL;"), std::string::npos);
  EXPECT_NE(c->src.model.find("= 9223372036854775807LL;"), std::string::npos);
}

TEST(CodegenRule3, EventAndAuxNamesAndLogTextNeverReachTheOutput) {
  const char* text = R"toml(
[model]
type = "ode"
[states]
evil_v = 0.0
[params]
evil_rate = 1.0
[aux]
evil_aux = "evil_v * 2"
[equations.rhs]
evil_v = "evil_rate"
[events.evil_event]
cond = "evil_v >= 1"
action = "evil_v = 0"
log = ["evil_v * 3", "t"]
)toml";
  EXPECT_FALSE(rejected_or_safe(text, {"evil_v", "evil_rate", "evil_aux", "evil_event", "* 3"}));
}

TEST(CodegenRule3, ExpressionStringsThatCouldEscapeAreRejected) {
  const auto model = [](const std::string& rhs) {
    return "[model]\ntype = \"map\"\n[states]\nx = 1.0\n[equations.rhs]\nx = " + rhs + "\n";
  };
  // A quote, a comment terminator, a preprocessor line and a raw C++ statement: all must fail.
  for (const std::string rhs : {R"("x + \"1\"")", R"("x */ 2")", R"("x /* y */")",
                                R"('x; } int main() { return 0; //')", R"("x + '1'")"}) {
    SCOPED_TRACE(rhs);
    EXPECT_THROW(dsl::load_model_text(model(rhs), "t.toml"), ModelError);
  }
  // A newline or a '#' comment inside an expression is either rejected or plain whitespace /
  // comment text that never reaches the output (same bits, no leak).
  rejected_or_safe(model("\"\"\"x\n#include <cstdio>\n\"\"\""), {"#include <", "cstdio"});
  rejected_or_safe(model(R"("x * 0.5 # */ int main() { return 0; } /*")"),
                   {"*/ int", "main", "/*"});
  rejected_or_safe(model("\"\"\"x *\n 0.5 + \n 0.25\"\"\""), {"0.5", "0.25"});
  // A state name that is not an identifier.
  EXPECT_THROW(dsl::load_model_text("[model]\ntype = \"map\"\n[states]\n\"x */ int main(){} /*\" = "
                                    "1.0\n[equations.rhs]\n\"x */ int main(){} /*\" = \"1\"\n",
                                    "t.toml"),
               ModelError);
}

// ---- literals, freestanding, exports ----

TEST(Codegen, LiteralsAreExactHexFloats) {
  EXPECT_EQ(codegen::double_literal(1.0), "0x1p+0");
  EXPECT_EQ(codegen::double_literal(8.0 / 3.0), "0x1.5555555555555p+1");
  EXPECT_EQ(codegen::double_literal(-0.5), "(-0x1p-1)");
  EXPECT_EQ(codegen::double_literal(0.0), "0x0p+0");
  EXPECT_EQ(codegen::double_literal(-0.0), "(-0x0p+0)");
  EXPECT_EQ(codegen::double_literal(4.9e-324), "0x0.0000000000001p-1022");
  EXPECT_EQ(codegen::double_literal(1e308), "0x1.1ccf385ebc8ap+1023");
  EXPECT_EQ(codegen::double_literal(__builtin_inf()), "__builtin_inf()");
  EXPECT_EQ(codegen::double_literal(-__builtin_inf()), "(-__builtin_inf())");
  EXPECT_EQ(codegen::double_literal(__builtin_nan("")), "__builtin_nan(\"\")");
  EXPECT_EQ(codegen::float_literal(0.1f), "0x1.99999ap-4f");
  EXPECT_EQ(codegen::float_literal(1.0f), "0x1p+0f");
  EXPECT_EQ(codegen::float_literal(-3.0f), "(-0x1.8p+1f)");
  EXPECT_EQ(codegen::float_literal(1e-45f), "0x0.000002p-126f");
  EXPECT_EQ(codegen::int64_literal(0), "0LL");
  EXPECT_EQ(codegen::int64_literal(-5), "(-5LL)");
  EXPECT_EQ(codegen::int64_literal(-9223372036854775807LL - 1), "(-9223372036854775807LL - 1)");
  // Every double survives the round trip through the compiler: checked by compiling a table.
  const std::vector<double> values{0.1,
                                   1.0 / 3.0,
                                   1e308,
                                   4.9e-324,
                                   2.2250738585072014e-308,
                                   -123.456,
                                   6.02214076e23,
                                   1.7976931348623157e308};
  std::string src = "extern \"C\" double dynlib_values[] = {";
  for (double v : values) src += codegen::double_literal(v) + ", ";
  src += "};\nextern \"C\" float dynlib_fvalues[] = {";
  for (double v : values) src += codegen::float_literal(static_cast<float>(v)) + ", ";
  src += "};\n";
  ct::Compiled c;
  ct::compile(c, src);
  ASSERT_TRUE(ct::load(c)) << c.log;
  const double* got = c.sym<double>("dynlib_values");
  const float* fgot = c.sym<float>("dynlib_fvalues");
  ASSERT_TRUE(got && fgot);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(std::memcmp(&got[i], &values[i], sizeof(double)), 0) << i;
    const float f = static_cast<float>(values[i]);
    EXPECT_EQ(std::memcmp(&fgot[i], &f, sizeof(float)), 0) << i;
  }
}

TEST(Codegen, GeneratedTextIsFreestandingAndCompilesWithoutTheStandardLibrary) {
  auto c = make_case("builtin://ode/hodgkin-huxley-1952", std::nullopt, {"rk4", "rk45"});
  const std::string whole = c->src.whole();
  EXPECT_EQ(whole.find("#include <"), std::string::npos);
  EXPECT_EQ(whole.find("std::"), std::string::npos);
  EXPECT_EQ(whole.find("#pragma"), std::string::npos);
  EXPECT_EQ(whole.find("fast"), std::string::npos);
  // Views are sections of the model/entry text.
  for (const std::string* view :
       {&c->src.rhs, &c->src.aux, &c->src.events, &c->src.stepper, &c->src.runner})
    EXPECT_NE(whole.find(*view), std::string::npos);
  EXPECT_NE(c->src.runner.find("dynlib_run_rk45"), std::string::npos);
  ct::compile(*c->native, whole, "-nostdinc++ -Wall -Wextra -Wpedantic -Werror");
  ASSERT_TRUE(ct::load(*c->native)) << c->native->log;
  for (const char* s : {"dynlib_abi_version", "dynlib_run_rk4", "dynlib_run_rk45", "dynlib_rhs",
                        "dynlib_aux", "dynlib_model_sizes", "dynlib_dtype", "dynlib_event_cond",
                        "dynlib_event_action", "dynlib_event_log"})
    EXPECT_NE(c->native->sym<void>(s), nullptr) << s;
  EXPECT_EQ(c->native->sym<int()>("dynlib_abi_version")(), kernel::kRunArgsAbi);
  EXPECT_EQ(c->native->sym<int()>("dynlib_dtype")(), 0);
}

TEST(Codegen, InspectionExportsMatchTheInterpreter) {
  auto c = make_case("builtin://ode/izhikevich", std::nullopt, {"rk4"});
  ct::compile(*c->native, c->src.whole());
  ASSERT_TRUE(ct::load(*c->native)) << c->native->log;
  int sizes[4] = {};
  c->native->sym<void(int*)>("dynlib_model_sizes")(sizes);
  EXPECT_EQ(sizes[0], 2);
  EXPECT_EQ(sizes[1], 6);
  EXPECT_EQ(sizes[3], 1);
  auto model = interp::InterpModel<double>(interp::compile(c->module));
  const std::vector<double> y{31.5, -12.25}, p = initial_params<double>(c->spec);
  kernel::LagView<double> lag;
  double a[4] = {}, b[4] = {};
  model.rhs(0.5, y.data(), p.data(), lag, a);
  c->native->sym<void(double, const double*, const double*, const void*, double*)>("dynlib_rhs")(
      0.5, y.data(), p.data(), nullptr, b);
  EXPECT_EQ(std::memcmp(a, b, 2 * sizeof(double)), 0);
  ASSERT_TRUE(model.has_user_jacobian());
  model.user_jacobian(0.5, y.data(), p.data(), lag, a);
  c->native->sym<void(double, const double*, const double*, const void*, double*)>(
      "dynlib_user_jacobian")(0.5, y.data(), p.data(), &lag, b);
  EXPECT_EQ(std::memcmp(a, b, 4 * sizeof(double)), 0);
  EXPECT_EQ(c->native->sym<int(int, double, const double*, const double*, const void*)>(
                "dynlib_event_cond")(0, 0.5, y.data(), p.data(), nullptr),
            1);
  double yo[2] = {y[0], y[1]}, po[6];  // a, b, c, d, I, v_th
  std::copy(p.begin(), p.end(), po);
  c->native->sym<void(int, double, const double*, const double*, const void*, double*, double*)>(
      "dynlib_event_action")(0, 0.5, y.data(), p.data(), nullptr, yo, po);
  EXPECT_EQ(yo[0], p[2]);         // v = c
  EXPECT_EQ(yo[1], y[1] + p[3]);  // u += d
}

}  // namespace

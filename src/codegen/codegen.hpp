// Code generation: an IR Module becomes C++ source for the native (JIT) backend.
//
// The generated translation unit is the native twin of interp::InterpModel: a model struct that
// satisfies the kernel's Model contract (kernel/model.hpp) with constexpr sizes, instantiated with
// the one shared runner and steppers (DESIGN rule 1). Every IR instruction becomes one C++
// statement in the IR's order, calling the same kernel::ops functions the VM calls, so both
// backends compute the same bits (rule 2). Only the IR reaches the output: no name, expression or
// other user string, not even in comments; identifiers are slot numbers inside a private namespace
// `dynlib_gen_<hash>` and constants are exact hexadecimal literals (rule 3).
//
// The output includes only kernel headers, with quotes ("kernel/...hpp"): compile it with
// -I<directory containing kernel/>, -std=c++20, and -ffp-contract=off without fast-math.
//
// Exported symbols (all extern "C"; Real is the dtype's type, Time is Real, or double for int64):
//   int  dynlib_abi_version();              // kernel::kRunArgsAbi of the headers it was built with
//   int  dynlib_dtype();                    // 0 float64, 1 float32, 2 int64 (dynlib::DType order)
//   void dynlib_model_sizes(int* sizes);    // {n_state, n_param, n_aux, n_event}
//   int  dynlib_run_<stepper>(void* args);  // per requested stepper, canonical name with '-' as
//                                           // '_' (run_symbol): runs
//                                           // kernel::run<Stepper>(model, *(RunArgs<Real>*)args)
//   void dynlib_rhs(Time t, const Real* y, const Real* p, const void* lag, Real* out);
//   void dynlib_aux(Time t, const Real* y, const Real* p, const void* lag, Real* out);
//   void dynlib_user_jacobian(...same as rhs...);  // if the model has [equations.jacobian]
//   void dynlib_inverse(...same as rhs...);        // if the map has [equations.inverse]
//   // Only if m.has_derivatives (ir/derivative.hpp), so plain kernels do not grow:
//   void dynlib_jacobian(...same as rhs...);       // out[i*n_state + j] = d f_i / d y_j
//   void dynlib_jvp(Time t, const Real* y, const Real* p, const void* lag, const Real* v,
//                   Real* out);                    // out = J(y) v
//   void dynlib_dfdp(...same as rhs...);           // out[i*n_param + k] = d f_i / d p_k
//   int  dynlib_observe_<stepper>(void* args, void* observe);  // float dtypes: runs
//        kernel::run<Stepper>(Variational<Model>, RunArgs, TangentObserver(ObserveArgs))
//        (kernel/variational.hpp: Lyapunov tangents and host callbacks; observe_symbol)
//   int  dynlib_event_cond(int e, Time t, const Real* y, const Real* p, const void* lag);
//   void dynlib_event_action(int e, Time t, const Real* y, const Real* p, const void* lag,
//                            Real* y_out, Real* p_out);     // y_out/p_out preloaded by the caller
//   void dynlib_event_log(int e, Time t, const Real* y, const Real* p, const void* lag, Real* out);
// `lag` points to a kernel::LagView<Real>, or is null for models that read no lagged state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dynlib/dtype.hpp"
#include "ir/ir.hpp"

namespace dynlib::codegen {

struct GeneratedSource {
  // The model: `#include "kernel/..."` lines, then namespace dynlib_gen_<hash> holding the
  // constants, one force-inlined function per IR Function and `struct Model`. Freestanding C++.
  std::string model;
  // The entry: the stepper aliases, the run exports and the inspection exports (see above). It
  // refers to the model's namespace, so it compiles only after `model`.
  std::string entry;
  // Views for users to inspect (each is a section of `model` or `entry`, verbatim):
  std::string rhs;      // the rhs function (and the Jacobian/derivative functions, if any)
  std::string events;   // every event's cond, action and log functions
  std::string aux;      // the aux function
  std::string stepper;  // the stepper type aliases (which kernel steppers are instantiated)
  std::string runner;   // the extern "C" dynlib_run_<stepper> entry points
  std::string ns;       // the private namespace name, dynlib_gen_<16 hex digits>

  // The complete translation unit: model + entry.
  std::string whole() const { return model + "\n" + entry; }
};

// Generates the source for `m` with one run entry point per stepper in `steppers` (canonical names
// or aliases the kernel registry knows; unknown ones throw std::invalid_argument). `dtype`, if
// given, must equal m.dtype (constants in the IR are already rounded to it; to run as float32,
// lower the spec with dtype float32). Never reads user strings from `m` (names are ignored).
// The exported run entry of a stepper: "dynlib_run_" + its canonical name, '-' spelled '_'.
std::string run_symbol(const std::string& stepper);
// The exported observed-run entry of a stepper (kernels with derivatives): "dynlib_observe_" + its
// canonical name, '-' spelled '_'.
std::string observe_symbol(const std::string& stepper);

GeneratedSource generate(const ir::Module& m, const std::vector<std::string>& steppers,
                         std::optional<DType> dtype = std::nullopt);

// A quick kernel: the model of generate(m, {}) and, instead of run entries, every IR function of
// `m` exported alone for the library's precompiled runner to call (interp::NativeFunction):
//   void dynlib_fn_<name>(Time t, const Real* y, const Real* p, const void* lag, const Real* v,
//                         Real* out, Real* y_out, Real* p_out);
// for rhs, aux, stop, user_jacobian, inverse, jacobian, jvp, dfdp, event<e>_cond/_action/_log
// (those the module has; `lag` points to a kernel::LagView<Real>, never null; `v` is read by jvp
// only), and dynlib_abi_version, dynlib_dtype, dynlib_model_sizes as above. When `stepper` is an
// explicit one (has_quick_step), also one step of it with the model inlined:
//   int dynlib_step(void* ctx, Time t, Time* h, Time* h_next, const Real* y, Real* y_new);
// i.e. Stepper::step(Model{}, *(kernel::StepCtx<Real>*)ctx, t, *h, *h_next, y, y_new). No runner
// and no other stepper is included, so a cold compile costs a fraction of a whole kernel's.
std::string generate_functions(const ir::Module& m, const std::string& stepper = "");
// Whether a quick kernel of `stepper` (a name the registry knows) exports its step: the explicit
// steppers (implicit ones keep calling the functions from the library's own stepper).
bool has_quick_step(const std::string& stepper);

// Exact C++ literals (exposed for tests): hexadecimal floating literals, `f` suffix for float;
// integers with LL; INT64_MIN as an expression; non-finite values through builtins.
std::string double_literal(double v);
std::string float_literal(float v);
std::string int64_literal(long long v);

}  // namespace dynlib::codegen

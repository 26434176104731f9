// jit=quick: the model's functions compiled alone (codegen::generate_functions) and run by the
// library's own precompiled steppers and runner, the interpreter's instantiation, with each
// program's native twin in place of its tape (interp::with_native_functions). The compiler parses
// five small kernel headers and optimises a few plain functions, instead of the runner and the
// stepper fused with the model, and links nothing but libm: about a third of a whole kernel's
// cold compile. Same operations in the same order, so the same bits as either other backend.
#include <algorithm>

#include "jit/embedded_kernel.hpp"
#include "pipeline/factory.hpp"

namespace dynlib::detail::pipeline_detail {
namespace {

// The embedded kernel headers a quick kernel includes (codegen::quick_kernel_headers()).
const std::vector<EmbeddedFile>& quick_headers() {
  static const std::vector<EmbeddedFile> headers = [] {
    std::vector<EmbeddedFile> out;
    const auto& wanted = codegen::quick_kernel_headers();
    for (const auto& h : embedded_kernel_headers())
      if (std::find(wanted.begin(), wanted.end(), std::string(h.path)) != wanted.end())
        out.push_back(h);
    return out;
  }();
  return headers;
}

}  // namespace

std::shared_ptr<const pipeline::Kernel> compile_quick_kernel(
    const BuiltModel& m, std::shared_ptr<const ir::Module> module,
    std::shared_ptr<const jit::LoadedKernel>* loaded) {
  // The whole kernel's request (key inputs, disk cache, manifest) with the functions' source.
  jit::CompileRequest request = m.factory->request;
  request.source = codegen::generate_functions(*module);
  request.options.c_runtime_only = true;
  request.headers = &quick_headers();
  request.component_kind = "functions";
  std::shared_ptr<const jit::LoadedKernel> k = jit::compile_and_load(request);
  check_kernel_identity(m, *k);
  auto compiled = interp::with_native_functions(
      *interp::compile(std::move(module)),
      [&k](const std::string& name) { return k->require_symbol(name); }, k);
  if (loaded) *loaded = std::move(k);
  return make_interp_kernel(m, std::move(compiled), "native");
}

}  // namespace dynlib::detail::pipeline_detail

// jit=quick: the model's functions compiled alone (codegen::generate_functions) and run by the
// library's own precompiled runner, the interpreter's instantiation, with each program's native
// twin in place of its tape (interp::with_native_functions) and, for an explicit stepper, each
// step one call into the kernel's own step of it (interp::CalledStep). The compiler parses a few
// small kernel headers and optimises the model with one step function, instead of the runner
// fused with every part of the model, and links nothing but libm: about a third of a whole
// kernel's cold compile. Same operations in the same order, so the same bits as either backend.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jit/embedded_kernel.hpp"
#include "pipeline/factory.hpp"

namespace dynlib::detail::pipeline_detail {
namespace {

// The embedded kernel headers `source` includes, directly or through other headers: only these
// are written beside it (quotes: "kernel/x.hpp" from the source, relative paths between headers).
std::vector<EmbeddedFile> included_headers(const std::string& source) {
  std::map<std::string, EmbeddedFile> all;
  for (const auto& h : embedded_kernel_headers()) all.emplace(std::string(h.path), h);
  std::vector<EmbeddedFile> out;
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> todo{{"", source}};  // (directory, text)
  while (!todo.empty()) {
    auto [dir, text] = std::move(todo.back());
    todo.pop_back();
    for (size_t at = text.find("#include \""); at != std::string::npos;
         at = text.find("#include \"", at + 1)) {
      const size_t from = at + sizeof("#include \"") - 1, to = text.find('"', from);
      if (to == std::string::npos) break;
      std::filesystem::path p = std::filesystem::path(dir) / text.substr(from, to - from);
      const std::string path = p.lexically_normal().generic_string();
      const auto it = all.find(path);
      if (it == all.end() || !seen.insert(path).second) continue;
      out.push_back(it->second);
      todo.emplace_back(std::filesystem::path(path).parent_path().generic_string(),
                        std::string(it->second.text));
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<const pipeline::Kernel> compile_quick_kernel(
    const BuiltModel& m, std::shared_ptr<const ir::Module> module, const std::string& stepper,
    std::shared_ptr<const jit::LoadedKernel>* loaded) {
  // The whole kernel's request (key inputs, disk cache, manifest) with the functions' source.
  jit::CompileRequest request = m.factory->request;
  request.source = codegen::generate_functions(*module, stepper);
  request.options.c_runtime_only = true;
  const std::vector<EmbeddedFile> headers = included_headers(request.source);
  request.headers = &headers;
  request.component_kind = "functions";
  std::shared_ptr<const jit::LoadedKernel> k = jit::compile_and_load(request);
  check_kernel_identity(m, *k);
  auto compiled = interp::with_native_functions(
      *interp::compile(std::move(module)),
      [&k](const std::string& name) { return k->require_symbol(name); },
      codegen::has_quick_step(stepper) ? k->require_symbol("dynlib_step") : nullptr, k);
  if (loaded) *loaded = std::move(k);
  return make_interp_kernel(m, std::move(compiled), "native");
}

}  // namespace dynlib::detail::pipeline_detail

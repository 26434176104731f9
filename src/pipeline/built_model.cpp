// BuiltModel's behaviour beyond its data: the kernel the model's callables evaluate, the generated
// sources and their export. (Which kernel runs now, jit=auto's tiers: auto_jit.cpp.)
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "ir/derivative.hpp"
#include "jit/embedded_kernel.hpp"
#include "pipeline/factory.hpp"

namespace dynlib::detail {

std::shared_ptr<const pipeline::Kernel> BuiltModel::function_kernel() const {
  std::call_once(factory->functions_once, [this] {
    const Factory& f = *factory;
    if (f.module->dtype == dsl::DType::Int64) {
      // Integer maps have no derivatives: their functions are the interpreter's own.
      factory->functions = native() ? native() : interpreter;
      return;
    }
    auto module = std::make_shared<ir::Module>(*f.module);
    ir::add_derivatives(*module);
    if (options.jacobian == std::optional<std::string>("user")) {
      // The model's own [equations.jacobian] is what jacobian() evaluates (checked at build()).
      module->jacobian = module->user_jacobian;
      module->jacobian.name = "jacobian";
    }
    std::shared_ptr<const ir::Module> with_derivatives = std::move(module);
    if (native() && options.jit.mode == JitMode::Quick) {
      factory->functions = pipeline_detail::compile_quick_kernel(*this, with_derivatives, "");
    } else if (native()) {
      // The same backend as the runs: a native kernel whose source also has the derivatives.
      const codegen::GeneratedSource src =
          codegen::generate(*with_derivatives, {stepper_name}, dtype);
      jit::CompileRequest req = f.request;
      req.source = src.whole();
      factory->functions =
          pipeline_detail::make_native_kernel(*this, jit::compile_and_load(req), true);
    } else {
      factory->functions =
          pipeline_detail::make_interp_kernel(*this, interp::compile(with_derivatives));
    }
  });
  return factory->functions;
}

const BuiltModel::Sources& BuiltModel::sources() const {
  return factory->sources;
}

namespace {

// POSIX single-quoting, for build.sh (paths may contain spaces).
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw DynlibError("cannot write " + path.string());
}

}  // namespace

std::vector<std::string> BuiltModel::export_sources(const std::string& dir) const {
  namespace fs = std::filesystem;
  const Sources& src = factory->sources;
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw DynlibError(fmt::format("cannot create directory {}: {}", dir, ec.message()));
  std::vector<std::string> written;
  auto put = [&](const fs::path& rel, std::string_view text) {
    write_text(root / rel, text);
    written.push_back((root / rel).string());
  };
  const std::string banner =
      fmt::format("// dynlib {} of model '{}' (hash {}), stepper {}, dtype {}.\n", "{}", info.name,
                  info.hash, stepper_name, dtype_name(dtype));
  auto view = [&](const char* what, const std::string& text) {
    return fmt::format(fmt::runtime(banner), std::string(what) +
                                                 " (a view of kernel.cpp; kernel.cpp is what is "
                                                 "compiled)") +
           text;
  };
  put("rhs.cpp", view("rhs", src.rhs));
  put("events.cpp", view("events", src.events));
  put("aux.cpp", view("aux", src.aux));
  put("stepper.cpp", view("stepper", src.stepper));
  put("runner.cpp", view("runner", src.runner));
  // The entry unit exactly as the JIT compiles it (the same bytes are part of the cache key).
  put("kernel.cpp", src.whole);
  for (const auto& h : embedded_kernel_headers())
    put(fs::path("include") / std::string(h.path), h.text);

  // build.sh: the JIT's own compile command (compiler, extra DYNLIB_CXX args, flags), so a hand
  // build gives the same binary behaviour. Uses the compiler found now, or $CXX / c++ without one.
  std::string compiler = "\"${CXX:-c++}\"";
  try {
    const jit::CompilerInfo& cc = jit::system_compiler();
    compiler = shell_quote(cc.path);
    for (const auto& a : cc.extra_args) compiler += " " + shell_quote(a);
  } catch (const JITUnavailableError&) {
  }
  std::string flags;
  for (const auto& f : jit::compile_flags(factory->request.options)) flags += " " + shell_quote(f);
  const std::string script = fmt::format(
      "#!/bin/sh\n"
      "# Rebuilds the native kernel of model '{}' (stepper {}, dtype {}) exactly as dynlib's JIT\n"
      "# does. Output: kernel.so, exporting dynlib_abi_version() and dynlib_run_{}(RunArgs*).\n"
      "set -e\n"
      "cd \"$(dirname \"$0\")\"\n"
      "{}{} -I include -o kernel.so kernel.cpp\n",
      info.name, stepper_name, dtype_name(dtype), stepper_name, compiler, flags);
  put("build.sh", script);
  fs::permissions(root / "build.sh",
                  fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add, ec);
  return written;
}

}  // namespace dynlib::detail

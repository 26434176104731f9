// Test-only: compiles a generated translation unit with the system compiler (g++) into a shared
// object next to the embedded kernel headers, dlopens it and runs its exports through a RunArgs set
// up exactly like the interpreter's (tests/kernel/test_wrapper.hpp).
#pragma once

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "jit/embedded_kernel.hpp"
#include "kernel/test_wrapper.hpp"

namespace dynlib::codegen::testing {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh directory holding kernel/**.hpp; removed with the object.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dynlib_cg_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
    for (const auto& f : embedded_kernel_headers()) {
      const auto p = path / std::string(f.path);
      std::filesystem::create_directories(p.parent_path());
      std::ofstream(p) << f.text;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

struct Compiled {
  TempDir dir;
  void* handle = nullptr;
  int rc = -1;
  std::string log;
  ~Compiled() {
    if (handle) dlclose(handle);
  }
  template <class F>
  F* sym(const char* name) const {
    return handle ? reinterpret_cast<F*>(dlsym(handle, name)) : nullptr;
  }
};

// Compiles `source` (does not dlopen: call load() from one thread afterwards).
inline void compile(Compiled& c, const std::string& source, const std::string& extra_flags = "") {
  const auto src = c.dir.path / "k.cpp";
  std::ofstream(src) << source;
  const std::string cmd = "g++ -std=c++20 -O2 -fPIC -shared -ffp-contract=off " + extra_flags +
                          " -I" + c.dir.path.string() + " " + src.string() + " -o " +
                          (c.dir.path / "k.so").string() + " > " +
                          (c.dir.path / "log.txt").string() + " 2>&1";
  c.rc = std::system(cmd.c_str());
  c.log = read_text(c.dir.path / "log.txt");
}

inline bool load(Compiled& c) {
  if (c.rc != 0) return false;
  c.handle = dlopen((c.dir.path / "k.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!c.handle) c.log += dlerror();
  return c.handle != nullptr;
}

using RunFn = int(void*);

// Drives a native run function with the buffers of `sim` (whose model only provides sizes), growing
// buffers and re-entering exactly like Sim::run_all.
template <class Model>
int run_native(RunFn* fn, kernel::testing::Sim<Model>& sim) {
  for (int guard = 0; guard < 1000000; ++guard) {
    const int s = fn(&sim.a);
    if (s == kernel::GROW_REC) {
      ++sim.grow_rec;
      sim.resize_rec(sim.a.rec_cap * 2 + 1);
    } else if (s == kernel::GROW_EVT) {
      ++sim.grow_evt;
      sim.resize_evt(sim.a.evt_cap * 2 + 1);
    } else if (s == kernel::YIELD) {
      ++sim.yields;
    } else {
      return s;
    }
  }
  return -1;
}

// Calls compile_one(i) for every i < n on two threads (2 cores: two compiler processes at a time).
template <class F>
void for_each_in_parallel(size_t n, F compile_one) {
  size_t next = 0;
  std::mutex mu;
  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next == n) return;
        i = next++;
      }
      compile_one(i);
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
}

}  // namespace dynlib::codegen::testing

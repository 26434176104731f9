// Test helpers: a temporary directory removed on scope exit, and environment overrides undone on
// scope exit. Header-only so any test binary can include it.
#pragma once

#include <stdlib.h>  // mkdtemp, setenv, unsetenv (POSIX)

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dynlib::testing {

class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/dynlib-test-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    // Canonical, so paths compared in tests match what the library computes through symlinks.
    path_ = std::filesystem::canonical(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  // this->path() / rel, as a string.
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

  // Writes `text` to path()/rel, creating parent directories; returns the full path.
  std::string write(const std::string& rel, const std::string& text) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  // Creates path()/rel as a directory (and its parents); returns the full path.
  std::string mkdir(const std::string& rel) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// Sets or unsets environment variables; the destructor restores every previous value, in reverse
// order, so nested overrides of the same variable unwind correctly.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const std::string& name, const std::string& value) { set(name, value); }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second)
        setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        unsetenv(it->first.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  ScopedEnv& set(const std::string& name, const std::string& value) {
    save(name);
    setenv(name.c_str(), value.c_str(), 1);
    return *this;
  }
  ScopedEnv& unset(const std::string& name) {
    save(name);
    unsetenv(name.c_str());
    return *this;
  }

 private:
  void save(const std::string& name) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// A sandbox for code that reads the user's environment: HOME and XDG_CONFIG_HOME point into a
// fresh temp dir, and DYNLIB_CONFIG / DYN_MODEL_PATH are unset. Everything is restored afterwards.
class IsolatedEnv {
 public:
  IsolatedEnv() {
    env_.set("HOME", home_.str())
        .set("XDG_CONFIG_HOME", home_ / ".config")
        .unset("DYNLIB_CONFIG")
        .unset("DYN_MODEL_PATH");
  }
  const TempDir& home() const { return home_; }
  ScopedEnv& env() { return env_; }

 private:
  TempDir home_;
  ScopedEnv env_;  // destroyed before home_, so the environment never names a removed dir
};

}  // namespace dynlib::testing

// Typed errors of dynlib (DESIGN rule 7). Every error a user can cause derives from DynlibError.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace dynlib {

// Where in a model file something is: 1-based line and column; 0 means "unknown".
struct SourceLocation {
  std::string file;  // path, URI, or "<inline>"
  int line = 0;
  int column = 0;
};

class DynlibError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A model that cannot be accepted: syntax, schema or semantic error. what() is the full diagnostic
// ("file:line:col: error: message", the source line, a caret, and a hint such as a did-you-mean).
class ModelError : public DynlibError {
 public:
  ModelError(std::string message, SourceLocation where, std::string source_line = {},
             std::string hint = {});

  const std::string& message() const noexcept { return message_; }
  const SourceLocation& where() const noexcept { return where_; }
  const std::string& source_line() const noexcept { return source_line_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::string message_;
  SourceLocation where_;
  std::string source_line_;
  std::string hint_;
};

// Something a model says that is accepted but probably not meant, such as an unknown [sim] key
// (the reference dynlib takes those silently; refusing them would refuse its files, silence would
// hide typos). Reported, never refused: build() hands each one to the model warning handler
// (dynlib.hpp) and ModelInfo/ModelDescription keep them. text() is the diagnostic as a compiler
// prints it: "file:line:col: warning: message", the source line, a caret and the hint.
struct ModelWarning {
  std::string message;
  SourceLocation where;
  std::string source_line;
  std::string hint;

  std::string text() const;
};

// A model URI that resolved to no readable file; lists every candidate that was tried.
class ModelNotFoundError : public DynlibError {
 public:
  ModelNotFoundError(std::string uri, std::vector<std::string> candidates, std::string detail = {});

  const std::string& uri() const noexcept { return uri_; }
  const std::vector<std::string>& candidates() const noexcept { return candidates_; }

 private:
  std::string uri_;
  std::vector<std::string> candidates_;
};

// A model URI that would leave the roots of its tag: a '..' component, an absolute path after
// TAG://, or a symlink that leads out of the root.
class PathTraversalError : public DynlibError {
 public:
  PathTraversalError(std::string message, std::string uri, std::string attempted_path,
                     std::string root);

  const std::string& uri() const noexcept { return uri_; }
  const std::string& attempted_path() const noexcept { return attempted_path_; }
  const std::string& root() const noexcept { return root_; }

 private:
  std::string uri_;
  std::string attempted_path_;
  std::string root_;
};

// A config file (DYNLIB_CONFIG or the user's config.toml) or a DYN_MODEL_PATH value that cannot
// be read or is malformed.
class ConfigError : public DynlibError {
 public:
  using DynlibError::DynlibError;
};

// A stepper named in the build options that is for the other kind of model (a map stepper for an
// ODE or the reverse). The same mistake in a model's [sim] table is a ModelError with its place.
class StepperKindMismatchError : public DynlibError {
 public:
  StepperKindMismatchError(std::string message, std::string stepper, std::string stepper_kind,
                           std::string model_kind);

  const std::string& stepper() const noexcept { return stepper_; }
  const std::string& stepper_kind() const noexcept { return stepper_kind_; }  // "ode" | "map"
  const std::string& model_kind() const noexcept { return model_kind_; }

 private:
  std::string stepper_;
  std::string stepper_kind_;
  std::string model_kind_;
};

// jit=true was asked for but no working C++ compiler was found.
class JITUnavailableError : public DynlibError {
 public:
  using DynlibError::DynlibError;
};

// The system compiler rejected generated code.
class CompileError : public DynlibError {
 public:
  CompileError(std::string message, std::string diagnostics, std::string source_path);

  const std::string& diagnostics() const noexcept { return diagnostics_; }
  const std::string& source_path() const noexcept { return source_path_; }

 private:
  std::string diagnostics_;
  std::string source_path_;
};

// The on-disk kernel cache could not be used as asked.
class CacheError : public DynlibError {
 public:
  using DynlibError::DynlibError;
};

}  // namespace dynlib

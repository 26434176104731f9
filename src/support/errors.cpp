#include "dynlib/errors.hpp"

#include <fmt/format.h>

namespace dynlib {
namespace {

std::string format_diagnostic(const char* severity, const std::string& message,
                              const SourceLocation& where, const std::string& source_line,
                              const std::string& hint) {
  std::string out;
  if (!where.file.empty()) out += where.file;
  if (where.line > 0) {
    out += fmt::format(":{}", where.line);
    if (where.column > 0) out += fmt::format(":{}", where.column);
  }
  if (!out.empty()) out += ": ";
  out += fmt::format("{}: {}", severity, message);
  if (!source_line.empty()) {
    out += fmt::format("\n {:>4} | {}", where.line, source_line);
    if (where.column > 0) {
      // Keep tabs so the caret lines up under the same character in a terminal.
      std::string pad;
      for (int i = 0; i + 1 < where.column && i < static_cast<int>(source_line.size()); ++i)
        pad += source_line[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
      out += fmt::format("\n      | {}^", pad);
    }
  }
  if (!hint.empty()) out += "\n      = " + hint;
  return out;
}

std::string format_not_found(const std::string& uri, const std::vector<std::string>& candidates,
                             const std::string& detail) {
  std::string out = fmt::format("model not found: '{}'", uri);
  if (!detail.empty()) out += " (" + detail + ")";
  if (candidates.empty()) {
    out += "; no candidate paths";
  } else {
    out += "; tried:";
    for (const auto& c : candidates) out += "\n  " + c;
  }
  return out;
}

}  // namespace

ModelError::ModelError(std::string message, SourceLocation where, std::string source_line,
                       std::string hint)
    : DynlibError(format_diagnostic("error", message, where, source_line, hint)),
      message_(std::move(message)),
      where_(std::move(where)),
      source_line_(std::move(source_line)),
      hint_(std::move(hint)) {}

std::string ModelWarning::text() const {
  return format_diagnostic("warning", message, where, source_line, hint);
}

ModelNotFoundError::ModelNotFoundError(std::string uri, std::vector<std::string> candidates,
                                       std::string detail)
    : DynlibError(format_not_found(uri, candidates, detail)),
      uri_(std::move(uri)),
      candidates_(std::move(candidates)) {}

PathTraversalError::PathTraversalError(std::string message, std::string uri,
                                       std::string attempted_path, std::string root)
    : DynlibError(std::move(message)),
      uri_(std::move(uri)),
      attempted_path_(std::move(attempted_path)),
      root_(std::move(root)) {}

StepperKindMismatchError::StepperKindMismatchError(std::string message, std::string stepper,
                                                   std::string stepper_kind, std::string model_kind)
    : DynlibError(std::move(message)),
      stepper_(std::move(stepper)),
      stepper_kind_(std::move(stepper_kind)),
      model_kind_(std::move(model_kind)) {}

CompileError::CompileError(std::string message, std::string diagnostics, std::string source_path)
    : DynlibError(message + "\n" + diagnostics + "\ngenerated source kept at: " + source_path),
      diagnostics_(std::move(diagnostics)),
      source_path_(std::move(source_path)) {}

}  // namespace dynlib

#include "dynlib/errors.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "support/text.hpp"

namespace dynlib {
namespace {

// How much of a long source line a diagnostic quotes: columns before and after the caret.
constexpr int kShownBefore = 70;
constexpr int kShownAfter = 90;

// The quoted source line and the caret under it: control characters escaped, a long line cut to
// a window around the caret with "…" where it was cut, tabs kept so the caret lines up.
std::string quote_line(const SourceLocation& where, const std::string& source_line) {
  const std::vector<support::ShownChar> chars = support::shown_chars(source_line);
  const size_t n = chars.size();
  const size_t caret = where.column > 0 ? std::min(static_cast<size_t>(where.column - 1), n) : 0;
  int total = 0;
  for (const auto& c : chars) total += c.width;
  size_t first = 0, last = n;  // the window [first, last)
  if (total > kShownBefore + kShownAfter) {
    first = last = caret;
    for (int w = 0; first > 0 && w + chars[first - 1].width <= kShownBefore;)
      w += chars[--first].width;
    for (int w = 0; last < n && w + chars[last].width <= kShownAfter;) w += chars[last++].width;
  }
  const std::string number = std::to_string(where.line);
  const std::string gutter(std::max<size_t>(4, number.size()), ' ');
  std::string line = first > 0 ? "…" : "", pad = first > 0 ? " " : "";
  for (size_t i = first; i < last; ++i) {
    line += chars[i].text;
    if (i < caret)
      pad += chars[i].text == "\t" ? std::string("\t") : std::string(chars[i].width, ' ');
  }
  if (last < n) line += "…";
  std::string out = fmt::format("\n {:>{}} | {}", number, gutter.size(), line);
  if (where.column > 0) out += fmt::format("\n {} | {}^", gutter, pad);
  return out;
}

std::string format_diagnostic(const char* severity, const std::string& message,
                              const SourceLocation& where, const std::string& source_line,
                              const std::string& hint) {
  // Message, hint and file name may quote user text: no control characters reach the terminal.
  std::string out;
  if (!where.file.empty()) out += support::escape_controls(where.file);
  if (where.line > 0) {
    out += fmt::format(":{}", where.line);
    if (where.column > 0) out += fmt::format(":{}", where.column);
  }
  if (!out.empty()) out += ": ";
  out += fmt::format("{}: {}", severity, support::escape_controls(message, "\n\t"));
  if (!source_line.empty()) out += quote_line(where, source_line);
  if (!hint.empty()) {
    const std::string gutter(std::max<size_t>(4, std::to_string(where.line).size()), ' ');
    out += fmt::format("\n {} = {}", gutter, support::escape_controls(hint, "\n\t"));
  }
  return out;
}

std::string format_not_found(const std::string& uri, const std::vector<std::string>& candidates,
                             const std::string& detail) {
  // The URI and the paths tried are user text: shown without control characters.
  std::string out = fmt::format("model not found: '{}'", support::escape_controls(uri));
  if (!detail.empty()) out += " (" + support::escape_controls(detail) + ")";
  if (candidates.empty()) {
    out += "; no candidate paths";
  } else {
    out += "; tried:";
    for (const auto& c : candidates) out += "\n  " + support::escape_controls(c);
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

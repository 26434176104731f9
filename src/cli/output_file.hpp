// An output file of a command (--out), written so that a user never holds a partial file that
// looks complete: it is opened before the work (a temporary file beside the target, so an
// unwritable path fails fast), filled, and renamed over the target only by commit(). Anything
// else (an error, an exception, Ctrl+C while writing) removes the temporary file and leaves the
// target as it was. Standard output when no path is given. A target that exists and is not a
// regular file (/dev/null, a pipe, a terminal) is written in place: nothing can be renamed over
// it.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/interrupt.hpp"

namespace dynlib::cli {

class OutputFile {
 public:
  explicit OutputFile(const std::optional<std::string>& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view text);
  void write(const fmt::memory_buffer& buf) { write(std::string_view(buf.data(), buf.size())); }

  // From now on Ctrl+C aborts the writing: the next write() throws Interrupted (nothing is
  // committed). Call it after the work, whose own Ctrl+C handling keeps what it computed.
  void honour_interrupts();
  // The same for a file written while the caller holds an InterruptScope (several files at once).
  void poll_interrupts() { polling_ = true; }

  // Flushes, syncs and renames the file into place; DynlibError if any of it failed.
  void commit();
  // Drops what was written; with `remove_target`, also an existing target (a stale file that
  // would mislead).
  void discard(bool remove_target = false);

  const std::string& path() const { return shown_; }

 private:
  void fail(const char* what);

  std::string shown_;   // the path as the user gave it, for messages
  std::string target_;  // where commit() puts the file (symbolic links resolved)
  std::string temp_;    // the temporary file; empty when written in place or to stdout
  FILE* f_ = nullptr;
  bool in_place_ = false;
  bool polling_ = false;  // write() checks InterruptScope::stop_flag()
  std::unique_ptr<InterruptScope> interrupts_;
};

// Checks that `path` can be written (creates and removes a temporary file beside it), so that a
// command fails before its work rather than after it.
void probe_output(const std::string& path);

}  // namespace dynlib::cli

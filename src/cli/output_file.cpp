// OutputFile (output_file.hpp).
#include "cli/output_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dynlib/errors.hpp"

namespace dynlib::cli {
namespace fs = std::filesystem;

namespace {

// 1 MiB of stdio buffer: a CSV of millions of rows is written in large blocks.
constexpr size_t kBufferBytes = size_t{1} << 20;

// The mode a new file would get (0666 less the umask). Linux reports the umask in
// /proc/self/status; changing it to read it would race with files other threads create (a
// background compile), so that is only the fallback.
mode_t new_file_mode() {
  if (FILE* status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    unsigned mask = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, status))
      found = std::sscanf(line, "Umask: %o", &mask) == 1;
    std::fclose(status);
    if (found) return 0666 & ~static_cast<mode_t>(mask);
  }
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

OutputFile::OutputFile(const std::optional<std::string>& path) {
  if (!path) {
    shown_ = "<stdout>";
    f_ = stdout;
    in_place_ = true;
    return;
  }
  shown_ = *path;
  if (path->empty()) throw DynlibError("cannot write '': the output path is empty");
  target_ = *path;
  struct stat st {};
  mode_t mode = new_file_mode();
  if (::lstat(path->c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    // Replace the file the link points at, not the link itself.
    std::error_code ec;
    const fs::path real = fs::weakly_canonical(*path, ec);
    if (!ec) target_ = real.string();
  }
  if (::stat(target_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      throw DynlibError(fmt::format("cannot write '{}': it is a directory", shown_));
    if (!S_ISREG(st.st_mode)) {
      // A device or a pipe: written in place. O_NONBLOCK so a pipe without a reader fails (ENXIO)
      // instead of hanging; blocking writes again once it is open.
      const int fd = ::open(target_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) fail("cannot write");
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      f_ = ::fdopen(fd, "w");
      if (!f_) {
        ::close(fd);
        fail("cannot write");
      }
      in_place_ = true;
      return;
    }
    mode = st.st_mode & 07777;  // a file being replaced keeps its permissions
  }
  const fs::path t(target_);
  const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
  std::string pattern = (dir / ("." + t.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) fail("cannot write");
  temp_ = pattern;
  ::fchmod(fd, mode);
  f_ = ::fdopen(fd, "w");
  if (!f_) {
    const int e = errno;
    ::close(fd);
    ::unlink(temp_.c_str());
    temp_.clear();
    errno = e;
    fail("cannot write");
  }
  std::setvbuf(f_, nullptr, _IOFBF, kBufferBytes);
}

OutputFile::~OutputFile() {
  discard();
}

void OutputFile::fail(const char* what) {
  throw DynlibError(fmt::format("{} '{}': {}", what, shown_, std::strerror(errno)));
}

void OutputFile::honour_interrupts() {
  if (!interrupts_) interrupts_ = std::make_unique<InterruptScope>();
  polling_ = true;
}

void OutputFile::write(std::string_view text) {
  if (!f_) throw DynlibError(fmt::format("internal error: '{}' is closed", shown_));
  if (polling_ && InterruptScope::stop_flag()->load())
    throw Interrupted(fmt::format("interrupted while writing '{}'{}", shown_,
                                  temp_.empty() ? "" : ": nothing was written"));
  if (std::fwrite(text.data(), 1, text.size(), f_) != text.size()) fail("error writing");
}

void OutputFile::commit() {
  if (!f_) throw DynlibError(fmt::format("internal error: '{}' is closed", shown_));
  if (f_ == stdout) {
    f_ = nullptr;
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) fail("error writing");
    return;
  }
  FILE* f = f_;
  f_ = nullptr;
  bool ok = std::fflush(f) == 0 && !std::ferror(f);
  int err = errno;
  // A full disk may show only here (delayed allocation): the rename waits for the data.
  if (ok && !temp_.empty() && ::fsync(::fileno(f)) != 0) {
    ok = false;
    err = errno;
  }
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && !temp_.empty() && std::rename(temp_.c_str(), target_.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    if (!temp_.empty()) ::unlink(temp_.c_str());
    temp_.clear();
    errno = err;
    fail("error writing");
  }
  temp_.clear();
  interrupts_.reset();
  polling_ = false;
}

void OutputFile::discard(bool remove_target) {
  if (f_ && f_ != stdout) std::fclose(f_);
  f_ = nullptr;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  if (remove_target && !in_place_ && !target_.empty()) ::unlink(target_.c_str());
  interrupts_.reset();
  polling_ = false;
}

void probe_output(const std::string& path) {
  OutputFile probe(path);
  probe.discard();
}

}  // namespace dynlib::cli

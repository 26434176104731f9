#include "support/regular_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dynlib::support {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "something else";
}

std::string size_text(size_t bytes) {
  return bytes % (1024 * 1024) == 0 ? fmt::format("{} MB", bytes / (1024 * 1024))
                                    : fmt::format("{} bytes", bytes);
}

}  // namespace

std::string read_regular_file(const std::string& path, size_t max_bytes, std::string& why) {
  why.clear();
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    why = std::strerror(errno);
    return {};
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) != 0) {
    why = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    why = fmt::format("it is {}, not a regular file", kind_of(st.st_mode));
  } else if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    why = fmt::format("it is larger than {}", size_text(max_bytes));
  } else {
    // Read to the end, stopping once past the limit: a file that grew after fstat is refused too.
    text.reserve(static_cast<size_t>(st.st_size));
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        why = std::strerror(errno);
        break;
      }
      if (n == 0) break;
      text.append(buf, static_cast<size_t>(n));
      if (text.size() > max_bytes) {
        why = fmt::format("it is larger than {}", size_text(max_bytes));
        break;
      }
    }
  }
  ::close(fd);
  if (!why.empty()) text.clear();
  return text;
}

}  // namespace dynlib::support

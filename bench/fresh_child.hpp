// Runs a measurement in a forked child process and hands its result (a trivially copyable struct)
// back through a pipe: each call starts from the parent's state, so nothing a previous iteration
// compiled, cached or counted carries over. A failed fork, pipe or child gives `Result{}`.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <type_traits>

namespace bench {

template <class Result, class Measure>
Result in_fresh_child(Measure measure) {
  static_assert(std::is_trivially_copyable_v<Result>);
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {};
  }
  if (pid == 0) {
    ::close(fds[0]);
    const Result r = measure();
    (void)!::write(fds[1], &r, sizeof r);
    ::_exit(0);
  }
  ::close(fds[1]);
  Result r{};
  if (::read(fds[0], &r, sizeof r) != static_cast<ssize_t>(sizeof r)) r = {};
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return r;
}

}  // namespace bench

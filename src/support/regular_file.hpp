// Reading a file the user named, safely: only a regular file (a FIFO would block forever,
// /dev/zero never ends), at most a given size, checked on the descriptor that is read (not on a
// path that could be swapped between a check and the open).
#pragma once

#include <cstddef>
#include <string>

namespace dynlib::support {

// The whole file, or "" with `why` set to the reason ("it is a FIFO, not a regular file", "it
// is larger than 64 MB", the OS error).
std::string read_regular_file(const std::string& path, size_t max_bytes, std::string& why);

}  // namespace dynlib::support

// Test helper: a real full filesystem (a small tmpfs), for the JIT's "disk full" paths.
#pragma once

#include <sys/mount.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace dynlib::testing {

// A 64 KiB tmpfs at `dir`, filled up, while it exists; `mounted()` is false where mounting is not
// allowed (not root, no CAP_SYS_ADMIN), and the test then skips. A real full disk, no injection.
class FullFilesystem {
 public:
  // `room`: bytes freed again after filling, e.g. enough for a small file but not a compile.
  explicit FullFilesystem(const std::string& dir, std::uintmax_t room = 0) : dir_(dir) {
    std::filesystem::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") == 0;
    if (!mounted_) return;
    const std::string filler = dir + "/filler";
    {
      std::ofstream fill(filler, std::ios::binary);
      const std::string block(4096, 'x');
      while (fill.write(block.data(), block.size())) {
      }
    }
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(filler, ec);
    if (!ec && room > 0) std::filesystem::resize_file(filler, size > room ? size - room : 0, ec);
  }
  ~FullFilesystem() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

}  // namespace dynlib::testing

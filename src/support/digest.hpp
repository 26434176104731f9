// Content digests: SHA-256 (OpenSSL) as lowercase hex. Used for model hashes and kernel cache keys.
#pragma once

#include <string>
#include <string_view>

namespace dynlib::support {

std::string sha256_hex(std::string_view data);

}  // namespace dynlib::support

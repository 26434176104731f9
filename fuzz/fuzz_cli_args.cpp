// libFuzzer target: the command line's argument parsing. The input is argv (split on NUL bytes,
// argv[0] added); every sub-command and option is parsed and validated as `dynlib` does, and no
// command runs. Any input must parse or give an argument error: nothing may crash or throw
// anything else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "dynlib/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args{"dynlib"};
  for (size_t start = 0; start <= input.size();) {
    const size_t nul = input.find('\0', start);
    const size_t end = nul == std::string::npos ? input.size() : nul;
    args.push_back(input.substr(start, end - start));
    start = end + 1;
    if (args.size() > 64) break;  // more arguments find nothing new
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    dynlib::cli::parse_only(static_cast<int>(argv.size()), argv.data());
  } catch (const dynlib::DynlibError&) {
    // A typed error from a validator is a clean refusal too.
  }
  return 0;
}

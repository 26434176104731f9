// The user config file (TOML): model path tags, cache location and size, JIT settings.
//
// Found via $DYNLIB_CONFIG, else $XDG_CONFIG_HOME/dynlib/config.toml, else
// ~/.config/dynlib/config.toml. A missing default file is an empty config; a missing file named
// by DYNLIB_CONFIG is an error, since the user asked for that file explicitly.
//
//   [paths]
//   mine = "~/models"                 # or a list: ["/a", "$PROJECT/models"]
//   [cache]
//   root = "~/.cache/dynlib"          # or top-level cache_root = "..."
//   max_size = "2GiB"                 # or an integer number of bytes
//   [jit]
//   auto_threshold = 0.5              # jit="auto": seconds of interpretation that pay a compile
//   auto_min_calls = 3                # jit="auto": runs before their summed time counts
//   auto_tier_threshold = 2.0         # jit="auto": native seconds before the -O3 recompile
//   compile_timeout = 300             # seconds one compiler run may take; 0 = no limit
//
// An unset $VAR (or "~" without $HOME) in a path is an error, here and in $DYNLIB_CONFIG.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynlib::support {

struct UserConfig {
  std::string source_path;  // the file read; empty when there was none
  // [paths]: TAG -> roots, in file order. Roots are expanded (~, $VARS) and absolute (a relative
  // root is taken relative to the config file's directory).
  std::vector<std::pair<std::string, std::vector<std::string>>> paths;
  std::optional<std::string> cache_root;
  std::optional<long long> cache_max_size;  // bytes
  std::optional<double> jit_auto_threshold;
  std::optional<long long> jit_auto_min_calls;
  std::optional<double> jit_auto_tier_threshold;  // may be inf (never)
  std::optional<double> jit_compile_timeout;      // seconds; 0 = no limit
};

// The config file this process would read: $DYNLIB_CONFIG if set and non-empty, else the XDG
// default. `explicit_path` tells whether DYNLIB_CONFIG named it. Throws ConfigError when
// DYNLIB_CONFIG names an unset environment variable.
std::string user_config_path(bool* explicit_path = nullptr);

// The user config, read at most once per process for each config path (so a test that points
// DYNLIB_CONFIG elsewhere sees the new file). Thread-safe; the reference stays valid for the life
// of the process. Throws DynlibError for a missing explicit file or an invalid one.
const UserConfig& user_config();

// Reads and validates one config file (missing file = error). Throws DynlibError with
// file:line:col for TOML syntax errors, unknown keys (with a did-you-mean) and wrong types.
UserConfig load_user_config(const std::string& path);

// Parses config text; `source_path` names it in diagnostics and anchors relative roots.
UserConfig parse_user_config(const std::string& text, const std::string& source_path);

// "500MB", "2GiB", "1.5 GB", "123" -> bytes. Units: B, kB/KB, MB, GB, TB (powers of 1000) and
// KiB, MiB, GiB, TiB (powers of 1024), case-insensitive. Empty optional when not a valid size.
std::optional<long long> parse_byte_size(std::string_view text);

// A valid tag name, usable as a URI scheme: [A-Za-z][A-Za-z0-9_+.-]*, and not "inline".
bool is_valid_tag(std::string_view tag);

}  // namespace dynlib::support

#include "support/config.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "dynlib/errors.hpp"
#include "support/regular_file.hpp"
#include "support/text.hpp"

namespace dynlib::support {
namespace fs = std::filesystem;
namespace {

// The line of `text` numbered `line` (1-based), without its newline; empty if out of range.
std::string nth_line(const std::string& text, int line) {
  std::istringstream in(text);
  std::string s;
  for (int i = 0; i < line && std::getline(in, s); ++i) {
    if (i + 1 == line) {
      if (!s.empty() && s.back() == '\r') s.pop_back();
      return s;
    }
  }
  return {};
}

// Config diagnostics look like model diagnostics (file:line:col, source line, caret, hint) but are
// plain DynlibErrors: a bad config is not a bad model.
class ConfigReader {
 public:
  ConfigReader(const std::string& text, const std::string& source_path)
      : text_(text), source_path_(source_path) {}

  [[noreturn]] void fail(const toml::source_region& where, const std::string& message,
                         const std::string& hint = {}) const {
    std::string out = source_path_;
    const int line = static_cast<int>(where.begin.line);
    const int column = static_cast<int>(where.begin.column);
    if (line > 0) out += fmt::format(":{}:{}", line, column);
    out += ": error: " + message;
    const std::string src = line > 0 ? nth_line(text_, line) : std::string{};
    if (!src.empty()) {
      out += fmt::format("\n {:>4} | {}", line, src);
      std::string pad;
      for (int i = 0; i + 1 < column && i < static_cast<int>(src.size()); ++i)
        pad += src[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
      out += fmt::format("\n      | {}^", pad);
    }
    if (!hint.empty()) out += "\n      = " + hint;
    throw ConfigError(out);
  }

  [[noreturn]] void unknown_key(const toml::key& key, const std::string& where,
                                const std::vector<std::string>& known) const {
    std::string hint = did_you_mean(key.str(), known);
    if (hint.empty()) {
      hint = "known keys:";
      for (const auto& k : known) hint += " " + k;
    }
    fail(key.source(), fmt::format("unknown key '{}' in {}", key.str(), where), hint);
  }

  // Expands ~ and $VARS; a relative path is anchored at the config file's directory so the
  // meaning of the file does not depend on the current directory.
  std::string path_value(const toml::node& node, const std::string& what) const {
    const auto* s = node.as_string();
    if (!s) fail(node.source(), fmt::format("{} must be a string path", what));
    std::string unset;
    const std::string expanded = expand_user_path(s->get(), &unset);
    if (!unset.empty())
      fail(variable_region(node.source(), unset),
           fmt::format("{}: environment variable {} is not set", what, unset),
           fmt::format("set {} or write the path without it (an unset variable would expand to "
                       "nothing and point somewhere else)",
                       unset));
    if (expanded.empty()) fail(node.source(), fmt::format("{} is empty", what));
    fs::path p(expanded);
    if (p.is_relative()) p = fs::absolute(fs::path(source_path_)).parent_path() / p;
    return p.lexically_normal().string();
  }

 private:
  // `where` (a string value) narrowed to where `variable` appears in it ("~" for HOME), when the
  // value sits on one line; else `where` itself.
  toml::source_region variable_region(const toml::source_region& where,
                                      const std::string& variable) const {
    const std::string line = nth_line(text_, static_cast<int>(where.begin.line));
    const std::size_t from = where.begin.column > 0 ? where.begin.column - 1 : 0;
    if (from >= line.size()) return where;
    std::size_t at = std::string::npos;
    for (const std::string& token : {"${" + variable + "}", "$" + variable}) {
      at = std::min(at, line.find(token, from));
    }
    if (variable == "HOME" && from + 1 < line.size() && line[from + 1] == '~') at = from + 1;
    if (at == std::string::npos) return where;
    toml::source_region out = where;
    out.begin.column = static_cast<toml::source_index>(at + 1);
    return out;
  }

  const std::string& text_;
  const std::string& source_path_;
};

// toml::table is ordered by key; diagnostics and [paths] tag order follow the file instead.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (auto&& [key, node] : t) out.emplace_back(&key, &node);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return out;
}

void parse_paths(const ConfigReader& r, const toml::table& table, UserConfig& out) {
  for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
    const toml::key& key = *key_ptr;
    const toml::node& node = *node_ptr;
    const std::string tag(key.str());
    if (!is_valid_tag(tag))
      r.fail(key.source(), fmt::format("'{}' is not a valid tag name", tag),
             "a tag is used as a URI scheme (TAG://model): a letter, then letters, digits, "
             "'_', '+', '-' or '.'; 'inline' is reserved");
    std::vector<std::string> roots;
    const std::string what = fmt::format("paths.{}", tag);
    if (const auto* arr = node.as_array()) {
      for (const auto& element : *arr) roots.push_back(r.path_value(element, what + " entry"));
    } else if (node.is_string()) {
      roots.push_back(r.path_value(node, what));
    } else {
      r.fail(node.source(), fmt::format("{} must be a path or a list of paths", what));
    }
    out.paths.emplace_back(tag, std::move(roots));
  }
}

long long parse_size_value(const ConfigReader& r, const toml::node& node) {
  if (const auto* i = node.as_integer()) {
    if (i->get() < 0) r.fail(node.source(), "cache.max_size must not be negative");
    return i->get();
  }
  if (const auto* s = node.as_string()) {
    if (auto bytes = parse_byte_size(s->get())) return *bytes;
    r.fail(node.source(), fmt::format("cache.max_size '{}' is not a size", s->get()),
           "use an integer number of bytes or a string such as \"500MB\" or \"2GiB\"");
  }
  r.fail(node.source(), "cache.max_size must be an integer (bytes) or a string like \"500MB\"");
}

void parse_cache(const ConfigReader& r, const toml::table& table, UserConfig& out,
                 bool has_cache_root) {
  static const std::vector<std::string> known = {"root", "max_size"};
  for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
    const toml::key& key = *key_ptr;
    const toml::node& node = *node_ptr;
    if (key.str() == "root") {
      if (has_cache_root)
        r.fail(key.source(), "cache.root given twice: as top-level cache_root and in [cache]");
      out.cache_root = r.path_value(node, "cache.root");
    } else if (key.str() == "max_size") {
      out.cache_max_size = parse_size_value(r, node);
    } else {
      r.unknown_key(key, "[cache]", known);
    }
  }
}

void parse_jit(const ConfigReader& r, const toml::table& table, UserConfig& out) {
  static const std::vector<std::string> known = {"auto_threshold", "auto_min_calls",
                                                 "auto_tier_threshold", "compile_timeout"};
  for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
    const toml::key& key = *key_ptr;
    const toml::node& node = *node_ptr;
    const std::string name = "jit." + std::string(key.str());
    if (key.str() == "auto_min_calls") {
      const auto value = node.value<long long>();
      if (!node.is_integer() || !value || *value < 1)
        r.fail(node.source(), name + " must be a positive integer (a number of runs)");
      out.jit_auto_min_calls = *value;
      continue;
    }
    if (std::find(known.begin(), known.end(), key.str()) == known.end())
      r.unknown_key(key, "[jit]", known);
    const auto value = node.value<double>();  // accepts integers and floats
    if (!value || !(node.is_integer() || node.is_floating_point()))
      r.fail(node.source(), name + " must be a non-negative number of seconds");
    if (key.str() == "compile_timeout") {
      if (!(*value >= 0))
        r.fail(node.source(), name + " must be a non-negative number of seconds",
               "0 means no limit");
      out.jit_compile_timeout = *value;
    } else if (key.str() == "auto_tier_threshold") {
      if (!(*value >= 0))
        r.fail(node.source(), name + " must be a non-negative number of seconds",
               "inf means never");
      out.jit_auto_tier_threshold = *value;
    } else {
      if (!std::isfinite(*value) || *value < 0)
        r.fail(node.source(), name + " must be a finite non-negative number");
      out.jit_auto_threshold = *value;
    }
  }
}

std::string read_file(const std::string& path) {
  constexpr size_t kMaxConfigBytes = 64 * 1024 * 1024;
  std::string why;
  std::string text = read_regular_file(path, kMaxConfigBytes, why);
  if (!why.empty()) throw ConfigError(fmt::format("cannot read config file '{}': {}", path, why));
  return text;
}

}  // namespace

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag == "inline") return false;
  if (!std::isalpha(static_cast<unsigned char>(tag[0]))) return false;
  for (char c : tag)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '+' && c != '-' &&
        c != '.')
      return false;
  return true;
}

std::optional<long long> parse_byte_size(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  const std::string number(text.substr(0, i));
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return {};
  while (i < text.size() && text[i] == ' ') ++i;
  std::string unit;
  for (char c : text.substr(i))
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, double> units = {{"", 1.0},
                                                      {"b", 1.0},
                                                      {"kb", 1e3},
                                                      {"mb", 1e6},
                                                      {"gb", 1e9},
                                                      {"tb", 1e12},
                                                      {"kib", 1024.0},
                                                      {"mib", 1048576.0},
                                                      {"gib", 1073741824.0},
                                                      {"tib", 1099511627776.0}};
  const auto it = units.find(unit);
  if (it == units.end()) return {};
  const double bytes = std::strtod(number.c_str(), nullptr) * it->second;
  // Stay well inside long long so the conversion below is defined.
  if (!std::isfinite(bytes) || bytes >= 9.0e18) return {};
  return static_cast<long long>(bytes);
}

UserConfig parse_user_config(const std::string& text, const std::string& source_path) {
  const ConfigReader r(text, source_path);
  toml::table root;
  try {
    root = toml::parse(text, source_path);
  } catch (const toml::parse_error& e) {
    r.fail(e.source(), std::string(e.description()));
  }
  UserConfig out;
  out.source_path = source_path;
  static const std::vector<std::string> known = {"paths", "cache_root", "cache", "jit"};
  // cache_root and [cache].root are two spellings of one setting; find out before [cache] is read.
  const bool has_cache_root = root.contains("cache_root");
  for (const auto& [key_ptr, node_ptr] : in_file_order(root)) {
    const toml::key& key = *key_ptr;
    const toml::node& node = *node_ptr;
    const std::string_view k = key.str();
    if (k == "cache_root") {
      out.cache_root = r.path_value(node, "cache_root");
      continue;
    }
    if (k != "paths" && k != "cache" && k != "jit") r.unknown_key(key, "config", known);
    const auto* table = node.as_table();
    if (!table) r.fail(node.source(), fmt::format("'{}' must be a table ([{}])", k, k));
    if (k == "paths") parse_paths(r, *table, out);
    if (k == "cache") parse_cache(r, *table, out, has_cache_root);
    if (k == "jit") parse_jit(r, *table, out);
  }
  return out;
}

UserConfig load_user_config(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw ConfigError(fmt::format("config file '{}' does not exist", path));
  if (fs::is_directory(path, ec))
    throw ConfigError(fmt::format("config file '{}' is a directory", path));
  return parse_user_config(read_file(path), path);
}

std::string user_config_path(bool* explicit_path) {
  if (explicit_path) *explicit_path = false;
  if (const char* env = std::getenv("DYNLIB_CONFIG"); env && *env) {
    if (explicit_path) *explicit_path = true;
    std::string unset;
    std::string path = expand_user_path(env, &unset);
    if (!unset.empty())
      throw ConfigError(fmt::format(
          "DYNLIB_CONFIG='{}' names environment variable {}, which is not set", env, unset));
    return path;
  }
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/')
    return (fs::path(xdg) / "dynlib" / "config.toml").string();
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  return (fs::path(home) / ".config" / "dynlib" / "config.toml").string();
}

const UserConfig& user_config() {
  // One entry per path ever used; entries are never dropped so returned references stay valid.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<UserConfig>> loaded;
  bool explicit_path = false;
  const std::string path = user_config_path(&explicit_path);
  std::lock_guard lock(mutex);
  auto& slot = loaded[(explicit_path ? "!" : "") + path];
  if (!slot) {
    std::error_code ec;
    // Failures are not cached: they are rethrown on every call until the file is fixed.
    if (!explicit_path && (path.empty() || !fs::exists(path, ec)))
      slot = std::make_unique<UserConfig>();
    else
      slot = std::make_unique<UserConfig>(load_user_config(path));
  }
  return *slot;
}

}  // namespace dynlib::support

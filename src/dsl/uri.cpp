#include "dsl/uri.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "dsl/builtin_models.hpp"
#include "dynlib/errors.hpp"
#include "support/config.hpp"
#include "support/regular_file.hpp"
#include "support/text.hpp"

namespace dynlib::dsl {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kBuiltinTag = "builtin";
constexpr std::string_view kInlinePrefix = "inline:";
constexpr std::string_view kExtension = ".toml";

struct Root {
  std::string path;
  std::string origin;  // where the root was registered, for error messages
};

struct Tag {
  std::string name;
  std::vector<Root> roots;
};

bool ends_with_toml(std::string_view s) {
  return s.size() > kExtension.size() && s.substr(s.size() - kExtension.size()) == kExtension;
}

std::string strip_toml(std::string s) {
  if (ends_with_toml(s)) s.resize(s.size() - kExtension.size());
  return s;
}

// Environment roots first, then config roots; tags keep the order they first appear in. With an
// explicit table (build()'s `config`), its roots alone.
std::vector<Tag> registered_tags(const TagTable* explicit_tags = nullptr) {
  std::vector<Tag> tags;
  auto add = [&](const std::string& name, const std::vector<std::string>& roots,
                 const std::string& origin) {
    auto it = std::find_if(tags.begin(), tags.end(), [&](const Tag& t) { return t.name == name; });
    if (it == tags.end()) it = tags.insert(tags.end(), Tag{name, {}});
    for (const auto& r : roots) it->roots.push_back({r, origin});
  };
  if (explicit_tags) {
    for (const auto& [name, roots] : *explicit_tags) add(name, roots, "the build's config");
  } else {
    if (const char* env = std::getenv("DYN_MODEL_PATH"))
      for (const auto& [name, roots] : parse_model_path(env)) add(name, roots, "DYN_MODEL_PATH");
    const auto& config = support::user_config();
    for (const auto& [name, roots] : config.paths)
      add(name, roots, "[paths] in " + config.source_path);
  }
  add(std::string(kBuiltinTag), {}, {});  // always known, even without user roots
  return tags;
}

// Splits "TAG://rest"; false when `uri` has no valid scheme (then it is a plain path).
bool split_uri(std::string_view uri, std::string_view& tag, std::string_view& rest) {
  const size_t sep = uri.find("://");
  if (sep == std::string_view::npos || !support::is_valid_tag(uri.substr(0, sep))) return false;
  tag = uri.substr(0, sep);
  rest = uri.substr(sep + 3);
  return true;
}

bool is_within(const fs::path& target, const fs::path& root) {
  const fs::path rel = target.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

// Model files are text a person wrote; anything larger is a mistake (or /dev/zero).
constexpr size_t kMaxModelFileBytes = 64 * 1024 * 1024;

std::string read_model_file(const std::string& path) {
  std::string why;
  std::string text = support::read_regular_file(path, kMaxModelFileBytes, why);
  if (!why.empty()) throw DynlibError(fmt::format("cannot read model file '{}': {}", path, why));
  return text;
}

// Every *.toml below `root`, as a root-relative path without ".toml". Files reached through a
// symlink that leaves the root are left out, as resolve would refuse them.
void models_below(const std::string& root, std::vector<std::string>& out) {
  std::error_code ec;
  const fs::path canon_root = fs::weakly_canonical(root, ec);
  if (ec || !fs::is_directory(canon_root, ec)) return;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code entry_ec;  // a bad entry is skipped; it must not end the walk
    if (!ends_with_toml(p.filename().string()) || !fs::is_regular_file(p, entry_ec)) continue;
    const fs::path target = fs::weakly_canonical(p, entry_ec);
    if (entry_ec || !is_within(target, canon_root)) continue;
    out.push_back(strip_toml(p.lexically_relative(root).generic_string()));
  }
}

std::vector<std::string> models_of(const Tag& tag) {
  std::vector<std::string> out;
  for (const auto& root : tag.roots) models_below(root.path, out);
  if (tag.name == kBuiltinTag)
    for (const auto& m : embedded_models()) out.push_back(strip_toml(std::string(m.path)));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A close existing name: first by the whole relative path, then by the last component alone so
// "builtin://lorenz" still finds "ode/lorenz".
std::string suggest(const std::string& wanted, const std::vector<std::string>& existing) {
  if (std::string best = support::closest_match(wanted, existing); !best.empty()) return best;
  const std::string base = fs::path(wanted).filename().string();
  std::vector<std::string> bases;
  for (const auto& e : existing) bases.push_back(fs::path(e).filename().string());
  const std::string best_base = support::closest_match(base, bases);
  for (size_t i = 0; i < existing.size(); ++i)
    if (bases[i] == base || bases[i] == best_base) return existing[i];
  return {};
}

ModelSource resolve_tagged(std::string_view uri, std::string_view tag_name, std::string_view rest,
                           const TagTable* explicit_tags) {
  const std::vector<Tag> tags = registered_tags(explicit_tags);
  const auto tag =
      std::find_if(tags.begin(), tags.end(), [&](const Tag& t) { return t.name == tag_name; });
  if (tag == tags.end()) {
    std::vector<std::string> names;
    for (const auto& t : tags) names.push_back(t.name);
    std::string detail =
        fmt::format("unknown tag '{}'; known tags: {}", tag_name, fmt::join(names, ", "));
    if (auto hint = support::did_you_mean(tag_name, names); !hint.empty()) detail += "; " + hint;
    throw ModelNotFoundError(std::string(uri), {}, detail);
  }

  if (rest.empty()) throw DynlibError(fmt::format("model URI '{}' names no model", uri));
  const fs::path rel_path(rest);
  const std::string first_root = tag->roots.empty() ? std::string() : tag->roots.front().path;
  if (rel_path.is_absolute())
    throw PathTraversalError(
        fmt::format("refusing model URI '{}': the part after '{}://' must be relative to the "
                    "tag's roots, not an absolute path",
                    uri, tag_name),
        std::string(uri), std::string(rest), first_root);
  for (const auto& part : rel_path)
    if (part == "..")
      throw PathTraversalError(
          fmt::format("refusing model URI '{}': '..' components are not allowed, so that a "
                      "model cannot leave the roots of tag '{}'",
                      uri, tag_name),
          std::string(uri), std::string(rest), first_root);
  std::string rel = rel_path.lexically_normal().generic_string();
  if (!ends_with_toml(rel)) rel += kExtension;

  std::vector<std::string> candidates;
  for (const auto& root : tag->roots) {
    const fs::path candidate = (fs::path(root.path) / rel).lexically_normal();
    const std::string shown = candidate.string();
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(candidate, ec))) {
      // "No such file" is the normal miss; anything else (e.g. a root without search permission)
      // is worth showing, since the model may well be there.
      const bool missing =
          !ec || ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory;
      candidates.push_back(missing ? shown
                                   : fmt::format("{} (cannot access: {})", shown, ec.message()));
      continue;
    }
    const fs::path canon_root = fs::weakly_canonical(root.path, ec);
    const fs::path target = ec ? fs::path() : fs::weakly_canonical(candidate, ec);
    if (ec) {
      // Cannot tell where it leads, so it cannot be shown to stay inside the root.
      candidates.push_back(fmt::format("{} (cannot access: {})", shown, ec.message()));
      continue;
    }
    if (!is_within(target, canon_root))
      throw PathTraversalError(
          fmt::format("refusing model URI '{}': '{}' resolves to '{}', outside root '{}' of tag "
                      "'{}' (from {}); a symlink may not lead out of its root",
                      uri, shown, target.string(), root.path, tag_name, root.origin),
          std::string(uri), target.string(), root.path);
    if (!fs::exists(candidate, ec)) {
      candidates.push_back(shown + " (dangling symlink)");
      continue;
    }
    if (fs::is_directory(candidate, ec)) {
      candidates.push_back(shown + " (a directory)");
      continue;
    }
    return {std::string(uri), shown, shown, read_model_file(shown), {}};
  }
  if (tag->name == kBuiltinTag) {
    const std::string display = fmt::format("{}://{}", kBuiltinTag, rel);
    for (const auto& m : embedded_models())
      if (m.path == rel) return {std::string(uri), display, {}, std::string(m.text), {}};
    candidates.push_back(display + " (embedded)");
  }

  std::string detail;
  const std::string wanted = strip_toml(rel);
  if (auto best = suggest(wanted, models_of(*tag)); !best.empty())
    detail = fmt::format("did you mean '{}://{}'?", tag_name, best);
  throw ModelNotFoundError(std::string(uri), std::move(candidates), detail);
}

ModelSource resolve_plain(std::string_view uri) {
  std::string unset;
  const std::string expanded = support::expand_user_path(uri, &unset);
  // An unset variable would quietly point elsewhere ("$MODELS/x.toml" at "/x.toml").
  if (!unset.empty())
    throw ModelNotFoundError(std::string(uri), {},
                             fmt::format("the environment variable {} is not set", unset));
  if (expanded.empty()) throw ModelNotFoundError(std::string(uri), {}, "empty path");
  std::vector<std::string> tries = {expanded};
  if (!ends_with_toml(expanded)) tries.push_back(expanded + std::string(kExtension));
  std::vector<std::string> candidates;
  for (const auto& p : tries) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      candidates.push_back(p + " (a directory)");
    } else if (fs::exists(p, ec)) {
      return {std::string(uri), p, p, read_model_file(p), {}};
    } else {
      candidates.push_back(p);
    }
  }
  // Suggest a sibling model file with a close name.
  std::string detail;
  const fs::path wanted(expanded);
  const fs::path dir = wanted.has_parent_path() ? wanted.parent_path() : fs::path(".");
  std::vector<std::string> siblings;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (ends_with_toml(it->path().filename().string()))
      siblings.push_back(it->path().stem().string());
  std::sort(siblings.begin(), siblings.end());
  if (auto best = support::closest_match(strip_toml(wanted.filename().string()), siblings);
      !best.empty())
    detail = fmt::format("did you mean '{}'?", (wanted.parent_path() / (best + ".toml")).string());
  throw ModelNotFoundError(std::string(uri), std::move(candidates), detail);
}

}  // namespace

std::vector<std::pair<std::string, std::vector<std::string>>> parse_model_path(
    std::string_view value) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t end = std::min(value.find(':', start), value.size());
    const std::string_view entry = value.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos)
      throw ConfigError(fmt::format(
          "DYN_MODEL_PATH: entry '{}' has no 'TAG=' (expected TAG=/p1,/p2:OTHER=/p3)", entry));
    const std::string tag(entry.substr(0, eq));
    if (!support::is_valid_tag(tag))
      throw ConfigError(fmt::format(
          "DYN_MODEL_PATH: '{}' is not a valid tag name (a letter, then letters, digits, '_', "
          "'+', '-' or '.'; 'inline' is reserved)",
          tag));
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == tag; });
    if (it == out.end()) it = out.insert(out.end(), {tag, {}});
    const std::string_view roots = entry.substr(eq + 1);
    size_t r = 0;
    while (r <= roots.size()) {
      const size_t comma = std::min(roots.find(',', r), roots.size());
      const std::string_view root = roots.substr(r, comma - r);
      if (!root.empty()) {
        std::string unset;
        std::string expanded = support::expand_user_path(root, &unset);
        if (!unset.empty())
          throw ConfigError(fmt::format(
              "DYN_MODEL_PATH: the root '{}' of tag '{}' uses the environment variable {}, which "
              "is not set",
              root, tag, unset));
        it->second.push_back(std::move(expanded));
      }
      r = comma + 1;
    }
  }
  return out;
}

ModelSource resolve_model(std::string_view uri, const TagTable* tags) {
  // Python users write inline models as triple-quoted strings that start with a newline
  // ("""\ninline:\n[model]..."""), so whitespace before the prefix is allowed, as in the reference.
  const size_t first = uri.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && uri.substr(first, kInlinePrefix.size()) == kInlinePrefix)
    return {std::string(uri),
            "<inline>",
            {},
            std::string(uri.substr(first + kInlinePrefix.size())),
            {}};
  // "path#mod=NAME": the fragment selects a mod of the file (inline text keeps its '#' comments).
  std::string mod;
  std::string_view base = uri;
  if (const size_t hash = uri.find('#'); hash != std::string_view::npos) {
    base = uri.substr(0, hash);
    std::string_view frag = uri.substr(hash + 1);
    while (!frag.empty() && (frag.front() == ' ' || frag.front() == '\t')) frag.remove_prefix(1);
    while (!frag.empty() && (frag.back() == ' ' || frag.back() == '\t')) frag.remove_suffix(1);
    constexpr std::string_view kModKey = "mod=";
    if (frag.substr(0, kModKey.size()) != kModKey || frag.size() == kModKey.size())
      throw DynlibError(fmt::format(
          "URI '{}': unknown fragment '#{}'; the one fragment a model URI takes is #mod=NAME", uri,
          frag));
    mod = std::string(frag.substr(kModKey.size()));
    while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.remove_suffix(1);
  }
  std::string_view tag, rest;
  ModelSource src =
      split_uri(base, tag, rest) ? resolve_tagged(base, tag, rest, tags) : resolve_plain(base);
  src.uri = std::string(uri);
  src.mod = std::move(mod);
  return src;
}

TagTable default_tags() {
  TagTable out;
  for (const auto& t : registered_tags()) {
    if (t.name == kBuiltinTag && t.roots.empty()) continue;
    std::vector<std::string> roots;
    for (const auto& r : t.roots) roots.push_back(r.path);
    out.emplace_back(t.name, std::move(roots));
  }
  return out;
}

std::vector<std::string> list_models() {
  std::vector<std::string> out;
  for (const auto& tag : registered_tags())
    for (const auto& m : models_of(tag)) out.push_back(fmt::format("{}://{}", tag.name, m));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace dynlib::dsl

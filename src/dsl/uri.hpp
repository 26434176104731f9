// Model URIs: where a model's TOML text comes from.
//
//   builtin://ode/lorenz        a builtin model (".toml" optional); user roots tagged "builtin"
//                               are searched first, so a user file can shadow a builtin
//   TAG://sub/dir/model         a file below a root registered for TAG in $DYN_MODEL_PATH
//                               ("TAG=/p1,/p2:OTHER=/p3", searched first) or the user config's
//                               [paths] table (searched next)
//   ~/models/x.toml, $D/x, x    a plain file path (~ and $VARS expanded, ".toml" optional)
//   inline:<toml text>          the model text itself
//
// Any of them but inline: may end in "#mod=NAME": the mod NAME of the file's [mods] tables is
// applied (docs/modeling.md, Mods); ModelSource::mod holds NAME.
//
// A TAG-relative path may not leave its root: ".." components, absolute parts and symlinks that
// resolve outside the root are refused with a DynlibError rather than skipped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynlib::dsl {

struct ModelSource {
  std::string uri;           // as given by the caller
  std::string display_name;  // the file path, "builtin://ode/lorenz.toml", or "<inline>"
  std::string path;          // the file read from disk; empty for embedded builtins and inline
  std::string text;
  std::string mod;  // NAME of a "#mod=NAME" fragment; empty without one
};

// Tag -> roots, in search order: the [paths] of a config file, DYN_MODEL_PATH's entries.
using TagTable = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Throws ModelNotFoundError (every candidate tried, plus a did-you-mean when a model or tag with a
// close name exists) or DynlibError (unreadable file, root escape, malformed DYN_MODEL_PATH or
// user config, a fragment other than #mod=NAME).
// `tags`, when given, replaces DYN_MODEL_PATH and the user config's [paths] (build()'s `config`);
// builtin:// stays known either way.
ModelSource resolve_model(std::string_view uri, const TagTable* tags = nullptr);

// The tags resolve_model() uses by default: DYN_MODEL_PATH's, then the user config's [paths].
TagTable default_tags();

// Every model reachable through a tag, as "TAG://rel/path" without ".toml", sorted and unique:
// the embedded builtins plus every *.toml file below every registered root.
std::vector<std::string> list_models();

// Parses a DYN_MODEL_PATH value: "TAG=/p1,/p2:OTHER=/p3" -> {{TAG, {/p1, /p2}}, {OTHER, {/p3}}}.
// Roots are ~/$VARS-expanded; empty entries are ignored; a repeated tag gathers all its roots in
// order. Throws DynlibError for an entry without "TAG=" or an invalid tag name.
std::vector<std::pair<std::string, std::vector<std::string>>> parse_model_path(
    std::string_view value);

}  // namespace dynlib::dsl

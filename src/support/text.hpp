// Small text utilities shared by every layer: did-you-mean suggestions, path expansion, user text
// made safe to print.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dynlib::support {

// Levenshtein distance (insert, delete, substitute, and adjacent transposition cost 1).
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name`, if it is close enough to be a plausible typo; else empty.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

// "did you mean 'x'?" or empty when nothing is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

// One character of user text as a diagnostic shows it: `text` is the character itself (one UTF-8
// code point, or a tab) or, for a control character or a byte that is not UTF-8, its bytes as
// \xHH; `width` is how many columns it takes (a tab counts 1).
struct ShownChar {
  std::string text;
  int width = 1;
};

// `s` character by character, as above: what a diagnostic quoting a model line prints, so the
// caret can be placed under the right character and a window cut around it.
std::vector<ShownChar> shown_chars(std::string_view s);

// `s` with every control character except those in `keep` (and every byte that is not UTF-8)
// written as \xHH, so quoting user text can never move the cursor or clear the terminal.
std::string escape_controls(std::string_view s, std::string_view keep = {});

// Expands a leading "~" to $HOME and "$VAR" / "${VAR}" from the environment (unset -> empty).
std::string expand_user_path(std::string_view path);

// The same, but an unset variable (or "~" without $HOME) is not silently empty: `unset_variable`
// receives the name of the first one ("HOME" for "~"), and stays empty when everything was set.
// Callers that name a path (config keys, environment variables) report it as an error, since an
// empty expansion would quietly point at another directory, e.g. "$SCRATCH/cache" at "/cache".
std::string expand_user_path(std::string_view path, std::string* unset_variable);

// The value of environment variable `name`, or "" when it is unset.
std::string env_or_empty(const char* name);

}  // namespace dynlib::support

#include "support/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace dynlib::support {

namespace {

// Bytes of the UTF-8 sequence starting at s[i] if it is a valid one, else 0.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  if (n == 2 && b < 0xc2) return 0;  // overlong
  return n;
}

// C0 controls, DEL and the C1 controls (U+0080..U+009F, which terminals also obey).
bool is_control(std::string_view ch) {
  const auto b = static_cast<unsigned char>(ch[0]);
  if (ch.size() == 1) return b < 0x20 || b == 0x7f;
  return ch.size() == 2 && b == 0xc2 && static_cast<unsigned char>(ch[1]) < 0xa0;
}

std::string hex_bytes(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += "\\x";
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

// Calls f(piece, escaped) for each character of `s`: a code point, or one invalid byte.
template <class F>
void for_each_char(std::string_view s, F&& f) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_length(s, i);
    const std::string_view ch = s.substr(i, n == 0 ? 1 : n);
    f(ch, n == 0 || is_control(ch));
    i += ch.size();
  }
}

}  // namespace

std::vector<ShownChar> shown_chars(std::string_view s) {
  std::vector<ShownChar> out;
  for_each_char(s, [&](std::string_view ch, bool escaped) {
    if (escaped && ch != "\t")
      out.push_back({hex_bytes(ch), static_cast<int>(4 * ch.size())});
    else
      out.push_back({std::string(ch), 1});
  });
  return out;
}

std::string escape_controls(std::string_view s, std::string_view keep) {
  std::string out;
  out.reserve(s.size());
  for_each_char(s, [&](std::string_view ch, bool escaped) {
    const bool kept = ch.size() == 1 && keep.find(ch[0]) != std::string_view::npos;
    out += escaped && !kept ? hex_bytes(ch) : std::string(ch);
  });
  return out;
}

int edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance; two rows back are kept for transpositions.
  const size_t n = a.size(), m = b.size();
  std::vector<int> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string lname = lower(name);
  std::string best;
  int best_distance = 0;
  for (const auto& c : candidates) {
    if (c == name) continue;
    if (lower(c) == lname) return c;  // differs only in case: always worth saying
    const int d = edit_distance(name, c);
    if (best.empty() || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (best.empty()) return {};
  // A typo changes a small fraction of a name: allow 1 edit for short names, up to 1/3 for long
  // ones, and never a complete replacement ('C' is no typo of 'x'; 'vv' may be one of 'v').
  const int longer = static_cast<int>(std::max(name.size(), best.size()));
  const int allowed = std::max(1, longer / 3);
  if (best_distance > allowed || best_distance >= longer) return {};
  return best;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best = closest_match(name, candidates);
  return best.empty() ? std::string{} : "did you mean '" + best + "'?";
}

std::string expand_user_path(std::string_view path) {
  std::string unset_variable;
  return expand_user_path(path, &unset_variable);
}

std::string expand_user_path(std::string_view path, std::string* unset_variable) {
  unset_variable->clear();
  auto note_unset = [&](const std::string& name) {
    if (unset_variable->empty()) *unset_variable = name;
  };
  std::string out;
  size_t i = 0;
  if (!path.empty() && path[0] == '~' && (path.size() == 1 || path[1] == '/')) {
    const char* home = std::getenv("HOME");
    if (!home) note_unset("HOME");
    out += home ? home : "";
    i = 1;
  }
  while (i < path.size()) {
    if (path[i] != '$') {
      out += path[i++];
      continue;
    }
    std::string var;
    size_t j = i + 1;
    if (j < path.size() && path[j] == '{') {
      const size_t close = path.find('}', j);
      if (close == std::string_view::npos) {
        out += path.substr(i);
        break;
      }
      var = std::string(path.substr(j + 1, close - j - 1));
      j = close + 1;
    } else {
      while (j < path.size() &&
             (std::isalnum(static_cast<unsigned char>(path[j])) || path[j] == '_'))
        var += path[j++];
    }
    if (var.empty()) {
      out += '$';
      ++i;
      continue;
    }
    const char* value = std::getenv(var.c_str());
    if (!value) note_unset(var);
    out += value ? value : "";
    i = j;
  }
  return out;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace dynlib::support

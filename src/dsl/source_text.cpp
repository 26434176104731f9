#include "dsl/source_text.hpp"

#include <cstdlib>
#include <cstring>

namespace dynlib::dsl {

Position to_position(const toml::source_position& p) {
  return {static_cast<int>(p.line), static_cast<int>(p.column)};
}

Position SourceText::at(int offset) const {
  if (where.empty()) return {};
  if (offset < 0) offset = 0;
  if (static_cast<size_t>(offset) >= where.size()) offset = static_cast<int>(where.size()) - 1;
  return where[static_cast<size_t>(offset)];
}

std::string SourceText::line_text(int line) const {
  if (!file_lines || line < 1 || static_cast<size_t>(line) > file_lines->size()) return {};
  return (*file_lines)[static_cast<size_t>(line - 1)];
}

SourceFile::SourceFile(std::string display_name, const std::string& text)
    : name_(std::move(display_name)), text_(text) {
  auto lines = std::make_shared<std::vector<std::string>>();
  size_t start = 0;
  for (;;) {
    line_starts_.push_back(start);
    const size_t nl = text_.find('\n', start);
    std::string line =
        text_.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines->push_back(std::move(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  lines_ = std::move(lines);
}

std::string SourceFile::line_text(int line) const {
  if (line < 1 || static_cast<size_t>(line) > lines_->size()) return {};
  return (*lines_)[static_cast<size_t>(line - 1)];
}

// toml++ counts columns in code points; walk the line's UTF-8 to find the byte.
size_t SourceFile::byte_offset(int line, int column) const {
  if (line < 1 || static_cast<size_t>(line) > line_starts_.size()) return text_.size();
  size_t i = line_starts_[static_cast<size_t>(line - 1)];
  for (int c = 1; c < column && i < text_.size() && text_[i] != '\n'; ++c) {
    ++i;
    while (i < text_.size() && (static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

SourceRef SourceFile::at_value(const toml::source_region& where, const std::string& text) const {
  auto s = std::make_shared<SourceText>();
  s->file = name_;
  s->text = text;
  s->where.assign(text.size() + 1, to_position(where.begin));
  s->file_lines = lines_;
  return s;
}

SourceRef SourceFile::string_value(const toml::node& value, const std::string& decoded) const {
  const toml::source_region& region = value.source();
  auto s = std::make_shared<SourceText>();
  s->file = name_;
  s->text = decoded;
  s->file_lines = lines_;
  const Position start = to_position(region.begin);
  size_t raw = byte_offset(start.line, start.column);
  Position pos = start;
  auto step = [&] {  // advance one raw byte, keeping line/column in code points
    if (raw >= text_.size()) return;
    const unsigned char c = static_cast<unsigned char>(text_[raw]);
    ++raw;
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      if (raw < text_.size() && (static_cast<unsigned char>(text_[raw]) & 0xC0) == 0x80) {
        ++pos.column;  // the column moves once per code point, at its first byte
        while (raw < text_.size() && (static_cast<unsigned char>(text_[raw]) & 0xC0) == 0x80) ++raw;
        return;
      }
      ++pos.column;
    }
  };
  auto starts_with = [&](const char* d) { return text_.compare(raw, std::strlen(d), d) == 0; };
  bool basic = true, multiline = false;
  if (starts_with("\"\"\"")) {
    multiline = true;
  } else if (starts_with("'''")) {
    multiline = true;
    basic = false;
  } else if (starts_with("'")) {
    basic = false;
  } else if (!starts_with("\"")) {
    s->where.assign(decoded.size() + 1, start);  // not a string literal: point at the value
    return s;
  }
  for (int i = 0; i < (multiline ? 3 : 1); ++i) step();
  if (multiline) {  // a newline right after the opening delimiter is not part of the value
    if (starts_with("\r\n")) {
      step();
      step();
    } else if (starts_with("\n")) {
      step();
    }
  }
  auto is_space = [&](size_t i) { return text_[i] == ' ' || text_[i] == '\t'; };
  while (s->where.size() < decoded.size() && raw < text_.size()) {
    const char c = text_[raw];
    if (basic && c == '\\' && raw + 1 < text_.size()) {
      const char e = text_[raw + 1];
      // A line-ending backslash swallows the newline and all white space after it.
      size_t j = raw + 1;
      while (j < text_.size() && is_space(j)) ++j;
      if (multiline && j < text_.size() && (text_[j] == '\n' || text_[j] == '\r')) {
        step();  // the backslash itself; a backslash after the trimmed white space is an escape
        while (raw < text_.size() && (is_space(raw) || text_[raw] == '\n' || text_[raw] == '\r'))
          step();
        continue;
      }
      const Position here = pos;
      size_t produced = 1, consumed = 2;
      if (e == 'u' || e == 'U') {
        const size_t digits = e == 'u' ? 4 : 8;
        consumed = 2 + digits;
        unsigned long cp = std::strtoul(text_.substr(raw + 2, digits).c_str(), nullptr, 16);
        produced = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      }
      for (size_t k = 0; k < produced; ++k) s->where.push_back(here);
      for (size_t k = 0; k < consumed; ++k) step();
      continue;
    }
    if (c == '\r' && raw + 1 < text_.size() && text_[raw + 1] == '\n') {
      step();  // CRLF decodes to one '\n'
      continue;
    }
    s->where.push_back(pos);
    const unsigned char u = static_cast<unsigned char>(c);
    const Position here = pos;
    step();
    // The continuation bytes of a multi-byte character share its position.
    if ((u & 0xC0) == 0xC0)
      for (size_t k = 1; k < (u >= 0xF0 ? 4u : u >= 0xE0 ? 3u : 2u); ++k) s->where.push_back(here);
  }
  if (s->where.size() > decoded.size()) s->where.resize(decoded.size());
  if (s->where.size() < decoded.size()) {
    // The walk lost track (should not happen): fall back to the value's start for the rest.
    s->where.resize(decoded.size(), start);
  }
  s->where.push_back(pos);
  return s;
}

SourceFiles::SourceFiles(std::string display_name, const std::string& text) {
  files_.push_back(std::make_unique<SourceFile>(std::move(display_name), text));
  paths_.emplace_back();
}

void SourceFiles::add(std::string display_name, const std::string& text,
                      toml::source_path_ptr parse_path) {
  files_.push_back(std::make_unique<SourceFile>(std::move(display_name), text));
  paths_.push_back(std::move(parse_path));
}

const SourceFile& SourceFiles::of(const toml::source_region& where) const {
  if (where.path)
    for (size_t i = 1; i < paths_.size(); ++i)
      if (paths_[i] == where.path) return *files_[i];
  return model();
}

}  // namespace dynlib::dsl

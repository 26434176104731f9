// Maps TOML values back to exact file positions (see SourceText in model_spec.hpp).
#pragma once

#include <toml++/toml.h>

#include <memory>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"

namespace dynlib::dsl {

class SourceFile {
 public:
  SourceFile(std::string display_name, const std::string& text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  std::string line_text(int line) const;
  const std::shared_ptr<const std::vector<std::string>>& lines() const { return lines_; }

  // A string value's text with the file position of each byte (escapes, multi-line strings and
  // line-ending backslashes accounted for).
  SourceRef string_value(const toml::node& value, const std::string& decoded) const;
  // A synthetic text (e.g. a number written without quotes) placed at the value's position.
  SourceRef at_value(const toml::source_region& where, const std::string& text) const;

 private:
  size_t byte_offset(int line, int column) const;

  std::string name_;
  std::string text_;
  std::vector<size_t> line_starts_;
  std::shared_ptr<const std::vector<std::string>> lines_;
};

// The files one model is read from: the model file, and the mod files applied to it (mods.cpp).
// TOML nodes carry the path object of the parse that made them, even when moved into another
// table, so a node finds its file through it. The model file is the first; a node of no
// registered parse (e.g. a table a mod created) belongs to it.
class SourceFiles {
 public:
  SourceFiles(std::string display_name, const std::string& text);

  // Registers a file whose TOML was parsed with `parse_path` as its source path.
  void add(std::string display_name, const std::string& text, toml::source_path_ptr parse_path);
  // The model file's parse path (set once the model text is parsed).
  void set_model_path(toml::source_path_ptr parse_path) { paths_[0] = std::move(parse_path); }

  const SourceFile& of(const toml::source_region& where) const;
  const SourceFile& model() const { return *files_.front(); }

  // The model file's, as SourceFile's (the front end's steps read the model through these).
  const std::string& name() const { return model().name(); }
  const std::string& text() const { return model().text(); }
  std::string line_text(int line) const { return model().line_text(line); }
  SourceRef string_value(const toml::node& value, const std::string& decoded) const {
    return of(value.source()).string_value(value, decoded);
  }
  SourceRef at_value(const toml::source_region& where, const std::string& text) const {
    return of(where).at_value(where, text);
  }

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
  std::vector<toml::source_path_ptr> paths_;
};

Position to_position(const toml::source_position& p);

}  // namespace dynlib::dsl

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

Position to_position(const toml::source_position& p);

}  // namespace dynlib::dsl

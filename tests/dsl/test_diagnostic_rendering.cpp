// How a diagnostic quotes user text: control characters escaped (a model must not be able to clear
// the terminal or hide part of a message), a long line cut to a window around the caret with the
// caret still under the right character, the gutter as wide as the line number.
#include <gtest/gtest.h>

#include <string>

#include "dsl/model_spec.hpp"
#include "dynlib/errors.hpp"
#include "model_test_util.hpp"

namespace dynlib::dsl {
namespace {

// No byte a terminal would act on: C0 controls other than newline and tab, DEL, C1 controls.
bool has_raw_controls(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f) return true;
    if (b == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) return true;
  }
  return false;
}

// Display columns of s[0, bytes): code points, not bytes ("…" is one column).
size_t display_columns(const std::string& s, size_t bytes) {
  size_t n = 0;
  for (size_t i = 0; i < bytes && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) ++n;
  return n;
}

std::string what_of(const std::string& text) {
  try {
    load_model_text(text, "m.toml");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

const char* const kHeader = "[model]\ntype = \"ode\"\n[states]\nx = 1\n[equations.rhs]\n";

TEST(DiagnosticRendering, QuotedLineEscapesControlsAndKeepsTheCaretAligned) {
  const ModelError e("unknown name 'y'", {"m.toml", 7, 6}, "\t\x1b[2Jy + 1", "a hint");
  EXPECT_EQ(std::string(e.what()),
            "m.toml:7:6: error: unknown name 'y'\n"
            "    7 | \t\\x1b[2Jy + 1\n"
            "      | \t       ^\n"
            "      = a hint");
}

TEST(DiagnosticRendering, MessageHintAndFileNameEscapeControls) {
  const ModelError e("unknown key 'a\rb\x1b[2J'", {"m\x07.toml", 1, 1}, "",
                     "did you mean '\x00x'?");
  const std::string what = e.what();
  EXPECT_FALSE(has_raw_controls(what)) << what;
  EXPECT_NE(what.find("a\\x0db\\x1b[2J"), std::string::npos) << what;
  EXPECT_NE(what.find("m\\x07.toml"), std::string::npos) << what;
}

TEST(DiagnosticRendering, NulAndC1ControlsAndInvalidUtf8AreEscaped) {
  const std::string line = std::string("x = \"a") + '\0' + "\xc2\x9b" + "\xff" + "é + q\"";
  const ModelError e("msg", {"m.toml", 1, 12}, line);
  const std::string what = e.what();
  EXPECT_FALSE(has_raw_controls(what)) << what;
  EXPECT_NE(what.find("a\\x00\\xc2\\x9b\\xffé + q"), std::string::npos) << what;
}

TEST(DiagnosticRendering, ModelsWithControlCharactersAreReportedEscaped) {
  for (const std::string& bad :
       {std::string("x = \"y\x1b[2J\"\n"), std::string("x = \"y\\u001b[2J\"\n"),
        std::string("x = \"y\rz\"\n"), std::string("x = \"y") + '\0' + "\"\n",
        std::string("x\x1b[2J = \"x\"\n"), std::string("x = \"q\\u0007\"\n")}) {
    const std::string what = what_of(kHeader + bad);
    EXPECT_NE(what, "");
    EXPECT_FALSE(has_raw_controls(what)) << what;
  }
}

TEST(DiagnosticRendering, ALongLineIsQuotedAsAWindowAroundTheCaret) {
  // A 1 MB line with the error near its end.
  const std::string text = std::string(kHeader) + "x = \"x" + std::string(900'000, ' ') + "+ qq" +
                           std::string(100'000, ' ') + "\"\n";
  const std::string what = what_of(text);
  ASSERT_NE(what, "");
  EXPECT_LT(what.size(), 600u) << what.substr(0, 600);
  EXPECT_NE(what.find("unknown name 'qq'"), std::string::npos) << what;
  EXPECT_NE(what.find(":6:900009:"), std::string::npos) << what;
  // The quoted line and the caret line: "…" on both sides, the caret under the q.
  const size_t quoted = what.find("\n    6 | ");
  ASSERT_NE(quoted, std::string::npos) << what;
  const size_t line_start = quoted + 1;
  const size_t line_end = what.find('\n', line_start);
  const std::string line = what.substr(line_start, line_end - line_start);
  const size_t caret_end = what.find('\n', line_end + 1);
  const std::string caret = what.substr(line_end + 1, caret_end - line_end - 1);
  EXPECT_EQ(line.find("| …"), line.find('|'));
  EXPECT_EQ(line.substr(line.size() - 3), "…");
  EXPECT_LT(display_columns(line, line.size()), 200u);
  ASSERT_NE(caret.find('^'), std::string::npos) << caret;
  EXPECT_EQ(display_columns(caret, caret.find('^')), display_columns(line, line.find("qq")))
      << line << "\n"
      << caret;
}

TEST(DiagnosticRendering, TheGutterIsAsWideAsTheLineNumber) {
  const ModelError e("msg", {"m.toml", 123456, 3}, "abcdef", "hint");
  EXPECT_EQ(std::string(e.what()),
            "m.toml:123456:3: error: msg\n"
            " 123456 | abcdef\n"
            "        |   ^\n"
            "        = hint");
}

TEST(DiagnosticRendering, AShortLineIsQuotedWhole) {
  const std::string line(150, 'a');
  const ModelError e("msg", {"m.toml", 1, 150}, line);
  EXPECT_NE(std::string(e.what()).find(line), std::string::npos);
}

TEST(DiagnosticRendering, ModelNotFoundEscapesTheUriAndPaths) {
  const ModelNotFoundError e("m\x1b[2J.toml", {"/a/m\x1b[2J.toml"}, "no \r file");
  const std::string what = e.what();
  EXPECT_FALSE(has_raw_controls(what)) << what;
  EXPECT_NE(what.find("m\\x1b[2J.toml"), std::string::npos) << what;
}

}  // namespace
}  // namespace dynlib::dsl

// libFuzzer target: the expression parser. Properties checked beyond "no crash, no hang, no
// sanitizer report": a parsed expression prints to text that parses again and prints identically,
// and statement blocks never throw anything but a syntax error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dsl/model_spec.hpp"
#include "dsl/parser.hpp"

using namespace dynlib::dsl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    ExprPtr e = parse_expression(text);
    const std::string printed = to_source(*e);
    ExprPtr again = parse_expression(printed);
    if (to_source(*again) != printed) std::abort();  // printing must be a fixed point
  } catch (const ExprSyntaxError& err) {
    if (err.pos < 0 || static_cast<size_t>(err.pos) > size) std::abort();  // offsets stay inside
  }
  try {
    StatementRules rules;
    rules.allow_augmented = size % 2 == 0;
    rules.allow_d_call = size % 3 == 0;
    parse_assignments(text, rules);
  } catch (const ExprSyntaxError&) {
  }
  return 0;
}

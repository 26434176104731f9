#include "dsl/builtins.hpp"

namespace dynlib::dsl {
namespace {

using K = BuiltinKind;
using B = BuiltinId;

constexpr BuiltinInfo kBuiltins[] = {
    {"abs", B::Abs, K::Math, 1, 1, true, false},
    {"min", B::Min, K::Math, 2, -1, true, false},
    {"max", B::Max, K::Math, 2, -1, true, false},
    {"round", B::Round, K::Math, 1, 1, false, false},
    {"exp", B::Exp, K::Math, 1, 1, false, false},
    {"expm1", B::Expm1, K::Math, 1, 1, false, false},
    {"log", B::Log, K::Math, 1, 1, false, false},
    {"log10", B::Log10, K::Math, 1, 1, false, false},
    {"log2", B::Log2, K::Math, 1, 1, false, false},
    {"log1p", B::Log1p, K::Math, 1, 1, false, false},
    {"sqrt", B::Sqrt, K::Math, 1, 1, false, false},
    {"sin", B::Sin, K::Math, 1, 1, false, false},
    {"cos", B::Cos, K::Math, 1, 1, false, false},
    {"tan", B::Tan, K::Math, 1, 1, false, false},
    {"asin", B::Asin, K::Math, 1, 1, false, false},
    {"acos", B::Acos, K::Math, 1, 1, false, false},
    {"atan", B::Atan, K::Math, 1, 1, false, false},
    {"atan2", B::Atan2, K::Math, 2, 2, false, false},
    {"sinh", B::Sinh, K::Math, 1, 1, false, false},
    {"cosh", B::Cosh, K::Math, 1, 1, false, false},
    {"tanh", B::Tanh, K::Math, 1, 1, false, false},
    {"asinh", B::Asinh, K::Math, 1, 1, false, false},
    {"acosh", B::Acosh, K::Math, 1, 1, false, false},
    {"atanh", B::Atanh, K::Math, 1, 1, false, false},
    {"floor", B::Floor, K::Math, 1, 1, false, false},
    {"ceil", B::Ceil, K::Math, 1, 1, false, false},
    {"trunc", B::Trunc, K::Math, 1, 1, false, false},
    {"hypot", B::Hypot, K::Math, 2, 2, false, false},
    {"copysign", B::Copysign, K::Math, 2, 2, false, false},
    {"erf", B::Erf, K::Math, 1, 1, false, false},
    {"erfc", B::Erfc, K::Math, 1, 1, false, false},
    {"pow", B::Pow, K::Math, 2, 2, false, false},
    {"sign", B::Sign, K::Macro, 1, 1, true, false},
    {"heaviside", B::Heaviside, K::Macro, 1, 1, true, false},
    {"step", B::Heaviside, K::Macro, 1, 1, true, false},
    {"relu", B::Relu, K::Macro, 1, 1, true, false},
    {"clip", B::Clip, K::Macro, 3, 3, true, false},
    {"approx", B::Approx, K::Macro, 3, 3, true, false},
    {"cross_up", B::CrossUp, K::EventMacro, 2, 2, true, true},
    {"cross_down", B::CrossDown, K::EventMacro, 2, 2, true, true},
    {"cross_either", B::CrossEither, K::EventMacro, 2, 2, true, true},
    {"changed", B::Changed, K::EventMacro, 1, 1, true, true},
    {"in_interval", B::InInterval, K::EventMacro, 3, 3, true, true},
    {"enters_interval", B::EntersInterval, K::EventMacro, 3, 3, true, true},
    {"leaves_interval", B::LeavesInterval, K::EventMacro, 3, 3, true, true},
    {"increasing", B::Increasing, K::EventMacro, 1, 1, true, true},
    {"decreasing", B::Decreasing, K::EventMacro, 1, 1, true, true},
};

}  // namespace

const BuiltinInfo* find_builtin(std::string_view name) {
  for (const auto& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}

const BuiltinInfo& builtin_info(BuiltinId id) {
  for (const auto& b : kBuiltins)
    if (b.id == id) return b;  // "step" shares Heaviside's id; the first entry is canonical
  return kBuiltins[0];
}

std::vector<std::string> builtin_names() {
  std::vector<std::string> out;
  for (const auto& b : kBuiltins) out.emplace_back(b.name);
  return out;
}

}  // namespace dynlib::dsl

// JSON output of tensors for the graph commands (`dagrad grad --json`,
// `dagrad hessian --json`): values flat, row-major, at 17 significant digits.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dagrad/tensor.hpp"

namespace dagrad::cli {

// Full double precision; NaN and infinities as strings, as in graph files,
// since JSON has no numbers for them.
inline std::string json_number(double v) {
  if (std::isnan(v)) return "\"NaN\"";
  if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return fmt::format("{:.17g}", v);
}

inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", int(c));
        else out += c;
    }
  }
  return out + "\"";
}

inline std::string json_tensor(const TensorView& t) {
  std::vector<std::string> values;
  values.reserve(std::size_t(t.size()));
  for (double v : t) values.push_back(json_number(v));
  return fmt::format("{{\"shape\": [{}], \"value\": [{}]}}", fmt::join(t.shape().dims(), ", "), fmt::join(values, ", "));
}

}  // namespace dagrad::cli

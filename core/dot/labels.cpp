#include "dot/labels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace dagrad::dot {

std::string number(double v) {
  if (std::isnan(v)) return "nan";  // fmt would print a sign bit as "-nan"
  return fmt::format("{:.4g}", v);
}

FiniteSummary finite_summary(const TensorView& t) {
  FiniteSummary s{INFINITY, -INFINITY, 0.0, 0};
  for (std::int64_t i = 0; i < t.size(); ++i) {
    double v = t.get(i);
    if (!std::isfinite(v)) continue;
    s.low = std::min(s.low, v);
    s.high = std::max(s.high, v);
    s.sum += v;
    ++s.finite;
  }
  return s;
}

NonFinite count_non_finite(const TensorView& t) {
  NonFinite count;
  for (std::int64_t i = 0; i < t.size(); ++i) {
    double v = t.get(i);
    if (std::isnan(v)) ++count.nan;
    else if (std::isinf(v)) ++count.inf;
  }
  return count;
}

std::string tensor_text(const TensorView& t) {
  if (t.size() <= inline_elements) {
    std::vector<std::string> items;
    for (std::int64_t i = 0; i < t.size(); ++i) items.push_back(number(t.get(i)));
    if (t.rank() == 0) return items[0];
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  const auto [low, high, sum, finite] = finite_summary(t);
  std::string text = finite == 0 ? std::string("no finite values")
                                 : fmt::format("min {} mean {} max {}", number(low), number(sum / double(finite)),
                                               number(high));
  NonFinite bad = count_non_finite(t);
  if (bad.any()) text += fmt::format(" ({} NaN, {} Inf)", bad.nan, bad.inf);
  return text;
}

std::string escape_label(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string prefix_of(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

std::string common_prefix(const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return {};
  std::string common = prefixes[0];
  for (const std::string& p : prefixes) {
    while (!common.empty() && !(p == common || p.starts_with(common + "/"))) common = prefix_of(common);
  }
  return common;
}

}  // namespace dagrad::dot

// Text shared by the diagrams and the interactive view: numbers, tensors in
// a line, cluster paths from node names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/graph.hpp"
#include "dagrad/tensor.hpp"

namespace dagrad::dot {

// Tensors up to this many elements are shown in full; larger ones as min/mean/max.
inline constexpr std::int64_t inline_elements = 6;

// Four significant digits; "nan" (never "-nan").
std::string number(double v);

struct NonFinite {
  std::int64_t nan = 0, inf = 0;
  bool any() const { return nan + inf > 0; }
};
NonFinite count_non_finite(const TensorView& t);

// Min, max and sum of the finite elements, and how many there are (min is
// +inf and max -inf when there are none): the statistics labels and the
// view's panel show for a large tensor.
struct FiniteSummary {
  double low, high, sum;
  std::int64_t finite;
};
FiniteSummary finite_summary(const TensorView& t);

// "[0.7311, 0.8808]" for small tensors, "min -1.2 mean 0.3 max 2.1" (over the
// finite elements, with NaN/Inf counts) for large ones.
std::string tensor_text(const TensorView& t);

// Graphviz reads backslash escapes in labels (\n, \l, ...): a backslash in a
// name must be doubled to show as itself.
std::string escape_label(std::string_view text);

// Whether a node's gradient was written by an earlier backward run than the
// graph's last one (an older gradient generation): a stale gradient, which
// optimizers skip and diagrams mark.
inline bool gradient_is_stale(const Node& node, const Graph& graph) {
  return node.has_grad() && node.grad_generation() != graph.grad_generation();
}

// "a/b/c" -> "a/b"; "c" -> "".
std::string prefix_of(const std::string& name);
// The longest cluster path every prefix lies in ("a/b" and "a/c" -> "a").
std::string common_prefix(const std::vector<std::string>& prefixes);

}  // namespace dagrad::dot

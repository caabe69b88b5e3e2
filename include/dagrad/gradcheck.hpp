// Gradient checking: a graph's analytic gradients against central finite
// differences in float64, end to end (per leaf) and node by node (each op's
// backward on the values of the last forward run), with reports that name
// the failing node.
//
// INTERFACE FIXED BY THE FOUNDATION; implemented in core/gradcheck.cpp.
// Fields may be added; the names below are used by dot.hpp and the CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

struct GradcheckOptions {
  double eps = 1e-6;  // central-difference step; must be > 0
  // Elementwise allclose: |analytic - numeric| <= atol + rtol * |numeric|
  // (PyTorch's gradcheck defaults).
  double atol = 1e-5;
  double rtol = 1e-3;
  // The course's relative difference ||g - g_num|| / (||g|| + ||g_num||) must
  // stay below this (the course's 1e-7).
  double max_relative_difference = 1e-7;
  // Fast mode for large tensors: compare u^T J v against a finite difference
  // along v for `projections` random directions instead of full Jacobians.
  bool fast = false;
  int projections = 8;
  std::uint64_t seed = 0;  // every run with the same seed is the same
};

// The check of one leaf's gradient (end to end), or of one input of one
// node's backward (node by node).
struct GradientComparison {
  double max_abs_error = 0;
  double max_rel_error = 0;
  double relative_difference = 0;  // the course's measure
  std::vector<std::int64_t> worst_index;  // multi-dimensional
  double worst_analytic = 0;
  double worst_numeric = 0;
  std::int64_t checked = 0;  // elements (or projections) compared
  std::int64_t skipped = 0;  // elements within eps of a declared kink
  double eps = 0;
  bool passed = true;
};

struct LeafCheck {
  std::string name;
  Shape shape;
  GradientComparison result;
};

struct NodeCheck {
  int node_id = -1;
  std::string name;
  std::string op;
  int input_index = 0;
  Shape input_shape;
  GradientComparison result;
};

struct GradcheckReport {
  std::string output;             // the output node's name
  std::vector<LeafCheck> leaves;  // one per checked leaf
  std::vector<NodeCheck> nodes;   // every node input checked, in topological order
  bool passed() const;
  // Nodes whose backward disagrees, earliest in topological order first.
  std::vector<const NodeCheck*> failing_nodes() const;
  std::string to_string() const;  // readable, multi-line
  std::string to_json() const;
};

// Checks d output / d leaf for each leaf in `wrt` (inputs or parameters),
// and every node's backward on the way. A scalar output needs no seed; a
// non-scalar one needs `seed` (dL/doutput). The graph's values are left as
// they were. Throws Error for: a non-scalar output without a seed, eps <= 0,
// a leaf that does not reach the output, no differentiable leaf.
GradcheckReport gradcheck(Graph& graph, Expr output, std::span<const Expr> wrt,
                          const GradcheckOptions& options = {});
GradcheckReport gradcheck(Graph& graph, Expr output, const TensorView& seed, std::span<const Expr> wrt,
                          const GradcheckOptions& options = {});
// Every input and parameter that reaches the output.
GradcheckReport gradcheck(Graph& graph, Expr output, const GradcheckOptions& options = {});

}  // namespace dagrad

template <>
struct fmt::formatter<dagrad::GradcheckReport> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const dagrad::GradcheckReport& report, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(report.to_string(), ctx);
  }
};

// Gradient checking: a graph's analytic gradients against central finite
// differences in float64, end to end (per leaf) and node by node (each op's
// backward on the values of the last forward run), with reports that name
// the failing node.
//
// INTERFACE FIXED BY THE FOUNDATION; implemented in core/gradcheck.cpp.
// Fields may be added; the names below are used by dot.hpp and the CLI.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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
  // stay below this (the course's 1e-7). It is waived where both vectors are
  // rounding noise: when their norms sum to less than atol, or when
  // ||g - g_num|| is within 32 times the estimated float64 rounding error of
  // the central differences (GradientComparison::rounding_error).
  double max_relative_difference = 1e-7;
  // Fast mode for large tensors: compare u^T J v against a finite difference
  // along v for `projections` random directions instead of full Jacobians.
  bool fast = false;
  int projections = 8;
  std::uint64_t seed = 0;  // every run with the same seed is the same
  // Check each node's backward on its own as well (per-node localization).
  bool check_nodes = true;
};

// The check of one leaf's gradient (end to end), or of one input of one
// node's backward (node by node).
//
// The relative error of one element is |analytic - numeric| / max(|numeric|,
// atol), so a zero numeric value does not divide. The worst element is the
// one furthest outside allclose: the largest |a - n| / (atol + rtol |n|).
// In fast mode an "element" is one random projection and worst_index holds
// its number.
struct GradientComparison {
  double max_abs_error = 0;
  double max_rel_error = 0;
  double relative_difference = 0;  // the course's measure
  double analytic_norm = 0, numeric_norm = 0;  // L2 norms over the compared elements
  // Estimated L2 norm of the float64 rounding error in the numeric gradient
  // (one rounding per output element of each forward pass).
  double rounding_error = 0;
  std::vector<std::int64_t> worst_index;  // multi-dimensional
  double worst_analytic = 0;
  double worst_numeric = 0;
  std::int64_t checked = 0;  // elements (or projections) compared
  std::int64_t skipped = 0;  // elements within eps of a declared kink
  double eps = 0;
  bool passed = true;
  // Why the check failed beyond the numbers, when known (a backward that
  // left elements unwritten, or that adds a different gradient than it
  // assigns); empty otherwise.
  std::string note;
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
  GradcheckOptions options;       // as used
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
// The same with a braced list: gradcheck(graph, loss, {x, w}).
GradcheckReport gradcheck(Graph& graph, Expr output, std::initializer_list<Expr> wrt,
                          const GradcheckOptions& options = {});
GradcheckReport gradcheck(Graph& graph, Expr output, const TensorView& seed, std::initializer_list<Expr> wrt,
                          const GradcheckOptions& options = {});
// Every input and parameter that reaches the output through differentiable
// inputs.
GradcheckReport gradcheck(Graph& graph, Expr output, const GradcheckOptions& options = {});
GradcheckReport gradcheck(Graph& graph, Expr output, const TensorView& seed, const GradcheckOptions& options = {});

// ---- checking registered ops (the suite runner and op tests) ----

// One example of one op, checked: out = op(example inputs) in a fresh graph,
// each differentiable input a leaf that takes a gradient, the others
// constants, and a random seed gradient when the output is not a scalar.
struct OpExampleCheck {
  std::string op;
  std::string description;  // the example's shapes
  GradcheckReport report;
  double seconds = 0;  // time the check took
  bool passed() const { return report.passed(); }
};

// Checks `op` (a fresh op object) on one example; seed gradient and
// projections drawn from options.seed.
OpExampleCheck gradcheck_op_example(std::unique_ptr<Op> op, const OpExample& example,
                                    const GradcheckOptions& options = {});
// Checks a registered op at every example its OpInfo offers, the examples
// drawn from Rng(options.seed). Throws Error for an unknown op name.
std::vector<OpExampleCheck> gradcheck_op(std::string_view op_name, const GradcheckOptions& options = {});
// "(2, 3), (2, 3)": the example's description, or its input shapes.
std::string describe(const OpExample& example);

}  // namespace dagrad

template <>
struct fmt::formatter<dagrad::GradcheckReport> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const dagrad::GradcheckReport& report, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(report.to_string(), ctx);
  }
};

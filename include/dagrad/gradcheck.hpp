// Gradient checking: a graph's analytic gradients against numerical ones in
// float64, end to end (per leaf) and node by node (each op's backward on the
// values of the last forward run, under every needed-mask and both gradient
// modes of the op contract), with reports that name the failing node and
// input by name.
//
// Implemented in core/gradcheck/: numerics.cpp (steps, Richardson
// extrapolation, the pass rule), node_check.cpp (one op's backward against
// its forward, and the op contract), gradcheck.cpp (whole graphs),
// report.cpp (text and JSON), suite.cpp (registered ops and mutants).
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

// The pass rule (README, "Checking gradients"). Each numerical derivative is
// a Richardson extrapolation of central differences at steps h, h/2 and h/4
// (h below) and comes with an error estimate E: the disagreement of two
// extrapolations (truncation) plus a bound on float64 rounding (in the
// differenced outputs, and each node's value propagated through its
// gradient). An element passes
// when |analytic - numeric| <= atol + rtol * |numeric| + E; a check (one leaf
// or one node input) passes when every element does and the course's
// relative difference ||analytic - numeric|| / (||analytic|| + ||numeric||)
// is below `threshold`, or ||analytic - numeric|| <= ||E|| (the numerics
// cannot tell the two apart), or both norms sum to at most atol.
struct GradcheckOptions {
  // The step: element x moves by h = eps * max(|x|, 1), at most |x| / 2 (eps
  // where x is 0), so the step grows with large values, follows small ones
  // down to 0, and never changes the sign of x (log, sqrt and 1/x stay in
  // their domain). Richardson extrapolation also uses h/2 and h/4.
  double eps = 1e-4;
  double atol = 1e-5;
  double rtol = 1e-3;
  // The course's gradient check: difference = ||g - g_num|| / (||g|| +
  // ||g_num||) must stay below this, unless the numerics' own error
  // estimate explains the difference.
  double threshold = 1e-7;
  // Fast mode for large tensors: compare u^T J v against a finite difference
  // along v for `projections` random directions instead of full Jacobians.
  bool fast = false;
  int projections = 8;
  std::uint64_t seed = 0;  // every run with the same seed is the same
  // Check each node's backward on its own as well (per-node localization
  // and the op contract).
  bool check_nodes = true;
  // float32 graphs are checked through a float64 copy (same ops, leaves
  // converted); each leaf's float32 gradient must then lie within this many
  // float32 roundings of the float64 one: ||g32 - g64|| <= float32_roundings
  // * 2^-23 * ||g64|| (1000: a relative 1.2e-4).
  double float32_roundings = 1000;
};

// The check of one leaf's gradient (end to end), or of one input of one
// node's backward (node by node).
//
// The relative error of one element is |analytic - numeric| / max(|numeric|,
// atol), so a zero numeric value does not divide. The worst element is the
// one furthest outside its allowance: the largest |a - n| / (atol + rtol |n|
// + E). In fast mode an "element" is one random projection and worst_index
// holds its number.
struct GradientComparison {
  double max_abs_error = 0;
  double max_rel_error = 0;
  double relative_difference = 0;  // the course's measure
  double analytic_norm = 0, numeric_norm = 0;  // L2 norms over the compared elements
  double difference_norm = 0;                  // ||analytic - numeric||
  // L2 norm of the numerical derivatives' error estimates E (truncation
  // plus rounding) over the compared elements.
  double error_estimate = 0;
  std::vector<std::int64_t> worst_index;  // multi-dimensional
  double worst_analytic = 0;
  double worst_numeric = 0;
  double worst_error_estimate = 0;
  std::int64_t checked = 0;  // elements (or projections) compared
  std::int64_t skipped = 0;  // elements whose steps cross a declared kink
  // Elements with a finite analytic value but no finite difference quotient
  // (a step left the function's domain, or vanished at a subnormal value):
  // not judged, and reported.
  std::int64_t unmeasured = 0;
  double eps = 0;
  bool passed = true;
  // Analytic and numeric gradients both exactly zero everywhere: the check
  // compared nothing (reported, so that a suite of such checks is noticed).
  bool vacuous = false;
  // Why the check failed beyond the numbers (a contract violation naming
  // the slot, a backward that threw); empty otherwise.
  std::string note;
};

struct LeafCheck {
  std::string name;
  Shape shape;
  GradientComparison result;
};

struct NodeCheck {
  int node_id = -1;
  std::string name;         // the node's name ("layer1/Z")
  std::string op;           // its op ("matmul")
  int input_index = 0;      // which input of the node
  std::string input_name;   // that input's node name ("layer1/b")
  Shape input_shape;
  GradientComparison result;
  bool contract_violation = false;  // result.note names the slot and what was wrong
};

// The course's whole-network figure: every checked leaf's analytic and
// numeric gradients flattened into one vector each.
struct NetworkDifference {
  double difference = 0;  // ||grad - gradapprox|| / (||grad|| + ||gradapprox||)
  double grad_norm = 0, gradapprox_norm = 0, difference_norm = 0;
  double error_estimate = 0;  // L2 norm of the numerical error estimates
  std::int64_t elements = 0;
  bool passed = true;  // difference < threshold, or within the error estimate (or atol)
};

// A float32 graph's own backward against its float64 copy's, for one leaf.
struct Float32Comparison {
  std::string name;  // the leaf
  // ||g32 - g64|| / (2^-23 ||g64||): the distance in float32 roundings.
  double roundings = 0;
  double max_abs_difference = 0;
  bool passed = true;
};

struct GradcheckReport {
  std::string output;             // the output node's name
  // The graph's dtype: a float32 graph is checked through a float64 copy
  // (leaves, nodes and network figures are the copy's) and `float32` holds
  // its own backward against the copy's, leaf by leaf.
  DType dtype = DType::float64;
  std::vector<Float32Comparison> float32;
  GradcheckOptions options;       // as used
  std::vector<LeafCheck> leaves;  // one per checked leaf
  std::vector<NodeCheck> nodes;   // every node input checked, in topological order
  NetworkDifference network;
  bool passed() const;
  // Nodes whose backward disagrees, earliest in topological order first.
  std::vector<const NodeCheck*> failing_nodes() const;
  // Leaf and node checks whose analytic and numeric gradients are both zero.
  int vacuous_checks() const;
  std::string to_string() const;  // readable, multi-line
  std::string to_json() const;
};

// `node "layer1/Z" (matmul), input 2 "layer1/b"`: how every report line
// names a node input.
std::string describe(const NodeCheck& check);

// Throws Error naming the option when eps is not in (0, 1), atol or rtol is
// negative, threshold is not > 0, or fast mode has no projection.
void validate(const GradcheckOptions& options);

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
// projections drawn from options.seed. An op none of whose inputs takes a
// gradient (greater, less, equal) is checked to be locally constant at the
// example instead: each input's central differences must be zero.
OpExampleCheck gradcheck_op_example(std::unique_ptr<Op> op, const OpExample& example,
                                    const GradcheckOptions& options = {});
// Checks a registered op at every example its OpInfo offers, the examples
// drawn from Rng(options.seed). Throws Error for an unknown op name.
std::vector<OpExampleCheck> gradcheck_op(std::string_view op_name, const GradcheckOptions& options = {});
// "(2, 3), (2, 3)": the example's description, or its input shapes.
std::string describe(const OpExample& example);

// ---- the checker's self-test: mutants ----

// Ways to break a backward at run time. Each is applied by a decorator op
// that computes the real gradients into scratch buffers and then writes
// them wrongly.
enum class Mutation {
  scaled,              // every gradient times 1.001
  sign_flipped,        // every gradient negated
  zeroed,              // every gradient 0
  one_element_off,     // one element of each written gradient off by 1e-4
  slots_swapped,       // input 0's gradient written to input 1's slot and back (equal sizes only)
  accumulate_ignored,  // always assigns, even when asked to add
  wrong_needed_flag,   // writes slot i when slot i+1 (cyclically) is needed
};
inline constexpr Mutation all_mutations[] = {Mutation::scaled,           Mutation::sign_flipped,
                                             Mutation::zeroed,           Mutation::one_element_off,
                                             Mutation::slots_swapped,    Mutation::accumulate_ignored,
                                             Mutation::wrong_needed_flag};
std::string_view to_string(Mutation mutation);

// `op` with its backward broken by `mutation` (everything else delegated).
std::unique_ptr<Op> mutate(std::unique_ptr<Op> op, Mutation mutation);

// One mutant of one op over all the op's examples.
struct MutantResult {
  Mutation mutation{};
  int examples = 0;         // examples run
  int examples_failed = 0;  // examples whose check failed (the mutant was seen)
  // Whether the mutation changed any gradient the op wrote in any example.
  // A mutant that never did is equivalent to the real op (such as swapping
  // the two identical gradients of add) and is left out of the kill rate,
  // with `explanation` saying why.
  bool changed_anything = false;
  bool killed() const { return examples_failed > 0; }
  bool equivalent() const { return !changed_anything && !killed(); }
  std::string explanation;
};

struct OpMutantReport {
  std::string op;
  std::vector<MutantResult> mutants;
  int examples = 0;
  // Examples whose every check is vacuous (analytic and numeric gradients
  // zero everywhere), with their descriptions.
  std::vector<std::string> vacuous_examples;
  // Examples at which the real op fails its check (a false alarm, or a wrong
  // op): mutants there prove nothing.
  std::vector<std::string> correct_failures;
  // No input takes a gradient (greater, less, equal): every mutant is
  // "not applicable", as the backward never runs.
  bool forward_only = false;
  int killed() const;
  int counted() const;  // mutants not equivalent: the kill rate's denominator
  double kill_rate() const { return counted() == 0 ? 1.0 : double(killed()) / counted(); }
};

// Runs every mutation of a registered op at all its examples (drawn from
// options.seed). Throws Error for an unknown op name.
OpMutantReport mutant_check_op(std::string_view op_name, const GradcheckOptions& options = {});
std::string to_string(const OpMutantReport& report);  // one line per mutant

// ---- second order: symbolic backwards (dagrad/autodiff.hpp) ----

// One op at one set of input values, its symbolic backward checked twice:
//  - first order: the gradient graph grad(output, inputs, seed) must give
//    the kernel backward's numbers (|symbolic - kernel| <= 1e-9 (1 +
//    |kernel|) per element);
//  - second order: the gradient of phi = sum_i <g_i, w_i> (g the symbolic
//    gradients, w fixed random weights), built by differentiating the
//    gradient graph again, against central differences (Richardson
//    extrapolated, steps as GradcheckOptions::eps) of the same phi computed
//    with the kernel backward. Elements whose steps cross a declared kink
//    are skipped.
struct SymbolicCheck {
  std::string op;           // the op's name
  std::string node;         // the node checked ("" for an op example)
  std::string description;  // the input shapes
  double first_order_error = 0;   // max |symbolic - kernel| / (1 + |kernel|)
  double second_order_error = 0;  // max |analytic - numeric| / (atol + rtol |numeric|), <= 1 passes
  std::int64_t checked = 0;       // second-order elements compared
  std::int64_t skipped = 0;       // elements next to a kink
  // Why it failed: the symbolic backward threw (no symbolic backward), or
  // which order and input disagree, naming the op and the node.
  std::string note;
  bool passed = true;
};

// Checks `op` (a fresh op object) at one example's values; the seed
// gradient, weights w and steps come from options (seed, eps).
SymbolicCheck check_symbolic_op_example(std::unique_ptr<Op> op, const OpExample& example,
                                        const GradcheckOptions& options = {});
// A registered op at every example its OpInfo offers.
std::vector<SymbolicCheck> check_symbolic_op(std::string_view op_name, const GradcheckOptions& options = {});
// Every op node `output` depends on, at the values of the last forward run
// (forward runs first if needed): the node whose symbolic backward is wrong
// is named in its check's note. The op objects are borrowed; the graph's
// values are left as a fresh forward run would leave them.
std::vector<SymbolicCheck> check_symbolic_nodes(Graph& graph, Expr output, const GradcheckOptions& options = {});

}  // namespace dagrad

template <>
struct fmt::formatter<dagrad::GradcheckReport> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const dagrad::GradcheckReport& report, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(report.to_string(), ctx);
  }
};

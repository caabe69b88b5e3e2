// Gradient checking of whole graphs: each checked leaf end to end (the
// numerical derivative of L = seed . output by Richardson-extrapolated
// central differences, numerics.cpp) and, on the way, every node's backward
// alone (node_check.cpp), so a wrong backward is named by node rather than
// blamed on a leaf. Node checks run first, on copies: a backward that breaks
// the op contract is then reported, and never run inside the graph where it
// could corrupt the engine's memory.
#include "dagrad/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "float64_copy.hpp"
#include "node_check.hpp"
#include "numerics.hpp"

namespace dagrad {
namespace {

using namespace gradcheck_internal;

double dot(const TensorView& a, const TensorView& b) {
  double total = 0;
  for (std::int64_t k = 0; k < a.size(); ++k) total += a[k] * b[k];
  return total;
}

// The one place the checker writes a leaf's value in place (the write
// handle bumps the graph's epoch when it is released).
void write_leaf(Graph& graph, Expr leaf, const std::function<void(const TensorView&)>& edit) {
  ValueWriter value = graph.write_value(leaf);
  edit(value.view());
}

// Views of a node's input values, as the op sees them.
std::vector<TensorView> input_views(const Graph& graph, const Node& node) {
  std::vector<TensorView> views;
  for (int input : node.inputs()) views.push_back(graph.node(input).value());
  return views;
}

// Puts the graph back as it was when the check ends, however it ends:
// leaf values, requires_grad flags, and every node's value (and each op's
// saved state) recomputed from them.
class GraphRestorer {
 public:
  GraphRestorer(Graph& graph, Expr output) : graph_(graph), output_(output), checked_(graph.checked()) {}
  GraphRestorer(const GraphRestorer&) = delete;
  GraphRestorer& operator=(const GraphRestorer&) = delete;
  ~GraphRestorer() {
    try {
      for (auto& [leaf, value] : values_) graph_.set_value(leaf, value);
      for (auto& [leaf, requires_grad] : flags_) graph_.set_requires_grad(leaf, requires_grad);
      graph_.set_checked(checked_);
      graph_.forward(output_);
    } catch (...) {
      // A destructor must not throw; the forward that failed here failed
      // (and was reported) during the check itself.
    }
  }
  void save_value(Expr leaf) { values_.emplace_back(leaf, Tensor::from(leaf.value())); }
  void save_flag(Expr leaf) { flags_.emplace_back(leaf, graph_.node(leaf).requires_grad()); }

 private:
  Graph& graph_;
  Expr output_;
  std::vector<std::pair<Expr, Tensor>> values_;
  std::vector<std::pair<Expr, bool>> flags_;
  bool checked_;
};

// The kink points of every op node with kinks, to tell whether a
// perturbation moved one across (or onto, or off) its kink.
class KinkWatch {
 public:
  KinkWatch(const Graph& graph, std::span<const int> order) : graph_(graph) {
    for (int id : order) {
      const Node& node = graph.node(id);
      if (node.is_leaf() || !node.op()->has_kinks() || node.inputs().empty()) continue;
      watched_.push_back({id, offsets(node)});
    }
  }
  // Whether any kink point now lies on the other side of its kink than at
  // construction (or on it, or moved off it).
  bool crossed() const {
    for (const auto& [id, base] : watched_) {
      std::vector<double> now = offsets(graph_.node(id));
      for (std::size_t e = 0; e < now.size() && e < base.size(); ++e) {
        if (now[e] == base[e]) continue;
        if (now[e] == 0 || base[e] == 0 || std::signbit(now[e]) != std::signbit(base[e])) return true;
      }
    }
    return false;
  }

 private:
  std::vector<double> offsets(const Node& node) const {
    std::vector<TensorView> inputs = input_views(graph_, node);
    std::vector<double> result(std::size_t(inputs[0].size()));
    for (std::size_t e = 0; e < result.size(); ++e) result[e] = node.op()->kink_offset(inputs, std::int64_t(e));
    return result;
  }

  const Graph& graph_;
  std::vector<std::pair<int, std::vector<double>>> watched_;
};

// The end-to-end check could not run: every leaf is reported unchecked and
// failed, with the reason, and so is the whole network.
void fail_every_leaf(GradcheckReport& report, std::span<const Expr> wrt, const GradcheckOptions& options,
                     const std::string& note) {
  for (Expr leaf : wrt) {
    LeafCheck check;
    check.name = leaf.name();
    check.shape = leaf.shape();
    check.result.passed = false;
    check.result.eps = options.eps;
    check.result.note = note;
    report.leaves.push_back(std::move(check));
  }
  report.network.passed = false;
}

GradcheckReport check_float64_graph(Graph& graph, Expr output, const TensorView* seed, std::vector<Expr> wrt,
                                    bool all_leaves, const GradcheckOptions& options) {
  if (!output.valid() || &output.graph() != &graph) {
    throw Error("gradcheck: the output is an empty Expr or belongs to another graph");
  }
  validate(options);
  graph.forward(output);  // brings every shape up to date; throws ShapeError as usual
  const Node& out = graph.node(output);
  if (seed == nullptr && out.shape().elements() != 1) {
    throw Error(fmt::format("gradcheck: output \"{}\" has shape {}, not a scalar: pass a seed gradient "
                            "(dL/doutput) of that shape",
                            out.name(), out.shape()));
  }
  if (seed != nullptr && seed->shape() != out.shape()) {
    throw ShapeError(fmt::format("gradcheck: the seed gradient has shape {} but output \"{}\" has shape {}",
                                 seed->shape(), out.name(), out.shape()));
  }

  int output_id[] = {output.id()};
  std::vector<int> order = graph.topological_order(output_id);
  // Nodes with a differentiable path to the output.
  std::vector<char> to_output(std::size_t(graph.size()), 0);
  to_output[std::size_t(output.id())] = 1;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node& node = graph.node(*it);
    if (!to_output[std::size_t(*it)] || node.is_leaf()) continue;
    for (std::size_t i = 0; i < node.inputs().size(); ++i) {
      if (node.op()->differentiable(int(i))) to_output[std::size_t(node.inputs()[i])] = 1;
    }
  }

  if (all_leaves) {
    for (int id : order) {
      const Node& node = graph.node(id);
      if ((node.kind() == NodeKind::input || node.kind() == NodeKind::parameter) && to_output[std::size_t(id)]) {
        wrt.push_back(graph.expr(id));
      }
    }
    if (wrt.empty()) {
      throw Error(fmt::format("gradcheck: output \"{}\" depends on no input or parameter through a "
                              "differentiable path: there is no gradient to check",
                              out.name()));
    }
  }
  if (wrt.empty()) {
    throw Error(fmt::format("gradcheck: no differentiable leaf to check for output \"{}\": pass the inputs "
                            "or parameters to differentiate with respect to",
                            out.name()));
  }
  for (std::size_t j = 0; j < wrt.size(); ++j) {
    Expr leaf = wrt[j];
    if (!leaf.valid() || &leaf.graph() != &graph) {
      throw Error("gradcheck: a leaf to check is an empty Expr or belongs to another graph");
    }
    const Node& node = graph.node(leaf);
    if (node.kind() == NodeKind::op) {
      throw Error(fmt::format("gradcheck: \"{}\" is a {} node, not an input or parameter: only leaves can be "
                              "checked end to end (every node's backward is checked on the way)",
                              node.name(), node.op_name()));
    }
    if (node.kind() == NodeKind::constant) {
      throw Error(fmt::format("gradcheck: \"{}\" is a constant, which has no gradient; build it as an input "
                              "or parameter to check it",
                              node.name()));
    }
    if (std::find(wrt.begin(), wrt.begin() + std::ptrdiff_t(j), leaf) != wrt.begin() + std::ptrdiff_t(j)) {
      throw Error(fmt::format("gradcheck: leaf \"{}\" is listed twice", node.name()));
    }
    if (!to_output[std::size_t(leaf.id())]) {
      if (std::binary_search(order.begin(), order.end(), leaf.id())) {
        throw Error(fmt::format("gradcheck: leaf \"{}\" reaches output \"{}\" only through op inputs that take "
                                "no gradient (such as class labels), so it has no gradient to check",
                                node.name(), out.name()));
      }
      throw Error(fmt::format("gradcheck: leaf \"{}\" does not reach output \"{}\": its gradient is zero by "
                              "construction; check only the leaves the output depends on",
                              node.name(), out.name()));
    }
  }

  GradcheckReport report;
  report.output = out.name();
  report.options = options;
  Rng rng(options.seed);
  Tensor seed_gradient = seed != nullptr ? Tensor::from(*seed) : Tensor(out.shape(), 1.0);

  GraphRestorer restorer(graph, output);
  for (Expr leaf : wrt) {
    restorer.save_value(leaf);
    restorer.save_flag(leaf);
    graph.set_requires_grad(leaf, true);
  }
  graph.forward(output);

  // Node by node, on the values of this forward pass (before any leaf moves).
  std::vector<std::string> unsafe_nodes;
  if (options.check_nodes) {
    std::vector<char> from_leaf(std::size_t(graph.size()), 0);
    for (Expr leaf : wrt) from_leaf[std::size_t(leaf.id())] = 1;
    for (int id : order) {
      const Node& node = graph.node(id);
      if (node.is_leaf()) continue;
      std::vector<int> inputs_to_check;
      for (std::size_t i = 0; i < node.inputs().size(); ++i) {
        if (node.op()->differentiable(int(i)) && from_leaf[std::size_t(node.inputs()[i])]) {
          inputs_to_check.push_back(int(i));
        }
      }
      if (inputs_to_check.empty()) continue;
      from_leaf[std::size_t(id)] = 1;
      if (!to_output[std::size_t(id)]) continue;
      if (check_node(graph, id, inputs_to_check, options, rng, report.nodes)) {
        unsafe_nodes.push_back(fmt::format("\"{}\" ({})", node.name(), node.op_name()));
      }
    }
  }
  if (!unsafe_nodes.empty()) {
    // Running such a backward in the graph could write into memory the
    // engine owns: the leaves are reported unchecked, and failed.
    fail_every_leaf(report, wrt, options, fmt::format("not checked end to end: the backward of node {} breaks the "
                                                      "op contract (see the node checks)",
                                                      fmt::join(unsafe_nodes, ", ")));
    return report;
  }

  graph.forward(output);  // the node checks ran the ops' forwards on copies: their saved state is renewed here
  // Every node's gradient is kept: with the node values they bound how much
  // rounding inside the graph moves the loss (NoiseAccumulator).
  // In checked mode the engine verifies the op contract too (poisoned
  // unneeded slots and guard regions): a violation the node checks missed,
  // such as one that shows only with the engine's slot aliasing, fails the
  // leaves instead of corrupting them.
  graph.set_checked(true);
  try {
    graph.backward(output, seed_gradient, BackwardOptions{.retain_grads = true});
  } catch (const ContractError& e) {
    fail_every_leaf(report, wrt, options, fmt::format("not checked end to end: the engine's checked mode found a "
                                                      "contract violation: {}",
                                                      e.what()));
    return report;
  }
  std::vector<Tensor> analytic;
  for (Expr leaf : wrt) analytic.push_back(Tensor::from(leaf.grad()));
  NoiseAccumulator noise;
  for (int id : order) {
    const Node& node = graph.node(id);
    if (node.has_value() && node.has_grad()) noise.add(node.value(), node.grad());
  }
  const double evaluation_noise = noise.noise();

  // End to end: L = seed . output.
  KinkWatch kinks(graph, order);
  auto crossed = [&] { return kinks.crossed(); };
  Tensor plus(out.shape()), minus(out.shape());
  NetworkAccumulator network;
  for (std::size_t j = 0; j < wrt.size(); ++j) {
    Expr leaf = wrt[j];
    const Tensor& gradient = analytic[j];
    std::vector<double> analytic_values;
    std::vector<NumericDerivative> numeric;
    std::vector<char> skipped;
    std::function<std::vector<std::int64_t>(std::int64_t)> index_of;
    const Tensor original = Tensor::from(leaf.value());
    if (!options.fast) {
      for (std::int64_t k = 0; k < original.size(); ++k) {
        double x0 = original[k], h = step_for(x0, options.eps);
        double reached = 0;
        auto evaluate = [&](double t, Tensor& into) {
          write_leaf(graph, leaf, [&](const TensorView& value) {
            value[k] = x0 + t * h;
            reached = (value[k] - x0) / h;
          });
          into.copy_from(graph.forward(output));
          return reached;
        };
        bool kink = false;
        NumericDerivative d = derivative_along(evaluate, seed_gradient, plus, minus, crossed, &kink, evaluation_noise);
        write_leaf(graph, leaf, [&](const TensorView& value) { value[k] = x0; });
        analytic_values.push_back(gradient[k]);
        numeric.push_back({d.value / h, d.error / h});
        skipped.push_back(kink ? 1 : 0);
        if (!kink) network.add(gradient[k], numeric.back());
      }
      index_of = [&original](std::int64_t k) { return original.unravel(k); };
    } else {
      for (int p = 0; p < options.projections; ++p) {
        Tensor w = random_normal(original.shape(), rng);
        double largest = 0;
        for (double v : w) largest = std::max(largest, std::abs(v));
        for (std::int64_t k = 0; k < w.size(); ++k) w[k] = w[k] / largest * step_for(original[k], options.eps);
        analytic_values.push_back(dot(gradient, w));
        auto evaluate = [&](double t, Tensor& into) {
          write_leaf(graph, leaf, [&](const TensorView& value) {
            for (std::int64_t k = 0; k < w.size(); ++k) value[k] = original[k] + t * w[k];
          });
          into.copy_from(graph.forward(output));
          return t;
        };
        bool kink = false;
        numeric.push_back(derivative_along(evaluate, seed_gradient, plus, minus, crossed, &kink, evaluation_noise));
        write_leaf(graph, leaf, [&](const TensorView& value) { value.copy_from(original); });
        skipped.push_back(kink ? 1 : 0);
        if (!kink) network.add(analytic_values.back(), numeric.back());
      }
      index_of = [](std::int64_t p) { return std::vector<std::int64_t>{p}; };
    }
    LeafCheck check;
    check.name = leaf.name();
    check.shape = original.shape();
    check.result = compare(analytic_values, numeric, skipped, index_of, options);
    report.leaves.push_back(std::move(check));
  }
  report.network = network.result(options);
  return report;
}

// A float32 graph: checked through its float64 copy, then its own float32
// backward compared with the copy's, leaf by leaf, in float32 roundings.
GradcheckReport check_through_float64_copy(Graph& graph, Expr output, const TensorView* seed, std::vector<Expr> wrt,
                                           bool all_leaves, const GradcheckOptions& options) {
  validate(options);
  graph.forward(output);  // leaf values and shapes current before they are copied
  std::unique_ptr<Float64Copy> copy = float64_copy(graph, output);
  std::vector<Expr> copied_wrt;
  for (Expr leaf : wrt) {
    if (!leaf.valid() || &leaf.graph() != &graph) {
      throw Error("gradcheck: a leaf to check is an empty Expr or belongs to another graph");
    }
    if (copy->id_of[std::size_t(leaf.id())] < 0) {
      throw Error(fmt::format("gradcheck: leaf \"{}\" does not reach output \"{}\": its gradient is zero by "
                              "construction; check only the leaves the output depends on",
                              leaf.name(), output.name()));
    }
    copied_wrt.push_back(copy->copy_of(leaf));
  }
  Expr copied_output = copy->copy_of(output);
  std::optional<Tensor> seed64;
  if (seed != nullptr) seed64 = Tensor::from(*seed).to(DType::float64);
  std::optional<TensorView> seed64_view;
  if (seed64) seed64_view = *seed64;
  GradcheckReport report = check_float64_graph(copy->graph, copied_output, seed64_view ? &*seed64_view : nullptr,
                                               std::move(copied_wrt), all_leaves, options);
  report.dtype = DType::float32;

  std::vector<Expr> leaves;
  for (const LeafCheck& leaf : report.leaves) leaves.push_back(graph.find(leaf.name));
  GraphRestorer restorer(graph, output);
  for (Expr leaf : leaves) {
    restorer.save_flag(leaf);
    graph.set_requires_grad(leaf, true);
    copy->graph.set_requires_grad(copy->copy_of(leaf), true);
  }
  const Node& out = graph.node(output);
  Tensor own_seed = seed != nullptr ? Tensor::from(*seed).to(out.dtype()) : Tensor(out.shape(), 1.0, out.dtype());
  Tensor copy_seed = seed64 ? *seed64 : Tensor(out.shape(), 1.0);
  graph.forward(output);
  graph.backward(output, own_seed);
  copy->graph.forward(copied_output);
  copy->graph.backward(copied_output, copy_seed);
  const double float32_epsilon = std::numeric_limits<float>::epsilon();
  for (Expr leaf : leaves) {
    const TensorView& own = leaf.grad();
    const TensorView& reference = copy->copy_of(leaf).grad();
    double difference_squared = 0, reference_squared = 0;
    Float32Comparison comparison;
    comparison.name = leaf.name();
    for (std::int64_t k = 0; k < own.size(); ++k) {
      double difference = own.get(k) - reference.get(k);
      difference_squared += difference * difference;
      reference_squared += reference.get(k) * reference.get(k);
      comparison.max_abs_difference = std::max(comparison.max_abs_difference, std::abs(difference));
    }
    comparison.roundings = reference_squared > 0
                               ? std::sqrt(difference_squared) / (float32_epsilon * std::sqrt(reference_squared))
                               : (difference_squared == 0 ? 0.0 : std::numeric_limits<double>::infinity());
    comparison.passed = comparison.roundings <= options.float32_roundings;
    report.float32.push_back(std::move(comparison));
  }
  return report;
}

GradcheckReport run_gradcheck(Graph& graph, Expr output, const TensorView* seed, std::vector<Expr> wrt,
                              bool all_leaves, const GradcheckOptions& options) {
  if (!output.valid() || &output.graph() != &graph) {
    throw Error("gradcheck: the output is an empty Expr or belongs to another graph");
  }
  if (needs_float64_copy(graph, output)) {
    return check_through_float64_copy(graph, output, seed, std::move(wrt), all_leaves, options);
  }
  return check_float64_graph(graph, output, seed, std::move(wrt), all_leaves, options);
}

}  // namespace

GradcheckReport gradcheck(Graph& graph, Expr output, std::span<const Expr> wrt, const GradcheckOptions& options) {
  return run_gradcheck(graph, output, nullptr, {wrt.begin(), wrt.end()}, false, options);
}

GradcheckReport gradcheck(Graph& graph, Expr output, const TensorView& seed, std::span<const Expr> wrt,
                          const GradcheckOptions& options) {
  return run_gradcheck(graph, output, &seed, {wrt.begin(), wrt.end()}, false, options);
}

GradcheckReport gradcheck(Graph& graph, Expr output, std::initializer_list<Expr> wrt,
                          const GradcheckOptions& options) {
  return run_gradcheck(graph, output, nullptr, {wrt.begin(), wrt.end()}, false, options);
}

GradcheckReport gradcheck(Graph& graph, Expr output, const TensorView& seed, std::initializer_list<Expr> wrt,
                          const GradcheckOptions& options) {
  return run_gradcheck(graph, output, &seed, {wrt.begin(), wrt.end()}, false, options);
}

GradcheckReport gradcheck(Graph& graph, Expr output, const GradcheckOptions& options) {
  return run_gradcheck(graph, output, nullptr, {}, true, options);
}

GradcheckReport gradcheck(Graph& graph, Expr output, const TensorView& seed, const GradcheckOptions& options) {
  return run_gradcheck(graph, output, &seed, {}, true, options);
}

}  // namespace dagrad

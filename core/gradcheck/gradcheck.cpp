// Gradient checking by central differences in float64:
//   numeric dL/dx_k = (L(x + eps e_k) - L(x - eps e_k)) / (2 eps),  L = sum(seed * output)
// end to end (each checked leaf through the whole graph) and node by node
// (each op's backward, called alone on the values the forward pass recorded,
// against finite differences of that op's forward alone), so a wrong
// backward is named by node rather than blamed on a leaf.
#include "dagrad/gradcheck.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>

#include <nlohmann/json.hpp>

namespace dagrad {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

double dot(const TensorView& a, const TensorView& b) {
  double total = 0;
  for (std::int64_t k = 0; k < a.size(); ++k) total += a[k] * b[k];
  return total;
}

// A central difference u . (f(x + eps v) - f(x - eps v)) / (2 eps), with the
// outputs differenced element by element before they are summed (summing
// first would cancel two large nearly equal sums and lose digits in
// proportion to the output's size), and the rounding error it may carry:
// one unit of float64 rounding in each output element the step moved,
// scaled as the difference scales them.
struct CentralDifference {
  double value = 0;
  double rounding = 0;
};

CentralDifference central_difference(const TensorView& u, const TensorView& plus, const TensorView& minus,
                                     double eps) {
  double total = 0, magnitude = 0;
  for (std::int64_t k = 0; k < u.size(); ++k) {
    if (plus[k] == minus[k]) continue;  // untouched by the step: exactly 0, no rounding
    total += u[k] * (plus[k] - minus[k]);
    double scale = std::abs(u[k]) * (std::abs(plus[k]) + std::abs(minus[k]));
    magnitude += scale * scale;
  }
  // Roundings of different elements are independent: they add in quadrature.
  return {total / (2 * eps), std::numeric_limits<double>::epsilon() * std::sqrt(magnitude) / (2 * eps)};
}

// Analytic against numeric, element by element (skipped ones left out).
GradientComparison compare(const std::vector<double>& analytic, const std::vector<CentralDifference>& numeric_values,
                           const std::vector<char>& skipped,
                           const std::function<std::vector<std::int64_t>(std::int64_t)>& index_of,
                           const GradcheckOptions& options) {
  GradientComparison result;
  result.eps = options.eps;
  std::vector<double> numeric;
  for (const CentralDifference& d : numeric_values) numeric.push_back(d.value);
  double difference_squared = 0, analytic_squared = 0, numeric_squared = 0, rounding_squared = 0;
  double worst_score = -1;
  std::int64_t worst = -1;
  bool finite = true;
  for (std::size_t k = 0; k < analytic.size(); ++k) {
    if (skipped[k]) {
      ++result.skipped;
      continue;
    }
    ++result.checked;
    double a = analytic[k], n = numeric[k];
    double abs_error = infinity, rel_error = infinity, score = infinity;
    if (std::isfinite(a) && std::isfinite(n)) {
      abs_error = std::abs(a - n);
      rel_error = abs_error / std::max(std::abs(n), options.atol);
      // allclose: |a - n| <= atol + rtol |n|, i.e. score <= 1.
      double allowed = options.atol + options.rtol * std::abs(n);
      score = allowed > 0 ? abs_error / allowed : (abs_error > 0 ? infinity : 0.0);
      difference_squared += abs_error * abs_error;
      rounding_squared += numeric_values[k].rounding * numeric_values[k].rounding;
      analytic_squared += a * a;
      numeric_squared += n * n;
    } else {
      finite = false;
    }
    result.max_abs_error = std::max(result.max_abs_error, abs_error);
    result.max_rel_error = std::max(result.max_rel_error, rel_error);
    if (score > worst_score) {
      worst_score = score;
      worst = std::int64_t(k);
    }
  }
  result.rounding_error = std::sqrt(rounding_squared);
  result.analytic_norm = std::sqrt(analytic_squared);
  result.numeric_norm = std::sqrt(numeric_squared);
  double norms = result.analytic_norm + result.numeric_norm;
  if (!finite) {
    result.relative_difference = infinity;
  } else {
    result.relative_difference = norms == 0 ? 0.0 : std::sqrt(difference_squared) / norms;
  }
  // A difference the numeric gradient's own rounding can explain is no
  // evidence against the analytic one: with a scalar loss averaged over a
  // large batch, per-element gradients shrink like 1/batch while the loss's
  // rounding does not, and the relative difference alone would fail a
  // correct backward. The margin covers cancellation inside an op (a sum of
  // terms larger than its result); measured over every op and an MLP, the
  // actual error stays below 8 times the estimate.
  constexpr double rounding_margin = 32;
  bool within_rounding = finite && std::sqrt(difference_squared) <= rounding_margin * result.rounding_error;
  bool relative_difference_ok = result.relative_difference < options.max_relative_difference ||
                                (finite && norms < options.atol) || within_rounding;
  result.passed = finite && worst_score <= 1 && relative_difference_ok;
  if (worst >= 0) {
    result.worst_index = index_of(worst);
    result.worst_analytic = analytic[std::size_t(worst)];
    result.worst_numeric = numeric[std::size_t(worst)];
  }
  return result;
}

void validate(const GradcheckOptions& options) {
  if (!(options.eps > 0) || !std::isfinite(options.eps)) {
    throw Error(fmt::format("gradcheck: eps must be a finite number > 0, got {}", options.eps));
  }
  if (!(options.atol >= 0) || !(options.rtol >= 0)) {
    throw Error(fmt::format("gradcheck: atol and rtol must be >= 0, got atol {} and rtol {}", options.atol,
                            options.rtol));
  }
  if (!(options.max_relative_difference > 0)) {
    throw Error(fmt::format("gradcheck: max_relative_difference must be > 0, got {}",
                            options.max_relative_difference));
  }
  if (options.fast && options.projections < 1) {
    throw Error(fmt::format("gradcheck: fast mode needs at least 1 projection, got {}", options.projections));
  }
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
  GraphRestorer(Graph& graph, Expr output) : graph_(graph), output_(output) {}
  GraphRestorer(const GraphRestorer&) = delete;
  GraphRestorer& operator=(const GraphRestorer&) = delete;
  ~GraphRestorer() {
    try {
      for (auto& [leaf, value] : values_) graph_.set_value(leaf, value);
      for (auto& [leaf, requires_grad] : flags_) graph_.set_requires_grad(leaf, requires_grad);
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

// Checks the backward of one node, alone: its op's forward and backward are
// called on copies of the input values the forward pass recorded, with a
// random upstream gradient u, so the scalar differentiated is u . op(inputs).
void check_node(Graph& graph, int id, std::span<const int> inputs_to_check, const GradcheckOptions& options,
                Rng& rng, std::vector<NodeCheck>& checks) {
  Node& node = graph.node(id);
  Op& op = *node.op();
  std::vector<Tensor> x;
  for (int input : node.inputs()) x.push_back(Tensor::from(graph.node(input).value()));
  std::vector<TensorView> views(x.begin(), x.end());
  const std::size_t count = x.size();

  Tensor y(node.shape());
  Tensor plus(node.shape()), minus(node.shape());
  op.forward(views, y);
  Tensor upstream = random_normal(node.shape(), rng);

  // Assigning backward into slots holding NaN: an op that adds to its slot,
  // or leaves elements unwritten, shows NaN.
  std::vector<Tensor> assigned, base, accumulated;
  std::vector<GradientSlot> assign_slots, accumulate_slots;
  for (std::size_t i = 0; i < count; ++i) {
    assigned.emplace_back(x[i].shape(), std::numeric_limits<double>::quiet_NaN());
    base.push_back(random_normal(x[i].shape(), rng));
    accumulated.push_back(base.back());
  }
  for (std::size_t i = 0; i < count; ++i) {
    bool needed = op.differentiable(int(i));
    assign_slots.push_back({assigned[i], needed, false});
    accumulate_slots.push_back({accumulated[i], needed, true});
  }
  op.backward(views, y, upstream, assign_slots);
  op.backward(views, y, upstream, accumulate_slots);

  const double eps = options.eps;
  // Element e of any input moves only kink point e (the op contract).
  auto near_kink = [&](std::int64_t element) {
    return op.has_kinks() && element < x[0].size() && std::abs(op.kink_offset(views, element)) <= eps;
  };

  for (int i : inputs_to_check) {
    Tensor& xi = x[std::size_t(i)];
    const Tensor& gradient = assigned[std::size_t(i)];
    std::vector<double> analytic;
    std::vector<CentralDifference> numeric;
    std::vector<char> skipped;
    std::function<std::vector<std::int64_t>(std::int64_t)> index_of;
    if (!options.fast) {
      for (std::int64_t k = 0; k < xi.size(); ++k) {
        analytic.push_back(gradient[k]);
        if (near_kink(k)) {
          numeric.push_back({});
          skipped.push_back(1);
          continue;
        }
        double original = xi[k];
        xi[k] = original + eps;
        op.forward(views, plus);
        xi[k] = original - eps;
        op.forward(views, minus);
        xi[k] = original;
        numeric.push_back(central_difference(upstream, plus, minus, eps));
        skipped.push_back(0);
      }
      index_of = [&xi](std::int64_t k) { return xi.unravel(k); };
    } else {
      // Directions scaled to a largest step of eps, with the elements near a
      // kink held still (counted once as skipped).
      std::vector<char> still(std::size_t(xi.size()), 0);
      for (std::int64_t k = 0; k < xi.size(); ++k) still[std::size_t(k)] = near_kink(k) ? 1 : 0;
      Tensor original = xi;
      for (int p = 0; p < options.projections; ++p) {
        Tensor v = random_normal(xi.shape(), rng);
        double largest = 0;
        for (std::int64_t k = 0; k < v.size(); ++k) {
          if (still[std::size_t(k)]) v[k] = 0;
          largest = std::max(largest, std::abs(v[k]));
        }
        if (largest > 0) {
          for (double& value : v) value /= largest;
        }
        analytic.push_back(dot(gradient, v));
        for (std::int64_t k = 0; k < xi.size(); ++k) xi[k] = original[k] + eps * v[k];
        op.forward(views, plus);
        for (std::int64_t k = 0; k < xi.size(); ++k) xi[k] = original[k] - eps * v[k];
        op.forward(views, minus);
        xi.copy_from(original);
        numeric.push_back(central_difference(upstream, plus, minus, eps));
        skipped.push_back(0);
      }
      index_of = [](std::int64_t p) { return std::vector<std::int64_t>{p}; };
    }
    NodeCheck check;
    check.node_id = id;
    check.name = node.name();
    check.op = std::string(node.op_name());
    check.input_index = i;
    check.input_shape = xi.shape();
    check.result = compare(analytic, numeric, skipped, index_of, options);
    if (options.fast) {
      for (std::int64_t k = 0; k < xi.size(); ++k) check.result.skipped += near_kink(k) ? 1 : 0;
    }

    // The contract's two modes must agree: accumulating adds exactly what
    // assigning writes.
    bool all_finite = std::all_of(gradient.begin(), gradient.end(), [](double v) { return std::isfinite(v); });
    if (!all_finite) {
      check.result.passed = false;
      check.result.note =
          "the analytic gradient has non-finite elements (the checker fills gradient slots with NaN before an "
          "assigning backward: a backward that adds to its slot, or leaves elements unwritten, shows NaN)";
    } else {
      const Tensor& added = accumulated[std::size_t(i)];
      const Tensor& before = base[std::size_t(i)];
      for (std::int64_t k = 0; k < gradient.size(); ++k) {
        double contribution = added[k] - before[k];
        double tolerance = 1e-12 * (1 + std::abs(before[k]) + std::abs(gradient[k]));
        if (!(std::abs(contribution - gradient[k]) <= tolerance)) {
          check.result.passed = false;
          check.result.note = fmt::format(
              "with accumulate = true the backward adds {} at element [{}] but with accumulate = false it "
              "writes {}: the two modes of the op contract disagree",
              contribution, fmt::join(xi.unravel(k), ", "), gradient[k]);
          break;
        }
      }
    }
    checks.push_back(std::move(check));
  }
}

GradcheckReport run_gradcheck(Graph& graph, Expr output, const TensorView* seed, std::vector<Expr> wrt,
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
  graph.backward(output, seed_gradient);
  std::vector<Tensor> analytic;
  for (Expr leaf : wrt) analytic.push_back(Tensor::from(leaf.grad()));

  // Node by node, on the values of this forward pass (before any leaf moves).
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
      check_node(graph, id, inputs_to_check, options, rng, report.nodes);
    }
  }

  // End to end: L = seed . output, each leaf moved by +-eps.
  KinkWatch kinks(graph, order);
  Tensor plus(out.shape()), minus(out.shape());
  auto evaluate = [&](Tensor& into) { into.copy_from(graph.forward(output)); };
  const double eps = options.eps;
  for (std::size_t j = 0; j < wrt.size(); ++j) {
    Expr leaf = wrt[j];
    const Tensor& gradient = analytic[j];
    std::vector<double> analytic_values;
    std::vector<CentralDifference> numeric;
    std::vector<char> skipped;
    std::function<std::vector<std::int64_t>(std::int64_t)> index_of;
    Tensor original = Tensor::from(leaf.value());
    if (!options.fast) {
      for (std::int64_t k = 0; k < original.size(); ++k) {
        graph.write_value(leaf).set(k, original.get(k) + eps);
        evaluate(plus);
        bool crossed = kinks.crossed();
        graph.write_value(leaf).set(k, original.get(k) - eps);
        evaluate(minus);
        crossed = crossed || kinks.crossed();
        graph.write_value(leaf).set(k, original.get(k));
        analytic_values.push_back(gradient[k]);
        numeric.push_back(central_difference(seed_gradient, plus, minus, eps));
        skipped.push_back(crossed ? 1 : 0);
      }
      index_of = [&original](std::int64_t k) { return original.unravel(k); };
    } else {
      for (int p = 0; p < options.projections; ++p) {
        Tensor v = random_normal(original.shape(), rng);
        analytic_values.push_back(dot(gradient, v));
        {
          ValueWriter value = graph.write_value(leaf);
          for (std::int64_t k = 0; k < v.size(); ++k) value.set(k, original.get(k) + eps * v[k]);
        }
        evaluate(plus);
        bool crossed = kinks.crossed();
        {
          ValueWriter value = graph.write_value(leaf);
          for (std::int64_t k = 0; k < v.size(); ++k) value.set(k, original.get(k) - eps * v[k]);
        }
        evaluate(minus);
        crossed = crossed || kinks.crossed();
        graph.write_value(leaf).copy_from(original);
        numeric.push_back(central_difference(seed_gradient, plus, minus, eps));
        skipped.push_back(crossed ? 1 : 0);
      }
      index_of = [](std::int64_t p) { return std::vector<std::int64_t>{p}; };
    }
    LeafCheck check;
    check.name = leaf.name();
    check.shape = original.shape();
    check.result = compare(analytic_values, numeric, skipped, index_of, options);
    report.leaves.push_back(std::move(check));
  }
  return report;
}

std::string format_index(const std::vector<std::int64_t>& index) { return fmt::format("[{}]", fmt::join(index, ", ")); }

std::string describe_result(const GradientComparison& r, bool fast) {
  std::string text = fmt::format("max abs error {:.3g}, max rel error {:.3g}, relative difference {:.3g}; ",
                                 r.max_abs_error, r.max_rel_error, r.relative_difference);
  if (r.worst_index.empty()) {
    text += "nothing compared";
  } else {
    text += fmt::format("worst {} {}: analytic {:.10g}, numeric {:.10g}", fast ? "projection" : "element",
                        format_index(r.worst_index), r.worst_analytic, r.worst_numeric);
  }
  text += fmt::format("; {} checked, {} skipped at kinks", r.checked, r.skipped);
  if (!r.note.empty()) text += "\n      " + r.note;
  return text;
}

nlohmann::json comparison_json(const GradientComparison& r) {
  return {{"passed", r.passed},
          {"max_abs_error", r.max_abs_error},
          {"max_rel_error", r.max_rel_error},
          {"relative_difference", r.relative_difference},
          {"analytic_norm", r.analytic_norm},
          {"numeric_norm", r.numeric_norm},
          {"rounding_error", r.rounding_error},
          {"worst_index", r.worst_index},
          {"worst_analytic", r.worst_analytic},
          {"worst_numeric", r.worst_numeric},
          {"checked", r.checked},
          {"skipped", r.skipped},
          {"eps", r.eps},
          {"note", r.note}};
}

std::vector<std::int64_t> dims(const Shape& shape) { return {shape.dims().begin(), shape.dims().end()}; }

std::string format_attr(const AttrValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          return fmt::format("({})", fmt::join(v, ", "));
        } else {
          return fmt::format("{}", v);
        }
      },
      value);
}

}  // namespace

// ---- the report ----

bool GradcheckReport::passed() const {
  for (const auto& leaf : leaves) {
    if (!leaf.result.passed) return false;
  }
  for (const auto& node : nodes) {
    if (!node.result.passed) return false;
  }
  return true;
}

std::vector<const NodeCheck*> GradcheckReport::failing_nodes() const {
  std::vector<const NodeCheck*> result;
  for (const auto& node : nodes) {
    if (!node.result.passed) result.push_back(&node);
  }
  return result;
}

std::string GradcheckReport::to_string() const {
  std::string text = fmt::format(
      "gradcheck of \"{}\": {}\n  eps {:g}, allclose atol {:g} rtol {:g}, relative difference < {:g}, {}, seed {}\n",
      output, passed() ? "passed" : "FAILED", options.eps, options.atol, options.rtol,
      options.max_relative_difference,
      options.fast ? fmt::format("fast mode ({} random projections)", options.projections)
                   : std::string("full Jacobians"),
      options.seed);
  auto failing = failing_nodes();
  if (!failing.empty()) {
    const NodeCheck& first = *failing.front();
    text += fmt::format(
        "  first wrong backward: node \"{}\" (op {}), input {}{}\n", first.name, first.op, first.input_index,
        failing.size() > 1 ? fmt::format(" ({} node inputs fail in all)", failing.size()) : std::string());
  }
  text += "end to end (d output / d leaf):\n";
  for (const auto& leaf : leaves) {
    text += fmt::format("  {:6} leaf \"{}\" {}: {}\n", leaf.result.passed ? "ok" : "FAILED", leaf.name, leaf.shape,
                        describe_result(leaf.result, options.fast));
  }
  if (options.check_nodes) {
    text += "node by node (each backward alone, against finite differences of its own forward):\n";
    if (nodes.empty()) text += "  (no op node lies between the checked leaves and the output)\n";
    for (const auto& node : nodes) {
      text += fmt::format("  {:6} node \"{}\" ({}) input {} {}: {}\n", node.result.passed ? "ok" : "FAILED",
                          node.name, node.op, node.input_index, node.input_shape,
                          describe_result(node.result, options.fast));
    }
  }
  return text;
}

std::string GradcheckReport::to_json() const {
  nlohmann::json leaves_json = nlohmann::json::array();
  for (const auto& leaf : leaves) {
    nlohmann::json entry = comparison_json(leaf.result);
    entry["name"] = leaf.name;
    entry["shape"] = dims(leaf.shape);
    leaves_json.push_back(std::move(entry));
  }
  nlohmann::json nodes_json = nlohmann::json::array();
  for (const auto& node : nodes) {
    nlohmann::json entry = comparison_json(node.result);
    entry["node_id"] = node.node_id;
    entry["name"] = node.name;
    entry["op"] = node.op;
    entry["input_index"] = node.input_index;
    entry["input_shape"] = dims(node.input_shape);
    nodes_json.push_back(std::move(entry));
  }
  nlohmann::json failing = nlohmann::json::array();
  for (const NodeCheck* node : failing_nodes()) {
    failing.push_back({{"name", node->name}, {"op", node->op}, {"input_index", node->input_index}});
  }
  nlohmann::json json = {
      {"output", output},
      {"passed", passed()},
      {"options",
       {{"eps", options.eps},
        {"atol", options.atol},
        {"rtol", options.rtol},
        {"max_relative_difference", options.max_relative_difference},
        {"fast", options.fast},
        {"projections", options.projections},
        {"seed", options.seed},
        {"check_nodes", options.check_nodes}}},
      {"leaves", std::move(leaves_json)},
      {"nodes", std::move(nodes_json)},
      {"failing_nodes", std::move(failing)}};
  return json.dump(2);
}

// ---- entry points ----

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

// ---- registered ops ----

std::string describe(const OpExample& example) {
  if (!example.description.empty()) return example.description;
  std::vector<std::string> parts;
  for (const Tensor& input : example.inputs) parts.push_back(dagrad::to_string(input.shape()));
  std::string text = fmt::format("{}", fmt::join(parts, ", "));
  for (const auto& [key, value] : example.attrs.values()) text += fmt::format(" {}={}", key, format_attr(value));
  return text;
}

OpExampleCheck gradcheck_op_example(std::unique_ptr<Op> op, const OpExample& example,
                                    const GradcheckOptions& options) {
  if (!op) throw Error("gradcheck_op_example: the op is null");
  auto start = std::chrono::steady_clock::now();
  OpExampleCheck result;
  result.op = std::string(op->name());
  result.description = describe(example);
  Graph graph;
  std::vector<Expr> inputs, wrt;
  for (std::size_t i = 0; i < example.inputs.size(); ++i) {
    std::string name = fmt::format("x{}", i);
    if (op->differentiable(int(i))) {
      inputs.push_back(graph.input(name, example.inputs[i], /*requires_grad=*/true));
      wrt.push_back(inputs.back());
    } else {
      inputs.push_back(graph.constant(example.inputs[i], name));
    }
  }
  Expr output = graph.add_op(std::move(op), inputs, result.op);
  // A random seed gradient makes every output element matter (with ones,
  // softmax's gradient would be zero whatever its backward did).
  Rng rng(options.seed);
  Tensor seed = random_normal(output.shape(), rng);
  result.report = gradcheck(graph, output, seed, wrt, options);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<OpExampleCheck> gradcheck_op(std::string_view op_name, const GradcheckOptions& options) {
  const OpInfo& info = OpRegistry::global().find(op_name);
  Rng rng(options.seed);
  std::vector<OpExampleCheck> results;
  for (const OpExample& example : info.examples(rng)) {
    results.push_back(gradcheck_op_example(info.make(example.attrs), example, options));
  }
  return results;
}

}  // namespace dagrad

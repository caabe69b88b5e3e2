// No false alarms: at least 500 random correct graphs of the built-in ops,
// with leaf values spanning magnitudes 1e-3 to 1e8 (both signs), must all
// pass the gradient check with the default settings. The generator draws
// from a fixed seed, so a failure names a graph that can be rebuilt. Graphs
// whose values or gradients leave float64's range are drawn again.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <functional>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

class RandomGraph {
 public:
  RandomGraph(Graph& graph, Rng& rng) : g_(graph), rng_(rng) {}

  // Builds a scalar loss from 2 to 6 random ops; nullopt when the values
  // left the range the ops are defined on (such graphs are drawn again).
  std::optional<Expr> build() {
    std::uniform_int_distribution<std::int64_t> size(1, 4);
    rows_ = size(rng_);
    cols_ = size(rng_);
    pool_.push_back(leaf(Shape{rows_, cols_}));
    int ops = std::uniform_int_distribution<int>(2, 6)(rng_);
    for (int k = 0; k < ops; ++k) {
      if (!grow()) return std::nullopt;
      if (!finite(pool_.back())) return std::nullopt;
    }
    Expr loss = reduce(pool_.back());
    if (!finite(loss)) return std::nullopt;
    // A gradient beyond float64's range (d log(x)/dx at a subnormal x)
    // is not a checkable graph: no backward could be right there.
    g_.backward(loss, BackwardOptions{.retain_grads = true});
    for (int id = 0; id < g_.size(); ++id) {
      const Node& node = g_.node(id);
      if (!node.has_grad()) continue;
      const TensorView& grad = node.grad();
      if (!std::all_of(grad.begin(), grad.end(), [](double v) { return std::isfinite(v); })) return std::nullopt;
    }
    return loss;
  }
  std::string recipe() const { return recipe_; }

 private:
  // Magnitudes 10^u, u uniform in [-3, 8], random signs (or positive).
  Tensor values(const Shape& shape, bool positive) {
    Tensor t(shape);
    std::uniform_real_distribution<double> exponent(-3, 8);
    std::bernoulli_distribution negative(0.5);
    for (double& v : t) v = std::pow(10.0, exponent(rng_)) * (!positive && negative(rng_) ? -1 : 1);
    return t;
  }
  Expr leaf(const Shape& shape, bool positive = false) {
    std::string name = fmt::format("x{}", leaves_++);
    recipe_ += fmt::format("{} {} ", name, shape);
    return g_.input(name, values(shape, positive), /*requires_grad=*/true);
  }
  bool finite(Expr e) {
    const TensorView& v = g_.forward(e);
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x) && std::abs(x) < 1e150; });
  }
  double largest(Expr e) {
    const TensorView& v = g_.forward(e);
    double m = 0;
    for (double x : v) m = std::max(m, std::abs(x));
    return m;
  }
  bool positive(Expr e) {
    const TensorView& v = g_.forward(e);
    return std::all_of(v.begin(), v.end(), [](double x) { return x > 0; });
  }
  Expr pick() { return pool_[std::uniform_int_distribution<std::size_t>(0, pool_.size() - 1)(rng_)]; }
  // Another operand of x's shape: from the pool or a new leaf.
  Expr partner(Expr x, bool positive_only = false) {
    for (int tries = 0; tries < 4; ++tries) {
      Expr other = pick();
      if (other.shape() == x.shape() && (!positive_only || positive(other))) return other;
    }
    return leaf(x.shape(), positive_only);
  }

  bool grow() {
    static const char* names[] = {"add",  "sub",      "mul",     "div",         "neg",     "exp",    "log",
                                  "tanh", "sigmoid",  "relu",    "square",      "sqrt",    "matmul", "transpose",
                                  "softmax", "log_softmax", "normalize_rows", "reshape", "sum_axis", "mean_axis"};
    std::string op = names[std::uniform_int_distribution<std::size_t>(0, std::size(names) - 1)(rng_)];
    Expr x = pick();
    Expr y;
    if (op == "add") y = x + partner(x);
    else if (op == "sub") y = x - partner(x);
    else if (op == "mul") y = x * partner(x);
    else if (op == "div") y = x / partner(x);
    else if (op == "neg") y = -x;
    else if (op == "exp") { if (largest(x) > 50) return true; y = exp(x); }
    else if (op == "log") { if (!positive(x)) return true; y = log(x); }
    else if (op == "sqrt") { if (!positive(x)) return true; y = sqrt(x); }
    else if (op == "tanh") y = tanh(x);
    else if (op == "sigmoid") y = sigmoid(x);
    else if (op == "relu") y = relu(x);
    else if (op == "square") y = square(x);
    else if (op == "matmul") {
      if (x.shape().rank() != 2) return true;
      std::int64_t n = std::uniform_int_distribution<std::int64_t>(1, 4)(rng_);
      y = matmul(x, leaf(Shape{x.shape().dims()[1], n}));
    }
    else if (op == "transpose") y = transpose(x);
    else if (op == "softmax") y = softmax(x);
    else if (op == "log_softmax") y = log_softmax(x);
    else if (op == "normalize_rows") y = normalize_rows(x);
    else if (op == "reshape") y = reshape(x, {-1});
    else if (op == "sum_axis") y = sum(x, -1, /*keepdims=*/true);
    else if (op == "mean_axis") y = mean(x, 0, /*keepdims=*/true);
    recipe_ += fmt::format("-> {} ", op);
    pool_.push_back(y);
    return true;
  }

  Expr reduce(Expr x) {
    int kind = std::uniform_int_distribution<int>(0, 4)(rng_);
    recipe_ += fmt::format("=> loss {}", kind);
    switch (kind) {
      case 0: return sum(x);
      case 1: return mean(x);
      case 2: return l2(x, g_.constant(values(x.shape(), false)));
      case 3: return l1(x, g_.constant(values(x.shape(), false)));
      default: return bce_with_logits(x, g_.constant(Tensor(x.shape(), 0.25)));
    }
  }

  Graph& g_;
  Rng& rng_;
  std::vector<Expr> pool_;
  std::int64_t rows_ = 1, cols_ = 1;
  int leaves_ = 0;
  std::string recipe_;
};

TEST(RandomGraphs, FiveHundredCorrectGraphsRaiseNoFalseAlarm) {
  Rng rng(2026);
  int checked = 0, drawn = 0, failed = 0, vacuous = 0, sharp = 0;
  std::int64_t elements = 0;
  while (checked < 500) {
    ++drawn;
    ASSERT_LT(drawn, 5000) << "the generator rejects too many graphs";
    Graph g;
    RandomGraph generator(g, rng);
    std::optional<Expr> loss = generator.build();
    if (!loss) continue;
    ++checked;
    GradcheckReport report = gradcheck(g, *loss);
    elements += report.network.elements;
    vacuous += report.vacuous_checks() > 0 ? 1 : 0;
    // Sharp: the numerics' error is under 1e-4 of the gradient, so a
    // backward off by 1.001 would show in the whole-network figure.
    sharp += report.network.error_estimate < 1e-4 * report.network.grad_norm ? 1 : 0;
    if (!report.passed()) {
      ++failed;
      ADD_FAILURE() << "graph " << drawn << ": " << generator.recipe() << "\n" << report.to_string();
    }
  }
  EXPECT_EQ(failed, 0);
  EXPECT_GT(elements, 500 * 4);  // the checks compared something
  std::printf("%d graphs checked (%d drawn), %d with a vacuous check, %d with a sharp whole-network figure\n",
              checked, drawn, vacuous, sharp);
  // A floor against an error estimate that swallows everything: with
  // magnitudes from 1e-3 to 1e8 in one graph, the loss's rounding hides the
  // small elements' derivatives, but about a quarter of the graphs are
  // still checked to 1e-4 of the gradient (123 with this seed).
  EXPECT_GE(sharp, 100);
}

}  // namespace
}  // namespace dagrad

// y = log(1 + e^(beta x)) / beta, or x where beta x > threshold; dx = dy * sigmoid(beta x), or dy where beta x > threshold  (PyTorch's softplus)
//
// As PyTorch, the op reverts to the identity above the threshold (default
// 20), which leaves a jump of log1p(e^-threshold)/beta there (2e-9 for the
// defaults): declared as a kink. Below it the log is computed as
// max(z, 0) + log1p(e^-|z|) with z = beta x, which never overflows whatever
// the threshold. Attributes {"beta": b > 0, "threshold": t}, defaults 1 and
// 20 as PyTorch.
#include <algorithm>
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Softplus final : public ElementwiseOp<Softplus> {
 public:
  explicit Softplus(const Attrs& attrs) {
    attrs.expect_only("softplus", {"beta", "threshold"});
    beta_ = attrs.get_double("softplus", "beta", 1.0);
    threshold_ = attrs.get_double("softplus", "threshold", 20.0);
    if (!(beta_ > 0) || !std::isfinite(beta_) || !std::isfinite(threshold_)) {
      throw Error(fmt::format("softplus: needs a finite beta > 0 and a finite threshold, got beta {} and threshold {}",
                              beta_, threshold_));
    }
  }

  std::string_view name() const override { return "softplus"; }
  Attrs attrs() const override { return {{"beta", beta_}, {"threshold", threshold_}}; }
  std::string label() const override { return fmt::format("softplus beta={} threshold={}", beta_, threshold_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    const T beta = T(beta_), threshold = T(threshold_);
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([=](T x) {
      const T z = beta * x;
      return z > threshold ? x : (std::max(z, T(0)) + std::log1p(std::exp(-std::abs(z)))) / beta;
    });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T beta = T(beta_), threshold = T(threshold_);
    write_gradient(grads[0], flat<T>(dy).binaryExpr(flat<T>(inputs[0]), [=](T g, T x) {
      const T z = beta * x, e = std::exp(-std::abs(z));  // sigmoid(z) without overflow
      return z > threshold ? g : g * (z >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e));
    }));
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const Expr z = x[0] * beta_;
    return {where(greater(z, graph.constant(Tensor::scalar(threshold_, z.dtype()))), dy, dy * sigmoid(z))};
  }
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inputs[0].get(element) - threshold_ / beta_;
  }

  // Normal inputs at the defaults; beta 2 and threshold 1 on [-3, 3], with
  // inputs at least 0.1 from the switch at x = 0.5.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases = same_shape_examples(rng, 1);
    for (const Shape& shape : standard_shapes(rng)) {
      Tensor x = random_uniform(shape, rng, -3.0, 3.0);
      for (double& v : x) {
        if (std::abs(v - 0.5) < 0.1) v += 0.2;
      }
      cases.push_back({{std::move(x)}, {{"beta", 2.0}, {"threshold", 1.0}}, {}});
    }
    return cases;
  }

 private:
  double beta_ = 1.0, threshold_ = 20.0;
};
}  // namespace

namespace dagrad {
Expr softplus(Expr x, double beta, double threshold, std::string name) {
  return x.graph().add_op(std::make_unique<Softplus>(Attrs{{"beta", beta}, {"threshold", threshold}}), {x},
                          std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(softplus, Softplus)

// y = a / b elementwise (NumPy broadcasting); da = dy / b summed to a's shape, db = -dy * y / b summed to b's shape
//
// db uses the saved output (a / b^2 = y / b). Division by zero gives inf or
// NaN as in NumPy and PyTorch; it is not an error.
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Div final : public Op {
 public:
  std::string_view name() const override { return "div"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 2) throw ShapeError(fmt::format("takes 2 inputs, got {}", inputs.size()));
    return broadcast_shapes(inputs[0], inputs[1]);
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    broadcast_apply(inputs[0], inputs[1], output, [](const auto& a, const auto& b) { return a / b; });
  }
  void backward(std::span<const TensorView> inputs, const TensorView& y, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    const TensorView& b = inputs[1];
    if (grads[0].needed) {
      auto quotient = [](const auto& g, const auto& divisor) { return g / divisor; };
      if (grads[0].grad.size() == dy.size()) {
        broadcast_apply(dy, b, TensorView(dy.shape(), grads[0].grad.data()), quotient, grads[0].accumulate);
      } else {
        scratch_.resize(dy.shape());
        broadcast_apply(dy, b, scratch_, quotient);
        sum_to_shape(scratch_, grads[0]);
      }
    }
    if (grads[1].needed) {
      // -dy * y / b at the output's shape (dy and y have that shape), then summed back.
      scratch_.resize(dy.shape());
      flat(scratch_) = flat(dy) * flat(y);
      broadcast_apply(scratch_, b, scratch_, [](const auto& g, const auto& divisor) { return -g / divisor; });
      sum_to_shape(scratch_, grads[1]);
    }
  }

  // Divisors kept away from zero: |b| in [0.5, 2) with a random sign.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    std::bernoulli_distribution negative(0.5);
    for (const auto& [a, b] : broadcast_example_shapes(rng)) {
      Tensor divisor = random_uniform(b, rng, 0.5, 2.0);
      for (double& v : divisor) v = negative(rng) ? -v : v;
      cases.push_back({{random_normal(a, rng), std::move(divisor)}, {}, {}});
    }
    return cases;
  }

 private:
  Tensor scratch_;  // a contribution at the output's shape, when an input is broadcast; sized once
};
}  // namespace

namespace dagrad {
Expr div(Expr a, Expr b, std::string name) { return a.graph().add(std::make_unique<Div>(), {a, b}, std::move(name)); }
Expr operator/(Expr a, Expr b) { return div(a, b); }
Expr operator/(Expr a, double b) { return div(a, a.graph().constant(Tensor::scalar(b))); }
Expr operator/(double a, Expr b) { return div(b.graph().constant(Tensor::scalar(a)), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(div, Div)

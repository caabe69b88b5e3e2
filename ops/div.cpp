// y = a / b elementwise (NumPy broadcasting); da = dy / b summed to a's shape, db = -dy * y / b summed to b's shape
//
// db uses the saved output (a / b^2 = y / b). Division by zero gives inf or
// NaN as in NumPy and PyTorch; it is not an error.
#include "dagrad/autodiff.hpp"
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Div final : public BroadcastOp<Div> {
 public:
  std::string_view name() const override { return "div"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    broadcast_apply<T>(inputs[0], inputs[1], y, [](const auto& a, const auto& b) { return a / b; });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView& y, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const TensorView& b = inputs[1];
    if (grads[0].needed) {
      write_broadcast_gradient<T>(dy, b, grads[0], scratch_, [](const auto& g, const auto& d) { return g / d; });
    }
    if (grads[1].needed) {
      // -(dy * y) / b: the product at the output's shape first.
      scratch_.resize(dy.shape(), dtype_of<T>);
      flat<T>(scratch_.view()) = flat<T>(dy) * flat<T>(y);
      write_broadcast_gradient<T>(scratch_, b, grads[1], scratch_, [](const auto& g, const auto& d) { return -g / d; });
    }
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool> needed) const override {
    return {needed[0] ? sum_to_shape(dy / x[1], x[0].shape()) : Expr(),
            needed[1] ? sum_to_shape(-(dy * y) / x[1], x[1].shape()) : Expr()};
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
  Tensor scratch_;  // a contribution at the output's shape; sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(scratch_); }
};
}  // namespace

namespace dagrad {
Expr div(Expr a, Expr b, std::string name) { return a.graph().add_op(std::make_unique<Div>(), {a, b}, std::move(name)); }
Expr operator/(Expr a, Expr b) { return div(a, b); }
Expr operator/(Expr a, double b) { return div(a, a.graph().constant(Tensor::scalar(b, a.dtype()))); }
Expr operator/(double a, Expr b) { return div(b.graph().constant(Tensor::scalar(a, b.dtype())), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(div, Div)

// y = a - b (NumPy broadcasting); da = dy summed to a's shape, db = -dy summed to b's shape
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Sub final : public Op {
 public:
  std::string_view name() const override { return "sub"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 2) throw ShapeError(fmt::format("takes 2 inputs, got {}", inputs.size()));
    return broadcast_shapes(inputs[0], inputs[1]);
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    broadcast_apply(inputs[0], inputs[1], output, [](const auto& a, const auto& b) { return a - b; });
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    if (grads[0].needed) sum_to_shape(dy, grads[0]);
    if (grads[1].needed) sum_to_shape(dy, grads[1], -1.0);
  }

  static std::vector<OpExample> examples(Rng& rng) { return broadcast_examples(rng); }
};
}  // namespace

namespace dagrad {
Expr sub(Expr a, Expr b, std::string name) { return a.graph().add(std::make_unique<Sub>(), {a, b}, std::move(name)); }
Expr operator-(Expr a, Expr b) { return sub(a, b); }
Expr operator-(Expr a, double b) { return sub(a, a.graph().constant(Tensor::scalar(b))); }
Expr operator-(double a, Expr b) { return sub(b.graph().constant(Tensor::scalar(a)), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(sub, Sub)

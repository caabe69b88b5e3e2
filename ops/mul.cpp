// y = a * b elementwise (NumPy broadcasting); da = dy * b summed to a's shape, db = dy * a summed to b's shape
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Mul final : public Op {
 public:
  std::string_view name() const override { return "mul"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 2) throw ShapeError(fmt::format("takes 2 inputs, got {}", inputs.size()));
    return broadcast_shapes(inputs[0], inputs[1]);
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    broadcast_apply(inputs[0], inputs[1], output, [](const auto& a, const auto& b) { return a * b; });
  }
  void backward(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    auto product = [](const auto& g, const auto& other) { return g * other; };
    for (int i = 0; i < 2; ++i) {
      GradientSlot& slot = grads[i];
      if (!slot.needed) continue;
      const TensorView& other = inputs[1 - i];
      if (slot.grad.size() == dy.size()) {
        // Not broadcast: the product goes straight into the slot.
        broadcast_apply(dy, other, TensorView(dy.shape(), slot.grad.data()), product, slot.accumulate);
      } else {
        // Broadcast: form dy * other at the output's shape, then sum it back.
        scratch_.resize(dy.shape());
        broadcast_apply(dy, other, scratch_, product);
        sum_to_shape(scratch_, slot);
      }
    }
  }

  static std::vector<OpExample> examples(Rng& rng) { return broadcast_examples(rng); }

 private:
  Tensor scratch_;  // dy * other at the output's shape, when an input is broadcast; sized once
};
}  // namespace

namespace dagrad {
Expr mul(Expr a, Expr b, std::string name) { return a.graph().add(std::make_unique<Mul>(), {a, b}, std::move(name)); }
Expr operator*(Expr a, Expr b) { return mul(a, b); }
Expr operator*(Expr a, double b) { return mul(a, a.graph().constant(Tensor::scalar(b))); }
Expr operator*(double a, Expr b) { return mul(b.graph().constant(Tensor::scalar(a)), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(mul, Mul)

// y = a + b (NumPy broadcasting); da = dy summed to a's shape, db = dy summed to b's shape
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Add final : public Op {
 public:
  std::string_view name() const override { return "add"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 2) throw ShapeError(fmt::format("takes 2 inputs, got {}", inputs.size()));
    return broadcast_shapes(inputs[0], inputs[1]);
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    broadcast_apply(inputs[0], inputs[1], output, [](const auto& a, const auto& b) { return a + b; });
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (GradientSlot& slot : grads) {
      if (slot.needed) sum_to_shape(dy, slot);
    }
  }

  static std::vector<OpExample> examples(Rng& rng) { return broadcast_examples(rng); }
};
}  // namespace

namespace dagrad {
Expr add(Expr a, Expr b, std::string name) { return a.graph().add(std::make_unique<Add>(), {a, b}, std::move(name)); }
Expr operator+(Expr a, Expr b) { return add(a, b); }
Expr operator+(Expr a, double b) { return add(a, a.graph().constant(Tensor::scalar(b))); }
Expr operator+(double a, Expr b) { return add(b.graph().constant(Tensor::scalar(a)), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(add, Add)

// y = x^2; dx = 2 x dy
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Square final : public Op {
 public:
  std::string_view name() const override { return "square"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    flat(output) = flat(inputs[0]).square();
  }
  void backward(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    write_gradient(grads[0], 2.0 * flat(inputs[0]) * flat(dy));
  }
};
}  // namespace

namespace dagrad {
Expr square(Expr x, std::string name) { return x.graph().add(std::make_unique<Square>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(square, Square)

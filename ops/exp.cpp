// y = e^x; dx = dy * y  (from the saved output)
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Exp final : public Op {
 public:
  std::string_view name() const override { return "exp"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override { flat(output) = flat(inputs[0]).exp(); }
  void backward(std::span<const TensorView>, const TensorView& y, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    write_gradient(grads[0], flat(dy) * flat(y));
  }
};
}  // namespace

namespace dagrad {
Expr exp(Expr x, std::string name) { return x.graph().add(std::make_unique<Exp>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(exp, Exp)

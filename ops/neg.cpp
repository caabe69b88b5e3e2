// y = -x; dx = -dy
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Neg final : public Op {
 public:
  std::string_view name() const override { return "neg"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override { flat(output) = -flat(inputs[0]); }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    write_gradient(grads[0], -flat(dy));
  }
};
}  // namespace

namespace dagrad {
Expr neg(Expr x, std::string name) { return x.graph().add(std::make_unique<Neg>(), {x}, std::move(name)); }
Expr operator-(Expr x) { return neg(x); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(neg, Neg)

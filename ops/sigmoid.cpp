// y = 1 / (1 + e^-x); dx = dy * y * (1 - y)  (the course's sigmoid_derivative, from the saved output)
//
// The formula needs no special case for large |x|: e^-x overflows to inf for
// x < -709 and 1 / inf is exactly 0, while for large x e^-x underflows to 0.
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Sigmoid final : public Op {
 public:
  std::string_view name() const override { return "sigmoid"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    flat(output) = 1.0 / (1.0 + (-flat(inputs[0])).exp());
  }
  void backward(std::span<const TensorView>, const TensorView& y, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    write_gradient(grads[0], flat(dy) * flat(y) * (1.0 - flat(y)));
  }
};
}  // namespace

namespace dagrad {
Expr sigmoid(Expr x, std::string name) { return x.graph().add(std::make_unique<Sigmoid>(), {x}, std::move(name)); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(sigmoid, Sigmoid)

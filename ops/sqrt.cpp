// y = sqrt(x); dx = dy / (2 y)  (from the saved output)
//
// As NumPy and PyTorch: sqrt of a negative number is NaN and the gradient at
// 0 is inf, not an error.
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Sqrt final : public Op {
 public:
  std::string_view name() const override { return "sqrt"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override { flat(output) = flat(inputs[0]).sqrt(); }
  void backward(std::span<const TensorView>, const TensorView& y, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    write_gradient(grads[0], 0.5 * flat(dy) / flat(y));
  }

  // Positive inputs, away from 0 where the slope is steep.
  static std::vector<OpExample> examples(Rng& rng) { return uniform_examples(rng, 0.5, 3.0); }
};
}  // namespace

namespace dagrad {
Expr sqrt(Expr x, std::string name) { return x.graph().add(std::make_unique<Sqrt>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(sqrt, Sqrt)

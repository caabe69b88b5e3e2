// L = sum((y - yhat)^2); dyhat = 2 dL (yhat - y), dy = 2 dL (y - yhat)
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class L2 final : public Op {
 public:
  std::string_view name() const override { return "l2"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 2) throw ShapeError(fmt::format("takes 2 inputs (yhat, y), got {}", inputs.size()));
    if (inputs[0] != inputs[1]) throw ShapeError(fmt::format("input shapes {} and {} differ", inputs[0], inputs[1]));
    return Shape{};
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    output[0] = (flat(inputs[1]) - flat(inputs[0])).square().sum();
  }
  void backward(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    double scale = 2.0 * dy[0];
    if (grads[0].needed) write_gradient(grads[0], scale * (flat(inputs[0]) - flat(inputs[1])));
    if (grads[1].needed) write_gradient(grads[1], scale * (flat(inputs[1]) - flat(inputs[0])));
  }

  static std::vector<OpExample> examples(Rng& rng) { return same_shape_examples(rng, 2); }
};
}  // namespace

namespace dagrad {
Expr l2(Expr yhat, Expr y, std::string name) {
  return yhat.graph().add(std::make_unique<L2>(), {yhat, y}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(l2, L2)

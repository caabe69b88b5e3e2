// L = sum((y - yhat)^2); dyhat = 2 dL (yhat - y), dy = 2 dL (y - yhat)
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class L2 final : public TypedOp<L2> {
 public:
  std::string_view name() const override { return "l2"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs[0] != inputs[1]) throw ShapeError(fmt::format("input shapes {} and {} differ", inputs[0], inputs[1]));
    return Shape{};
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView loss) {
    loss.data<T>()[0] = (flat<T>(inputs[1]) - flat<T>(inputs[0])).square().sum();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T scale = T(2) * dy.data<T>()[0];
    if (grads[0].needed) write_gradient(grads[0], scale * (flat<T>(inputs[0]) - flat<T>(inputs[1])));
    if (grads[1].needed) write_gradient(grads[1], scale * (flat<T>(inputs[1]) - flat<T>(inputs[0])));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    Expr toward = (2.0 * dy) * (x[0] - x[1]);
    return {needed[0] ? toward : Expr(), needed[1] ? -toward : Expr()};
  }

  static std::vector<OpExample> examples(Rng& rng) { return same_shape_examples(rng, 2); }
};
}  // namespace

namespace dagrad {
Expr l2(Expr yhat, Expr y, std::string name) {
  return yhat.graph().add_op(std::make_unique<L2>(), {yhat, y}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(l2, L2)

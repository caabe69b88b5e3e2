// L = mean(max(z, 0) - z t + log(1 + e^-|z|)); dz = dL * (sigmoid(z) - t) / n, dt = -dL * z / n
//
// PyTorch's BCEWithLogitsLoss (mean reduction): the same value as
// -mean(t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))), written so that
// e^-|z| never overflows and log1p keeps precision when it is tiny. Targets
// take a gradient, as in PyTorch (soft targets may be computed).
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class BceWithLogits final : public TypedOp<BceWithLogits> {
 public:
  std::string_view name() const override { return "bce_with_logits"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs[0] != inputs[1]) {
      throw ShapeError(fmt::format("logits of shape {} and targets of shape {} differ", inputs[0], inputs[1]));
    }
    if (inputs[0].elements() == 0) {
      throw ShapeError(fmt::format("logits of shape {} are empty: the loss averages over no elements", inputs[0]));
    }
    return Shape{};
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView loss) {
    auto z = flat<T>(inputs[0]);
    auto t = flat<T>(inputs[1]);
    // max(z, 0) - z t is written (1 - t) max(z, 0) + t max(-z, 0) (equal
    // for finite z), each term dropped when its weight is 0, so that
    // infinite logits give the limit: z = +inf gives +inf for t = 0 (as
    // PyTorch) and 0 for t = 1, where inf - inf would be NaN.
    const T total = ((t != T(1)).select((T(1) - t) * z.max(T(0)), T(0)) +
                     (t != T(0)).select(t * (-z).max(T(0)), T(0)) + (-z.abs()).exp().log1p())
                        .sum();
    loss.data<T>()[0] = total / T(z.size());
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    auto z = flat<T>(inputs[0]);
    auto t = flat<T>(inputs[1]);
    const T scale = dy.data<T>()[0] / T(z.size());
    // 1 / (1 + e^-z) is exact at both ends (see ops/sigmoid.cpp).
    if (grads[0].needed) write_gradient(grads[0], scale * (T(1) / (T(1) + (-z).exp()) - t));
    if (grads[1].needed) write_gradient(grads[1], -scale * z);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    const Expr scale = dy * (1.0 / double(x[0].shape().elements()));
    return {needed[0] ? scale * (sigmoid(x[0]) - x[1]) : Expr(), needed[1] ? -(scale * x[0]) : Expr()};
  }

  // Normal logits with targets in [0, 1], at the standard shapes.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (const Shape& shape : standard_shapes(rng)) {
      cases.push_back({{random_normal(shape, rng), random_uniform(shape, rng, 0.0, 1.0)}, {}, {}});
    }
    return cases;
  }
};
}  // namespace

namespace dagrad {
Expr bce_with_logits(Expr logits, Expr targets, std::string name) {
  return logits.graph().add_op(std::make_unique<BceWithLogits>(), {logits, targets}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(bce_with_logits, BceWithLogits)

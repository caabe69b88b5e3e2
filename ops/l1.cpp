// L = sum(|y - yhat|); dyhat = dL * sign(yhat - y), dy = dL * sign(y - yhat)  (sign(0) = 0, as PyTorch)
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// slot (=, or += when accumulating) scale * sign(a - b), with sign(0) = 0.
// A plain loop: the compiler turns the conditionals into vector compares and
// blends, where Eigen 3.4's sign() runs one element at a time (a third of the
// whole op's time).
template <class T>
void write_scaled_sign(GradientSlot& slot, const TensorView& a, const TensorView& b, T scale) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* out = slot.grad.data<T>();
  const std::int64_t n = a.size();
  auto sign = [scale](T d) { return d > 0 ? scale : (d < 0 ? -scale : T(0)); };
  if (slot.accumulate) {
    for (std::int64_t i = 0; i < n; ++i) out[i] += sign(pa[i] - pb[i]);
  } else {
    for (std::int64_t i = 0; i < n; ++i) out[i] = sign(pa[i] - pb[i]);
  }
}

class L1 final : public TypedOp<L1> {
 public:
  std::string_view name() const override { return "l1"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs[0] != inputs[1]) throw ShapeError(fmt::format("input shapes {} and {} differ", inputs[0], inputs[1]));
    return Shape{};
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView loss) {
    loss.data<T>()[0] = (flat<T>(inputs[1]) - flat<T>(inputs[0])).abs().sum();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T scale = dy.data<T>()[0];
    if (grads[0].needed) write_scaled_sign<T>(grads[0], inputs[0], inputs[1], scale);
    if (grads[1].needed) write_scaled_sign<T>(grads[1], inputs[1], inputs[0], scale);
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    // sign(y - yhat) = -sign(yhat - y): one mul_sign node serves both.
    Expr toward = graph.apply("mul_sign", {broadcast_to_shape(dy, x[0].shape()), x[0] - x[1]});
    return {needed[0] ? toward : Expr(), needed[1] ? -toward : Expr()};
  }
  // |y - yhat| has its kink where yhat == y.
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inputs[0].get(element) - inputs[1].get(element);
  }

  static std::vector<OpExample> examples(Rng& rng) { return same_shape_examples(rng, 2); }
};
}  // namespace

namespace dagrad {
Expr l1(Expr yhat, Expr y, std::string name) {
  return yhat.graph().add_op(std::make_unique<L1>(), {yhat, y}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(l1, L1)

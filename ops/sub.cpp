// y = a - b (NumPy broadcasting); da = dy summed to a's shape, db = -dy summed to b's shape
#include "dagrad/autodiff.hpp"
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Sub final : public BroadcastOp<Sub> {
 public:
  std::string_view name() const override { return "sub"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    broadcast_apply<T>(inputs[0], inputs[1], y, [](const auto& a, const auto& b) { return a - b; });
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    if (grads[0].needed) sum_to_shape(dy, grads[0]);
    if (grads[1].needed) sum_to_shape(dy, grads[1], -1.0);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    return {needed[0] ? sum_to_shape(dy, x[0].shape()) : Expr(), needed[1] ? sum_to_shape(-dy, x[1].shape()) : Expr()};
  }
};
}  // namespace

namespace dagrad {
Expr sub(Expr a, Expr b, std::string name) { return a.graph().add_op(std::make_unique<Sub>(), {a, b}, std::move(name)); }
Expr operator-(Expr a, Expr b) { return sub(a, b); }
Expr operator-(Expr a, double b) { return sub(a, a.graph().constant(Tensor::scalar(b, a.dtype()))); }
Expr operator-(double a, Expr b) { return sub(b.graph().constant(Tensor::scalar(a, b.dtype())), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(sub, Sub)

// y = a + b (NumPy broadcasting); da = dy summed to a's shape, db = dy summed to b's shape
#include "dagrad/autodiff.hpp"
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Add final : public BroadcastOp<Add> {
 public:
  std::string_view name() const override { return "add"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    broadcast_apply<T>(inputs[0], inputs[1], y, [](const auto& a, const auto& b) { return a + b; });
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    for (GradientSlot& slot : grads) {
      if (slot.needed) sum_to_shape(dy, slot);
    }
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    return {needed[0] ? sum_to_shape(dy, x[0].shape()) : Expr(), needed[1] ? sum_to_shape(dy, x[1].shape()) : Expr()};
  }
};
}  // namespace

namespace dagrad {
Expr add(Expr a, Expr b, std::string name) { return a.graph().add_op(std::make_unique<Add>(), {a, b}, std::move(name)); }
Expr operator+(Expr a, Expr b) { return add(a, b); }
Expr operator+(Expr a, double b) { return add(a, a.graph().constant(Tensor::scalar(b, a.dtype()))); }
Expr operator+(double a, Expr b) { return add(b.graph().constant(Tensor::scalar(a, b.dtype())), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(add, Add)

// y = a * b elementwise (NumPy broadcasting); da = dy * b summed to a's shape, db = dy * a summed to b's shape
#include "dagrad/autodiff.hpp"
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Mul final : public BroadcastOp<Mul> {
 public:
  std::string_view name() const override { return "mul"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    broadcast_apply<T>(inputs[0], inputs[1], y, [](const auto& a, const auto& b) { return a * b; });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    auto product = [](const auto& g, const auto& other) { return g * other; };
    for (int i = 0; i < 2; ++i) {
      if (grads[i].needed) write_broadcast_gradient<T>(dy, inputs[1 - i], grads[i], scratch_, product);
    }
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    return {needed[0] ? sum_to_shape(dy * x[1], x[0].shape()) : Expr(),
            needed[1] ? sum_to_shape(dy * x[0], x[1].shape()) : Expr()};
  }

 private:
  Tensor scratch_;  // dy * other at the output's shape, when an input is broadcast; sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(scratch_); }
};
}  // namespace

namespace dagrad {
Expr mul(Expr a, Expr b, std::string name) { return a.graph().add_op(std::make_unique<Mul>(), {a, b}, std::move(name)); }
Expr operator*(Expr a, Expr b) { return mul(a, b); }
Expr operator*(Expr a, double b) { return mul(a, a.graph().constant(Tensor::scalar(b, a.dtype()))); }
Expr operator*(double a, Expr b) { return mul(b.graph().constant(Tensor::scalar(a, b.dtype())), b); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(mul, Mul)

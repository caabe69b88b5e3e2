// y = -x; dx = -dy
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Neg final : public ElementwiseOp<Neg> {
 public:
  std::string_view name() const override { return "neg"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = -flat<T>(inputs[0]);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], -flat<T>(dy));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {-dy};
  }
};
}  // namespace

namespace dagrad {
Expr neg(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Neg>(), {x}, std::move(name)); }
Expr operator-(Expr x) { return neg(x); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(neg, Neg)

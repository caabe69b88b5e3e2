// y = x^2; dx = 2 x dy
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Square final : public ElementwiseOp<Square> {
 public:
  std::string_view name() const override { return "square"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).square();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], T(2) * flat<T>(inputs[0]) * flat<T>(dy));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {(2.0 * x[0]) * dy};
  }
};
}  // namespace

namespace dagrad {
Expr square(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Square>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(square, Square)

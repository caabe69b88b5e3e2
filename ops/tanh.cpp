// y = tanh(x); dx = dy * (1 - y^2)  (from the saved output)
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"
#include "vector_tanh.hpp"

namespace {
using namespace dagrad;

class Tanh final : public ElementwiseOp<Tanh> {
 public:
  std::string_view name() const override { return "tanh"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    vector_math::tanh_into(inputs[0].data<T>(), y.data<T>(), y.size());
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& y, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy) * (T(1) - flat<T>(y).square()));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy * (1.0 - square(y))};
  }
};
}  // namespace

namespace dagrad {
Expr tanh(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Tanh>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(tanh, Tanh)

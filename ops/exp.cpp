// y = e^x; dx = dy * y  (from the saved output)
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"
#include "vector_exp.hpp"

namespace {
using namespace dagrad;

class Exp final : public ElementwiseOp<Exp> {
 public:
  std::string_view name() const override { return "exp"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    vector_math::exp_into(inputs[0].data<T>(), y.data<T>(), y.size());
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& y, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy) * flat<T>(y));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy * y};
  }
};
}  // namespace

namespace dagrad {
Expr exp(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Exp>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(exp, Exp)

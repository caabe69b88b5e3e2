// y = 1 / (1 + e^-x); dx = dy * y * (1 - y)  (the course's sigmoid_derivative, from the saved output)
//
// The formula needs no special case for large |x|: e^-x overflows to inf for
// x < -709 and 1 / inf is exactly 0, while for large x e^-x underflows to 0.
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"
#include "vector_exp.hpp"

namespace {
using namespace dagrad;

class Sigmoid final : public ElementwiseOp<Sigmoid> {
 public:
  std::string_view name() const override { return "sigmoid"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    vector_math::sigmoid_into(inputs[0].data<T>(), y.data<T>(), y.size());
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& y, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy) * flat<T>(y) * (T(1) - flat<T>(y)));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy * y * (1.0 - y)};
  }
};
}  // namespace

namespace dagrad {
Expr sigmoid(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Sigmoid>(), {x}, std::move(name)); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(sigmoid, Sigmoid)

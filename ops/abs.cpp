// y = |x|; dx = dy * sign(x)  (sign(0) = 0: the gradient at the kink x = 0 is 0, as PyTorch)
#include "dagrad/autodiff.hpp"
#include "kink_at_zero.hpp"

namespace {
using namespace dagrad;

// The kink offset and the gradient-check inputs are kink_at_zero.hpp's.
class Abs final : public kink_at_zero::KinkAtZeroOp<Abs> {
 public:
  std::string_view name() const override { return "abs"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).abs();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy) * flat<T>(inputs[0]).sign());
  }
  // mul_sign(dy, x) is dy * sign(x) with sign(0) = 0, as Eigen's sign.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {graph.apply("mul_sign", {dy, x[0]})};
  }
};
}  // namespace

namespace dagrad {
Expr abs(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Abs>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(abs, Abs)

// y = sqrt(x); dx = dy / (2 y)  (from the saved output)
//
// As NumPy and PyTorch: sqrt of a negative number is NaN and the gradient at
// 0 is inf, not an error.
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Sqrt final : public ElementwiseOp<Sqrt> {
 public:
  std::string_view name() const override { return "sqrt"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).sqrt();
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& y, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], T(0.5) * flat<T>(dy) / flat<T>(y));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {(0.5 * dy) / y};
  }

  // Positive inputs, away from 0 where the slope is steep.
  static std::vector<OpExample> examples(Rng& rng) { return uniform_examples(rng, 0.5, 3.0); }
};
}  // namespace

namespace dagrad {
Expr sqrt(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Sqrt>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(sqrt, Sqrt)

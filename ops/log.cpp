// y = ln x; dx = dy / x
//
// As NumPy and PyTorch: log 0 = -inf and log of a negative number is NaN,
// not an error (a model that needs a guard adds a small constant first).
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Log final : public ElementwiseOp<Log> {
 public:
  std::string_view name() const override { return "log"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).log();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy) / flat<T>(inputs[0]));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy / x[0]};
  }

  // Positive inputs, away from 0 where the slope is steep.
  static std::vector<OpExample> examples(Rng& rng) { return uniform_examples(rng, 0.5, 3.0); }
};
}  // namespace

namespace dagrad {
Expr log(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Log>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(log, Log)

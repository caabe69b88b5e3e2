// y = log(sigmoid(x)) = min(x, 0) - log(1 + e^-|x|); dx = dy * sigmoid(-x)
//
// The stable form of -softplus(-x), as PyTorch's log_sigmoid: e^-|x| never
// overflows, and log1p keeps the tail exact (log_sigmoid(40) = -4.2e-18,
// not 0; log_sigmoid(-1000) = -1000).
#include <algorithm>
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class LogSigmoid final : public ElementwiseOp<LogSigmoid> {
 public:
  std::string_view name() const override { return "log_sigmoid"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([](T x) { return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x))); });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy).binaryExpr(flat<T>(inputs[0]), [](T g, T x) {
      const T e = std::exp(-std::abs(x));  // sigmoid(-x) without overflow
      return g * (x >= 0 ? e / (T(1) + e) : T(1) / (T(1) + e));
    }));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy * sigmoid(-x[0])};
  }
};
}  // namespace

namespace dagrad {
Expr log_sigmoid(Expr x, std::string name) {
  return x.graph().add_op(std::make_unique<LogSigmoid>(), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(log_sigmoid, LogSigmoid)

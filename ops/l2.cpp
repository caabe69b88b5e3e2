// L = sum((y - yhat)^2); dyhat = 2 dL (yhat - y), dy = 2 dL (y - yhat)
#include "pair_loss.hpp"

namespace {
using namespace dagrad;

// The shape rule, examples and builder are PairLossOp's.
class L2 final : public pair_loss::PairLossOp<L2> {
 public:
  static constexpr std::string_view op_name = "l2";
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView loss) {
    loss.data<T>()[0] = (flat<T>(inputs[1]) - flat<T>(inputs[0])).square().sum();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T scale = T(2) * dy.data<T>()[0];
    if (grads[0].needed) write_gradient(grads[0], scale * (flat<T>(inputs[0]) - flat<T>(inputs[1])));
    if (grads[1].needed) write_gradient(grads[1], scale * (flat<T>(inputs[1]) - flat<T>(inputs[0])));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    Expr toward = (2.0 * dy) * (x[0] - x[1]);
    return opposite_pair(toward, needed);
  }
};
}  // namespace

namespace dagrad {
Expr l2(Expr yhat, Expr y, std::string name) { return L2::add_to(yhat, y, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(l2, L2)

// y = max(a, b) elementwise (NumPy broadcasting); da = dy where a > b, db = dy where b > a, each summed to its input's shape
//
// Ties split the gradient as PyTorch's maximum does: where a == b each input
// gets dy / 2 (the kink is at a == b). A NaN in either input gives NaN, and
// then both inputs get dy (PyTorch masks only where a < b or a > b).
#include "dagrad/elementwise.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// The share of dy that goes to `mine` against `other`: 1, 1/2 at a tie, 0.
template <class T>
T share_of_larger(T mine, T other) {
  return mine < other ? T(0) : mine == other ? T(0.5) : T(1);
}

class Maximum final : public BroadcastOp<Maximum> {
 public:
  std::string_view name() const override { return "maximum"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    broadcast_apply<T>(inputs[0], inputs[1], y, pairwise([](T a, T b) { return a > b || a != a ? a : b; }));
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    for (int i = 0; i < 2; ++i) {
      if (!grads[i].needed) continue;
      scratch_.resize(dy.shape(), dtype_of<T>);
      broadcast_apply<T>(inputs[i], inputs[1 - i], scratch_, pairwise([](T mine, T other) {
                           return share_of_larger(mine, other);
                         }));
      flat<T>(scratch_.view()) *= flat<T>(dy);
      sum_to_shape(scratch_, grads[i]);
    }
  }
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return nearest_tie_offset(inputs[0], inputs[1], element);
  }
  static std::vector<OpExample> examples(Rng& rng) { return untied_broadcast_examples(rng); }

 private:
  Tensor scratch_;  // an input's share of dy at the output's shape; sized once
};
}  // namespace

namespace dagrad {
Expr maximum(Expr a, Expr b, std::string name) {
  return a.graph().add_op(std::make_unique<Maximum>(), {a, b}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(maximum, Maximum)

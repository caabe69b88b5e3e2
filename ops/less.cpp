// y = 1 where a < b, else 0, in the inputs' dtype (NumPy broadcasting); not differentiable: no gradient flows to a or b
//
// PyTorch's comparisons return bool tensors without gradients; dagrad's
// values are floating-point, so the result is 1 or 0 (a mask for mul, or a
// condition for where). A NaN compares false.
#include "dagrad/elementwise.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Less final : public BroadcastOp<Less> {
 public:
  std::string_view name() const override { return "less"; }
  bool differentiable(int) const override { return false; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    broadcast_apply<T>(inputs[0], inputs[1], y, pairwise([](T a, T b) { return a < b ? T(1) : T(0); }));
  }
  // Never called with a needed slot: no input is differentiable.
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView&, std::span<GradientSlot>) {}
};
}  // namespace

namespace dagrad {
Expr less(Expr a, Expr b, std::string name) {
  return a.graph().add_op(std::make_unique<Less>(), {a, b}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(less, Less)

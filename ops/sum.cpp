// y = sum of x over every element or over one axis; dx = dy repeated over the summed elements
//
// Attributes {"axis": k, "keepdims": bool}, as NumPy's sum(x, axis, keepdims);
// no axis reduces every element (a rank-0 result). The shape rule and
// kernels are dagrad/reduction.hpp's, shared with the other reduction op.
#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

// The attributes, label, examples and builder are ReductionOp's.
class Sum final : public ReductionOp<Sum> {
 public:
  static constexpr std::string_view op_name = "sum";
  using ReductionOp::ReductionOp;

  // The kernels dispatch on the dtype themselves (dagrad/reduction.hpp).
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.sum(inputs[0], output, 1.0);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    reduction_.spread(dy, grads[0], 1.0);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {broadcast_to_shape(reshape_to(dy, reduction_.kept_shape(x[0].shape())), x[0].shape())};
  }
};
}  // namespace

namespace dagrad {
Expr sum(Expr x, std::string name) { return Sum::add_to(x, {}, std::move(name)); }
Expr sum(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return Sum::add_to(x, AxisReduction(axis, keepdims), std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(sum, Sum)

// y = the index of the largest x over every element (flat, C order) or along one axis; no gradient
//
// NumPy's and PyTorch's argmax(x, axis, keepdims): the first index on ties
// (argmax([1, 3, 3]) is 1), and a NaN counts as the largest, as both do.
// The indices are stored as floats of x's dtype, as class labels are
// (softmax_cross_entropy), exactly up to 2^24 in float32. Attributes
// {"axis": k, "keepdims": bool} as sum's; no axis indexes the flattened
// input. An index is piecewise constant: the input takes no gradient, and
// backward writes nothing. An empty axis is an error, as in NumPy and PyTorch.
#include <cmath>

#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

// The attributes, label, examples and builder are ReductionOp's.
class Argmax final : public ReductionOp<Argmax> {
 public:
  static constexpr std::string_view op_name = "argmax";
  using ReductionOp::ReductionOp;

  bool differentiable(int) const override { return false; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    reduction_.expect_elements(op_name, inputs[0]);
    return reduction_.result_shape(inputs[0]);
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.reduce_lanes<T>(inputs[0], output, [](auto at, std::int64_t length) {
      std::int64_t best = 0;
      // Strictly greater keeps the first of tied maxima; the first NaN wins for good.
      for (std::int64_t k = 1; k < length && !std::isnan(at(best)); ++k) {
        if (at(k) > at(best) || std::isnan(at(k))) best = k;
      }
      return T(best);
    });
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView&, std::span<GradientSlot>) {}
};
}  // namespace

namespace dagrad {
Expr argmax(Expr x, std::string name) { return Argmax::add_to(x, {}, std::move(name)); }
Expr argmax(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return Argmax::add_to(x, AxisReduction(axis, keepdims), std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(argmax, Argmax)

// Reductions over every element or over one axis, with NumPy's keepdims: the
// shape rule, attributes and kernels shared by reduction ops (sum, mean, max,
// min, ...) and available to a user's own. Attributes: {"axis": k,
// "keepdims": bool}; no axis reduces every element; a negative axis counts
// from the end.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/eigen.hpp"
#include "dagrad/graph.hpp"

namespace dagrad {

class AxisReduction {
 public:
  AxisReduction() = default;
  AxisReduction(std::optional<std::int64_t> axis, bool keepdims) : axis_(axis), keepdims_(keepdims) {}
  // Reads "axis" and "keepdims"; `op` names the op in errors about other attributes.
  static AxisReduction from_attrs(std::string_view op, const Attrs& attrs);
  // The same without rejecting other attributes, for an op that takes more
  // (it checks its full list with Attrs::expect_only first).
  static AxisReduction read_attrs(std::string_view op, const Attrs& attrs);
  Attrs attrs() const;
  // "sum", "sum axis=1", "mean axis=-1 keepdims".
  std::string label(std::string_view op) const;

  // Throws ShapeError "axis 2 is out of range for shape (3, 4)".
  Shape result_shape(const Shape& input) const;
  // The result shape with the reduced axes kept as size 1 (whatever
  // keepdims says): what the symbolic backward reshapes dy to before
  // broadcasting it back over the input.
  Shape kept_shape(const Shape& input) const;
  // Elements summed into each output element (the divisor of a mean).
  std::int64_t count(const Shape& input) const;

  // output = scale * (sum of x over the reduced elements). Any dtype.
  void sum(const TensorView& x, const TensorView& output, double scale) const;
  // The backward of sum: scale * dy spread over the reduced elements of the
  // input's shape (slot.grad), written as the op contract says.
  void spread(const TensorView& dy, GradientSlot& slot, double scale) const;

  // For a reduction with no value over no elements (max, argmax, var):
  // throws ShapeError "the max of input shape (3, 0) over axis 1 reduces no
  // elements" when a non-empty result would reduce an empty axis.
  void expect_elements(std::string_view what, const Shape& input) const;

  // The reduced elements of each output element, for kernels other than a
  // sum: output element `lane` reduces the input elements start(lane) +
  // k * stride for k < length.
  struct Lanes {
    std::int64_t count = 0, length = 0, stride = 1;
    std::int64_t start(std::int64_t lane) const { return lane / stride * length * stride + lane % stride; }
    // The output element that input element `element` is reduced into.
    std::int64_t lane_of(std::int64_t element) const {
      return element / (length * stride) * stride + element % stride;
    }
  };
  Lanes lanes(const Shape& input) const;
  // output[lane] = reduce(at, length) for every lane of x, where at(k) is
  // the lane's k-th element (k < length): the loop of a kernel other than a
  // sum (argmax, logsumexp). T is x's scalar type.
  template <class T, class Reduce>
  void reduce_lanes(const TensorView& x, const TensorView& output, Reduce reduce) const {
    const Lanes lanes = this->lanes(x.shape());
    T* out = output.data<T>();
    for (std::int64_t lane = 0; lane < lanes.count; ++lane) {
      const T* first = x.data<T>() + lanes.start(lane);
      out[lane] = reduce([first, stride = lanes.stride](std::int64_t k) { return first[k * stride]; }, lanes.length);
    }
  }

  // The largest (or smallest) reduced element, as PyTorch's amax (amin): a
  // NaN anywhere in the lane gives NaN. Any dtype; the lanes must not be
  // empty (expect_elements in the shape rule).
  void extreme(const TensorView& x, const TensorView& output, bool largest) const;
  // The backward of extreme(): dy split evenly among the elements equal to
  // the result y (PyTorch's amax/amin tie rule), zero elsewhere.
  void spread_to_extremes(const TensorView& x, const TensorView& y, const TensorView& dy, GradientSlot& slot) const;
  // The kink of max (min) at input element e: x_e minus the largest other
  // element of its lane (the smallest other minus x_e): the gap to the
  // runner-up for the extreme, 0 at a tie, negative for the rest; infinite
  // in a lane of one element.
  double extreme_kink_offset(const TensorView& x, std::int64_t element, bool largest) const;

  // The backward of var and std: dx = (x - mean of its lane) * weight(lane),
  // written as the op contract says. T is x's scalar type.
  template <class T, class Weight>
  void spread_deviations(const TensorView& x, GradientSlot& slot, Weight weight) const {
    const Lanes lanes = this->lanes(x.shape());
    const T* in = x.data<T>();
    T* dx = slot.grad.data<T>();
    for (std::int64_t lane = 0; lane < lanes.count; ++lane) {
      const std::int64_t start = lanes.start(lane);
      T total = 0;
      for (std::int64_t k = 0; k < lanes.length; ++k) total += in[start + k * lanes.stride];
      const T mean = total / T(lanes.length), w = weight(lane);
      for (std::int64_t k = 0; k < lanes.length; ++k) {
        const std::int64_t e = start + k * lanes.stride;
        assign_or_add(dx[e], (in[e] - mean) * w, slot.accumulate);
      }
    }
  }

  // Gradient-check cases: every element, then each axis of a rank-2 and a
  // rank-3 tensor, positive and negative, with and without keepdims.
  static std::vector<OpExample> examples(Rng& rng);

  // For symbolic backwards (dagrad/autodiff.hpp), written with ops in the
  // graph of their arguments:
  // `reduced` (of result_shape(input)) reshaped to kept_shape(input), ready
  // to broadcast against the input.
  Expr kept(Expr reduced, const Shape& input) const;
  // The registered reduction `op` ("sum", "mean") of x over this
  // reduction's axes, kept (as above).
  Expr apply_kept(std::string_view op, Expr x) const;
  // spread_to_extremes as ops: dy / t at the t elements of each lane equal
  // to its result y, 0 elsewhere.
  Expr spread_to_extremes(Expr x, Expr y, Expr dy) const;

 private:
  // The input as (outer, length, inner) around the reduced axis.
  struct Split {
    std::int64_t outer = 1, length = 1, inner = 1;
  };
  Split split(const Shape& input) const;

  std::optional<std::int64_t> axis_;
  bool keepdims_ = false;
};

// var and std: an AxisReduction plus {"correction": c}, an integer >= 0,
// default 1 (PyTorch's unbiased default: divide by n - 1; 0 divides by n,
// NumPy's default).
class VarianceReduction {
 public:
  VarianceReduction() = default;
  // Throws Error naming `op` when correction < 0.
  VarianceReduction(std::string_view op, AxisReduction axes, std::int64_t correction);
  static VarianceReduction from_attrs(std::string_view op, const Attrs& attrs);
  Attrs attrs() const;
  // "var axis=1 correction=0"
  std::string label(std::string_view op) const;
  // Throws ShapeError when a non-empty result would divide by
  // n - correction <= 0 (where PyTorch gives NaN or inf).
  Shape result_shape(const Shape& input) const;
  const AxisReduction& axes() const { return axes_; }
  // n - correction, the divisor of each variance.
  std::int64_t divisor(const Shape& input) const { return axes_.count(input) - correction_; }

  // sum((x - mean)^2) / (n - correction) over each lane, the mean taken
  // first (two passes, no cancellation). Any dtype.
  void variance(const TensorView& x, const TensorView& output) const;
  // The variance of the lane holding input element `element`.
  double lane_variance(const TensorView& x, std::int64_t element) const;
  // sum's cases with more elements than the correction, which cycles 0, 1, 2.
  static std::vector<OpExample> examples(Rng& rng);

 private:
  AxisReduction axes_;
  std::int64_t correction_ = 1;
};

// An op reducing its one input with a Reduction (AxisReduction or
// VarianceReduction): the constructors from attributes or a reduction (none
// reduces every element), the attributes, label, arity, shape rule
// (result_shape; an op with more checks overrides it), gradient-check cases
// and the builders' node. Derived names itself in
// `static constexpr std::string_view op_name` and writes the kernels.
template <class Derived, class Reduction = AxisReduction>
class ReductionOp : public TypedOp<Derived> {
 public:
  ReductionOp() = default;
  explicit ReductionOp(const Attrs& attrs) : reduction_(Reduction::from_attrs(Derived::op_name, attrs)) {}
  explicit ReductionOp(Reduction reduction) : reduction_(std::move(reduction)) {}

  std::string_view name() const override { return Derived::op_name; }
  Attrs attrs() const override { return reduction_.attrs(); }
  std::string label() const override { return reduction_.label(Derived::op_name); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return reduction_.result_shape(inputs[0]); }
  static std::vector<OpExample> examples(Rng& rng) { return Reduction::examples(rng); }

  // The builders' node: over every element, or as `reduction` says.
  static Expr add_to(Expr x, std::optional<Reduction> reduction, std::string name) {
    auto op = reduction ? std::make_unique<Derived>(std::move(*reduction)) : std::make_unique<Derived>();
    return x.graph().add_op(std::move(op), {x}, std::move(name));
  }

 protected:
  Reduction reduction_;
};

}  // namespace dagrad

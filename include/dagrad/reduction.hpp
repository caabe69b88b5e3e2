// Sums over every element or over one axis, with NumPy's keepdims: the shape
// rule, attributes and kernels shared by reduction ops (sum, mean) and
// available to a user's own. Attributes: {"axis": k, "keepdims": bool}; no
// axis reduces every element; a negative axis counts from the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/eigen.hpp"

namespace dagrad {

class AxisReduction {
 public:
  AxisReduction() = default;
  AxisReduction(std::optional<std::int64_t> axis, bool keepdims) : axis_(axis), keepdims_(keepdims) {}
  // Reads "axis" and "keepdims"; `op` names the op in errors about other attributes.
  static AxisReduction from_attrs(std::string_view op, const Attrs& attrs);
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

  // Gradient-check cases: every element, then each axis of a rank-2 and a
  // rank-3 tensor, positive and negative, with and without keepdims.
  static std::vector<OpExample> examples(Rng& rng);

 private:
  // The input as (outer, length, inner) around the reduced axis.
  struct Split {
    std::int64_t outer = 1, length = 1, inner = 1;
  };
  Split split(const Shape& input) const;

  std::optional<std::int64_t> axis_;
  bool keepdims_ = false;
};

}  // namespace dagrad

#include "dagrad/reduction.hpp"

#include "dagrad/broadcast.hpp"

namespace dagrad {

AxisReduction AxisReduction::from_attrs(std::string_view op, const Attrs& attrs) {
  attrs.expect_only(op, {"axis", "keepdims"});
  std::optional<std::int64_t> axis;
  if (attrs.has("axis")) axis = attrs.get_int(op, "axis");
  return AxisReduction(axis, attrs.get_bool(op, "keepdims", false));
}

Attrs AxisReduction::attrs() const {
  Attrs result;
  if (axis_) result.set("axis", *axis_);
  if (keepdims_) result.set("keepdims", true);
  return result;
}

std::string AxisReduction::label(std::string_view op) const {
  std::string text(op);
  if (axis_) text += fmt::format(" axis={}", *axis_);
  if (keepdims_) text += " keepdims";
  return text;
}

namespace {
int resolve_axis(std::int64_t axis, const Shape& input) {
  const std::int64_t rank = input.rank();
  if (axis < -rank || axis >= rank) {
    throw ShapeError(fmt::format("axis {} is out of range for shape {} (rank {})", axis, input, rank));
  }
  return int(axis < 0 ? axis + rank : axis);
}
}  // namespace

Shape AxisReduction::result_shape(const Shape& input) const {
  std::vector<std::int64_t> dims;
  if (!axis_) {
    if (keepdims_) dims.assign(std::size_t(input.rank()), 1);
  } else {
    const int axis = resolve_axis(*axis_, input);
    for (int k = 0; k < input.rank(); ++k) {
      if (k != axis) dims.push_back(input[k]);
      else if (keepdims_) dims.push_back(1);
    }
  }
  return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
}

Shape AxisReduction::kept_shape(const Shape& input) const {
  return AxisReduction(axis_, true).result_shape(input);
}

AxisReduction::Split AxisReduction::split(const Shape& input) const {
  Split s;
  if (!axis_) {
    s.length = input.elements();
    return s;
  }
  const int axis = resolve_axis(*axis_, input);
  for (int k = 0; k < input.rank(); ++k) {
    if (k < axis) s.outer *= input[k];
    else if (k == axis) s.length = input[k];
    else s.inner *= input[k];
  }
  return s;
}

std::int64_t AxisReduction::count(const Shape& input) const { return split(input).length; }

void AxisReduction::sum(const TensorView& x, const TensorView& output, double scale) const {
  const Split s = split(x.shape());
  visit_dtype(x.dtype(), [&]<class T>() {
    if (s.inner == 1) {
      // The last axis (or everything): one sum per row of an (outer, length) matrix.
      Eigen::Map<const RowMajorArray<T>> matrix(x.data<T>(), s.outer, s.length);
      Eigen::Map<FlatArray<T>>(output.data<T>(), s.outer) = T(scale) * matrix.rowwise().sum();
      return;
    }
    // An inner axis: per outer block, the column sums of a (length, inner)
    // row-major matrix, which Eigen vectorizes along the rows.
    for (std::int64_t o = 0; o < s.outer; ++o) {
      Eigen::Map<const RowMajorArray<T>> block(x.data<T>() + o * s.length * s.inner, s.length, s.inner);
      Eigen::Map<Eigen::Array<T, 1, Eigen::Dynamic>>(output.data<T>() + o * s.inner, s.inner) =
          T(scale) * block.colwise().sum();
    }
  });
}

void AxisReduction::spread(const TensorView& dy, GradientSlot& slot, double scale) const {
  const Split s = split(slot.grad.shape());
  visit_dtype(dy.dtype(), [&]<class T>() {
    using RowVector = Eigen::Array<T, 1, Eigen::Dynamic>;
    if (s.inner == 1) {
      Eigen::Map<RowMajorArray<T>> dx(slot.grad.data<T>(), s.outer, s.length);
      for (std::int64_t o = 0; o < s.outer; ++o) {
        assign_or_add(dx.row(o), RowVector::Constant(s.length, T(scale) * dy.data<T>()[o]), slot.accumulate);
      }
      return;
    }
    for (std::int64_t o = 0; o < s.outer; ++o) {
      Eigen::Map<RowMajorArray<T>> dx(slot.grad.data<T>() + o * s.length * s.inner, s.length, s.inner);
      Eigen::Map<const RowVector> row(dy.data<T>() + o * s.inner, s.inner);
      assign_or_add(dx, T(scale) * Eigen::Replicate<Eigen::Map<const RowVector>, Eigen::Dynamic, 1>(row, s.length, 1),
                    slot.accumulate);
    }
  });
}

std::vector<OpExample> AxisReduction::examples(Rng& rng) {
  std::vector<OpExample> cases;
  for (const Shape& shape : standard_shapes(rng)) cases.push_back({{random_normal(shape, rng)}, {}, {}});
  std::uniform_int_distribution<std::int64_t> size(2, 5);
  const Shape matrix{size(rng), size(rng)}, cube{size(rng), size(rng), size(rng)};
  cases.push_back({{random_normal(matrix, rng)}, {{"keepdims", true}}, {}});
  for (const Shape& shape : {matrix, cube}) {
    for (std::int64_t axis = -shape.rank(); axis < shape.rank(); ++axis) {
      for (bool keepdims : {false, true}) {
        cases.push_back({{random_normal(shape, rng)}, {{"axis", axis}, {"keepdims", keepdims}}, {}});
      }
    }
  }
  return cases;
}

}  // namespace dagrad

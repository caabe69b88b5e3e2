#include "dagrad/broadcast.hpp"

#include <algorithm>

namespace dagrad {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::array<std::int64_t, Shape::max_rank> dims{};
  for (int k = 1; k <= rank; ++k) {  // k-th axis from the end
    const std::int64_t da = k <= a.rank() ? a[a.rank() - k] : 1;
    const std::int64_t db = k <= b.rank() ? b[b.rank() - k] : 1;
    if (da != db && da != 1 && db != 1) {
      throw ShapeError(fmt::format("shapes {} and {} cannot broadcast", a, b));
    }
    dims[std::size_t(rank - k)] = da == 1 ? db : da;
  }
  return Shape(std::span<const std::int64_t>(dims.data(), std::size_t(rank)));
}

BroadcastKind broadcast_kind(const Shape& operand, const Shape& result) {
  const std::int64_t elements = operand.elements();
  if (elements == result.elements()) return BroadcastKind::same;
  if (elements == 1) return BroadcastKind::scalar;
  const int rank = result.rank(), offset = rank - operand.rank();
  // Row: the operand's last axis is the result's, every other axis is 1.
  if (operand.rank() >= 1 && operand.last() == result.last() && elements == result.last()) return BroadcastKind::row;
  // Column: the operand matches the result on every axis but the last, where it is 1.
  if (operand.rank() >= 1 && operand.last() == 1 && elements == result.rows()) {
    bool leading_match = true;
    for (int axis = 0; axis + 1 < rank; ++axis) {
      const std::int64_t d = axis >= offset ? operand[axis - offset] : 1;
      if (d != result[axis]) leading_match = false;
    }
    if (leading_match) return BroadcastKind::column;
  }
  return BroadcastKind::general;
}

std::array<std::int64_t, Shape::max_rank> broadcast_strides(const Shape& operand, const Shape& result) {
  std::array<std::int64_t, Shape::max_rank> strides{};
  const int offset = result.rank() - operand.rank();
  std::int64_t stride = 1;
  for (int axis = operand.rank() - 1; axis >= 0; --axis) {
    strides[std::size_t(axis + offset)] = operand[axis] == 1 ? 0 : stride;
    stride *= operand[axis];
  }
  return strides;
}

namespace {
template <class T>
void sum_to_shape_as(const TensorView& full, GradientSlot& slot, T scale) {
  const Shape& shape = full.shape();
  TensorView& grad = slot.grad;
  if (shape.elements() == 0) {
    // Nothing was broadcast: the gradient is zero. (Eigen's partial sums over
    // an empty matrix offset its null data pointer, which is undefined.)
    if (!slot.accumulate) grad.fill(0.0);
    return;
  }
  switch (broadcast_kind(grad.shape(), shape)) {
    case BroadcastKind::same:
      if (scale == T(1)) {
        write_gradient(slot, flat<T>(full));
      } else {
        write_gradient(slot, scale * flat<T>(full));
      }
      return;
    case BroadcastKind::scalar: {
      const T total = scale * flat<T>(full).sum();
      T& target = grad.data<T>()[0];
      target = slot.accumulate ? target + total : total;
      return;
    }
    case BroadcastKind::row: {
      // Column sums of a row-major matrix: Eigen vectorizes across the row.
      Eigen::Map<Eigen::Array<T, 1, Eigen::Dynamic>> target(grad.data<T>(), shape.last());
      assign_or_add(target, scale * as_rows<T>(full).colwise().sum(), slot.accumulate);
      return;
    }
    case BroadcastKind::column: {
      Eigen::Map<FlatArray<T>> target(grad.data<T>(), shape.rows());
      assign_or_add(target, scale * as_rows<T>(full).rowwise().sum(), slot.accumulate);
      return;
    }
    case BroadcastKind::general:
      break;
  }
  // The index loop: every element of `full` adds into the operand element it
  // was broadcast from.
  if (!slot.accumulate) grad.fill(0.0);
  const int rank = shape.rank();
  const auto strides = broadcast_strides(grad.shape(), shape);
  const std::int64_t inner = shape.last(), outer = shape.rows(), inner_stride = strides[std::size_t(rank - 1)];
  std::array<std::int64_t, Shape::max_rank> index{};
  std::int64_t offset = 0;
  const T* source = full.data<T>();
  for (std::int64_t r = 0; r < outer; ++r, source += inner) {
    T* target = grad.data<T>() + offset;
    for (std::int64_t j = 0; j < inner; ++j) target[j * inner_stride] += scale * source[j];
    for (int axis = rank - 2; axis >= 0; --axis) {
      offset += strides[std::size_t(axis)];
      if (++index[std::size_t(axis)] < shape[axis]) break;
      offset -= strides[std::size_t(axis)] * shape[axis];
      index[std::size_t(axis)] = 0;
    }
  }
}
}  // namespace

void sum_to_shape(const TensorView& full, GradientSlot& slot, double scale) {
  visit_dtype(full.dtype(), [&]<class T>() { sum_to_shape_as<T>(full, slot, T(scale)); });
}

std::vector<std::pair<Shape, Shape>> broadcast_example_shapes(Rng& rng) {
  std::vector<std::pair<Shape, Shape>> pairs;
  for (const Shape& shape : standard_shapes(rng)) pairs.emplace_back(shape, shape);
  std::uniform_int_distribution<std::int64_t> size(2, 5);
  const std::int64_t m = size(rng), n = size(rng), k = size(rng);
  pairs.emplace_back(Shape{3, 1}, Shape{1, 4});
  pairs.emplace_back(Shape{m, n}, Shape{1, n});  // a row bias on a batch
  pairs.emplace_back(Shape{1, n}, Shape{m, n});
  pairs.emplace_back(Shape{m, n}, Shape{n});
  pairs.emplace_back(Shape{m, n}, Shape{m, 1});  // a column
  pairs.emplace_back(Shape{m, 1}, Shape{m, n});
  pairs.emplace_back(Shape{}, Shape{m, n});      // a scalar with a matrix
  pairs.emplace_back(Shape{m, n}, Shape{});
  pairs.emplace_back(Shape{k, m, n}, Shape{n});  // a row on rank 3
  pairs.emplace_back(Shape{k, 1, n}, Shape{m, 1});  // general on rank 3
  pairs.emplace_back(Shape{1, n}, Shape{m, 1});  // an outer sum, the other way round
  return pairs;
}

std::vector<OpExample> broadcast_examples(Rng& rng) {
  std::vector<OpExample> cases;
  for (const auto& [a, b] : broadcast_example_shapes(rng)) {
    cases.push_back({{random_normal(a, rng), random_normal(b, rng)}, {}, {}});
  }
  return cases;
}

}  // namespace dagrad

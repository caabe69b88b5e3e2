// NumPy broadcasting for elementwise ops of two inputs: the shape rule, a
// kernel that applies a function over two broadcast operands, and the
// reduction that sums a gradient back to an operand's shape. Op-agnostic:
// add, sub, mul and div in ops/ are written with these, and so can a user's
// own binary op.
//
// The common cases run as Eigen expressions that vectorize (same shape, a
// scalar, a row vector over every row such as a bias (n) or (1, n) on a
// batch (m, n), a column (m, 1) over (m, n)); any other pair of shapes goes
// through an index loop.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "dagrad/eigen.hpp"

namespace dagrad {

// The broadcast shape of two operands, by NumPy's rule: shapes are aligned at
// their last axis, and along each axis the sizes must be equal or one of them
// 1. Throws ShapeError "shapes (3, 2) and (4,) cannot broadcast".
Shape broadcast_shapes(const Shape& a, const Shape& b);

// How an operand lies within the broadcast result (which fast path it takes).
enum class BroadcastKind {
  same,     // as many elements as the result, in the same order (only missing or size-1 leading axes differ)
  scalar,   // one element, repeated everywhere
  row,      // the result's last axis, repeated over every row: (n) or (1, n) on (m, n)
  column,   // one value per row of the result, repeated along the last axis: (m, 1) on (m, n)
  general,  // anything else: (3, 1) with (1, 4) on rank 3, ...
};
// `operand` must broadcast to `result` (as broadcast_shapes checked).
BroadcastKind broadcast_kind(const Shape& operand, const Shape& result);

// The operand's element strides along each of the result's axes: 0 along
// axes the operand is broadcast over (missing or size 1).
std::array<std::int64_t, Shape::max_rank> broadcast_strides(const Shape& operand, const Shape& result);

// Sums `full` (a tensor of the broadcast result's shape) over the axes that
// slot.grad's shape was broadcast along, times `scale`, and writes it into
// the slot as the op contract says (assign, or add when slot.accumulate).
// This is "gradients summed back to each input's shape". Any dtype.
void sum_to_shape(const TensorView& full, GradientSlot& slot, double scale = 1.0);

// Operand shape pairs for gradient checks of a broadcasting op: equal shapes
// at the standard shapes, then (3, 1) with (1, 4), a (1, n) and an (n) row
// bias on an (m, n) batch, an (m, 1) column, a rank-0 scalar with a matrix
// (both orders), a row on a rank-3 tensor and a rank-3 general case.
std::vector<std::pair<Shape, Shape>> broadcast_example_shapes(Rng& rng);
// One case per pair of broadcast_example_shapes, both inputs normal: the
// gradient-check examples of a broadcasting binary op.
std::vector<OpExample> broadcast_examples(Rng& rng);

namespace detail {
// The index loop for shapes no fast path covers: one row of the result at a
// time, the operands' offsets advanced by their strides.
template <class T, class Function>
void broadcast_apply_general(const TensorView& a, const TensorView& b, TensorView result, Function& f,
                             bool accumulate) {
  const Shape& shape = result.shape();
  const int rank = shape.rank();
  const auto stride_a = broadcast_strides(a.shape(), shape);
  const auto stride_b = broadcast_strides(b.shape(), shape);
  const std::int64_t inner = shape.last(), outer = shape.rows();
  const std::int64_t inner_a = rank == 0 ? 0 : stride_a[rank - 1], inner_b = rank == 0 ? 0 : stride_b[rank - 1];
  std::array<std::int64_t, Shape::max_rank> index{};
  std::int64_t offset_a = 0, offset_b = 0;
  T* out = result.data<T>();
  for (std::int64_t r = 0; r < outer; ++r, out += inner) {
    const T* row_a = a.data<T>() + offset_a;
    const T* row_b = b.data<T>() + offset_b;
    for (std::int64_t j = 0; j < inner; ++j) {
      const T value = f(row_a[j * inner_a], row_b[j * inner_b]);
      if (accumulate) out[j] += value; else out[j] = value;
    }
    for (int axis = rank - 2; axis >= 0; --axis) {  // next row: an odometer over the leading axes
      offset_a += stride_a[axis];
      offset_b += stride_b[axis];
      if (++index[axis] < shape[axis]) break;
      offset_a -= stride_a[axis] * shape[axis];
      offset_b -= stride_b[axis] * shape[axis];
      index[axis] = 0;
    }
  }
}
}  // namespace detail

// result = f(a, b) elementwise over the broadcast shape (result += f(a, b)
// when `accumulate`). `f` is called with two Eigen array expressions of equal
// size on the fast paths and with two doubles on the index loop, so write it
// with arithmetic operators only: [](const auto& x, const auto& y) { return x * y; }.
// `result` has the broadcast shape and must not overlap a broadcast operand
// (it may be a same-kind operand: the work is elementwise).
template <class T, class Function>
void broadcast_apply(const TensorView& a, const TensorView& b, TensorView result, Function f,
                     bool accumulate = false) {
  using Kind = BroadcastKind;
  using RowVector = Eigen::Array<T, 1, Eigen::Dynamic>;
  using Column = Eigen::Array<T, Eigen::Dynamic, 1>;
  const Shape& shape = result.shape();
  const Kind kind_a = broadcast_kind(a.shape(), shape), kind_b = broadcast_kind(b.shape(), shape);
  const Eigen::Index size = result.size(), row_count = shape.rows(), cols = shape.last();

  if (kind_a == Kind::same && kind_b == Kind::same) {
    return assign_or_add(flat<T>(result), f(flat<T>(a), flat<T>(b)), accumulate);
  }
  if (kind_a == Kind::same && kind_b == Kind::scalar) {
    return assign_or_add(flat<T>(result), f(flat<T>(a), Column::Constant(size, b.data<T>()[0])), accumulate);
  }
  if (kind_a == Kind::scalar && kind_b == Kind::same) {
    return assign_or_add(flat<T>(result), f(Column::Constant(size, a.data<T>()[0]), flat<T>(b)), accumulate);
  }
  // Matrix views with the result's (rows, last axis); a same-kind operand has
  // the result's layout even when its own shape lacks leading 1s.
  Eigen::Map<RowMajorArray<T>> out(result.data<T>(), row_count, cols);
  auto as_matrix = [&](const TensorView& t) {
    return Eigen::Map<const RowMajorArray<T>>(t.data<T>(), row_count, cols);
  };
  auto as_row = [&](const TensorView& t) { return Eigen::Map<const RowVector>(t.data<T>(), cols); };
  // A row repeated down the rows: Replicate with a compile-time column factor
  // of 1 reads the row with no index arithmetic, so the sum vectorizes.
  using RowReplicate = Eigen::Replicate<Eigen::Map<const RowVector>, Eigen::Dynamic, 1>;
  if (kind_a == Kind::same && kind_b == Kind::row) {
    auto matrix_a = as_matrix(a);
    auto row_b = as_row(b);
    return assign_or_add(out, f(matrix_a, RowReplicate(row_b, row_count, 1)), accumulate);
  }
  if (kind_a == Kind::row && kind_b == Kind::same) {
    auto row_a = as_row(a);
    auto matrix_b = as_matrix(b);
    return assign_or_add(out, f(RowReplicate(row_a, row_count, 1), matrix_b), accumulate);
  }
  // A column: row by row, each row against one repeated value.
  if (kind_a == Kind::same && kind_b == Kind::column) {
    auto matrix_a = as_matrix(a);
    for (Eigen::Index r = 0; r < row_count; ++r) {
      assign_or_add(out.row(r), f(matrix_a.row(r), RowVector::Constant(cols, b.data<T>()[r])), accumulate);
    }
    return;
  }
  if (kind_a == Kind::column && kind_b == Kind::same) {
    auto matrix_b = as_matrix(b);
    for (Eigen::Index r = 0; r < row_count; ++r) {
      assign_or_add(out.row(r), f(RowVector::Constant(cols, a.data<T>()[r]), matrix_b.row(r)), accumulate);
    }
    return;
  }
  detail::broadcast_apply_general<T>(a, b, result, f, accumulate);
}

// The gradient of a broadcasting product-like op for one input: writes
// f(dy, other), a contribution at the output's shape, into the slot, summed
// back to the slot's shape when its input was broadcast. `scratch` holds the
// full-shape contribution in that case (sized once); `dy` may be `scratch`.
template <class T, class Function>
void write_broadcast_gradient(const TensorView& dy, const TensorView& other, GradientSlot& slot, Tensor& scratch,
                              Function f) {
  if (slot.grad.size() == dy.size()) {
    broadcast_apply<T>(dy, other, TensorView(dy.shape(), slot.grad.data<T>()), f, slot.accumulate);
  } else {
    scratch.resize(dy.shape(), dtype_of<T>);
    broadcast_apply<T>(dy, other, scratch, f);
    sum_to_shape(scratch, slot);
  }
}

// A broadcasting binary op (add, sub, mul, div): two inputs, NumPy's shape
// rule, and the broadcast gradient-check examples.
template <class Derived>
class BroadcastOp : public TypedOp<Derived> {
 public:
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return broadcast_shapes(inputs[0], inputs[1]); }
  static std::vector<OpExample> examples(Rng& rng) { return broadcast_examples(rng); }
};

}  // namespace dagrad

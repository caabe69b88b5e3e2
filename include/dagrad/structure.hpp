// What the structure ops (concat, stack, slice, index_select, pad,
// broadcast_to, expand_dims, squeeze) share, and a user's own such op may
// use: NumPy's axis rule, the split of a shape around one axis, a strided
// walk over a box of a row-major buffer (slice's and pad's), the join/split
// kernels of concat and stack, and the checked indices and gather/scatter
// kernels of index_select and index_add. Op-agnostic, like broadcast.hpp and reduction.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/error.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

// NumPy's axis rule: an axis in [-rank, rank) counts from the end when
// negative. Throws ShapeError "axis 3 is out of range for shape (2, 3):
// expected -2 to 1". `rank` may exceed shape.rank() (expand_dims and stack
// accept one more axis than their input has).
inline int normalize_axis(std::int64_t axis, int rank, const Shape& shape) {
  if (axis < -rank || axis >= rank) {
    throw ShapeError(fmt::format("axis {} is out of range for shape {}: expected {} to {}", axis, shape, -rank, rank - 1));
  }
  return int(axis < 0 ? axis + rank : axis);
}

// A shape as (outer, length, inner) around `axis`: the elements before the
// axis, along it and after it.
struct AxisSplit {
  std::int64_t outer = 1, length = 1, inner = 1;
};
inline AxisSplit split_at_axis(const Shape& shape, int axis) {
  AxisSplit split;
  for (int k = 0; k < shape.rank(); ++k) {
    if (k < axis) split.outer *= shape[k];
    if (k == axis) split.length = shape[k];
    if (k > axis) split.inner *= shape[k];
  }
  return split;
}

// Element strides of a contiguous row-major tensor of `shape`.
inline std::array<std::int64_t, Shape::max_rank> row_major_strides(const Shape& shape) {
  std::array<std::int64_t, Shape::max_rank> strides{};
  std::int64_t stride = 1;
  for (int axis = shape.rank() - 1; axis >= 0; --axis) {
    strides[std::size_t(axis)] = stride;
    stride *= shape[axis];
  }
  return strides;
}

// NumPy's basic slice begin:end:step over an axis of `length`
// (PySlice_AdjustIndices): a negative index counts from the end, and
// out-of-range ones clamp. `start` is the first picked index when count > 0.
struct SliceRange {
  std::int64_t start = 0, count = 0;
};
inline SliceRange slice_range(std::int64_t begin, std::int64_t end, std::int64_t step, std::int64_t length) {
  auto adjust = [&](std::int64_t index) {
    if (index < 0) return index + length < 0 ? (step < 0 ? -1 : 0) : index + length;
    return index >= length ? (step < 0 ? length - 1 : length) : index;
  };
  const std::int64_t start = adjust(begin), stop = adjust(end);
  if (step < 0) return {start, stop < start ? (start - stop - 1) / -step + 1 : 0};
  return {start, start < stop ? (stop - start - 1) / step + 1 : 0};
}

// A box of elements in a row-major buffer: its extent along each axis, the
// buffer offset between neighbours along each axis (0 repeats an element,
// negative walks backwards) and the offset of its first element.
struct StridedBox {
  int rank = 0;
  std::array<std::int64_t, Shape::max_rank> extent{}, stride{};
  std::int64_t offset = 0;
};

// Calls visit(offset) for every element of the box in row-major order: the
// i-th call is element i of a contiguous tensor of the box's extents. An
// empty box visits nothing; a rank-0 box visits its one element.
template <class Visit>
void for_each_in_box(const StridedBox& box, Visit&& visit) {
  for (int axis = 0; axis < box.rank; ++axis) {
    if (box.extent[std::size_t(axis)] == 0) return;
  }
  const int last = box.rank - 1;
  const std::int64_t inner = box.rank == 0 ? 1 : box.extent[std::size_t(last)];
  const std::int64_t inner_stride = box.rank == 0 ? 0 : box.stride[std::size_t(last)];
  std::array<std::int64_t, Shape::max_rank> index{};
  std::int64_t offset = box.offset;
  for (;;) {
    for (std::int64_t j = 0; j < inner; ++j) visit(offset + j * inner_stride);
    int axis = last - 1;  // next row: an odometer over the leading axes
    for (; axis >= 0; --axis) {
      const auto a = std::size_t(axis);
      offset += box.stride[a];
      if (++index[a] < box.extent[a]) break;
      offset -= box.stride[a] * box.extent[a];
      index[a] = 0;
    }
    if (axis < 0) return;
  }
}

// The elements x[b0:e0:s0, ...] of a tensor of `shape` (slice's attributes,
// one entry per leading axis; the other axes whole) as a box of its buffer:
// extent = count per axis, stride = step times the buffer's stride.
inline StridedBox slice_box(const Shape& shape, std::span<const std::int64_t> begin,
                            std::span<const std::int64_t> end, std::span<const std::int64_t> step) {
  StridedBox box{shape.rank(), {}, row_major_strides(shape), 0};
  for (int a = 0; a < shape.rank(); ++a) box.extent[std::size_t(a)] = shape[a];
  for (std::size_t a = 0; a < begin.size(); ++a) {
    const SliceRange range = slice_range(begin[a], end[a], step[a], shape[int(a)]);
    box.offset += range.count == 0 ? 0 : range.start * box.stride[a];
    box.stride[a] *= step[a];
    box.extent[a] = range.count;
  }
  return box;
}

// Where x lies in pad's output `padded`: x's extents at the output's
// strides, past every `before` (pads: before_0, after_0, before_1, ...).
inline StridedBox padded_inner_box(const Shape& x, const Shape& padded, std::span<const std::int64_t> pads) {
  StridedBox box{x.rank(), {}, row_major_strides(padded), 0};
  for (std::size_t a = 0; a < std::size_t(x.rank()); ++a) {
    box.extent[a] = x[int(a)];
    box.offset += pads[2 * a] * box.stride[a];
  }
  return box;
}

// Indices along an axis of `length` (index_select, index_add): whole numbers
// 0 to length - 1 stored as floats, as PyTorch (no negative ones), copied
// into `indices` (re-used, so no allocation once warm). Throws Error naming
// the position and the bad value (NaN fails too).
inline void read_axis_indices(const TensorView& values, std::int64_t length, std::int64_t axis, const Shape& shape,
                              std::vector<std::int64_t>& indices) {
  indices.resize(std::size_t(values.size()));
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const double index = values.get(std::int64_t(k));
    if (!(index >= 0 && index < double(length) && index == std::floor(index))) {
      throw Error(fmt::format("index {} at position {} is not a whole number from 0 to {} (axis {} of shape {})",
                              index, k, length - 1, axis, shape));
    }
    indices[k] = std::int64_t(index);
  }
}

// index_select's gather: `from` seen as (outer, length, inner) around the
// axis, `to` as (outer, indices.size(), inner); to[o, k, :] = from[o, indices[k], :].
template <class T>
void gather_along_axis(const T* from, AxisSplit split, std::span<const std::int64_t> indices, T* to) {
  for (std::int64_t o = 0; o < split.outer; ++o, from += split.length * split.inner) {
    for (std::int64_t index : indices) to = std::copy_n(from + index * split.inner, split.inner, to);
  }
}

// Its adjoint (index_select's backward, index_add's forward): to[o,
// indices[k], :] += from[o, k, :], `to` (outer, length, inner) as `split`
// says; a repeated index adds up. `to` is not cleared.
template <class T>
void scatter_add_along_axis(const T* from, AxisSplit split, std::span<const std::int64_t> indices, T* to) {
  for (std::int64_t o = 0; o < split.outer; ++o, to += split.length * split.inner) {
    for (std::int64_t index : indices) {
      for (std::int64_t j = 0; j < split.inner; ++j) to[index * split.inner + j] += *from++;
    }
  }
}

// concat's shape rule: at least one input, of equal ranks (not 0), whose
// shapes agree on every axis but `axis` (given as the attribute, negative
// counting from the end); the result's axis is the sum of theirs.
inline Shape concat_shape(std::span<const Shape> inputs, std::int64_t axis_attr) {
  if (inputs.empty()) throw ShapeError("needs at least one input");
  const Shape& first = inputs[0];
  if (first.rank() == 0) throw ShapeError("cannot join rank-0 inputs: they have no axis");
  const int axis = normalize_axis(axis_attr, first.rank(), first);
  std::int64_t length = 0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Shape& shape = inputs[k];
    bool fits = shape.rank() == first.rank();
    for (int a = 0; fits && a < shape.rank(); ++a) fits = a == axis || shape[a] == first[a];
    if (!fits) {
      throw ShapeError(fmt::format("input {} has shape {}, which does not fit input 0's {}: shapes must agree "
                                   "on every axis but axis {}",
                                   k, shape, first, axis_attr));
    }
    length += shape[axis];
  }
  return first.with_dim(axis, length);
}

// stack's shape rule: at least one input, all of one shape s; the result is
// s with the input count inserted at `axis` (-rank(s)-1 to rank(s)).
inline Shape stack_shape(std::span<const Shape> inputs, std::int64_t axis_attr) {
  if (inputs.empty()) throw ShapeError("needs at least one input");
  const Shape& first = inputs[0];
  const int axis = normalize_axis(axis_attr, first.rank() + 1, first);
  for (std::size_t k = 1; k < inputs.size(); ++k) {
    if (inputs[k] != first) {
      throw ShapeError(fmt::format("input {} has shape {}, which differs from input 0's {}: stacking along axis "
                                   "{} needs equal shapes",
                                   k, inputs[k], first, axis_attr));
    }
  }
  std::vector<std::int64_t> dims(first.dims().begin(), first.dims().end());
  dims.insert(dims.begin() + axis, std::int64_t(inputs.size()));
  return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
}

// concat's and stack's forward: the output seen as `outer` rows, each the
// parts' rows side by side (part k's row holds part.size() / outer
// elements), so joining is one block copy per part.
template <class T>
void join_rows(std::span<const TensorView> parts, std::int64_t outer, TensorView output) {
  if (outer == 0) return;
  Eigen::Map<RowMajorArray<T>> joined(output.data<T>(), outer, output.size() / outer);
  Eigen::Index column = 0;
  for (const TensorView& part : parts) {
    const Eigen::Index width = part.size() / outer;
    joined.middleCols(column, width) = Eigen::Map<const RowMajorArray<T>>(part.data<T>(), outer, width);
    column += width;
  }
}

// Their backward: each needed slot gets its part's block of dy's rows, as
// the op contract says (assigned, or added when the slot accumulates).
template <class T>
void split_rows(std::span<const TensorView> parts, const TensorView& dy, std::int64_t outer,
                std::span<GradientSlot> slots) {
  if (outer == 0) return;
  Eigen::Map<const RowMajorArray<T>> joined(dy.data<T>(), outer, dy.size() / outer);
  Eigen::Index column = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    GradientSlot& slot = slots[k];
    const Eigen::Index width = parts[k].size() / outer;
    if (slot.needed) {
      assign_or_add(Eigen::Map<RowMajorArray<T>>(slot.grad.data<T>(), outer, width),
                    joined.middleCols(column, width), slot.accumulate);
    }
    column += width;
  }
}

// concat and stack: the inputs' rows (of the axes before `axis`) side by
// side, with join_rows and split_rows as kernels. Derived names itself in
// `static constexpr std::string_view op_name`, says in `static constexpr
// int new_axes` whether `axis` is an input axis (0, concat) or a new one
// (1, stack), and adds its shape rule and examples.
template <class Derived>
class JoinOp : public TypedOp<Derived> {
 public:
  explicit JoinOp(const Attrs& attrs) {
    attrs.expect_only(Derived::op_name, {"axis"});
    axis_ = attrs.get_int(Derived::op_name, "axis");
  }

  std::string_view name() const override { return Derived::op_name; }
  Attrs attrs() const override { return {{"axis", axis_}}; }
  std::string label() const override { return fmt::format("{} axis={}", Derived::op_name, axis_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    join_rows<T>(inputs, outer(inputs[0].shape()), output);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    split_rows<T>(inputs, dy, outer(inputs[0].shape()), grads);
  }
  // dx_k = dy's slice at input k's place along `axis`: x_k's length there,
  // or 1 along a new axis, then reshaped to x_k's shape (slice's own
  // adjoint is index_add).
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    const auto axis = std::size_t(normalize_axis(axis_, dy.shape().rank(), dy.shape()));
    std::vector<std::int64_t> begin(axis + 1, 0), end(axis + 1, INT64_MAX);
    std::vector<Expr> dx;
    for (std::size_t k = 0; k < x.size(); ++k, begin[axis] = end[axis]) {
      end[axis] = begin[axis] + (Derived::new_axes == 0 ? x[k].shape()[int(axis)] : 1);
      if (!needed[k]) {
        dx.emplace_back();
      } else {
        const Expr part = slice(dy, begin, end);
        dx.push_back(Derived::new_axes == 0 ? part : reshape_to(part, x[k].shape()));
      }
    }
    return dx;
  }

  // The builders' node; throws ShapeError "concat: needs at least one input".
  static Expr add_to(const std::vector<Expr>& inputs, std::int64_t axis, std::string name) {
    if (inputs.empty()) throw ShapeError(fmt::format("{}: needs at least one input", Derived::op_name));
    return inputs[0].graph().add_op(std::make_unique<Derived>(Attrs{{"axis", axis}}), inputs, std::move(name));
  }

 protected:
  std::int64_t axis_ = 0;

 private:
  // The output as rows of the input axes before `axis`.
  std::int64_t outer(const Shape& first) const {
    const int axis = normalize_axis(axis_, first.rank() + Derived::new_axes, first);
    std::int64_t rows = 1;
    for (int a = 0; a < axis; ++a) rows *= first[a];
    return rows;
  }
};

// Ops that keep every element in order and change only the shape (reshape,
// expand_dims, squeeze): y is x's buffer seen in y's shape (zero-copy, see
// Op::output_views_input; forward copies where the executor cannot view),
// and dx is dy seen in x's shape. Derived adds its name, attributes and
// shape rule.
template <class Derived>
class ElementOrderOp : public TypedOp<Derived> {
 public:
  int arity() const override { return 1; }
  bool output_views_input() const override { return true; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    flat<T>(output) = flat<T>(inputs[0]);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {reshape_to(dy, x[0].shape())};
  }
};

}  // namespace dagrad

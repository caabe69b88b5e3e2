// Eigen views of tensors, for writing op kernels. Every numeric kernel in
// dagrad works through these maps of the tensor's own buffer: no copies.
// T is the scalar type (float or double; double by default); a map of the
// wrong dtype throws.
#pragma once

#include <Eigen/Core>

#include "dagrad/op.hpp"
#include "dagrad/tensor.hpp"

namespace dagrad {

template <class T = double>
using RowMajorArray = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T = double>
using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T = double>
using FlatArray = Eigen::Array<T, Eigen::Dynamic, 1>;

// All elements as one column array. A view passed as a temporary (such as
// tensor.view()) maps writable, as a non-const one does.
template <class T = double>
Eigen::Map<FlatArray<T>> flat(TensorView& t) { return {t.data<T>(), t.size()}; }
template <class T = double>
Eigen::Map<FlatArray<T>> flat(TensorView&& t) { return {t.data<T>(), t.size()}; }
template <class T = double>
Eigen::Map<const FlatArray<T>> flat(const TensorView& t) { return {t.data<T>(), t.size()}; }

// The tensor as (rows, last axis): every leading axis folded into the rows.
template <class T = double>
Eigen::Map<RowMajorArray<T>> as_rows(TensorView& t) { return {t.data<T>(), t.shape().rows(), t.shape().last()}; }
template <class T = double>
Eigen::Map<RowMajorArray<T>> as_rows(TensorView&& t) { return {t.data<T>(), t.shape().rows(), t.shape().last()}; }
template <class T = double>
Eigen::Map<const RowMajorArray<T>> as_rows(const TensorView& t) {
  return {t.data<T>(), t.shape().rows(), t.shape().last()};
}

// The same, as a matrix for products.
template <class T = double>
Eigen::Map<RowMajorMatrix<T>> as_matrix(TensorView& t) { return {t.data<T>(), t.shape().rows(), t.shape().last()}; }
template <class T = double>
Eigen::Map<RowMajorMatrix<T>> as_matrix(TensorView&& t) {
  return {t.data<T>(), t.shape().rows(), t.shape().last()};
}
template <class T = double>
Eigen::Map<const RowMajorMatrix<T>> as_matrix(const TensorView& t) {
  return {t.data<T>(), t.shape().rows(), t.shape().last()};
}

// The storage of an Eigen array or matrix an op keeps, for Op::scratch_bytes.
template <class Derived>
std::int64_t scratch_bytes_of(const Eigen::DenseBase<Derived>& kept) {
  return std::int64_t(kept.size()) * std::int64_t(sizeof(typename Derived::Scalar));
}

// The op contract's one rule for writing a gradient: assign the first
// contribution, add later ones. Every kernel writes through one of these.
template <class Destination, class Expression>
void assign_or_add(Destination&& destination, const Expression& contribution, bool accumulate) {
  if (accumulate) {
    destination += contribution;
  } else {
    destination = contribution;
  }
}

// Writes a contribution into a slot: a column expression (built from flat()
// maps) over all elements, or a 2-d one (from as_rows()) as (rows, last).
template <class Expression>
void write_gradient(GradientSlot& slot, const Expression& contribution) {
  using T = typename Expression::Scalar;
  if constexpr (Expression::ColsAtCompileTime == 1) {
    assign_or_add(flat<T>(slot.grad), contribution, slot.accumulate);
  } else {
    assign_or_add(as_rows<T>(slot.grad), contribution, slot.accumulate);
  }
}

// The backward of a row-wise op (softmax, log_softmax, normalize_rows):
// `contribution(r)` is row r of the gradient, written as the contract says.
template <class T, class Contribution>
void write_gradient_by_rows(GradientSlot& slot, Contribution contribution) {
  auto dx = as_rows<T>(slot.grad);
  for (Eigen::Index r = 0; r < dx.rows(); ++r) assign_or_add(dx.row(r), contribution(r), slot.accumulate);
}

}  // namespace dagrad

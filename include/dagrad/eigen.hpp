// Eigen views of tensors, for writing op kernels. Every numeric kernel in
// dagrad works through these maps of the tensor's own buffer: no copies.
#pragma once

#include <Eigen/Core>

#include "dagrad/op.hpp"
#include "dagrad/tensor.hpp"

namespace dagrad {

using RowMajorArray = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// All elements as one column array.
inline Eigen::Map<Eigen::ArrayXd> flat(TensorView& t) { return {t.data(), t.size()}; }
inline Eigen::Map<const Eigen::ArrayXd> flat(const TensorView& t) { return {t.data(), t.size()}; }

// The tensor as (rows, last axis): every leading axis folded into the rows.
inline Eigen::Map<RowMajorArray> rows(TensorView& t) {
  return {t.data(), t.shape().rows(), t.shape().last()};
}
inline Eigen::Map<const RowMajorArray> rows(const TensorView& t) {
  return {t.data(), t.shape().rows(), t.shape().last()};
}

// The same, as a matrix for products.
inline Eigen::Map<RowMajorMatrix> matrix(TensorView& t) {
  return {t.data(), t.shape().rows(), t.shape().last()};
}
inline Eigen::Map<const RowMajorMatrix> matrix(const TensorView& t) {
  return {t.data(), t.shape().rows(), t.shape().last()};
}

// Writes a gradient contribution into a slot as the op contract says: assign
// the first contribution, add later ones.
template <class Expression>
void write_gradient(GradientSlot& slot, const Expression& contribution) {
  if (slot.accumulate) {
    flat(slot.grad) += contribution;
  } else {
    flat(slot.grad) = contribution;
  }
}

// The same for (rows, last axis)-shaped contributions.
template <class Expression>
void write_gradient_rows(GradientSlot& slot, const Expression& contribution) {
  if (slot.accumulate) {
    rows(slot.grad) += contribution;
  } else {
    rows(slot.grad) = contribution;
  }
}

}  // namespace dagrad

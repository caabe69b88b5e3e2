// The op contract's assign-or-add rule (dagrad/eigen.hpp) for backward
// kernels that cannot write their gradient as one expression: scatter-adds
// (pooling, slicing, gathers' adjoints), where several contributions land on
// one element, and kernels that overwrite a whole buffer (im2col, gathers).
#pragma once

#include "dagrad/eigen.hpp"

namespace dagrad {

// Where a scatter-add backward adds its contributions: an assigned slot
// starts from zeros, an accumulating one from the gradient it holds.
template <class T>
T* scatter_target(GradientSlot& slot) {
  if (!slot.accumulate) flat<T>(slot.grad).setZero();
  return slot.grad.data<T>();
}

// For a kernel `write(T* to)` that overwrites a buffer of the slot's shape:
// it writes into an assigned slot directly, and into `scratch` (sized on
// first use, so no allocation once warm) that is then added onto an
// accumulating one.
template <class T, class Write>
void write_gradient_through(GradientSlot& slot, Tensor& scratch, Write write) {
  if (!slot.accumulate) return write(slot.grad.data<T>());
  scratch.resize(slot.grad.shape(), dtype_of<T>);
  write(scratch.data<T>());
  flat<T>(slot.grad) += flat<T>(scratch.view());
}

}  // namespace dagrad

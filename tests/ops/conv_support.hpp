// Inputs of the reference cases of tests/ops/reference/conv_reference.py:
// value i of the flat tensor is ((i * a) % b - b / 2) / 4, multiples of 1/4
// so that conv2d and the pools give exact binary results.
#pragma once

#include <cstdint>

#include "dagrad/tensor.hpp"

namespace dagrad::testing_support {

inline Tensor reference_input(const Shape& shape, std::int64_t a, std::int64_t b) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t.set(i, double((i * a) % b - b / 2) / 4.0);
  return t;
}

}  // namespace dagrad::testing_support

// Inputs of the recurrent reference cases, made as recurrent_reference.cpp
// makes them (scale * sin(0.7 k + seed) for element k), and a comparison
// of a tensor with stored reference values.
#pragma once

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad::testing_support {

inline Tensor sine_fill(const Shape& shape, double seed, double scale) {
  Tensor t(shape);
  for (std::int64_t k = 0; k < t.size(); ++k) t.set(k, scale * std::sin(0.7 * double(k) + seed));
  return t;
}

// Every element within `tolerance` relative (absolute below 1) of the reference.
inline ::testing::AssertionResult matches_reference(const TensorView& actual, const std::vector<double>& expected,
                                                    double tolerance) {
  if (actual.size() != std::int64_t(expected.size())) {
    return ::testing::AssertionFailure() << actual.size() << " elements against " << expected.size();
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double a = actual.get(std::int64_t(i)), e = expected[i];
    if (!(std::abs(a - e) <= tolerance * std::max(1.0, std::abs(e)))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << a << " against " << e;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace dagrad::testing_support

// Kept for op tests written against it: forwards to the gradient checker's
// GoogleTest helper (dagrad/testing.hpp), which new tests use directly:
// EXPECT_OP_GRADIENTS_OK("my_op").
#pragma once

#include <cstdint>
#include <string>

#include "dagrad/testing.hpp"

namespace dagrad::testing_support {

// Every example of a registered op passes the gradient check (central
// differences, end to end and through the op's backward alone).
inline void expect_op_gradients(const std::string& op_name, std::uint64_t seed = 7, double tolerance = 1e-7) {
  GradcheckOptions options;
  options.seed = seed;
  options.threshold = tolerance;
  EXPECT_OP_GRADIENTS_OK(op_name, options);
}

}  // namespace dagrad::testing_support

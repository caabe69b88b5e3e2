// An op's symbolic backward (higher-order gradients, dagrad/autodiff.hpp)
// at inputs on its kinks or ties, where the examples of the second-order
// suite never go: its values must be the kernel backward's (to the last
// bit or so: a mean may round differently), since both follow the one rule
// the op's file states (a tie's even split, the gradient at a bound).
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "dagrad/gradcheck.hpp"
#include "dagrad/op.hpp"

namespace dagrad::testing_support {

// Only the first order is asserted: at a kink the second-order part's
// finite differences straddle the jump, and the checker skips them only
// for elements of the first input (a tie of maximum moves with b too).
inline void expect_symbolic_backward_equals_kernel(const std::string& op, const OpExample& example) {
  const SymbolicCheck check = check_symbolic_op_example(OpRegistry::global().make(op, example.attrs), example);
  EXPECT_LE(check.first_order_error, 1e-15) << op << " at " << check.description << ": " << check.note;
  EXPECT_EQ(check.note.find("disagrees with the kernel backward"), std::string::npos) << check.note;
  EXPECT_EQ(check.note.find("symbolic backward"), std::string::npos) << check.note;
}

}  // namespace dagrad::testing_support

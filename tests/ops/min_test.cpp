#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/symbolic_at_kinks.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Values and gradients as PyTorch's amin gives them
// (tests/ops/reference/reductions_reference.cpp): tied minima share dy evenly.
TEST(Min, TiedMinimaShareTheGradientAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{4, -2, 7, -2}, {0.5, 0.5, 0.5, 0.5}}, true);
  Expr rows = min(x, -1, true);
  EXPECT_EQ(g.forward(rows), (Tensor(Shape{2, 1}, {-2, 0.5})));
  g.backward(rows, Tensor(Shape{2, 1}, {1, 2}));
  EXPECT_EQ(x.grad(), (Tensor{{0, 0.5, 0, 0.5}, {0.5, 0.5, 0.5, 0.5}}));

  Expr all = min(x);
  EXPECT_EQ(g.forward(all)[0], -2.0);
  g.backward(all);
  EXPECT_EQ(x.grad(), (Tensor{{0, 0.5, 0, 0.5}, {0, 0, 0, 0}}));
}

TEST(Min, DeclaresKinksAtTies) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 4, 2}});
  const Op& op = *g.node(min(x, 1)).op();
  Tensor value{{1, 4, 2}};
  std::vector<TensorView> inputs{value.view()};
  EXPECT_EQ(op.kink_offset(inputs, 0), 1.0);   // the minimum: the gap to the runner-up
  EXPECT_EQ(op.kink_offset(inputs, 1), -3.0);  // above the minimum
  Tensor single(Shape{1, 1}, {5.0});
  std::vector<TensorView> one{single.view()};
  EXPECT_EQ(g.node(min(g.input("s", single), 1)).op()->kink_offset(one, 0), std::numeric_limits<double>::infinity());
}

TEST(Min, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{0, 2}));
  EXPECT_EQ(error_message<ShapeError>([&] { min(x, 0, true, "m"); }),
            "min \"m\": the min of input shape (0, 2) over axis 0 reduces no elements");
  EXPECT_EQ(error_message([&] { g.apply("min", {x}, {{"keepdims", std::int64_t{1}}}); }),
            "min: attribute \"keepdims\" must be a boolean, got an integer");
}

TEST(Min, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("min"); }

// Tied extremes share the gradient evenly in both backwards, over one axis
// and over everything.
TEST(Min, SymbolicBackwardAtTiesIsTheKernels) {
  const Tensor x{{1.0, 3.0, 3.0}, {-1.0, -1.0, -1.0}, {2.0, 0.0, 2.0}};
  testing_support::expect_symbolic_backward_equals_kernel("min", {{x}, {{"axis", std::int64_t{1}}}, {}});
  testing_support::expect_symbolic_backward_equals_kernel("min", {{x}, {{"axis", std::int64_t{0}}, {"keepdims", true}}, {}});
  testing_support::expect_symbolic_backward_equals_kernel("min", {{Tensor{{2.0, 2.0}, {2.0, 1.0}}}, {}, {}});
}

}  // namespace
}  // namespace dagrad

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/symbolic_at_kinks.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Values and gradients as PyTorch's amax gives them
// (tests/ops/reference/reductions_reference.cpp): tied maxima share dy evenly.
TEST(Max, TiedMaximaShareTheGradientAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 3, 3, 2}, {5, -1, 5, 5}}, true);
  Expr rows = max(x, 1);
  EXPECT_EQ(g.forward(rows), (Tensor{3, 5}));
  g.backward(rows, Tensor{1, 2});
  EXPECT_EQ(x.grad(), (Tensor{{0, 0.5, 0.5, 0}, {2.0 / 3, 0, 2.0 / 3, 2.0 / 3}}));

  Expr columns = max(x, 0);
  EXPECT_EQ(g.forward(columns), (Tensor{5, 3, 5, 5}));
  g.backward(columns, Tensor{1, 2, 3, 4});
  EXPECT_EQ(x.grad(), (Tensor{{0, 2, 0, 0}, {1, 0, 3, 4}}));

  Expr all = max(x);
  EXPECT_EQ(g.forward(all).shape(), Shape{});
  EXPECT_EQ(g.forward(all)[0], 5.0);
  g.backward(all, Tensor(Shape{}, {3.0}));
  EXPECT_EQ(x.grad(), (Tensor{{0, 0, 0, 0}, {1, 0, 1, 1}}));
}

TEST(Max, MiddleAxisWithKeepdimsAndFloat32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3, 2}, {1, 8, 7, 2, 3, 3, -1, -2, -3, -4, -5, -6}).to(DType::float32), true);
  Expr y = max(x, 1, true);
  EXPECT_EQ(y.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(g.forward(y), Tensor(Shape{2, 1, 2}, {7, 8, -1, -2}).to(DType::float32));
  g.backward(y, Tensor(Shape{2, 1, 2}, {1, 2, 3, 4}).to(DType::float32));
  EXPECT_EQ(x.grad(), Tensor(Shape{2, 3, 2}, {0, 2, 1, 0, 0, 0, 3, 4, 0, 0, 0, 0}).to(DType::float32));
}

TEST(Max, NaNPropagatesAsPyTorch) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr x = g.input("x", Tensor{{1, nan, 3}, {4, 2, nan}});
  const TensorView& y = g.forward(max(x, 1));
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_TRUE(std::isnan(y[1]));
}

// The kink offset is the gap to the largest other element: positive for the
// maximum, zero at a tie, negative below it.
TEST(Max, DeclaresKinksAtTies) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 4, 2}, {6, 6, 0}});
  Expr y = max(x, 1);
  const Op& op = *g.node(y).op();
  ASSERT_TRUE(op.has_kinks());
  Tensor value{{1, 4, 2}, {6, 6, 0}};
  std::vector<TensorView> inputs{value.view()};
  EXPECT_EQ(op.kink_offset(inputs, 0), -3.0);
  EXPECT_EQ(op.kink_offset(inputs, 1), 2.0);
  EXPECT_EQ(op.kink_offset(inputs, 2), -2.0);
  EXPECT_EQ(op.kink_offset(inputs, 3), 0.0);
  EXPECT_EQ(op.kink_offset(inputs, 4), 0.0);
  EXPECT_EQ(op.kink_offset(inputs, 5), -6.0);
}

TEST(Max, AttributesRoundTripAndLabel) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  Expr y = g.apply("max", {x}, {{"axis", std::int64_t{0}}, {"keepdims", true}});
  EXPECT_EQ(y.shape(), (Shape{1, 3}));
  EXPECT_EQ(g.node(y).op()->attrs(), (Attrs{{"axis", std::int64_t{0}}, {"keepdims", true}}));
  EXPECT_EQ(g.node(y).op()->label(), "max axis=0 keepdims");
  EXPECT_EQ(g.node(max(x)).op()->label(), "max");
}

TEST(Max, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3, 0}));
  EXPECT_EQ(error_message<ShapeError>([&] { max(x, 1, false, "m"); }),
            "max \"m\": the max of input shape (3, 0) over axis 1 reduces no elements");
  EXPECT_EQ(error_message<ShapeError>([&] { max(x, "all"); }),
            "max \"all\": the max of input shape (3, 0) reduces no elements");
  EXPECT_EQ(max(x, 0).shape(), (Shape{0}));  // an empty result of an empty input is fine
  EXPECT_EQ(error_message<ShapeError>([&] { max(x, 2, false, "n"); }),
            "max \"n\": axis 2 is out of range for shape (3, 0) (rank 2)");
  EXPECT_EQ(error_message([&] { g.apply("max", {x}, {{"axes", std::int64_t{1}}}); }),
            "max: unknown attribute \"axes\" (known: axis, keepdims)");
}

TEST(Max, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("max"); }

// Tied extremes share the gradient evenly in both backwards, over one axis
// and over everything.
TEST(Max, SymbolicBackwardAtTiesIsTheKernels) {
  const Tensor x{{1.0, 3.0, 3.0}, {-1.0, -1.0, -1.0}, {2.0, 0.0, 2.0}};
  testing_support::expect_symbolic_backward_equals_kernel("max", {{x}, {{"axis", std::int64_t{1}}}, {}});
  testing_support::expect_symbolic_backward_equals_kernel("max", {{x}, {{"axis", std::int64_t{0}}, {"keepdims", true}}, {}});
  testing_support::expect_symbolic_backward_equals_kernel("max", {{Tensor{{2.0, 2.0}, {2.0, 1.0}}}, {}, {}});
}

}  // namespace
}  // namespace dagrad

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"
#include "support/symbolic_at_kinks.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(LeakyRelu, DefaultSlopeAndTheSlopeAtTheKinkAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{-100, -1, 0, 2, 1e300, -1e300}, true);
  Expr y = leaky_relu(x);
  EXPECT_EQ(g.forward(y), (Tensor{-100 * 0.01, -0.01, 0, 2, 1e300, -1e300 * 0.01}));
  g.backward(y, Tensor{1, 1, 1, 1, 1, 1});
  EXPECT_EQ(x.grad(), (Tensor{0.01, 0.01, 0.01, 1, 1, 0.01}));  // x = 0 takes the slope: PyTorch tests x > 0
}

TEST(LeakyRelu, OtherSlopeInFloat32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2}, std::vector<float>{-2, 3}), true);
  Expr y = leaky_relu(x, 0.5);
  EXPECT_EQ(g.forward(y), Tensor(Shape{2}, std::vector<float>{-1, 3}));
  g.backward(y, Tensor(Shape{2}, std::vector<float>{2, 2}));
  EXPECT_EQ(x.grad(), Tensor(Shape{2}, std::vector<float>{1, 2}));
}

TEST(LeakyRelu, KinkAttributesAndArity) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  auto op = OpRegistry::global().make("leaky_relu");
  EXPECT_EQ(op->attrs(), (Attrs{{"negative_slope", 0.01}}));
  EXPECT_TRUE(op->has_kinks());
  Tensor at{-0.5, 0.0};
  TensorView views[] = {at};
  EXPECT_EQ(op->kink_offset(views, 0), -0.5);
  EXPECT_EQ(op->kink_offset(views, 1), 0.0);
  EXPECT_EQ(error_message([&] { leaky_relu(x, std::numeric_limits<double>::infinity()); }),
            "leaky_relu: negative_slope must be finite, got inf");
  EXPECT_THROW(g.apply("leaky_relu", {x}, {{"slope", 0.1}}, "l"), Error);
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("leaky_relu", {x, x}, {}, "l"); }),
            "leaky_relu \"l\": takes 1 input, got 2");
}

TEST(LeakyRelu, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("leaky_relu"); }

// At x = 0 both backwards take the slope (PyTorch's rule).
TEST(LeakyRelu, SymbolicBackwardAtTheKinkIsTheKernels) {
  testing_support::expect_symbolic_backward_equals_kernel(
      "leaky_relu", {{Tensor{{0.0, -1.0, 2.0}, {-0.0, 0.5, 0.0}}}, {{"negative_slope", 0.2}}, {}});
}

}  // namespace
}  // namespace dagrad

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Greater, OnesAndZerosWithBroadcasting) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr a = g.input("a", Tensor{{1, 2, 3}, {-1e300, nan, 4}});
  Expr b = g.input("b", Tensor{2, 2, 1});
  EXPECT_EQ(g.forward(greater(a, b)), (Tensor{{0, 0, 1}, {0, 0, 1}}));  // a tie and NaN are not greater
}

TEST(Greater, OutputHasTheInputsDtype) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2}, std::vector<float>{1, 3}));
  Expr b = g.input("b", Tensor(Shape{}, std::vector<float>{2}));
  Expr y = greater(a, b);
  EXPECT_EQ(y.dtype(), DType::float32);
  EXPECT_EQ(g.forward(y), Tensor(Shape{2}, std::vector<float>{0, 1}));
}

// Not differentiable: a mask built from x passes no gradient back to x.
TEST(Greater, NoGradientFlowsThroughIt) {
  Graph g;
  Expr x = g.input("x", Tensor{-1, 2, 3}, true);
  Expr mask = greater(x, g.constant(Tensor::scalar(0)));
  Expr y = sum(mul(x, mask));  // relu written with a mask
  EXPECT_EQ(g.forward(y).item(), 5.0);
  g.backward(y);
  EXPECT_EQ(x.grad(), (Tensor{0, 1, 1}));  // only through mul's first input
  auto op = OpRegistry::global().make("greater");
  EXPECT_FALSE(op->differentiable(0));
  EXPECT_FALSE(op->differentiable(1));
}

TEST(Greater, ShapesAndArityAreChecked) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  Expr b = g.input("b", Tensor(Shape{2}));
  EXPECT_EQ(error_message<ShapeError>([&] { greater(a, b, "c"); }), "greater \"c\": shapes (2, 3) and (2,) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("greater", {a}, {}, "c"); }), "greater \"c\": takes 2 inputs, got 1");
}

// A forward-only op is gradient-checked for being locally constant at its
// examples (zero central differences): greater passes ...
TEST(Greater, GradientCheckFindsItLocallyConstant) { EXPECT_OP_GRADIENTS_OK("greater"); }

// ... and a "comparison" whose output moves with its inputs fails.
class DifferenceClaimingNoGradient final : public Op {
 public:
  std::string_view name() const override { return "difference_claiming_no_gradient"; }
  int arity() const override { return 2; }
  bool differentiable(int) const override { return false; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView y) override {
    for (std::int64_t i = 0; i < y.size(); ++i) y.set(i, inputs[0].get(i) - inputs[1].get(i));
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView&, std::span<GradientSlot>) override {}
};

TEST(Greater, ALocallyMovingForwardOnlyOpFailsTheCheck) {
  OpExample example{{Tensor{1.0, 2.0}, Tensor{0.5, 3.0}}, {}, {}};
  EXPECT_FALSE(gradcheck_op_example(std::make_unique<DifferenceClaimingNoGradient>(), example).passed());
}

}  // namespace
}  // namespace dagrad

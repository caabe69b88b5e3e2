// Graph::set_training: the mode reaches every op node (Op::set_training),
// including nodes built later, and a change makes old values stale.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

// y = x in training mode, 2x in evaluation mode: a user's op that reads the mode.
class DoubledInEvaluation final : public UnaryOp<DoubledInEvaluation> {
 public:
  std::string_view name() const override { return "doubled_in_evaluation"; }
  void set_training(bool training) override {
    training_ = training;
    ++calls;
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    for (std::int64_t i = 0; i < output.size(); ++i) output.set(i, inputs[0].get(i) * (training_ ? 1.0 : 2.0));
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    for (std::int64_t i = 0; i < dy.size(); ++i) grads[0].grad.set(i, dy.get(i) * (training_ ? 1.0 : 2.0));
  }
  int calls = 0;

 private:
  bool training_ = true;
};

TEST(TrainingMode, IsOnByDefaultAndReachesEveryOpNodeOldAndNew) {
  Graph g;
  EXPECT_TRUE(g.training());
  Expr x = g.input("x", Tensor{1.0, 3.0});
  auto op = std::make_unique<DoubledInEvaluation>();
  DoubledInEvaluation* before = op.get();
  Expr y = g.add_op(std::move(op), {x});
  EXPECT_EQ(before->calls, 1);  // told the mode when built
  EXPECT_TRUE(g.forward(y) == Tensor({1.0, 3.0}).view());

  g.set_training(false);
  EXPECT_FALSE(g.training());
  EXPECT_TRUE(g.forward(y) == Tensor({2.0, 6.0}).view());
  auto later_op = std::make_unique<DoubledInEvaluation>();
  DoubledInEvaluation* later = later_op.get();
  Expr z = g.add_op(std::move(later_op), {x});
  EXPECT_TRUE(g.forward(z) == Tensor({2.0, 6.0}).view());  // built in evaluation mode, so in it

  g.set_training(false);  // no change: no call
  EXPECT_EQ(before->calls, 2);
  EXPECT_EQ(later->calls, 1);
  g.set_training(true);
  EXPECT_EQ(before->calls, 3);
  EXPECT_TRUE(g.forward(z) == Tensor({1.0, 3.0}).view());
}

TEST(TrainingMode, ChangingTheModeMakesValuesStaleSoBackwardNeedsANewForward) {
  Graph g;
  Expr x = g.input("x", Tensor{1.0, 3.0}, true);
  Expr y = sum(g.add_op(std::make_unique<DoubledInEvaluation>(), {x}));
  g.forward(y);
  const std::uint64_t epoch = g.epoch();
  g.set_training(false);
  EXPECT_EQ(g.epoch(), epoch + 1);
  EXPECT_FALSE(g.value_is_fresh(y));
  EXPECT_THROW(g.backward(y), Error);
  g.forward(y);
  g.backward(y);
  EXPECT_EQ(y.value().item(), 8.0);
  EXPECT_TRUE(x.grad() == Tensor({2.0, 2.0}).view());
  g.set_training(false);  // unchanged: the values stay fresh
  EXPECT_TRUE(g.value_is_fresh(y));
}

}  // namespace
}  // namespace dagrad

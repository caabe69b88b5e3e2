// The README's "Checking gradients in your own tests" example, verbatim: a
// user's gradient-check suite (link with dagrad::dagrad and GTest::gtest_main).
#include <dagrad/dagrad.hpp>
#include <dagrad/testing.hpp>

TEST(MyModel, GradientsMatchFiniteDifferences) {
  dagrad::Graph g;
  auto x = g.input("x", dagrad::Tensor{{0.5, -1.0, 2.0}, {0.1, 0.2, -0.3}});
  auto w = g.parameter("w", dagrad::Tensor{{0.2, 0.4, -0.1}, {1.0, -0.5, 0.3}});
  auto loss = dagrad::l2(dagrad::softmax(dagrad::sigmoid(x, "h"), "p"), w, "loss");

  EXPECT_GRADIENTS_OK(g, loss, {x, w});  // end to end, and every node's backward alone

  dagrad::GradcheckOptions fast;         // large tensors: random projections u^T J v
  fast.fast = true;
  EXPECT_GRADIENTS_OK(g, loss, {w}, fast);
}

TEST(MyOps, SoftmaxAtAllItsExampleShapes) { EXPECT_OP_GRADIENTS_OK("softmax"); }

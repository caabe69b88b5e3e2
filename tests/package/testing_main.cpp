// Built against an installed dagrad asking for the testing component only:
// the GoogleTest assertions, and through them gradcheck and core.
#include <dagrad/ops.hpp>
#include <dagrad/testing.hpp>

TEST(InstalledTesting, SigmoidGradientsPass) {
  dagrad::Graph g;
  dagrad::Expr x = g.input("x", dagrad::Tensor{0.5, -1.0, 2.0}, true);
  dagrad::Expr loss = dagrad::l2(dagrad::sigmoid(x), g.constant(dagrad::Tensor{0.0, 1.0, 0.0}));
  EXPECT_GRADIENTS_OK(g, loss, {x});
}

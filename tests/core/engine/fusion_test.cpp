// Fusion (Graph::forward_backward): a chain of row-block ops ending in a loss
// that is a sum over rows runs a block of rows at a time. Values and
// gradients must be those of forward() then backward() to rounding, with or
// without fusion; fusion shows only in the chain's nodes keeping no value.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

// The course's pipeline on one graph: L2(softmax(normalize_rows(sigmoid(X))), Y).
struct Pipeline {
  Graph g;
  Expr x, y, chain, loss;
  Pipeline(const Tensor& xv, const Tensor& yv, bool y_needs_grad = false) {
    g.set_checked(false);  // checked mode (Debug builds' default) never fuses
    x = g.input("x", xv, true);
    y = g.input("y", yv, y_needs_grad);
    chain = softmax(normalize_rows(sigmoid(x)), "p");
    loss = l2(chain, y, "loss");
  }
};

// Largest |a - b| over the largest |a|: gradients agree to rounding.
double relative_gap(const TensorView& a, const TensorView& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double gap = 0, scale = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    gap = std::max(gap, std::abs(a.get(i) - b.get(i)));
    scale = std::max(scale, std::abs(a.get(i)));
  }
  return scale == 0 ? gap : gap / scale;
}

void expect_fused_matches_unfused(const Shape& shape, DType dtype, double tolerance) {
  Rng rng(7);
  Tensor xv = random_normal(shape, rng).to(dtype), yv = random_uniform(shape, rng, 0.0, 1.0).to(dtype);
  Pipeline unfused(xv, yv), fused(xv, yv);
  const double expected = unfused.g.forward(unfused.loss).get(0);
  unfused.g.backward(unfused.loss);
  const double got = fused.g.forward_backward(fused.loss).get(0);
  SCOPED_TRACE(to_string(shape) + " " + std::string(dtype == DType::float32 ? "float32" : "float64"));
  EXPECT_NEAR(got, expected, tolerance * std::abs(expected));
  EXPECT_LE(relative_gap(unfused.x.grad(), fused.x.grad()), tolerance);
  EXPECT_FALSE(fused.g.value_is_fresh(fused.chain));  // it did fuse
  EXPECT_EQ(fused.loss.grad().get(0), 1.0);
  // A second run re-uses the plan and gives the same numbers.
  EXPECT_EQ(fused.g.forward_backward(fused.loss).get(0), got);
}

TEST(Fusion, PipelineMatchesForwardThenBackward) {
  // One row a block (wide rows), several rows a block with a short last
  // block, one block of everything, and rank 3.
  expect_fused_matches_unfused(Shape{37, 600}, DType::float64, 1e-12);
  expect_fused_matches_unfused(Shape{300, 70}, DType::float64, 1e-12);
  expect_fused_matches_unfused(Shape{3, 5}, DType::float64, 1e-12);
  expect_fused_matches_unfused(Shape{6, 4, 9}, DType::float64, 1e-12);
  expect_fused_matches_unfused(Shape{300, 70}, DType::float32, 1e-5);
}

TEST(Fusion, TheChainKeepsNoValueSoBackwardAsksForForward) {
  Rng rng(1);
  Pipeline p(random_normal({8, 5}, rng), random_uniform({8, 5}, rng, 0.0, 1.0));
  p.g.forward_backward(p.loss);
  EXPECT_TRUE(p.g.value_is_fresh(p.loss));
  EXPECT_TRUE(p.g.grad_is_fresh(p.x));
  try {
    p.g.backward(p.loss);
    FAIL() << "backward read values the fused run did not keep";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run forward(\"loss\")"), std::string::npos) << e.what();
  }
  p.g.forward(p.loss);  // and forward() brings them back
  EXPECT_TRUE(p.g.value_is_fresh(p.chain));
}

TEST(Fusion, CheckedModeRunsUnfused) {
  Rng rng(2);
  Pipeline p(random_normal({8, 5}, rng), random_uniform({8, 5}, rng, 0.0, 1.0));
  p.g.set_checked(true);
  p.g.forward_backward(p.loss);
  EXPECT_TRUE(p.g.value_is_fresh(p.chain));
}

TEST(Fusion, AnOpNodeOnTheBoundaryGetsItsGradientThenBackwardGoesOn) {
  // L2(softmax(tanh(X W)), Y): the product is outside the chain, so its
  // gradient is gathered by rows and a regular backward takes it to X and W.
  Rng rng(3);
  Tensor xv = random_normal({40, 6}, rng), wv = random_normal({6, 90}, rng), yv = random_uniform({40, 90}, rng, 0, 1);
  auto build = [&](Graph& g, Expr& x, Expr& w, Expr& chain) {
    g.set_checked(false);
    x = g.input("x", xv, true);
    w = g.parameter("w", wv);
    chain = softmax(tanh(matmul(x, w)));
    return l2(chain, g.input("y", yv));
  };
  Graph a, b;
  Expr xa, wa, ca, xb, wb, cb;
  Expr la = build(a, xa, wa, ca), lb = build(b, xb, wb, cb);
  const double expected = a.forward(la)[0];
  a.backward(la);
  EXPECT_NEAR(b.forward_backward(lb)[0], expected, 1e-12 * expected);
  EXPECT_FALSE(b.value_is_fresh(cb));
  EXPECT_LE(relative_gap(xa.grad(), xb.grad()), 1e-12);
  EXPECT_LE(relative_gap(wa.grad(), wb.grad()), 1e-12);
  EXPECT_TRUE(b.grad_is_fresh(wb));
}

TEST(Fusion, AccumulatingRunsAddUp) {
  Rng rng(4);
  Tensor xv = random_normal({20, 9}, rng), yv = random_uniform({20, 9}, rng, 0, 1);
  Pipeline once(xv, yv), twice(xv, yv);
  once.g.forward_backward(once.loss);
  twice.g.zero_grad();
  twice.g.forward_backward(twice.loss, BackwardOptions{.accumulate = true});
  twice.g.forward_backward(twice.loss, BackwardOptions{.accumulate = true});
  for (std::int64_t i = 0; i < xv.size(); ++i) EXPECT_DOUBLE_EQ(twice.x.grad().get(i), 2 * once.x.grad().get(i));
}

TEST(Fusion, TwoGradientsLeavingTheChainRunUnfused) {
  // Y asks for a gradient too: two boundary nodes, which this fusion leaves alone.
  Rng rng(5);
  Tensor xv = random_normal({10, 7}, rng), yv = random_uniform({10, 7}, rng, 0, 1);
  Pipeline reference(xv, yv, true), p(xv, yv, true);
  reference.g.forward(reference.loss);
  reference.g.backward(reference.loss);
  p.g.forward_backward(p.loss);
  EXPECT_TRUE(p.g.value_is_fresh(p.chain));
  EXPECT_EQ(relative_gap(reference.y.grad(), p.y.grad()), 0.0);
  EXPECT_EQ(relative_gap(reference.x.grad(), p.x.grad()), 0.0);
}

TEST(Fusion, ALossThatIsNotASumOverRowsRunsUnfused) {
  Rng rng(6);
  Graph g;
  g.set_checked(false);
  Expr x = g.input("x", random_normal({6, 4}, rng), true);
  Expr h = sigmoid(x);
  Expr loss = mean(square(h));
  const double value = g.forward_backward(loss)[0];
  EXPECT_TRUE(g.value_is_fresh(h));
  EXPECT_DOUBLE_EQ(value, g.forward(loss)[0]);
}

TEST(Fusion, ALossStraightOnTheLeavesRunsByRows) {
  // A chain of the loss alone (the l1 and l2 benchmarks): still one pass
  // over x and y, forward and backward together.
  Rng rng(9);
  Tensor xv = random_normal({50, 130}, rng), yv = random_normal({50, 130}, rng);
  using LossOf = Expr (*)(Expr, Expr, std::string);
  for (LossOf loss_of : {LossOf(&l1), LossOf(&l2)}) {
    Graph a, b;
    b.set_checked(false);
    Expr xa = a.input("x", xv, true), xb = b.input("x", xv, true);
    Expr la = loss_of(xa, a.input("y", yv), "loss"), lb = loss_of(xb, b.input("y", yv), "loss");
    const double expected = a.forward(la)[0];
    a.backward(la);
    const std::string_view name = a.node(la.id()).op_name();
    EXPECT_NEAR(b.forward_backward(lb)[0], expected, 1e-12 * expected) << name;
    EXPECT_EQ(relative_gap(xa.grad(), xb.grad()), 0.0) << name;
  }
}

// A fused run, then new values of shape `next` in x and y: the next fused
// run must read them (and rebuild its plan when the shape changed).
void expect_new_values_read(const Shape& first, const Shape& next) {
  Rng rng(10);
  Pipeline p(random_normal(first, rng), random_uniform(first, rng, 0, 1));
  p.g.forward_backward(p.loss);
  Tensor xv = random_normal(next, rng), yv = random_uniform(next, rng, 0, 1);
  p.g.set_value(p.x, xv);
  p.g.set_value(p.y, yv);
  const double got = p.g.forward_backward(p.loss)[0];
  Pipeline reference(xv, yv);
  EXPECT_NEAR(got, reference.g.forward(reference.loss)[0], 1e-12 * got);
  reference.g.backward(reference.loss);
  EXPECT_LE(relative_gap(reference.x.grad(), p.x.grad()), 1e-12);
}

TEST(Fusion, NewValuesOfTheSameShapeAreRead) { expect_new_values_read(Shape{16, 700}, Shape{16, 700}); }

TEST(Fusion, ANewRowCountRebuildsThePlan) { expect_new_values_read(Shape{12, 5}, Shape{30, 5}); }

}  // namespace
}  // namespace dagrad

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

Tensor ones(std::int64_t n) { return Tensor(Shape{n}, 1.0); }

// The mask the op documents: mt19937_64(seed), one draw per element,
// kept when (draw >> 11) * 2^-53 >= p; `run` masks drawn before.
std::vector<bool> documented_mask(std::uint64_t seed, std::int64_t n, double p, int run) {
  std::mt19937_64 generator(seed);
  std::vector<bool> kept(static_cast<std::size_t>(n));
  for (int r = 0; r <= run; ++r) {
    for (std::int64_t i = 0; i < n; ++i) kept[std::size_t(i)] = double(generator() >> 11) * 0x1.0p-53 >= p;
  }
  return kept;
}

TEST(Dropout, TrainingZeroesWithTheDocumentedMaskAndScalesTheRest) {
  Graph g;
  Expr x = g.input("x", ones(1000), true);
  Expr y = dropout(x, 0.25, 42);
  for (int run = 0; run < 2; ++run) {  // a new mask at each training-mode run
    g.forward(y);
    g.backward(y, Tensor(Shape{1000}, 2.0));
    std::vector<bool> kept = documented_mask(42, 1000, 0.25, run);
    int zeros = 0;
    for (std::int64_t i = 0; i < 1000; ++i) {
      const double expected = kept[std::size_t(i)] ? 1.0 / 0.75 : 0.0;
      ASSERT_EQ(y.value().get(i), expected) << "run " << run << " element " << i;
      ASSERT_EQ(x.grad().get(i), 2.0 * expected) << "run " << run << " element " << i;
      zeros += kept[std::size_t(i)] ? 0 : 1;
    }
    EXPECT_EQ(zeros, run == 0 ? 252 : 246);  // this seed's draws: about p = 25% of the elements
  }
}

TEST(Dropout, SameSeedAndRunCountGiveTheSameMasks) {
  Graph a, b;
  Expr ya = dropout(a.input("x", ones(50)), 0.5, 7);
  Expr yb = dropout(b.input("x", ones(50)), 0.5, 7);
  Expr other = dropout(b.input("x2", ones(50)), 0.5, 8);
  for (int run = 0; run < 3; ++run) {
    a.forward(ya);
    b.forward(std::vector<Expr>{yb, other});
    EXPECT_TRUE(ya.value() == yb.value()) << run;
    EXPECT_FALSE(ya.value() == other.value()) << run;
  }
}

TEST(Dropout, EvaluationModeIsTheIdentityAndTrainingResumesTheStream) {
  Graph g;
  Tensor values{{1.0, -2.0, 3.0}, {4.0, 5.0, -6.0}};
  Expr x = g.input("x", values, true);
  Expr y = dropout(x, 0.5, 3);
  g.set_training(false);
  EXPECT_FALSE(g.training());
  g.forward(y);
  g.backward(y, Tensor(Shape{2, 3}, 1.5));
  EXPECT_TRUE(y.value() == values.view());
  for (double d : x.grad()) EXPECT_EQ(d, 1.5);
  // Evaluation runs draw nothing: the first training run uses mask 0.
  g.set_training(true);
  g.forward(y);
  std::vector<bool> kept = documented_mask(3, 6, 0.5, 0);
  for (std::int64_t i = 0; i < 6; ++i) EXPECT_EQ(y.value().get(i), kept[std::size_t(i)] ? 2.0 * values.get(i) : 0.0);
}

TEST(Dropout, PZeroIsTheIdentityAndPOneGivesZerosAsPyTorch) {
  Graph g;
  Tensor values{0.5, -1.0, 2.0, 7.0};
  Expr x = g.input("x", values, true);
  Expr keep_all = dropout(x, 0.0, 1);
  Expr drop_all = dropout(x, 1.0, 1);
  g.forward(std::vector<Expr>{keep_all, drop_all});
  EXPECT_TRUE(keep_all.value() == values.view());
  for (double v : drop_all.value()) EXPECT_EQ(v, 0.0);
  g.backward(drop_all, Tensor(Shape{4}, 1.0));
  for (double d : x.grad()) EXPECT_EQ(d, 0.0);
}

TEST(Dropout, FixedMaskKeepsTheFirstMaskUntilTheShapeChanges) {
  Graph g;
  Expr x = g.input("x", ones(40));
  Expr y = g.apply("dropout", {x}, Attrs{{"p", 0.5}, {"seed", std::int64_t{5}}, {"redraw", false}});
  const Tensor first = Tensor::from(g.forward(y));
  g.forward(y);
  EXPECT_TRUE(y.value() == first.view());
  std::vector<bool> kept = documented_mask(5, 40, 0.5, 0);
  for (std::int64_t i = 0; i < 40; ++i) EXPECT_EQ(first.get(i), kept[std::size_t(i)] ? 2.0 : 0.0);
}

TEST(Dropout, Float32UsesTheSameMask) {
  Graph g;
  Expr y64 = dropout(g.input("x", ones(30)), 0.3, 9);
  Expr y32 = dropout(g.input("x32", ones(30).to(DType::float32)), 0.3, 9);
  g.forward(std::vector<Expr>{y64, y32});
  for (std::int64_t i = 0; i < 30; ++i) EXPECT_EQ(y32.value().get(i), double(float(y64.value().get(i)))) << i;
}

// The examples keep one mask per example (redraw false): the checker
// re-runs forward many times and compares the runs.
TEST(Dropout, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("dropout"); }

// The gradient as graph nodes (grad) sends dy through the very mask the
// forward run drew: x = 0 everywhere here, where no mask could be read back
// from y / x, and dy = 1 does not depend on y, yet evaluating the gradient
// runs the dropout node first. Each run draws anew and the gradient follows;
// in evaluation mode it is dy.
TEST(Dropout, SymbolicGradientReplaysTheForwardRunsMask) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{200}), true);
  Expr gradient = grad(sum(dropout(x, 0.4, 3)), {x})[0];
  for (int run = 0; run < 2; ++run) {
    g.forward(gradient);
    std::vector<bool> kept = documented_mask(3, 200, 0.4, run);
    for (std::int64_t i = 0; i < 200; ++i) {
      ASSERT_EQ(gradient.value().get(i), kept[std::size_t(i)] ? 1.0 / (1.0 - 0.4) : 0.0) << run << " " << i;
    }
  }
  g.set_training(false);
  g.forward(gradient);
  EXPECT_TRUE(gradient.value() == ones(200).view());
}

TEST(Dropout, AttributesRoundTripAndBadPNamesTheNode) {
  Graph g;
  Expr x = g.input("x", ones(3));
  Expr y = dropout(x, 0.2, 11);
  const Attrs attrs{{"p", 0.2}, {"seed", std::int64_t{11}}, {"redraw", true}};
  EXPECT_EQ(g.node(y).op()->attrs(), attrs);
  EXPECT_EQ(OpRegistry::global().make("dropout", attrs)->attrs(), attrs);
  EXPECT_EQ(error_message<ShapeError>([&] { dropout(x, 1.5, 0, "d"); }), "dropout \"d\": p must be in [0, 1], got 1.5");
  EXPECT_EQ(error_message<ShapeError>([&] { dropout(x, -0.1, 0, "d"); }), "dropout \"d\": p must be in [0, 1], got -0.1");
}

}  // namespace
}  // namespace dagrad

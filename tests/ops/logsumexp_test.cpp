#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;
constexpr double inf = std::numeric_limits<double>::infinity();

// Values and gradients as PyTorch's logsumexp gives them
// (tests/ops/reference/reductions_reference.cpp).
TEST(LogSumExp, StableForLargeEntriesAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1000, 1000, 999}, {1, 2, 3}}, true);
  Expr y = logsumexp(x, 1);
  const TensorView& v = g.forward(y);
  EXPECT_DOUBLE_EQ(v[0], 1000.8619948040582);
  EXPECT_DOUBLE_EQ(v[1], 3.4076059644443806);
  g.backward(y, Tensor{1, 2});
  const double expected[] = {0.42231879825153423, 0.42231879825153423, 0.15536240349696953,
                             0.18006114634076087, 0.48945694210959517, 1.3304819115496433};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(x.grad()[i], expected[i], 1e-15) << i;
}

TEST(LogSumExp, EverythingAndKeepdims) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}}, true);
  Expr all = logsumexp(x);
  EXPECT_DOUBLE_EQ(g.forward(all)[0], 4.4401896985611957);
  g.backward(all);
  const double expected[] = {0.032058603280084974, 0.087144318742032531, 0.23688281808991005, 0.64391425988797202};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(x.grad()[i], expected[i], 1e-16) << i;
  Expr columns = logsumexp(x, 0, true);
  EXPECT_EQ(columns.shape(), (Shape{1, 2}));
  EXPECT_DOUBLE_EQ(g.forward(columns)[1], 4.0 + std::log1p(std::exp(-2.0)));
}

// A lane of -inf gives -inf (its gradient is PyTorch's NaN: e^(-inf + inf)),
// one holding +inf gives +inf, -inf entries get no gradient, and an empty
// lane is the log of an empty sum, -inf, as PyTorch.
TEST(LogSumExp, InfiniteAndEmptyLanesAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{-inf, -inf, -inf}, {0, -inf, 1}, {inf, 0, 1}}, true);
  Expr y = logsumexp(x, 1);
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v[0], -inf);
  EXPECT_DOUBLE_EQ(v[1], 1.3132616875182228);
  EXPECT_EQ(v[2], inf);
  g.backward(y, Tensor{1, 1, 1});
  EXPECT_TRUE(std::isnan(x.grad()[0]));
  EXPECT_DOUBLE_EQ(x.grad()[3], 0.2689414213699951);
  EXPECT_EQ(x.grad()[4], 0.0);
  EXPECT_DOUBLE_EQ(x.grad()[5], 0.7310585786300049);
  EXPECT_EQ(x.grad()[7], 0.0);

  Expr empty = g.input("empty", Tensor(Shape{2, 0}));
  EXPECT_EQ(g.forward(logsumexp(empty, 1)), (Tensor{-inf, -inf}));
}

TEST(LogSumExp, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 2}, std::vector<float>{100, 100, -3, 5}), true);
  Expr y = logsumexp(x, -1);
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v.dtype(), DType::float32);
  EXPECT_FLOAT_EQ(v.data<float>()[0], 100 + std::log(2.0f));
  EXPECT_FLOAT_EQ(v.data<float>()[1], 5 + std::log1p(std::exp(-8.0f)));
}

TEST(LogSumExp, AttributesAndErrors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  Expr y = g.apply("logsumexp", {x}, {{"axis", std::int64_t{-1}}});
  EXPECT_EQ(y.shape(), (Shape{2}));
  EXPECT_EQ(g.node(y).op()->label(), "logsumexp axis=-1");
  EXPECT_EQ(g.node(y).op()->attrs(), (Attrs{{"axis", std::int64_t{-1}}}));
  EXPECT_EQ(error_message<ShapeError>([&] { logsumexp(x, -3, false, "l"); }),
            "logsumexp \"l\": axis -3 is out of range for shape (2, 3) (rank 2)");
  EXPECT_EQ(error_message([&] { g.apply("logsumexp", {x}, {{"correction", std::int64_t{1}}}); }),
            "logsumexp: unknown attribute \"correction\" (known: axis, keepdims)");
}

TEST(LogSumExp, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("logsumexp"); }

}  // namespace
}  // namespace dagrad

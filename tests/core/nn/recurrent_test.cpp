// The recurrent layers of nn.hpp: PyTorch's parameter names, shapes and
// initializers, and each layer computing its op (or, for RNNCell, its
// formula) on its own parameters.
#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Every element within [-bound, bound], and the extremes near it (so the
// draw is U(-bound, bound), not something narrower).
void expect_uniform_within(const TensorView& t, double bound) {
  double largest = 0;
  for (std::int64_t i = 0; i < t.size(); ++i) largest = std::max(largest, std::abs(t.get(i)));
  EXPECT_LE(largest, bound);
  EXPECT_GT(largest, 0.8 * bound);
}

TEST(RecurrentLayers, LstmHasPyTorchsParametersAndInitializer) {
  Graph g;
  Rng rng(1);
  LSTM lstm(g, 5, 16, rng, "encoder");
  std::vector<Expr> p = lstm.parameters();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name(), "encoder/weight_ih");
  EXPECT_EQ(p[1].name(), "encoder/weight_hh");
  EXPECT_EQ(p[2].name(), "encoder/bias_ih");
  EXPECT_EQ(p[3].name(), "encoder/bias_hh");
  EXPECT_EQ(p[0].shape(), (Shape{64, 5}));
  EXPECT_EQ(p[1].shape(), (Shape{64, 16}));
  EXPECT_EQ(p[3].shape(), (Shape{64}));
  for (Expr e : p) expect_uniform_within(e.value(), 0.25);  // 1/sqrt(16)
  EXPECT_EQ(g.parameters().size(), 4u);
}

TEST(RecurrentLayers, LstmAndGruRunTheirOpsWithZeroInitialState) {
  Graph g;
  Rng rng(2);
  Expr x = g.input("x", random_normal(Shape{4, 3, 2}, rng));
  LSTM lstm(g, 2, 5, rng);
  GRU gru(g, 2, 5, rng);
  Expr a = lstm(x), b = gru(x);
  EXPECT_EQ(g.node(a).op_name(), "lstm");
  EXPECT_EQ(g.node(b).op_name(), "gru");
  EXPECT_EQ(a.shape(), (Shape{4, 3, 5}));
  EXPECT_EQ(gru.parameters()[0].shape(), (Shape{15, 2}));
  EXPECT_EQ(gru.parameters()[1].name(), "gru/weight_hh");
  // The same as the op with explicit zero states.
  const auto& p = lstm.parameters();
  Expr zeros = g.constant(Tensor(Shape{3, 5}));
  Expr explicit_zero = lstm(x, zeros, zeros);
  g.forward(std::vector<Expr>{a, explicit_zero});
  EXPECT_EQ(a.value(), explicit_zero.value());
  EXPECT_EQ(p.size(), 4u);
  // Called twice: the layer shares its parameters.
  Expr again = lstm(x);
  EXPECT_EQ(g.forward(again), a.value());
}

TEST(RecurrentLayers, Float32Layers) {
  Graph g;
  Rng rng(3);
  LSTM lstm(g, 2, 3, rng, "lstm", DType::float32);
  Embedding embed(g, 4, 2, rng, "embed", DType::float32);
  Expr y = lstm(embed(g.input("chars", Tensor{{0.0, 3.0}, {1.0, 2.0}})));
  EXPECT_EQ(y.dtype(), DType::float32);
  EXPECT_EQ(g.forward(y).shape(), (Shape{2, 2, 3}));
}

TEST(RecurrentLayers, EmbeddingDrawsNormalRows) {
  Graph g;
  Rng rng(4), same(4);
  Embedding embed(g, 50, 20, rng, "words");
  EXPECT_EQ(embed.weight().name(), "words/weight");
  EXPECT_EQ(embed.weight().value(), init::normal(Shape{50, 20}, same));  // N(0, 1), as nn.Embedding
  Expr rows = embed(g.input("ids", Tensor{7.0, 7.0}));
  g.forward(rows);
  EXPECT_EQ(rows.value().get(0), embed.weight().value().get(7 * 20));
}

TEST(RecurrentLayers, RnnCellComputesTanhOfBothProducts) {
  Graph g;
  Rng rng(5);
  RNNCell cell(g, 2, 1, rng);
  const auto& p = cell.parameters();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].shape(), (Shape{1, 2}));
  g.set_value(p[0], Tensor{{0.5, -1.0}});
  g.set_value(p[1], Tensor(Shape{1, 1}, 2.0));
  g.set_value(p[2], Tensor{0.25});
  g.set_value(p[3], Tensor{-0.5});
  Expr h = cell(g.input("x", Tensor{{1.0, 2.0}}), g.input("h", Tensor(Shape{1, 1}, 0.5)));
  // tanh(0.5 - 2 + 0.25 + 2 * 0.5 - 0.5) = tanh(-0.75)
  EXPECT_NEAR(g.forward(h).get(0), std::tanh(-0.75), 1e-15);
}

TEST(RecurrentLayers, BadSizesAndInputsAreNamed) {
  Graph g;
  Rng rng(6);
  EXPECT_EQ(error_message([&] { LSTM(g, 0, 4, rng, "bad"); }),
            "LSTM \"bad\": sizes must be positive, not input 0 and hidden 4");
  LSTM lstm(g, 3, 4, rng);
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(g.input("x", Tensor(Shape{2, 3}))); }),
            "x must be (seq, batch, input_size), got shape (2, 3)");
}

}  // namespace
}  // namespace dagrad

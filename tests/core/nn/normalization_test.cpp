// Dropout, LayerNorm, BatchNorm and Sequential: names, initial values, the
// training/evaluation switch, running statistics, and saving them.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "dagrad/data.hpp"
#include "dagrad/nn.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/optim.hpp"
#include "dagrad/train.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

TEST(DropoutLayer, EachCallGetsTheNextSeedAndEvaluationIsTheIdentity) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{4, 5}, 1.0));
  Dropout layer(0.5, 10);
  Expr first = layer(x), second = layer(x);
  EXPECT_EQ(g.node(first).op()->attrs().values().at("seed"), AttrValue(std::int64_t{10}));
  EXPECT_EQ(g.node(second).op()->attrs().values().at("seed"), AttrValue(std::int64_t{11}));
  EXPECT_EQ(g.node(first).op()->attrs().values().at("p"), AttrValue(0.5));
  g.set_training(false);
  g.forward(std::vector<Expr>{first, second});
  for (double v : first.value()) EXPECT_EQ(v, 1.0);
  EXPECT_TRUE(layer.parameters().empty());
  EXPECT_EQ(error_message([] { Dropout(1.2, 0, "drop"); }), "Dropout \"drop\": p must be in [0, 1], got 1.2");
}

TEST(LayerNormLayer, StartsAsPyTorchWithOnesAndZerosAndNormalizesRows) {
  Graph g;
  LayerNorm norm(g, 3, "ln");
  EXPECT_EQ(norm.weight().name(), "ln/weight");
  EXPECT_EQ(norm.bias().name(), "ln/bias");
  EXPECT_TRUE(norm.weight().value() == Tensor({1.0, 1.0, 1.0}).view());
  EXPECT_TRUE(norm.bias().value() == Tensor({0.0, 0.0, 0.0}).view());
  Expr y = norm(g.input("x", Tensor{{1.0, 2.0, 3.0}}));
  g.forward(y);
  const double r = 1.0 / std::sqrt(2.0 / 3.0 + 1e-5);
  EXPECT_NEAR(y.value().get(0), -r, 1e-15);
  EXPECT_NEAR(y.value().get(1), 0.0, 1e-15);
  EXPECT_NEAR(y.value().get(2), r, 1e-15);
  EXPECT_EQ(norm.parameters().size(), 2u);
  EXPECT_EQ(error_message([&] { LayerNorm(g, 0, "none"); }), "LayerNorm \"none\": the feature count must be positive, not 0");
}

TEST(BatchNormLayer, RunningStatisticsAreInputLeavesUpdatedByTrainingRuns) {
  Graph g;
  BatchNorm norm(g, 2, "bn", /*momentum=*/0.5);
  EXPECT_EQ(norm.running_mean().name(), "bn/running_mean");
  EXPECT_EQ(g.node(norm.running_mean()).kind(), NodeKind::input);
  EXPECT_FALSE(g.node(norm.running_var()).requires_grad());
  EXPECT_TRUE(norm.running_var().value() == Tensor({1.0, 1.0}).view());
  Expr x = g.input("x", Tensor{{1.0, 10.0}, {3.0, 20.0}});
  Expr y = norm(x);
  // Step 1: batch means (2, 15), unbiased variances (2, 50).
  g.forward(y);
  EXPECT_TRUE(norm.running_mean().value() == Tensor({1.0, 7.5}).view());
  EXPECT_TRUE(norm.running_var().value() == Tensor({1.5, 25.5}).view());
  // Step 2 on another batch: means (0, 0), unbiased variances (8, 0).
  g.set_value(x, Tensor{{-2.0, 0.0}, {2.0, 0.0}});
  g.forward(y);
  EXPECT_TRUE(norm.running_mean().value() == Tensor({0.5, 3.75}).view());
  EXPECT_TRUE(norm.running_var().value() == Tensor({4.75, 12.75}).view());
  // Evaluation: (x - running_mean) / sqrt(running_var + eps), untouched statistics.
  g.set_training(false);
  g.forward(y);
  EXPECT_NEAR(y.value().get(0), -2.5 / std::sqrt(4.75 + 1e-5), 1e-15);
  EXPECT_TRUE(norm.running_mean().value() == Tensor({0.5, 3.75}).view());
}

TEST(BatchNormLayer, StateSavesAndLoadsTheRunningStatistics) {
  const std::string path = (std::filesystem::temp_directory_path() / "dagrad_batch_norm_state.json").string();
  Graph g;
  BatchNorm norm(g, 2, "bn");
  g.forward(norm(g.input("x", Tensor{{1.0, 10.0}, {3.0, 20.0}})));
  std::vector<Expr> state = norm.parameters();
  for (Expr b : norm.buffers()) state.push_back(b);
  save_parameters(path, state);

  Graph fresh;
  BatchNorm loaded(fresh, 2, "bn");
  std::vector<Expr> loaded_state = loaded.parameters();
  for (Expr b : loaded.buffers()) loaded_state.push_back(b);
  load_parameters(path, loaded_state);
  EXPECT_TRUE(loaded.running_mean().value() == norm.running_mean().value());
  EXPECT_TRUE(loaded.running_var().value() == norm.running_var().value());
  std::filesystem::remove(path);
}

TEST(Sequential, AppliesLayersInOrderAndCollectsParametersAndBuffers) {
  Graph g;
  Rng rng(3);
  Linear first(g, 2, 3, rng, "layer1");
  Linear second(g, 3, 1, rng, "layer2");
  Sequential model;
  model.add(first).add(BatchNorm(g, 3, "bn1")).add(Activation::relu).add(Dropout(0.5, 1)).add(second);
  EXPECT_EQ(model.size(), 5u);
  std::vector<std::string> names;
  for (Expr p : model.parameters()) names.push_back(p.name());
  EXPECT_EQ(names, (std::vector<std::string>{"layer1/W", "layer1/b", "bn1/weight", "bn1/bias", "layer2/W", "layer2/b"}));
  names.clear();
  for (Expr p : model.state()) names.push_back(p.name());
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(names[6], "bn1/running_mean");
  EXPECT_EQ(names[7], "bn1/running_var");

  // In evaluation mode (fresh running statistics: 0 and 1, dropout off) the
  // model is second(relu(first(x) / sqrt(1 + eps))).
  Expr x = g.input("x", Tensor{{1.0, -2.0}, {0.5, 3.0}});
  Expr y = model(x);
  Expr expected = second(relu(first(x) * g.constant(Tensor::scalar(1.0 / std::sqrt(1.0 + 1e-5)))));
  g.set_training(false);
  g.forward(std::vector<Expr>{y, expected});
  for (std::int64_t i = 0; i < 2; ++i) EXPECT_NEAR(y.value().get(i), expected.value().get(i), 1e-15);
}

}  // namespace
}  // namespace dagrad

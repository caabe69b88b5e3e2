#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

TEST(Graph, NodesHaveGivenOrGeneratedUniqueNames) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2});
  Expr s = sigmoid(x);
  EXPECT_EQ(x.name(), "x");
  EXPECT_EQ(s.name(), "sigmoid_1");
  EXPECT_EQ(g.find("sigmoid_1"), s);
  try {
    g.input("x", Tensor{1});
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "a node named \"x\" already exists in this graph");
  }
  EXPECT_THROW(g.find("nope"), Error);
}

TEST(Graph, NameScopesPrefixNames) {
  Graph g;
  {
    auto scope = g.name_scope("layer1");
    EXPECT_EQ(g.parameter("W", Tensor{1}).name(), "layer1/W");
  }
  EXPECT_EQ(g.parameter("W", Tensor{1}).name(), "W");
}

// A user-defined op (no registration needed): y = a + b, same shapes.
class AddSameShape final : public Op {
 public:
  std::string_view name() const override { return "test_add"; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    for (std::int64_t i = 0; i < output.size(); ++i) output[i] = inputs[0][i] + inputs[1][i];
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (auto& slot : grads) {
      if (!slot.needed) continue;
      for (std::int64_t i = 0; i < dy.size(); ++i) slot.grad[i] = (slot.accumulate ? slot.grad[i] : 0.0) + dy[i];
    }
  }
};

TEST(Graph, NodeUsedTwiceReceivesTheSumOfBothContributions) {
  // L = sum((a + b - c)^2) with a = reshape(s), b = reshape(s), s = sigmoid(x):
  // dL/dx = 2 (2s - c) * 2 * s (1 - s), where the factor 2 comes from s's two paths.
  Graph g;
  Expr x = g.input("x", Tensor{0.2, -0.4}, true);
  Expr s = sigmoid(x);
  Expr a = reshape(s, {2, 1});
  Expr b = reshape(s, {2, 1});
  Expr c = g.constant(Tensor(Shape{2, 1}, {1.0, 2.0}));
  Expr loss = l2(g.add_op(std::make_unique<AddSameShape>(), {a, b}), c);
  g.forward(loss);
  g.backward(loss);
  for (int i = 0; i < 2; ++i) {
    double sv = sigmoid(x.value()[i]);
    EXPECT_NEAR(x.grad()[i], 2 * (2 * sv - c.value()[i]) * 2 * sv * (1 - sv), 1e-15);
  }
  // The same input twice in one node (slots alias): d/dx sum((x + x)^2) = 8x.
  Graph h;
  Expr y = h.input("y", Tensor{0.5, -1.5}, true);
  Expr loss2 = l2(h.add_op(std::make_unique<AddSameShape>(), {y, y}), h.constant(Tensor{0, 0}));
  h.forward(loss2);
  h.backward(loss2);
  EXPECT_EQ(y.grad()[0], 4.0);
  EXPECT_EQ(y.grad()[1], -12.0);
}

TEST(Graph, ForwardEvaluatesOnlyWhatTheOutputNeeds) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2});
  Expr a = sigmoid(x, "a");
  Expr b = softmax(x, "b");
  g.forward(a);
  EXPECT_TRUE(g.node(a).has_value());
  EXPECT_FALSE(g.node(b).has_value());
  int out[] = {a.id()};
  EXPECT_EQ(g.topological_order(out), (std::vector<int>{x.id(), a.id()}));
}

TEST(Graph, RerunWithNewInputsGivesNewResults) {
  Graph g;
  Expr x = g.input("x", Tensor{0.0});
  Expr s = sigmoid(x);
  EXPECT_EQ(g.forward(s)[0], 0.5);
  const double* buffer = s.value().data();
  g.set_value(x, Tensor{1.0});
  EXPECT_EQ(g.forward(s)[0], sigmoid(1.0));
  EXPECT_EQ(s.value().data(), buffer) << "a re-run re-uses the output buffer";
}

TEST(Graph, NewInputShapePropagatesAtNextForward) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}});
  Expr p = softmax(sigmoid(x));
  g.forward(p);
  g.set_value(x, Tensor{{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(g.forward(p).shape(), (Shape{2, 3}));
}

TEST(Graph, BackwardFromNonScalarNeedsASeed) {
  Graph g;
  Expr s = sigmoid(g.input("x", Tensor{1, 2}, true), "s");
  g.forward(s);
  try {
    g.backward(s);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "backward: output \"s\" has shape (2,), not a scalar: pass a seed gradient of that shape");
  }
  EXPECT_THROW(g.backward(s, Tensor{1, 2, 3}), ShapeError);
}

TEST(Graph, BackwardBeforeForwardIsAnError) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2}, true);
  Expr loss = l2(x, g.constant(Tensor{0, 0}), "loss");
  EXPECT_THROW(g.backward(loss), Error);
  g.forward(loss);
  g.set_value(x, Tensor{3, 4});
  EXPECT_THROW(g.backward(loss), Error) << "stale values must not give silent wrong gradients";
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(x.grad()[0], 6.0);
}

TEST(Graph, InputsGetGradientsOnlyWhenAsked) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2});
  Expr w = g.parameter("w", Tensor{3, 4});
  Expr loss = l2(x, w);
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(w.grad()[0], 4.0);
  EXPECT_THROW(x.grad(), Error);
  EXPECT_THROW(g.node(g.constant(Tensor{1})).grad(), Error);
}

TEST(Graph, IntermediateGradientsAreKeptOnRequest) {
  Graph g;
  Expr x = g.input("x", Tensor{0.5}, true);
  Expr s = sigmoid(x, "s");
  Expr loss = l2(s, g.constant(Tensor{1.0}));
  g.forward(loss);
  g.backward(loss);
  EXPECT_THROW(s.grad(), Error);
  g.backward(loss, {.retain_grads = true});
  EXPECT_NEAR(s.grad()[0], 2 * (sigmoid(0.5) - 1.0), 1e-15);
}

TEST(Graph, BackwardReplacesGradientsUnlessAccumulating) {
  Graph g;
  Expr w = g.parameter("w", Tensor{2.0});
  Expr loss = l2(w, g.constant(Tensor{0.0}));
  g.forward(loss);
  g.backward(loss);
  g.backward(loss);
  EXPECT_EQ(w.grad()[0], 4.0);
  g.zero_grad();
  g.backward(loss, {.accumulate = true});
  g.backward(loss, {.accumulate = true});
  EXPECT_EQ(w.grad()[0], 8.0);
}

TEST(Graph, InferenceForwardKeepsOnlyOutputs) {
  Graph g;
  Rng rng(1);
  Expr x = g.input("x", random_normal(Shape{64, 64}, rng));
  Expr a = sigmoid(x, "a");
  Expr b = sigmoid(a, "b");
  Expr c = sigmoid(b, "c");
  Expr d = softmax(c, "d");
  Graph reference;
  Expr rx = reference.input("x", Tensor::from(x.value()));
  Expr rd = softmax(sigmoid(sigmoid(sigmoid(rx))));
  reference.forward(rd);
  g.forward(d, {.keep_intermediates = false});
  EXPECT_EQ(d.value(), rd.value());
  EXPECT_FALSE(g.node(b).has_value());
  // Two 64x64 buffers ping-pong for the intermediates.
  EXPECT_EQ(g.memory_stats().workspace_bytes, 2 * 64 * 64 * 8);
  EXPECT_THROW(g.backward(l2(d, d)), Error);
}

TEST(Graph, SeededBackwardReadsTheSeedInPlaceAndKeepsNoOutputGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{0.5, -1.0}, true);
  Expr s = sigmoid(x, "s");
  g.forward(s);
  {
    Tensor seed{2.0, 3.0};
    g.backward(s, seed);
  }  // the seed is gone; the gradients stay
  for (int i = 0; i < 2; ++i) {
    double y = sigmoid(x.value()[i]);
    EXPECT_NEAR(x.grad()[i], (i == 0 ? 2.0 : 3.0) * y * (1 - y), 1e-15);
  }
  // As in PyTorch, a non-leaf output keeps no gradient unless asked to.
  EXPECT_THROW(s.grad(), Error);
  g.backward(s, Tensor{2.0, 3.0}, {.retain_grads = true});
  EXPECT_EQ(s.grad(), (Tensor{2.0, 3.0}));
}

TEST(Graph, BackwardChecksValuesAfterOtherForwardRuns) {
  Graph g;
  Expr x = g.input("x", Tensor{0.5, -1.0}, true);
  Expr a = sigmoid(x, "a");
  Expr b = sigmoid(a, "b");
  Expr loss = l2(b, g.constant(Tensor{0.0, 0.0}), "loss");
  Expr c = softmax(b, "c");
  g.forward(loss);
  g.backward(loss);
  Tensor expected = Tensor::from(x.grad());
  // A keeping run of another output leaves the loss's values current.
  g.forward(b);
  g.backward(loss);
  EXPECT_EQ(x.grad(), expected);
  // An inference run through the same nodes does not keep them.
  g.forward(c, {.keep_intermediates = false});
  EXPECT_THROW(g.backward(loss), Error);
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(x.grad(), expected);
}

TEST(Graph, ForeignExprIsRejected) {
  Graph g, h;
  Expr x = g.input("x", Tensor{1});
  Expr y = h.input("y", Tensor{1});
  EXPECT_THROW(l2(x, y), Error);
  EXPECT_THROW(sigmoid(Expr()), Error);
}

TEST(Graph, UnknownOpListsKnownOnes) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  try {
    g.apply("sigmoyd", {x});
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown op \"sigmoyd\" (known ops: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sigmoid"), std::string::npos);
  }
}

TEST(Graph, RegistryHasTheSeedOps) {
  for (const char* name : {"sigmoid", "reshape", "normalize_rows", "softmax", "l1", "l2"}) {
    EXPECT_TRUE(OpRegistry::global().contains(name)) << name;
  }
}

}  // namespace
}  // namespace dagrad

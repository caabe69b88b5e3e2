// The engine's ownership contract (issue 9): each defect found on the old
// engine, reproduced, now an error or a correct result instead of a crash.
#include <type_traits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// 1. Cached plans: a retained-gradient plan and a seed-in-place plan for the
// same non-scalar output, run alternately, never write through each other's
// views (this sequence segfaulted).
TEST(Soundness, AlternatingRetainedAndSeededPlansOnANonScalarOutput) {
  Graph g;
  Expr x = g.input("x", Tensor{{1.0, -2.0, 3.0}}, true);
  Expr y = sigmoid(x, "y");
  g.forward(y);
  Tensor seed{{0.5, 1.0, 2.0}};
  for (int round = 0; round < 3; ++round) {
    g.backward(y, seed, {.retain_grads = true});
    EXPECT_NEAR(y.grad()[2], 2.0, 0.0);
    g.backward(y, seed);
    g.backward(y, seed, {.retain_grads = true});
  }
  const double s = sigmoid(3.0);
  EXPECT_DOUBLE_EQ(x.grad()[2], 2.0 * s * (1 - s));
}

// 2. Values are written, never re-pointed: no API hands out a TensorView&
// into a leaf, and a Tensor is not a TensorView it could be sliced into.
template <class G, class E>
concept HasMutableValue = requires(G& g, E e) { g.mutable_value(e); };
static_assert(!HasMutableValue<Graph, Expr>);
static_assert(!std::is_convertible_v<Tensor&, TensorView&>);
static_assert(!std::is_base_of_v<TensorView, Tensor>);

TEST(Soundness, WriteValueCopiesIntoTheLeafsOwnStorage) {
  Graph g;
  Expr w = g.parameter("w", Tensor{1.0, 2.0});
  Expr y = sum(w * w);
  {
    Tensor other{5.0, 6.0};
    g.write_value(w).copy_from(other);
  }  // `other` is gone; the leaf kept its own buffer
  g.forward(y);
  EXPECT_DOUBLE_EQ(y.value().item(), 61.0);
  EXPECT_EQ(error_message<ShapeError>([&] { g.write_value(w).copy_from(Tensor{1.0, 2.0, 3.0, 4.0, 5.0}); }),
            "cannot copy a tensor of shape (5,) into one of shape (2,)");
}

// 3. Stale gradients: a parameter the last backward did not reach keeps its
// value, and the optimizer names it.
TEST(Soundness, OptimizersSkipParametersWithoutAFreshGradient) {
  Graph g;
  Expr shared = g.parameter("shared", Tensor{1.0});
  Expr only_a = g.parameter("only_a", Tensor{2.0});
  Expr only_b = g.parameter("only_b", Tensor{3.0});
  Expr loss_a = sum(square(shared * only_a), "loss_a");
  Expr loss_b = sum(square(shared * only_b), "loss_b");
  SGD sgd({shared, only_a, only_b}, 0.1);

  g.forward(loss_b);
  g.backward(loss_b);  // only_b gets a gradient, now stale after the next backward
  g.forward(loss_a);
  g.backward(loss_a);
  EXPECT_TRUE(g.grad_is_fresh(only_a));
  EXPECT_FALSE(g.grad_is_fresh(only_b));
  EXPECT_TRUE(g.node(only_b).has_grad());  // it has one, but it is old

  sgd.step();
  EXPECT_DOUBLE_EQ(only_b.value()[0], 3.0);                    // untouched
  EXPECT_DOUBLE_EQ(only_a.value()[0], 2.0 - 0.1 * 2 * 2 * 1);  // d/da (s a)^2 = 2 s^2 a
  EXPECT_EQ(sgd.skipped(), std::vector<std::string>{"only_b"});
}

TEST(Soundness, AccumulatingBackwardsShareOneGenerationStartedByZeroGrad) {
  Graph g;
  Expr a = g.parameter("a", Tensor{1.0});
  Expr b = g.parameter("b", Tensor{1.0});
  Expr loss_a = sum(a * 3.0);
  Expr loss_b = sum(b * 5.0);
  g.zero_grad();
  EXPECT_FALSE(g.grad_is_fresh(a));  // zeros are not a gradient any backward wrote
  g.forward(loss_a);
  g.backward(loss_a, {.accumulate = true});
  g.forward(loss_a);
  g.backward(loss_a, {.accumulate = true});
  EXPECT_TRUE(g.grad_is_fresh(a));
  EXPECT_FALSE(g.grad_is_fresh(b));
  EXPECT_DOUBLE_EQ(a.grad()[0], 6.0);
  (void)loss_b;
}

// 4. Handles that know their graph.
TEST(Soundness, AnExprOutlivingItsGraphIsAnError) {
  Expr dangling;
  {
    Graph g;
    dangling = g.input("x", Tensor{1.0});
  }
  EXPECT_FALSE(dangling.alive());
  EXPECT_EQ(error_message<Error>([&] { (void)dangling.value(); }),
            "an Expr (node id 0) was used after its Graph was destroyed");
  EXPECT_EQ(error_message<Error>([&] { sigmoid(dangling); }),
            "an Expr (node id 0) was used after its Graph was destroyed");
}

TEST(Soundness, AnExprOfAnotherGraphIsAnError) {
  Graph g, h;
  Expr x = g.input("x", Tensor{1.0});
  Expr y = h.input("y", Tensor{1.0});
  EXPECT_EQ(error_message<Error>([&] { add(x, y, "s"); }), "add \"s\": input 1: node \"y\" belongs to another graph");
  EXPECT_EQ(error_message<Error>([&] { h.forward(x); }), "forward: node \"x\" belongs to another graph");
}

// 5. An op that breaks the contract: in checked mode an error naming the
// op, the node and the slot, not a crash.
class WritesTooMuch final : public Op {
 public:
  enum class Fault { unneeded_slot, past_the_end, leaves_unwritten, forward_past_the_end };
  explicit WritesTooMuch(Fault fault) : fault_(fault) {}
  std::string_view name() const override { return "writes_too_much"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    output.copy_from(inputs[0]);
    if (fault_ == Fault::forward_past_the_end) output.data()[output.size()] = 1.0;
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (GradientSlot& slot : grads) {
      const bool write = slot.needed || fault_ == Fault::unneeded_slot;
      if (!write) continue;
      std::int64_t n = fault_ == Fault::leaves_unwritten ? slot.grad.size() - 1 : slot.grad.size();
      for (std::int64_t i = 0; i < n; ++i) slot.grad.data()[i] = dy.data()[i];
      if (fault_ == Fault::past_the_end) slot.grad.data()[slot.grad.size()] = 0.0;
    }
  }

 private:
  Fault fault_;
};

std::string contract_error(WritesTooMuch::Fault fault) {
  Graph g;
  g.set_checked(true);
  Expr x = g.input("x", Tensor{1.0, 2.0, 3.0}, true);
  Expr c = g.constant(Tensor{1.0, 1.0, 1.0}, "c");
  Expr y = g.add_op(std::make_unique<WritesTooMuch>(fault), {x, c}, "bad");
  Expr loss = sum(y);
  return error_message<ContractError>([&] {
    g.forward(loss);
    g.backward(loss);
  });
}

TEST(Soundness, CheckedModeNamesTheOpNodeAndSlotOfAContractViolation) {
  using Fault = WritesTooMuch::Fault;
  EXPECT_EQ(contract_error(Fault::unneeded_slot),
            "writes_too_much \"bad\": breaks the op contract: backward wrote gradient slot 1 (input \"c\"), which "
            "is not needed (element 0)");
  EXPECT_EQ(contract_error(Fault::past_the_end),
            "writes_too_much \"bad\": breaks the op contract: backward wrote outside gradient slot 0 (input \"x\") "
            "of shape (3,) (element 3)");
  EXPECT_EQ(contract_error(Fault::leaves_unwritten),
            "writes_too_much \"bad\": breaks the op contract: backward left element 2 of gradient slot 0 (input "
            "\"x\") unwritten, or read it before writing (a slot with accumulate = false must be assigned)");
  EXPECT_EQ(contract_error(Fault::forward_past_the_end),
            "writes_too_much \"bad\": breaks the op contract: forward wrote outside its output of shape (3,) "
            "(element 3)");
}

TEST(Soundness, CheckedModeGivesTheSameGradientsAsTheFastPath) {
  std::vector<double> first_elements;
  for (bool checked : {false, true}) {
    Graph g;
    g.set_checked(checked);
    Expr x = g.input("x", Tensor{{0.5, -1.0}, {2.0, 0.25}}, true);
    Expr loss = l2(softmax(x * x), g.constant(Tensor{{0.0, 1.0}, {1.0, 0.0}}));  // mul(x, x): aliased slots
    g.forward(loss);
    g.backward(loss);
    first_elements.push_back(x.grad().at({0, 0}));
  }
  EXPECT_EQ(first_elements[0], first_elements[1]);
  EXPECT_NEAR(first_elements[0], 0.2796214213673, 1e-12);
}

// Anomaly mode names the first non-finite node.
TEST(Soundness, CheckFiniteNamesTheFirstNonFiniteNode) {
  Graph g;
  Expr x = g.input("x", Tensor{{1.0, -1.0}}, true);
  Expr l = log(x, "log_x");
  Expr loss = sum(exp(l), "loss");
  EXPECT_EQ(error_message<NonFiniteError>([&] { g.forward(loss, {.check_finite = true}); }),
            "log \"log_x\": the first non-finite value: element 1 of its output (shape (1, 2)) is nan; input 0 (1, 2) "
            "float64 in [-1, 1]");
  Expr y = g.input("y", Tensor{{0.0, 4.0}}, true);
  Expr loss2 = sum(sqrt(y, "root"));
  g.forward(loss2, {.check_finite = true});
  EXPECT_EQ(error_message<NonFiniteError>([&] { g.backward(loss2, {.check_finite = true}); }),
            "sqrt \"root\": the first non-finite gradient: its backward wrote inf into the gradient of input 0 \"y\" "
            "(shape (1, 2), element 0)");
}

// float32 beside float64.
TEST(Float32, TensorsOfFloatsAndConversions) {
  Tensor f(Shape{3}, std::vector<float>{1.5f, -2.0f, 0.1f});
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_EQ(f.get(2), double(0.1f));
  EXPECT_EQ(fmt::format("{}", f), "array([ 1.5, -2. ,  0.1], dtype=float32)");
  Tensor d = f.to(DType::float64);
  EXPECT_EQ(d.dtype(), DType::float64);
  EXPECT_EQ(d[2], double(0.1f));
  EXPECT_EQ(error_message<Error>([&] { (void)f.data(); }),
            "a tensor of shape (3,) holds float32, not float64 (use get/set or data<float>() for float32 tensors)");
}

TEST(Float32, AGraphRunsInFloat32AndAgreesWithFloat64) {
  auto run = [](DType dtype) {
    Graph g;
    Expr x = g.input("x", Tensor{{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}}.to(dtype), true);
    Expr w = g.parameter("w", Tensor{{0.1, 0.2}, {-0.3, 0.4}, {0.5, -0.6}}.to(dtype));
    Expr loss = mean(log_softmax(tanh(matmul(x, w)) / 0.5) * -1.0);
    g.forward(loss);
    g.backward(loss);
    EXPECT_EQ(loss.dtype(), dtype);
    EXPECT_EQ(w.grad().dtype(), dtype);
    return std::pair(loss.value().item(), Tensor::from(w.grad()).to(DType::float64));
  };
  auto [loss32, grad32] = run(DType::float32);
  auto [loss64, grad64] = run(DType::float64);
  EXPECT_NEAR(loss32, loss64, 1e-6);
  for (std::int64_t i = 0; i < grad64.size(); ++i) EXPECT_NEAR(grad32[i], grad64[i], 1e-6);
}

TEST(Float32, MixingDtypesIsAnErrorAndCastConverts) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2}, std::vector<float>{1, 2}), true);
  Expr b = g.input("b", Tensor{3.0, 4.0});
  EXPECT_EQ(error_message<ShapeError>([&] { mul(a, b, "m"); }),
            "mul \"m\": inputs mix float32 and float64; convert one with cast(x, DType::float32)");
  Expr loss = sum(cast(a, DType::float64, "a64") * b);
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(loss.dtype(), DType::float64);
  EXPECT_EQ(a.grad().dtype(), DType::float32);
  EXPECT_EQ(a.grad().get(1), 4.0);
}

TEST(Float32, OptimizersTrainFloat32Parameters) {
  Graph g;
  Expr w = g.parameter("w", Tensor(Shape{2}, std::vector<float>{1, -1}));
  Expr loss = sum(square(w));
  Adam adam({w}, 0.1);
  for (int step = 0; step < 200; ++step) {
    g.forward(loss);
    g.backward(loss);
    adam.step();
  }
  EXPECT_EQ(w.dtype(), DType::float32);
  EXPECT_LT(std::abs(w.value().get(0)), 1e-2);
}

}  // namespace
}  // namespace dagrad

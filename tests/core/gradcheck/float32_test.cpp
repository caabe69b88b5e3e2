// float32 graphs are checked through a float64 copy (finite differences of
// float32 values keep about 3 digits), and their own float32 backward is
// compared with the copy's in float32 roundings.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

Tensor normal32(const Shape& shape, std::uint64_t seed) {
  Rng rng(seed);
  return random_normal(shape, rng).to(DType::float32);
}

TEST(GradcheckFloat32, AFloat32GraphIsCheckedThroughItsFloat64Copy) {
  Graph g;
  Expr x = g.input("x", normal32({4, 3}, 1));
  Expr w = g.parameter("layer1/W", normal32({3, 2}, 2));
  Expr b = g.parameter("layer1/b", normal32({2}, 3));
  Expr y = g.constant(Tensor(Shape{4, 2}, 0.5, DType::float32), "y");
  Expr loss = l2(sigmoid(add(matmul(x, w), b), "h"), y, "loss");
  ASSERT_EQ(loss.dtype(), DType::float32);
  Tensor w_before = Tensor::from(w.value());
  GradcheckReport report = gradcheck(g, loss, {w, b});
  EXPECT_TRUE(report.passed()) << report.to_string();
  EXPECT_EQ(report.dtype, DType::float32);
  ASSERT_EQ(report.float32.size(), 2u);
  EXPECT_EQ(report.float32[0].name, "layer1/W");
  for (const Float32Comparison& leaf : report.float32) {
    EXPECT_TRUE(leaf.passed);
    EXPECT_LT(leaf.roundings, 100) << leaf.name;  // a few float32 roundings, not noise
  }
  // The copy's checks are float64-sharp.
  EXPECT_LT(report.network.difference, 1e-9) << report.to_string();
  std::string text = report.to_string();
  EXPECT_NE(text.find("float32 graph, checked through its float64 copy"), std::string::npos) << text;
  nlohmann::json json = nlohmann::json::parse(report.to_json());
  EXPECT_EQ(json["dtype"], "float32");
  EXPECT_EQ(json["float32"].size(), 2u);
  // The graph is left as it was: still float32, same values.
  EXPECT_EQ(w.value().dtype(), DType::float32);
  EXPECT_EQ(Tensor::from(w.value()), w_before);
}

// A float32 backward off by 1.001 (a mutant of sigmoid): the float64 copy
// rebuilds the real op and passes, and the comparison in float32 roundings
// (1e-3 relative is about 8400 of them) names the leaf.
TEST(GradcheckFloat32, AWrongFloat32BackwardIsCaughtByTheComparison) {
  Graph g;
  Expr x = g.input("x", normal32({2, 3}, 4), true);
  Expr s = g.add_op(mutate(OpRegistry::global().make("sigmoid"), Mutation::scaled), {x}, "s");
  Expr loss = sum(s, "loss");
  GradcheckReport report = gradcheck(g, loss);
  EXPECT_FALSE(report.passed()) << report.to_string();
  ASSERT_EQ(report.float32.size(), 1u);
  EXPECT_FALSE(report.float32[0].passed);
  EXPECT_GT(report.float32[0].roundings, 1000);
  EXPECT_TRUE(report.failing_nodes().empty());  // the copy's sigmoid is the real one
}

TEST(GradcheckFloat32, AnUnregisteredOpCannotBeCopiedAndSaysSo) {
  Graph g;
  Expr x = g.input("x", normal32({3}, 5), true);
  Expr s = g.add_op(mutate(OpRegistry::global().make("exp"), Mutation::zeroed), {x}, "e");
  // A mutant keeps the registered name, so it is copied; an op named
  // differently from every registered one is not.
  (void)s;
  class Unregistered final : public Op {
   public:
    std::string_view name() const override { return "test_unregistered"; }
    int arity() const override { return 1; }
    Shape infer_shape(std::span<const Shape> in) const override { return in[0]; }
    void forward(std::span<const TensorView> in, TensorView out) override { out.copy_from(in[0]); }
    void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                  std::span<GradientSlot> grads) override {
      for (std::int64_t k = 0; k < dy.size(); ++k) {
        grads[0].grad.set(k, (grads[0].accumulate ? grads[0].grad.get(k) : 0.0) + dy.get(k));
      }
    }
  };
  Expr u = g.add_op(std::make_unique<Unregistered>(), {x}, "u");
  Expr loss = sum(u, "loss");
  try {
    gradcheck(g, loss);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gradcheck: node \"u\" (test_unregistered) is float32 and its op is not "
                                         "registered"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dagrad

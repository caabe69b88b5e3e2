// Contract violations are failures that name the op, the node and the slot,
// never crashes: ops that write an unneeded slot, write outside their slot,
// read their slot, or look at the wrong slot's flags.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

enum class Breach { unneeded_slot, past_the_end, before_the_start, reads_slot, wrong_needed_flag, wrong_accumulate_flag, throws };

// y = a * b elementwise, with a backward that breaks the contract one way.
// Input 1 is differentiable unless `labels` (then its slot is never needed).
class Breaching final : public Op {
 public:
  Breaching(Breach breach, bool labels) : breach_(breach), labels_(labels) {}
  std::string_view name() const override { return "test_breaching"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  bool differentiable(int input) const override { return input == 0 || !labels_; }
  void forward(std::span<const TensorView> in, TensorView out) override {
    for (std::int64_t k = 0; k < out.size(); ++k) out[k] = in[0][k] * in[1][k];
  }
  void backward(std::span<const TensorView> in, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (int i = 0; i < 2; ++i) {
      GradientSlot& slot = grads[std::size_t(i)];
      GradientSlot& flags = breach_ == Breach::wrong_needed_flag ? grads[std::size_t(1 - i)] : slot;
      bool accumulate = breach_ == Breach::wrong_accumulate_flag ? grads[std::size_t(1 - i)].accumulate
                                                                 : slot.accumulate;
      bool write = flags.needed || (breach_ == Breach::unneeded_slot && i == 1);
      if (!write) continue;
      if (breach_ == Breach::throws) throw std::runtime_error("backward gave up");
      const TensorView& other = in[std::size_t(1 - i)];
      for (std::int64_t k = 0; k < dy.size(); ++k) {
        double g = dy[k] * other[k];
        if (breach_ == Breach::reads_slot) slot.grad[k] += g;
        else slot.grad[k] = accumulate ? slot.grad[k] + g : g;
      }
      if (breach_ == Breach::past_the_end) slot.grad.data()[slot.grad.size()] = 1.0;
      if (breach_ == Breach::before_the_start) slot.grad.data()[-1] = 1.0;
    }
  }

 private:
  Breach breach_;
  bool labels_;
};

Tensor normal(const Shape& shape, std::uint64_t seed) {
  Rng rng(seed);
  return random_normal(shape, rng);
}

struct Expected {
  Breach breach;
  bool labels;
  int slot;
  const char* message;
};

TEST(Contract, EveryViolationIsAFailureNamingOpNodeAndSlot) {
  const Expected cases[] = {
      {Breach::unneeded_slot, true, 1, "wrote the gradient slot although it was not needed"},
      {Breach::past_the_end, false, 0, "wrote outside the gradient slot (1 element past the end of it"},
      {Breach::before_the_start, false, 0, "wrote outside the gradient slot (1 element before it"},
      {Breach::reads_slot, false, 0, "unwritten, or read it while assigning (assigning slots start as NaN; every input needed, assigning)"},
      {Breach::wrong_needed_flag, false, 0, "left element [0, 0] of the gradient slot unwritten, or read it while assigning (assigning slots start as NaN; only input 0 needed"},
      {Breach::wrong_accumulate_flag, false, 0, "the slot configurations of the op contract disagree"},
      {Breach::throws, false, 0, "the backward threw (every input needed, assigning): backward gave up"},
  };
  for (const Expected& expected : cases) {
    SCOPED_TRACE(expected.message);
    Graph g;
    Expr a = g.input("a", normal({2, 3}, 1), true);
    Expr b = g.input("b", normal({2, 3}, 2), true);
    Expr y = g.add_op(std::make_unique<Breaching>(expected.breach, expected.labels), {a, b}, "broken");
    Expr loss = sum(y, "loss");
    GradcheckReport report = gradcheck(g, loss);  // must not crash or throw
    EXPECT_FALSE(report.passed());
    auto failing = report.failing_nodes();
    ASSERT_FALSE(failing.empty()) << report.to_string();
    const NodeCheck& node = *failing[0];
    EXPECT_TRUE(node.contract_violation);
    std::string names = fmt::format("op test_breaching, node \"broken\", slot {} \"{}\"", expected.slot,
                                    expected.slot == 0 ? "a" : "b");
    EXPECT_NE(node.result.note.find(names), std::string::npos) << node.result.note;
    EXPECT_NE(node.result.note.find(expected.message), std::string::npos) << node.result.note;
    EXPECT_NE(report.to_string().find(expected.message), std::string::npos);
  }
}

TEST(Contract, ABackwardThatCouldCorruptMemoryIsNeverRunInTheGraph) {
  Graph g;
  Expr a = g.input("a", normal({4}, 3), true);
  Expr b = g.input("b", normal({4}, 4), true);
  Expr loss = sum(g.add_op(std::make_unique<Breaching>(Breach::past_the_end, false), {a, b}, "broken"));
  GradcheckReport report = gradcheck(g, loss);
  ASSERT_EQ(report.leaves.size(), 2u);
  for (const LeafCheck& leaf : report.leaves) {
    EXPECT_FALSE(leaf.result.passed);
    EXPECT_NE(leaf.result.note.find("not checked end to end: the backward of node \"broken\" (test_breaching) "
                                    "breaks the op contract"),
              std::string::npos)
        << leaf.result.note;
  }
}

// The same op with the contract kept passes: the harness itself raises no
// false alarm on a two-input op under every needed-mask and mode mix.
TEST(Contract, AnOpThatKeepsTheContractPassesEveryConfiguration) {
  for (bool labels : {false, true}) {
    Graph g;
    Expr a = g.input("a", normal({2, 3}, 5), true);
    Expr b = g.input("b", normal({2, 3}, 6), true);
    Expr loss = sum(g.add_op(std::make_unique<Breaching>(Breach(-1), labels), {a, b}, "fine"));
    Expr only_a[] = {a};
    GradcheckReport report = labels ? gradcheck(g, loss, only_a) : gradcheck(g, loss);
    EXPECT_TRUE(report.passed()) << report.to_string();
  }
}

}  // namespace
}  // namespace dagrad

// Proof that the gradient checker has teeth: for every registered op (ops
// added later included: the list comes from the registry), each mutant of
// its backward (scaled by 1.001, sign flipped, zeroed, one element off by
// 1e-4, slots swapped, accumulate flag ignored, another slot's needed flag)
// must fail at least one of the op's examples: a kill rate of 100%. A mutant
// may be left out only as equivalent, with its explanation checked here.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

class Mutants : public ::testing::TestWithParam<std::string> {};

TEST_P(Mutants, EveryMutantOfTheBackwardIsKilled) {
  OpMutantReport report = mutant_check_op(GetParam());
  SCOPED_TRACE(to_string(report));
  EXPECT_TRUE(report.correct_failures.empty());
  EXPECT_GT(report.examples, 0);
  EXPECT_EQ(report.mutants.size(), std::size(all_mutations));
  if (report.forward_only) {  // greater, less, equal: no backward to mutate
    for (const MutantResult& mutant : report.mutants) {
      EXPECT_TRUE(mutant.equivalent() && mutant.explanation.starts_with("not applicable: no input takes a gradient"))
          << to_string(mutant.mutation);
    }
    return;
  }
  for (const MutantResult& mutant : report.mutants) {
    if (mutant.killed()) continue;
    // Survivors are allowed only where they provably change nothing.
    ASSERT_TRUE(mutant.equivalent()) << to_string(mutant.mutation) << " survived";
    bool swap_or_flag = mutant.mutation == Mutation::slots_swapped || mutant.mutation == Mutation::wrong_needed_flag;
    EXPECT_TRUE(swap_or_flag) << to_string(mutant.mutation) << ": " << mutant.explanation;
    EXPECT_FALSE(mutant.explanation.empty());
  }
  EXPECT_EQ(report.kill_rate(), 1.0);
  EXPECT_GT(report.counted(), 0);
}

INSTANTIATE_TEST_SUITE_P(EveryRegisteredOp, Mutants, ::testing::ValuesIn(OpRegistry::global().names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The equivalent mutant the report must explain: add's two slots receive the
// same gradient (dy, broadcast back), so swapping them writes the same thing
// wherever the shapes agree.
TEST(Mutants, SwappingAddsIdenticalSlotsIsExplainedNotCounted) {
  OpMutantReport report = mutant_check_op("add");
  const MutantResult& swap = report.mutants[std::size_t(Mutation::slots_swapped)];
  ASSERT_EQ(swap.mutation, Mutation::slots_swapped);
  EXPECT_TRUE(swap.equivalent()) << to_string(report);
  EXPECT_NE(swap.explanation.find("identical gradients"), std::string::npos) << swap.explanation;
  EXPECT_EQ(report.counted(), int(std::size(all_mutations)) - 1);
  EXPECT_NE(to_string(report).find("slots swapped"), std::string::npos);
}

// A mutant used directly: the decorator names the real op and breaks only
// its backward.
TEST(Mutants, AMutatedOpKeepsItsNameAndForward) {
  auto real = OpRegistry::global().make("sigmoid");
  auto mutant = mutate(OpRegistry::global().make("sigmoid"), Mutation::scaled);
  EXPECT_EQ(mutant->name(), "sigmoid");
  Tensor x{{0.5, -1.0}};
  Tensor a(x.shape()), b(x.shape());
  std::vector<TensorView> inputs{x};
  real->forward(inputs, a);
  mutant->forward(inputs, b);
  EXPECT_EQ(a, b);
  OpExample example{{x}, {}, {}};
  EXPECT_TRUE(gradcheck_op_example(OpRegistry::global().make("sigmoid"), example).passed());
  OpExampleCheck broken = gradcheck_op_example(std::move(mutant), example);
  EXPECT_FALSE(broken.passed());
  ASSERT_EQ(broken.report.failing_nodes().size(), 1u) << broken.report.to_string();
  EXPECT_EQ(describe(*broken.report.failing_nodes()[0]), "node \"sigmoid\" (sigmoid), input 0 \"x0\"");
}

}  // namespace
}  // namespace dagrad

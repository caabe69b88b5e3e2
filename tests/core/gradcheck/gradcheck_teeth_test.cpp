// Proof that the gradient checker has teeth: for every registered op (ops
// added later included: the list comes from the registry), a deliberately
// wrong backward must fail the check and be named.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

enum class Fault { scaled, sign_flipped, input_dropped };

std::string_view fault_name(Fault fault) {
  switch (fault) {
    case Fault::scaled: return "backward scaled by 1.01";
    case Fault::sign_flipped: return "backward sign flipped";
    case Fault::input_dropped: return "one input's gradient dropped";
  }
  return "?";
}

// Delegates everything to a real op, except that its backward is wrong in
// one way (`dropped_input` names the input left at zero for input_dropped).
class Faulty final : public Op {
 public:
  Faulty(std::unique_ptr<Op> inner, Fault fault, int dropped_input)
      : inner_(std::move(inner)), fault_(fault), dropped_input_(dropped_input) {}

  std::string_view name() const override { return inner_->name(); }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inner_->infer_shape(inputs); }
  void forward(std::span<const TensorView> inputs, TensorView output) override { inner_->forward(inputs, output); }
  Attrs attrs() const override { return inner_->attrs(); }
  std::string label() const override { return inner_->label(); }
  bool differentiable(int input_index) const override { return inner_->differentiable(input_index); }
  bool has_kinks() const override { return inner_->has_kinks(); }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inner_->kink_offset(inputs, element);
  }

  // The real gradients go to scratch buffers, are made wrong there, and are
  // then written as the contract says (assigned or added).
  void backward(std::span<const TensorView> inputs, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> input_grads) override {
    std::vector<Tensor> scratch;
    for (const GradientSlot& slot : input_grads) scratch.emplace_back(slot.grad.shape());
    std::vector<GradientSlot> slots;
    for (std::size_t i = 0; i < input_grads.size(); ++i) slots.push_back({scratch[i], input_grads[i].needed, false});
    inner_->backward(inputs, output, output_grad, slots);
    for (std::size_t i = 0; i < input_grads.size(); ++i) {
      if (!input_grads[i].needed) continue;
      for (std::int64_t k = 0; k < scratch[i].size(); ++k) {
        double g = scratch[i][k];
        switch (fault_) {
          case Fault::scaled: g *= 1.01; break;
          case Fault::sign_flipped: g = -g; break;
          case Fault::input_dropped: g = int(i) == dropped_input_ ? 0.0 : g; break;
        }
        TensorView& grad = input_grads[i].grad;
        grad[k] = input_grads[i].accumulate ? grad[k] + g : g;
      }
    }
  }

 private:
  std::unique_ptr<Op> inner_;
  Fault fault_;
  int dropped_input_;
};

class GradcheckTeeth : public ::testing::TestWithParam<std::string> {};

// For each example: the correct op's own check tells how large the gradient
// of the faulted input is (with the same seeds, the checker draws the same
// upstream gradient). Wherever the fault changes the gradient by clearly
// more than the tolerance, the check must fail and its first failing node
// must be this op's node. An op whose gradient is zero at some example (such
// as softmax of one element) cannot show a fault there, so every fault must
// be caught at one example at least.
void expect_fault_caught(const std::string& op_name, Fault fault, int dropped_input) {
  SCOPED_TRACE(fmt::format("op {}: {}{}", op_name, fault_name(fault),
                           fault == Fault::input_dropped ? fmt::format(" (input {})", dropped_input) : ""));
  const OpInfo& info = OpRegistry::global().find(op_name);
  GradcheckOptions options;
  Rng rng(options.seed);
  int caught = 0;
  for (const OpExample& example : info.examples(rng)) {
    OpExampleCheck correct = gradcheck_op_example(info.make(example.attrs), example, options);
    ASSERT_TRUE(correct.passed()) << correct.report.to_string();
    double faulted_norm = 0;
    for (const NodeCheck& node : correct.report.nodes) {
      if (fault != Fault::input_dropped || node.input_index == dropped_input) {
        faulted_norm = std::max(faulted_norm, node.result.numeric_norm);
      }
    }
    bool visible = faulted_norm > 1e-4;

    OpExampleCheck broken = gradcheck_op_example(
        std::make_unique<Faulty>(info.make(example.attrs), fault, dropped_input), example, options);
    if (!visible) continue;
    ++caught;
    EXPECT_FALSE(broken.passed()) << "at " << broken.description << "\n" << broken.report.to_string();
    auto failing = broken.report.failing_nodes();
    ASSERT_FALSE(failing.empty()) << "at " << broken.description << "\n" << broken.report.to_string();
    EXPECT_EQ(failing.front()->op, op_name);
    EXPECT_EQ(failing.front()->name, op_name);
    if (fault == Fault::input_dropped) EXPECT_EQ(failing.front()->input_index, dropped_input);
    EXPECT_NE(broken.report.to_string().find(fmt::format("first wrong backward: node \"{}\" (op {})", op_name, op_name)),
              std::string::npos);
  }
  EXPECT_GT(caught, 0) << "no example of " << op_name << " has a gradient large enough to show the fault";
}

TEST_P(GradcheckTeeth, ScaledBackwardFailsAndIsNamed) { expect_fault_caught(GetParam(), Fault::scaled, -1); }

TEST_P(GradcheckTeeth, SignFlippedBackwardFailsAndIsNamed) {
  expect_fault_caught(GetParam(), Fault::sign_flipped, -1);
}

// The inputs of an op that take a gradient, from its first example.
std::vector<int> differentiable_inputs(const std::string& op_name) {
  const OpInfo& info = OpRegistry::global().find(op_name);
  Rng rng(0);
  OpExample example = info.examples(rng).at(0);
  std::unique_ptr<Op> op = info.make(example.attrs);
  std::vector<int> result;
  for (std::size_t i = 0; i < example.inputs.size(); ++i) {
    if (op->differentiable(int(i))) result.push_back(int(i));
  }
  return result;
}

std::vector<std::string> ops_with_two_differentiable_inputs() {
  std::vector<std::string> result;
  for (const std::string& name : OpRegistry::global().names()) {
    if (differentiable_inputs(name).size() >= 2) result.push_back(name);
  }
  return result;
}

// Ops with two or more differentiable inputs: each input's gradient dropped in turn.
class GradcheckTeethManyInputs : public ::testing::TestWithParam<std::string> {};

TEST_P(GradcheckTeethManyInputs, DroppedInputGradientFailsAndIsNamed) {
  for (int input : differentiable_inputs(GetParam())) expect_fault_caught(GetParam(), Fault::input_dropped, input);
}

auto op_test_name = [](const ::testing::TestParamInfo<std::string>& info) { return info.param; };

INSTANTIATE_TEST_SUITE_P(EveryRegisteredOp, GradcheckTeeth, ::testing::ValuesIn(OpRegistry::global().names()),
                         op_test_name);
INSTANTIATE_TEST_SUITE_P(EveryRegisteredOp, GradcheckTeethManyInputs,
                         ::testing::ValuesIn(ops_with_two_differentiable_inputs()), op_test_name);

}  // namespace
}  // namespace dagrad

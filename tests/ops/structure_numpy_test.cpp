// The structure ops against NumPy: outputs and input gradients of chosen
// cases (negative indices and steps, clamping, repeated indices, empty
// results), computed once by tests/ops/reference/structure_numpy.py and
// stored in structure_numpy.inc. Values are small multiples of 0.5, so both
// dtypes must match exactly.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

struct NumpyCase {
  std::string op;
  std::vector<Tensor> inputs;
  Attrs attrs;
  Tensor output, seed, gradient;  // gradient: of input 0, for the seed
};

const std::vector<NumpyCase>& numpy_cases() {
  static const std::vector<NumpyCase> cases{
#include "ops/reference/structure_numpy.inc"
  };
  return cases;
}

class StructureNumpy : public ::testing::TestWithParam<DType> {};

TEST_P(StructureNumpy, OutputsAndGradientsMatchNumpy) {
  const DType dtype = GetParam();
  std::set<std::string> ops;
  for (const NumpyCase& c : numpy_cases()) {
    SCOPED_TRACE(fmt::format("{} {} of {}", c.op, c.output.shape(), c.inputs[0].shape()));
    ops.insert(c.op);
    Graph g;
    std::vector<Expr> inputs;
    for (std::size_t k = 0; k < c.inputs.size(); ++k) {
      inputs.push_back(g.input(fmt::format("x{}", k), c.inputs[k].to(dtype), /*requires_grad=*/k == 0));
    }
    Expr y = g.apply(c.op, inputs, c.attrs, "y");
    EXPECT_EQ(Tensor::from(g.forward(y)).to(DType::float64), c.output);
    g.backward(y, c.seed.to(dtype));
    EXPECT_EQ(Tensor::from(inputs[0].grad()).to(DType::float64), c.gradient);
  }
  EXPECT_EQ(ops, (std::set<std::string>{"broadcast_to", "concat", "expand_dims", "index_select", "pad", "slice",
                                        "squeeze", "stack"}));
}

INSTANTIATE_TEST_SUITE_P(BothDtypes, StructureNumpy, ::testing::Values(DType::float64, DType::float32),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace dagrad

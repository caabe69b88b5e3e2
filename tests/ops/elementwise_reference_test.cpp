// The elementwise ops of issue 11 against PyTorch's definitions: values and
// gradients stored in tests/ops/reference/elementwise_reference.json, which
// tests/ops/reference/elementwise_reference.py computed once from PyTorch's
// kernel formulas with Python's math module (its kink and tie rules
// included). float64 agrees to 1e-12 relative; float32 runs of the same
// cases to 1e-6.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

nlohmann::json load_reference() {
  std::ifstream file(DAGRAD_SOURCE_DIR "/tests/ops/reference/elementwise_reference.json");
  return nlohmann::json::parse(file);
}

Attrs attrs_of(const nlohmann::json& json) {
  Attrs attrs;
  for (const auto& [key, value] : json.items()) attrs.set(key, value.get<double>());
  return attrs;
}

Tensor tensor_of(const nlohmann::json& json) {
  const auto dims = json.at("shape").get<std::vector<std::int64_t>>();
  return Tensor(Shape(std::span<const std::int64_t>(dims.data(), dims.size())), json.at("values").get<std::vector<double>>());
}

::testing::AssertionResult agrees(const TensorView& actual, const std::vector<double>& expected, double relative) {
  if (actual.size() != std::int64_t(expected.size())) return ::testing::AssertionFailure() << "sizes differ";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double a = actual.get(std::int64_t(i)), e = expected[i];
    if (a == e || std::abs(a - e) <= relative * std::max(std::abs(a), std::abs(e))) continue;
    return ::testing::AssertionFailure() << "element " << i << ": dagrad " << fmt::format("{:.17g}", a)
                                         << ", reference " << fmt::format("{:.17g}", e);
  }
  return ::testing::AssertionSuccess();
}

void check_case(const nlohmann::json& test_case, DType dtype, double relative) {
  const std::string op = test_case.at("op").get<std::string>();
  SCOPED_TRACE(fmt::format("{} {} {}", op, test_case.at("attrs").dump(), dtype));
  Graph g;
  std::vector<Expr> inputs, differentiable;
  auto probe = OpRegistry::global().make(op, attrs_of(test_case.at("attrs")));
  for (std::size_t i = 0; i < test_case.at("inputs").size(); ++i) {
    Tensor value = tensor_of(test_case.at("inputs")[i]).to(dtype);
    if (probe->differentiable(int(i))) {
      inputs.push_back(g.input(fmt::format("x{}", i), value, true));
      differentiable.push_back(inputs.back());
    } else {
      inputs.push_back(g.constant(value, fmt::format("x{}", i)));
    }
  }
  Expr y = g.apply(op, inputs, attrs_of(test_case.at("attrs")), "y");
  EXPECT_TRUE(agrees(g.forward(y), test_case.at("value").get<std::vector<double>>(), relative)) << "value";
  const auto& gradients = test_case.at("gradients");
  ASSERT_EQ(gradients.size(), differentiable.size());
  if (differentiable.empty()) return;
  g.backward(y, Tensor(y.shape(), 1.0).to(dtype));
  for (std::size_t i = 0; i < differentiable.size(); ++i) {
    EXPECT_TRUE(agrees(differentiable[i].grad(), gradients[i].get<std::vector<double>>(), relative)) << "gradient " << i;
  }
}

TEST(ElementwiseReference, Float64AgreesWithPyTorchsDefinitions) {
  const nlohmann::json reference = load_reference();
  ASSERT_GE(reference.at("cases").size(), 20u);
  for (const auto& test_case : reference.at("cases")) check_case(test_case, DType::float64, 1e-12);
}

// Cases whose numbers fit float32 (not +-1e300).
TEST(ElementwiseReference, Float32AgreesWithPyTorchsDefinitions) {
  int checked = 0;
  for (const auto& test_case : load_reference().at("cases")) {
    bool fits = true;
    for (const auto& input : test_case.at("inputs")) {
      for (double v : input.at("values").get<std::vector<double>>()) fits &= std::abs(v) < 1e38;
    }
    if (!fits) continue;
    check_case(test_case, DType::float32, 1e-6);
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

}  // namespace
}  // namespace dagrad

// What the ONNX tests share: running the real consumers of an exported model
// (the ONNX project's checker, ONNX Runtime) and comparing what they compute
// with dagrad.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dagrad/dagrad.hpp"
#include "dagrad/onnx.hpp"
#include "support/command.hpp"

namespace dagrad::testing_support {

inline std::string quoted(const std::string& text) { return "'" + text + "'"; }

// `python3 check_model.py`: onnx.checker.check_model(full_check=True).
inline CommandResult run_onnx_checker(const std::string& model_path, const std::filesystem::path& scratch) {
  return run_command(fmt::format("{} {} {}", quoted(DAGRAD_ONNX_PYTHON), quoted(DAGRAD_ONNX_TEST_DIR "/check_model.py"),
                                 quoted(model_path)),
                     scratch);
}

// Input values by name, as run_onnxruntime.js reads them.
inline std::string inputs_json(const std::map<std::string, Tensor>& inputs) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [name, value] : inputs) {
    std::vector<double> values;
    for (std::int64_t i = 0; i < value.size(); ++i) values.push_back(value.get(i));
    json[name] = {{"shape", std::vector<std::int64_t>(value.shape().dims().begin(), value.shape().dims().end())},
                  {"values", values}};
  }
  return json.dump();
}

struct RuntimeOutput {
  std::string type;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

// `node run_onnxruntime.js`: the outputs ONNX Runtime computes, by name.
inline std::map<std::string, RuntimeOutput> run_onnxruntime(const std::string& model_path,
                                                            const std::map<std::string, Tensor>& inputs,
                                                            const std::filesystem::path& scratch) {
  const std::filesystem::path inputs_path = scratch / "inputs.json";
  std::ofstream(inputs_path) << inputs_json(inputs);
  CommandResult result = run_command(fmt::format("{} {} {} {}", quoted(DAGRAD_ONNX_NODE),
                                                 quoted(DAGRAD_ONNX_TEST_DIR "/run_onnxruntime.js"),
                                                 quoted(model_path), quoted(inputs_path.string())),
                                     scratch);
  EXPECT_EQ(result.status, 0) << "ONNX Runtime failed on " << model_path << ":\n" << result.err;
  std::map<std::string, RuntimeOutput> outputs;
  if (result.status != 0) return outputs;
  nlohmann::json json = nlohmann::json::parse(result.out);
  for (const auto& [name, output] : json["outputs"].items()) {
    RuntimeOutput parsed;
    parsed.type = output["type"].get<std::string>();
    parsed.shape = output["shape"].get<std::vector<std::int64_t>>();
    // JSON has no NaN or Infinity: JSON.stringify writes null for them.
    for (const auto& value : output["values"]) {
      parsed.values.push_back(value.is_null() ? std::nan("") : value.get<double>());
    }
    outputs[name] = std::move(parsed);
  }
  return outputs;
}

// |expected - actual| <= relative * max(|expected|, |actual|) for every
// element (exact agreement for zeros).
inline ::testing::AssertionResult agree_to_relative(const TensorView& expected, const std::vector<double>& actual,
                                                    double relative) {
  if (std::int64_t(actual.size()) != expected.size()) {
    return ::testing::AssertionFailure() << "dagrad has " << expected.size() << " values, ONNX Runtime "
                                         << actual.size();
  }
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    const double a = expected.get(i), b = actual[std::size_t(i)];
    if (std::isnan(a) && std::isnan(b)) continue;
    if (a == b) continue;
    if (!(std::abs(a - b) <= relative * std::max(std::abs(a), std::abs(b)))) {
      return ::testing::AssertionFailure() << fmt::format("element {}: dagrad {:.17g}, ONNX Runtime {:.17g} (relative "
                                                          "difference {:.3g} > {:.0e})",
                                                          i, a, b, std::abs(a - b) / std::max(std::abs(a), std::abs(b)),
                                                          relative);
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult identical_bits(const TensorView& expected, const TensorView& actual) {
  if (!(expected.shape() == actual.shape())) {
    return ::testing::AssertionFailure() << "shapes " << to_string(expected.shape()) << " and "
                                         << to_string(actual.shape()) << " differ";
  }
  if (expected.dtype() != actual.dtype()) {
    return ::testing::AssertionFailure() << "dtypes " << to_string(expected.dtype()) << " and "
                                         << to_string(actual.dtype()) << " differ";
  }
  // float32 widens to float64 exactly, so equal bits stay equal bits.
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(expected.get(i)) != std::bit_cast<std::uint64_t>(actual.get(i))) {
      return ::testing::AssertionFailure() << fmt::format("element {}: {:.17g} before export, {:.17g} after import", i,
                                                          expected.get(i), actual.get(i));
    }
  }
  return ::testing::AssertionSuccess();
}

// The values of a graph's inputs, by name.
inline std::map<std::string, Tensor> input_values(Graph& graph) {
  std::map<std::string, Tensor> values;
  for (Expr input : graph.inputs()) values.emplace(input.name(), Tensor::from(input.value()));
  return values;
}

}  // namespace dagrad::testing_support

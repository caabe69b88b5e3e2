// Model files (issue 11): graph, parameters and standardization in one
// file that loads ready to run.
#include "dagrad/model.hpp"

#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;
using testing_support::read_text;

class ModelFile : public testing_support::ScratchDirectoryTest {};

bool same_bits(const TensorView& a, const TensorView& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

// A small classifier trained for a few steps on standardized moons, as
// `dagrad train` trains one; its logits on the training rows.
struct TrainedModel {
  Graph graph;
  Expr x, logits;
  ModelMetadata metadata;
  Tensor raw_rows;
  Tensor trained_logits;

  explicit TrainedModel(DType dtype) {
    Dataset data = two_moons(60, 0.2, 3);
    raw_rows = data.x;
    Standardizer standardizer = Standardizer::fit(data.x);
    standardizer.apply(data.x);
    Rng rng(7);
    x = graph.input("x", data.x.to(dtype));
    MLP model(graph, {2, 5, 1}, Activation::tanh, rng, {}, dtype);
    logits = model(x);
    Expr loss = bce_with_logits(logits, graph.input("y", data.y.to(dtype)), "loss");
    Adam adam(model.parameters(), 0.05);
    for (int step = 0; step < 30; ++step) {
      graph.forward(loss);
      graph.backward(loss);
      adam.step();
    }
    trained_logits = Tensor::from(graph.forward(logits));
    metadata = {data.feature_names, data.label_name, data.classes, standardizer};
  }
};

TEST_F(ModelFile, ALoadedModelPredictsFromRawRowsBitForBitInEitherDtype) {
  for (DType dtype : {DType::float64, DType::float32}) {
    TrainedModel trained(dtype);
    save_model(path("model.json"), trained.graph, trained.x, std::span<const Expr>(&trained.logits, 1),
               trained.metadata);
    Model model = load_model(path("model.json"));
    EXPECT_EQ(model.input.name(), "x");
    EXPECT_EQ(model.metadata.features, trained.metadata.features);
    EXPECT_EQ(model.metadata.classes, trained.metadata.classes);
    EXPECT_EQ(model.metadata.label, trained.metadata.label);
    ASSERT_TRUE(model.metadata.standardizer);
    EXPECT_TRUE(same_bits(model.metadata.standardizer->mean, trained.metadata.standardizer->mean));
    EXPECT_TRUE(same_bits(model.metadata.standardizer->scale, trained.metadata.standardizer->scale));
    // Raw rows in: the model standardizes them itself.
    EXPECT_TRUE(same_bits(model.predict(trained.raw_rows), trained.trained_logits)) << to_string(dtype);
    // The loss and labels were not saved: only what the logits need.
    EXPECT_FALSE(model.graph->try_find("loss"));
    EXPECT_FALSE(model.graph->try_find("y"));
    // Saving the loaded model again gives the same bytes (its input holds
    // the standardized rows it was saved with, as after predict).
    EXPECT_EQ(model_to_json(*model.graph, model.input, model.outputs, model.metadata), read_text(path("model.json")));
  }
}

TEST_F(ModelFile, PredictRefusesRowsOfAnotherWidth) {
  TrainedModel trained(DType::float64);
  Model model = parse_model(model_to_json(trained.graph, trained.x, std::span<const Expr>(&trained.logits, 1),
                                          trained.metadata));
  EXPECT_EQ(error_message<ShapeError>([&] { model.predict(Tensor(Shape{4, 3})); }),
            "Model::predict: the model's input \"x\" takes rows of 2 features, got shape (4, 3)");
}

TEST_F(ModelFile, BadFilesAreErrorsNamingTheFileAndTheField) {
  TrainedModel trained(DType::float64);
  const std::string good = model_to_json(trained.graph, trained.x, std::span<const Expr>(&trained.logits, 1),
                                         trained.metadata);
  const std::size_t model_start = good.find("\"model\": ");
  const std::size_t model_end = good.find("\n", model_start);
  ASSERT_NE(model_start, std::string::npos) << good;
  // `good` with its "model" object replaced.
  auto with_model = [&](const std::string& object) {
    return good.substr(0, model_start) + "\"model\": " + object + "," + good.substr(model_end);
  };
  auto message = [&](const std::string& text) {
    return error_message<FileError>([&] { parse_model(text, "m.json"); });
  };
  const std::string standardize = R"("standardize": {"mean": [0, 0], "scale": [1, 1]})";
  EXPECT_EQ(message(graph_to_json(trained.graph, std::span<const Expr>(&trained.logits, 1))),
            "m.json: missing \"model\" (the input node and preprocessing): this is a plain graph file; load it with "
            "load_graph or `dagrad eval`");
  EXPECT_EQ(message(with_model("[1]")), "m.json: \"model\" must be an object, got a list");
  EXPECT_EQ(message(with_model("{}")),
            "m.json: model: missing \"input\" (the name of the input node that takes feature rows)");
  EXPECT_EQ(message(with_model(R"({"input": 3})")), "m.json: model.input must be a node name, got the number 3");
  EXPECT_EQ(message(with_model(R"({"input": "layer1/W"})")),
            "m.json: model.input: \"layer1/W\" is not the name of an input node");
  EXPECT_EQ(message(with_model(R"({"input": "x", "colour": "red"})")),
            "m.json: model: unknown key \"colour\" (a model has input, features, label, classes, standardize)");
  EXPECT_EQ(message(with_model(R"({"input": "x", "features": ["a"]})")),
            "m.json: model.features names 1 columns but the input \"x\" has 2 (shape (60, 2))");
  EXPECT_EQ(message(with_model(R"({"input": "x", "classes": ["a", 1]})")),
            "m.json: model.classes[1] must be a string, got the number 1");
  EXPECT_EQ(message(with_model(R"({"input": "x", "standardize": {"mean": [0, 0], "scale": [1, 0]}})")),
            "m.json: model.standardize.scale[1] must be a positive finite number, got the number 0");
  EXPECT_EQ(message(with_model(R"({"input": "x", "standardize": {"mean": [0, "NaN"], "scale": [1, 1]}})")),
            "m.json: model.standardize.mean[1] must be a finite number, got the string \"NaN\"");
  EXPECT_EQ(message(with_model(R"({"input": "x", "standardize": {"mean": [0], "scale": [1]}})")),
            "m.json: model.standardize.mean holds 1 numbers but the input \"x\" has 2 columns");
  EXPECT_EQ(message(with_model(R"({"input": "x", "standardize": {"mean": [0, 0]}})")),
            "m.json: model.standardize must be an object with exactly \"mean\" and \"scale\"");
  // A well-formed object loads.
  EXPECT_TRUE(parse_model(with_model(R"({"input": "x", )" + standardize + "}")).metadata.standardizer);
  // Graph problems keep the graph file's messages.
  EXPECT_EQ(message(good.substr(0, model_start) + "\"colour\": 1,\n" + good.substr(model_start)),
            "m.json: unknown key \"colour\" (this file has \"dagrad\", \"model\", \"nodes\" and \"outputs\")");
  // Missing file: the I/O module's message.
  EXPECT_NE(error_message<FileError>([&] { load_model(path("none.json")); }).find("cannot open"), std::string::npos);
}

TEST_F(ModelFile, SaveModelRefusesAnInputTheOutputsDoNotUse) {
  TrainedModel trained(DType::float64);
  Expr other = trained.graph.input("other", Tensor(Shape{1, 2}));
  EXPECT_EQ(error_message<Error>([&] {
              save_model(path("m.json"), trained.graph, other, std::span<const Expr>(&trained.logits, 1));
            }),
            "save_model: the outputs do not depend on the input \"other\"");
  EXPECT_EQ(error_message<Error>([&] {
              save_model(path("m.json"), trained.graph, trained.graph.find("layer1/W"),
                         std::span<const Expr>(&trained.logits, 1));
            }),
            "save_model: `input` must be an input node of the graph");
  EXPECT_FALSE(std::filesystem::exists(path("m.json")));
}

TEST(ClassProbabilities, SigmoidForOneColumnSoftmaxOtherwiseStableAtExtremes) {
  Tensor one_column = class_probabilities(Tensor(Shape{3, 1}, {0.0, 800.0, -800.0}));
  ASSERT_EQ(one_column.shape(), (Shape{3, 2}));
  EXPECT_EQ(one_column.at({0, 0}), 0.5);
  EXPECT_EQ(one_column.at({0, 1}), 0.5);
  EXPECT_EQ(one_column.at({1, 1}), 1.0);
  EXPECT_EQ(one_column.at({1, 0}), 0.0);
  EXPECT_EQ(one_column.at({2, 0}), 1.0);
  Tensor softmax_rows = class_probabilities(Tensor(Shape{2, 3}, {1.0, 2.0, 3.0, 1000.0, 1000.0, -1000.0}));
  EXPECT_NEAR(softmax_rows.at({0, 2}), std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)), 1e-15);
  EXPECT_EQ(softmax_rows.at({1, 0}), 0.5);
  EXPECT_EQ(softmax_rows.at({1, 2}), 0.0);
  // float32 logits give float64 probabilities of the float32 values.
  Tensor from_float32 = class_probabilities(Tensor(Shape{1, 1}, std::vector<float>{0.25f}));
  EXPECT_EQ(from_float32.dtype(), DType::float64);
  EXPECT_EQ(from_float32.at({0, 1}), 1 / (1 + std::exp(-0.25)));
}

}  // namespace
}  // namespace dagrad

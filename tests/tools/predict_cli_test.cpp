// `dagrad predict` and `dagrad train --save`, run as a user runs them: a
// model saved in one process predicts the same numbers, bit for bit, in
// another.
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"

namespace dagrad {
namespace {

using testing_support::read_text;
using testing_support::reported_accuracy;
using CliRun = testing_support::CommandResult;

class PredictCli : public testing_support::ScratchDirectoryTest {
 protected:
  CliRun run(const std::string& arguments) {
    return testing_support::run_command(fmt::format("'{}' {}", DAGRAD_CLI, arguments), dir_);
  }
};

// A CSV file of `data` with its labels as class names; numbers in their
// shortest round-trip form, so the file holds the doubles exactly.
std::string csv_text(const Dataset& data) {
  std::string text = fmt::format("{},{}\n", fmt::join(data.feature_names, ","), data.label_name);
  for (std::int64_t r = 0; r < data.size(); ++r) {
    for (std::int64_t c = 0; c < data.features(); ++c) text += fmt::format("{},", data.x.at({r, c}));
    text += data.classes[std::size_t(data.y[r])] + "\n";
  }
  return text;
}

// The rows of a predictions file: the class, then the probabilities.
struct Predictions {
  std::string header;
  std::vector<std::string> classes;
  std::vector<std::vector<double>> probabilities;
};

Predictions parse_predictions(const std::string& text) {
  Predictions predictions;
  std::istringstream lines(text);
  std::getline(lines, predictions.header);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');
    predictions.classes.push_back(field);
    predictions.probabilities.emplace_back();
    while (std::getline(fields, field, ',')) predictions.probabilities.back().push_back(std::strtod(field.c_str(), nullptr));
  }
  return predictions;
}

// The predictions file the test process itself computes from a loaded model.
void expect_bit_for_bit(const Predictions& printed, Model& model, const Tensor& rows) {
  const TensorView& logits = model.predict(rows);
  Tensor probabilities = class_probabilities(logits);
  std::vector<std::int64_t> classes = predicted_classes(logits);
  ASSERT_EQ(std::int64_t(printed.probabilities.size()), rows.shape()[0]);
  for (std::int64_t r = 0; r < rows.shape()[0]; ++r) {
    EXPECT_EQ(printed.classes[std::size_t(r)], model.metadata.classes[std::size_t(classes[std::size_t(r)])]) << r;
    ASSERT_EQ(std::int64_t(printed.probabilities[std::size_t(r)].size()), probabilities.shape()[1]);
    for (std::int64_t k = 0; k < probabilities.shape()[1]; ++k) {
      double ours = probabilities.at({r, k}), theirs = printed.probabilities[std::size_t(r)][std::size_t(k)];
      EXPECT_EQ(std::memcmp(&ours, &theirs, sizeof ours), 0) << r << "," << k << ": " << ours << " vs " << theirs;
    }
  }
}

TEST_F(PredictCli, AModelSavedByTrainPredictsInAnotherProcessBitForBit) {
  // Two named classes, in float64 and float32: `dagrad train --save` in one
  // process, `dagrad predict` in a second, load_model here.
  Dataset moons = two_moons(150, 0.15, 4);
  moons.classes = {"inner", "outer"};
  write("train.csv", csv_text(moons));
  for (const char* dtype : {"float64", "float32"}) {
    CliRun trained = run(fmt::format("train --data '{}' --label y --epochs 60 --hidden 8 --dtype {} --save '{}'",
                                     path("train.csv"), dtype, path("model.json")));
    ASSERT_EQ(trained.status, 0) << trained.out << trained.err;
    CliRun predicted = run(fmt::format("predict --model '{}' --data '{}' --output '{}'", path("model.json"),
                                       path("train.csv"), path("predictions.csv")));
    ASSERT_EQ(predicted.status, 0) << predicted.out << predicted.err;
    EXPECT_EQ(predicted.out, fmt::format("wrote 150 predictions to {}\n", path("predictions.csv")));
    Predictions printed = parse_predictions(read_text(path("predictions.csv")));
    EXPECT_EQ(printed.header, "class,p_inner,p_outer");

    Model model = load_model(path("model.json"));
    EXPECT_EQ(model.outputs[0].dtype(), parse_dtype(dtype));
    expect_bit_for_bit(printed, model, moons.x);
    // The predicted classes give exactly the accuracy `dagrad train` reported.
    std::int64_t correct = 0;
    for (std::int64_t r = 0; r < moons.size(); ++r) {
      correct += printed.classes[std::size_t(r)] == moons.classes[std::size_t(moons.y[r])];
    }
    EXPECT_EQ(fmt::format("{:.4f}", double(correct) / double(moons.size())),
              fmt::format("{:.4f}", reported_accuracy(trained.out, "train")))
        << dtype << trained.out;
  }
}

TEST_F(PredictCli, AModelSavedInTheTestProcessPredictsTheSameNumbersInDagradPredict) {
  // Three classes, float32 parameters, columns in another order in the
  // data file and an extra id column: taken by name.
  Graph g;
  Rng rng(9);
  Expr x = g.input("x", Tensor(Shape{1, 2}, DType::float32));
  MLP mlp(g, {2, 6, 3}, Activation::relu, rng, {}, DType::float32);
  Expr logits = mlp(x);
  Standardizer standardizer{Tensor(Shape{2}, {0.5, -1.0}), Tensor(Shape{2}, {2.0, 0.25})};
  save_model(path("model.json"), g, x, std::span<const Expr>(&logits, 1),
             ModelMetadata{{"a", "b"}, "kind", {"red", "green", "blue"}, standardizer});
  Tensor rows(Shape{5, 2}, {0.1, 0.2, -3.0, 4.5, 1e-3, 7.0, 2.0, -0.5, 0.0, 0.0});
  std::string csv = "id,b,a\n";
  for (std::int64_t r = 0; r < 5; ++r) csv += fmt::format("{},{},{}\n", r, rows.at({r, 1}), rows.at({r, 0}));
  write("rows.csv", csv);
  CliRun r = run(fmt::format("predict --model '{}' --data '{}'", path("model.json"), path("rows.csv")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  Predictions printed = parse_predictions(r.out);
  EXPECT_EQ(printed.header, "class,p_red,p_green,p_blue");
  Model model = load_model(path("model.json"));
  expect_bit_for_bit(printed, model, rows);
}

TEST_F(PredictCli, UsageErrorsAndBadFilesExitTwoWithAMessage) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 2}));
  Rng rng(1);
  MLP mlp(g, {2, 1}, Activation::tanh, rng);
  Expr logits = mlp(x);
  save_model(path("model.json"), g, x, std::span<const Expr>(&logits, 1), ModelMetadata{{"a", "b"}, "label", {}, {}});
  save_graph(g, std::span<const Expr>(&logits, 1), path("graph.json"));
  write("rows.csv", "a,b\n1,2\n");
  write("no_b.csv", "a,c\n1,2\n");
  struct Case {
    std::string arguments;
    std::string message;
  };
  std::vector<Case> cases = {
      {"predict --data rows.csv", "--model is required"},
      {fmt::format("predict --model '{}'", path("model.json")), "--data is required"},
      {fmt::format("predict --model '{}' --data '{}'", path("missing.json"), path("rows.csv")),
       fmt::format("cannot open \"{}\"", path("missing.json"))},
      {fmt::format("predict --model '{}' --data '{}'", path("graph.json"), path("rows.csv")),
       fmt::format("{}: missing \"model\"", path("graph.json"))},
      {fmt::format("predict --model '{}' --data '{}'", path("model.json"), path("no_b.csv")),
       fmt::format("{}: no column \"b\"; the model takes the columns a, b (the file has a, c)", path("no_b.csv"))},
      {fmt::format("predict --model '{}' --data '{}' --output '{}'", path("model.json"), path("rows.csv"),
                   path("no/such/dir/p.csv")),
       "cannot write"},
  };
  for (const Case& c : cases) {
    CliRun r = run(c.arguments);
    EXPECT_EQ(r.status, 2) << c.arguments << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(c.message), std::string::npos) << c.arguments << ": " << r.out << r.err;
  }
  // Without class names, the classes are numbered.
  CliRun r = run(fmt::format("predict --model '{}' --data '{}'", path("model.json"), path("rows.csv")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("class,p_0,p_1\n")) << r.out;
}

}  // namespace
}  // namespace dagrad

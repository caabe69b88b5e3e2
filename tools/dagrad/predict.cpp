// `dagrad predict --model M --data X.csv [--output P.csv]`: runs a model
// file (written by `dagrad train --save` or save_model) on the rows of a CSV
// file and prints, or writes, one line per row: the predicted class and the
// probability of each class.
//
// The model's feature columns are taken from the file by name, in the
// model's order; other columns (an id, the label itself) are ignored. The
// rows are standardized as in training by the model file's own mean and
// scale, so the numbers are those of the process that trained it, bit for
// bit.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"

namespace dagrad::cli {
namespace {

struct PredictFlags {
  std::string model;
  std::string data;
  std::string output;
};

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// The model's input columns from `data`, by the model's feature names.
Tensor feature_rows(const Dataset& data, const Model& model, const std::string& path) {
  const std::int64_t columns = model.input.shape()[1];
  const std::vector<std::string>& features = model.metadata.features;
  std::vector<std::int64_t> source;
  if (features.empty()) {
    if (data.features() != columns) {
      throw FileError(fmt::format("{}: {} feature columns, but the model takes {}", path, data.features(), columns));
    }
    for (std::int64_t c = 0; c < columns; ++c) source.push_back(c);
  } else {
    for (const std::string& name : features) {
      auto it = std::find(data.feature_names.begin(), data.feature_names.end(), name);
      if (it == data.feature_names.end()) {
        throw FileError(fmt::format("{}: no column \"{}\"; the model takes the columns {} (the file has {})", path,
                                    name, fmt::join(features, ", "), fmt::join(data.feature_names, ", ")));
      }
      source.push_back(it - data.feature_names.begin());
    }
  }
  Tensor rows(Shape{data.size(), columns});
  for (std::int64_t r = 0; r < data.size(); ++r) {
    for (std::int64_t c = 0; c < columns; ++c) rows.at({r, c}) = data.x.at({r, source[std::size_t(c)]});
  }
  return rows;
}

int run_predict(const PredictFlags& flags) {
  Model model = load_model(flags.model);
  // The label column, if the file has one, is read as a label and ignored.
  const std::string label = model.metadata.label.empty() ? "label" : model.metadata.label;
  Dataset data = load_csv(flags.data, {label, {}, /*label_required=*/false});
  const TensorView& logits = model.predict(feature_rows(data, model, flags.data));
  const Tensor probabilities = class_probabilities(logits);
  const std::vector<std::int64_t> classes = predicted_classes(logits);

  std::vector<std::string> names = model.metadata.classes;
  const std::int64_t class_count = probabilities.shape()[1];
  if (std::int64_t(names.size()) != class_count) {
    if (!names.empty()) {
      throw FileError(fmt::format("{}: the model names {} classes but its output gives {}", flags.model, names.size(),
                                  class_count));
    }
    for (std::int64_t k = 0; k < class_count; ++k) names.push_back(fmt::format("{}", k));
  }
  std::vector<std::string> header{"class"};
  for (const std::string& name : names) header.push_back(csv_field("p_" + name));
  std::string text = fmt::format("{}\n", fmt::join(header, ","));
  for (std::int64_t r = 0; r < probabilities.shape()[0]; ++r) {
    text += csv_field(names[std::size_t(classes[std::size_t(r)])]);
    // Shortest round-trip form: the file holds the computed doubles exactly.
    for (std::int64_t k = 0; k < class_count; ++k) text += fmt::format(",{}", probabilities.at({r, k}));
    text += '\n';
  }
  if (flags.output.empty()) {
    fmt::print("{}", text);
  } else {
    write_file_atomically(flags.output, text);
    fmt::print("wrote {} predictions to {}\n", probabilities.shape()[0], flags.output);
  }
  return exit_ok;
}

const CommandRegistration registration{
    "predict", "Run a model file (from `dagrad train --save`) on the rows of a CSV file", [](CLI::App& app) {
      auto flags = std::make_shared<PredictFlags>();
      app.add_option("--model", flags->model, "Model file (JSON), as `dagrad train --save` writes")->required();
      app.add_option("--data", flags->data, "CSV file with a header row naming the model's feature columns")
          ->required();
      app.add_option("--output", flags->output, "Write the predictions to this CSV file instead of printing them");
      app.footer("Prints a CSV table: the predicted class of each row, then the probability of each class "
                 "(columns p_CLASS).");
      return [flags] { return run_predict(*flags); };
    }};

}  // namespace
}  // namespace dagrad::cli

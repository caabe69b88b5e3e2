// Model files: a graph file plus a "model" object (dagrad/model.hpp). The
// graph part is read and written by the graph file code; this file checks
// and writes the "model" object and applies it when predicting.
#include "dagrad/model.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dagrad/error.hpp"
#include "io/graph_document.hpp"
#include "io/io.hpp"
#include "io/json.hpp"

namespace dagrad {
namespace {

using Json = nlohmann::json;

constexpr std::string_view model_key = "model";

std::string string_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& item : items) quoted.push_back(io::json_string(item));
  return fmt::format("[{}]", fmt::join(quoted, ", "));
}

std::string number_list(const TensorView& values) {
  std::vector<std::string> numbers;
  for (std::int64_t i = 0; i < values.size(); ++i) numbers.push_back(io::format_number(values.get(i)));
  return fmt::format("[{}]", fmt::join(numbers, ", "));
}

// Thrown while checking the "model" object; the caller adds the file name.
struct FieldError {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw FieldError{std::move(message)}; }

std::vector<std::string> read_strings(const Json& value, const std::string& field) {
  if (!value.is_array()) fail(fmt::format("{} must be a list of strings, got {}", field, io::describe_json(value)));
  std::vector<std::string> items;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      fail(fmt::format("{}[{}] must be a string, got {}", field, i, io::describe_json(value[i])));
    }
    items.push_back(value[i].get<std::string>());
  }
  return items;
}

// A list of finite numbers (positive ones when `positive`), as a float64 tensor.
Tensor read_numbers(const Json& value, const std::string& field, bool positive) {
  if (!value.is_array()) fail(fmt::format("{} must be a list of numbers, got {}", field, io::describe_json(value)));
  Tensor numbers(Shape{std::int64_t(value.size())});
  for (std::size_t i = 0; i < value.size(); ++i) {
    std::optional<double> number = io::json_number(value[i]);
    if (!number || !std::isfinite(*number) || (positive && !(*number > 0))) {
      fail(fmt::format("{}[{}] must be a {}finite number, got {}", field, i, positive ? "positive " : "",
                       io::describe_json(value[i])));
    }
    numbers[std::int64_t(i)] = *number;
  }
  return numbers;
}

// Checks the "model" object against the loaded graph and fills `model`.
void read_model_object(const Json& object, Model& model) {
  if (object.is_null()) {
    fail("missing \"model\" (the input node and preprocessing): this is a plain graph file; load it with "
         "load_graph or `dagrad eval`");
  }
  if (!object.is_object()) fail(fmt::format("\"model\" must be an object, got {}", io::describe_json(object)));
  for (const auto& [key, value] : object.items()) {
    constexpr std::string_view known[] = {"input", "features", "label", "classes", "standardize"};
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      fail(fmt::format("model: unknown key \"{}\" (a model has {})", key, fmt::join(known, ", ")));
    }
  }
  auto input = object.find("input");
  if (input == object.end()) fail("model: missing \"input\" (the name of the input node that takes feature rows)");
  if (!input->is_string()) fail(fmt::format("model.input must be a node name, got {}", io::describe_json(*input)));
  std::optional<Expr> node = model.graph->try_find(input->get_ref<const std::string&>());
  if (!node || model.graph->node(node->id()).kind() != NodeKind::input) {
    fail(fmt::format("model.input: \"{}\" is not the name of an input node", input->get<std::string>()));
  }
  model.input = *node;
  if (model.outputs.empty()) fail("\"outputs\" is empty: a model needs an output to predict");

  ModelMetadata& metadata = model.metadata;
  if (auto it = object.find("features"); it != object.end()) metadata.features = read_strings(*it, "model.features");
  if (auto it = object.find("classes"); it != object.end()) metadata.classes = read_strings(*it, "model.classes");
  if (auto it = object.find("label"); it != object.end()) {
    if (!it->is_string()) fail(fmt::format("model.label must be a string, got {}", io::describe_json(*it)));
    metadata.label = it->get<std::string>();
  }
  const Shape& input_shape = model.input.shape();
  if (input_shape.rank() != 2) {
    fail(fmt::format("model.input: node \"{}\" has shape {}; a model's input takes rows (rows, features)",
                     model.input.name(), input_shape));
  }
  const std::int64_t columns = input_shape[1];
  if (!metadata.features.empty() && std::int64_t(metadata.features.size()) != columns) {
    fail(fmt::format("model.features names {} columns but the input \"{}\" has {} (shape {})",
                     metadata.features.size(), model.input.name(), columns, input_shape));
  }
  if (auto it = object.find("standardize"); it != object.end()) {
    if (!it->is_object() || !it->contains("mean") || !it->contains("scale") || it->size() != 2) {
      fail("model.standardize must be an object with exactly \"mean\" and \"scale\"");
    }
    Standardizer standardizer{read_numbers((*it)["mean"], "model.standardize.mean", false),
                              read_numbers((*it)["scale"], "model.standardize.scale", true)};
    for (const char* field : {"mean", "scale"}) {
      const Tensor& values = std::string_view(field) == "mean" ? standardizer.mean : standardizer.scale;
      if (values.size() != columns) {
        fail(fmt::format("model.standardize.{} holds {} numbers but the input \"{}\" has {} columns", field,
                         values.size(), model.input.name(), columns));
      }
    }
    metadata.standardizer = std::move(standardizer);
  }
}

}  // namespace

const TensorView& Model::predict(const TensorView& rows) {
  const Shape& input_shape = input.shape();
  if (rows.shape().rank() != 2 || rows.shape()[1] != input_shape[1]) {
    throw ShapeError(fmt::format("Model::predict: the model's input \"{}\" takes rows of {} features, got shape {}",
                                 input.name(), input_shape[1], rows.shape()));
  }
  if (metadata.standardizer) {
    Tensor standardized = Tensor::from(rows).to(DType::float64);
    metadata.standardizer->apply(standardized);
    graph->set_value(input, standardized);
  } else {
    graph->set_value(input, rows);
  }
  return graph->forward(outputs.at(0));
}

std::string model_to_json(const Graph& graph, Expr input, std::span<const Expr> outputs,
                          const ModelMetadata& metadata) {
  if (!input.valid() || &input.graph() != &graph || graph.node(input.id()).kind() != NodeKind::input) {
    throw Error("save_model: `input` must be an input node of the graph");
  }
  if (outputs.empty()) throw Error("save_model: a model needs an output");
  std::vector<int> output_ids;
  for (const Expr& output : outputs) {
    if (!output.valid() || &output.graph() != &graph) throw Error("save_model: an output is empty or in another graph");
    output_ids.push_back(output.id());
  }
  std::vector<int> needed = graph.topological_order(output_ids);
  if (std::find(needed.begin(), needed.end(), input.id()) == needed.end()) {
    throw Error(fmt::format("save_model: the outputs do not depend on the input \"{}\"", input.name()));
  }
  std::vector<std::string> fields{fmt::format("\"input\": {}", io::json_string(input.name()))};
  if (!metadata.features.empty()) fields.push_back("\"features\": " + string_list(metadata.features));
  if (!metadata.label.empty()) fields.push_back("\"label\": " + io::json_string(metadata.label));
  if (!metadata.classes.empty()) fields.push_back("\"classes\": " + string_list(metadata.classes));
  if (metadata.standardizer) {
    fields.push_back(fmt::format("\"standardize\": {{\"mean\": {}, \"scale\": {}}}",
                                 number_list(metadata.standardizer->mean), number_list(metadata.standardizer->scale)));
  }
  return io::graph_document_json(graph, outputs, model_key, fmt::format("{{{}}}", fmt::join(fields, ", ")));
}

void save_model(const std::string& path, const Graph& graph, Expr input, std::span<const Expr> outputs,
                const ModelMetadata& metadata) {
  io::write_file_atomically(path, model_to_json(graph, input, outputs, metadata));
}

Model parse_model(const std::string& json_text, const std::string& source_name) {
  Json object;
  LoadedGraph loaded = io::parse_graph_document(json_text, source_name, model_key, object);
  Model model;
  model.graph = std::move(loaded.graph);
  model.outputs = std::move(loaded.outputs);
  try {
    read_model_object(object, model);
  } catch (const FieldError& e) {
    throw FileError(fmt::format("{}: {}", source_name, e.message));
  }
  return model;
}

Model load_model(const std::string& path) { return parse_model(io::read_file(path), path); }

Tensor class_probabilities(const TensorView& logits) {
  const Shape& shape = logits.shape();
  if (shape.rank() != 2) {
    throw ShapeError(fmt::format("class_probabilities: expected logits (rows, classes), got {}", shape));
  }
  const std::int64_t rows = shape[0], columns = shape[1];
  // sigmoid(z) = 1 / (1 + exp(-z)), written with exp of a non-positive
  // number only, so neither branch overflows.
  auto sigmoid = [](double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); };
  Tensor probabilities(Shape{rows, columns == 1 ? 2 : columns});
  for (std::int64_t r = 0; r < rows; ++r) {
    double* out = probabilities.data() + r * probabilities.shape()[1];
    if (columns == 1) {
      const double z = logits.get(r);
      out[0] = sigmoid(-z);
      out[1] = sigmoid(z);
      continue;
    }
    double largest = logits.get(r * columns);
    for (std::int64_t c = 1; c < columns; ++c) largest = std::max(largest, logits.get(r * columns + c));
    double sum = 0;
    for (std::int64_t c = 0; c < columns; ++c) sum += out[c] = std::exp(logits.get(r * columns + c) - largest);
    for (std::int64_t c = 0; c < columns; ++c) out[c] /= sum;
  }
  return probabilities;
}

}  // namespace dagrad

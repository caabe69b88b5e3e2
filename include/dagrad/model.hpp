// Whole models: a graph, its parameters and the preprocessing its inputs
// need, in one file that loads ready to run (issue 11).
//
// A model file is a graph file (README, "Graph files") with one more
// top-level object, "model", which names the input node and says how raw
// feature rows become that input:
//   {"dagrad": 1,
//    "model": {"input": "x", "features": ["x1", "x2"], "label": "y",
//              "classes": ["0", "1"],
//              "standardize": {"mean": [...], "scale": [...]}},
//    "nodes": [...], "outputs": ["logits"]}
// Parameters are the graph's parameter leaves, saved with their values (and
// dtypes) bit for bit; the standardization is float64, as the data is. The
// file is written whole or not at all. `dagrad train --save` writes this
// format and `dagrad predict` reads it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dagrad/data.hpp"
#include "dagrad/graph_file.hpp"

namespace dagrad {

// What a model file holds beside its graph. Every field may be empty.
struct ModelMetadata {
  std::vector<std::string> features;        // the input's columns, by name, in order
  std::string label;                        // the label column's name in the training data
  std::vector<std::string> classes;         // classes[k]: the label class index k stands for
  std::optional<Standardizer> standardizer;  // applied to raw rows before they reach the input
};

struct Model {
  std::unique_ptr<Graph> graph;
  Expr input;                 // an input node: (rows, features)
  std::vector<Expr> outputs;  // outputs[0] is the prediction (logits for a classifier)
  ModelMetadata metadata;

  // outputs[0] for raw feature rows (rows, features): standardized as in
  // training, converted to the input's dtype and run. Throws ShapeError
  // when the columns do not match the model's.
  const TensorView& predict(const TensorView& rows);
};

// The model as JSON text, and saved (whole or not at all). `input` must be
// an input node of `graph` that the outputs depend on; its current value is
// saved too, so give it one row first when it holds a whole data set.
// Throws Error when the input or outputs are not fit to save.
std::string model_to_json(const Graph& graph, Expr input, std::span<const Expr> outputs,
                          const ModelMetadata& metadata = {});
void save_model(const std::string& path, const Graph& graph, Expr input, std::span<const Expr> outputs,
                const ModelMetadata& metadata = {});

// Throws FileError naming the file and the field at fault ("model.input",
// "model.standardize.scale[2]", ...), and every error a graph file can have.
Model load_model(const std::string& path);
Model parse_model(const std::string& json_text, const std::string& source_name = "<string>");

// Class probabilities of each row of logits, float64 (rows, classes): for
// one column (bce_with_logits) [1 - sigmoid(z), sigmoid(z)], both computed
// stably; for more columns softmax(z), computed with the row's max
// subtracted.
Tensor class_probabilities(const TensorView& logits);

}  // namespace dagrad

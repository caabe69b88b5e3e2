// What `dagrad train --report run.html` records while training and writes
// at the end: loss and accuracy per epoch (train and test) and, for data
// with two features, the decision boundary over the training points.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dagrad/data.hpp"
#include "dagrad/graph.hpp"

namespace dagrad::cli {

class TrainingRecorder {
 public:
  // `x` and `y` are the model's inputs, `logits` its output, `loss` the
  // training loss; `test`, when present, is evaluated after every epoch.
  TrainingRecorder(Graph& graph, Expr x, Expr y, Expr logits, Expr loss, const std::optional<Dataset>& test)
      : graph_(graph), x_(x), y_(y), logits_(logits), loss_(loss), test_(test) {}

  // The epoch's mean training loss and accuracy (over its minibatches).
  void end_epoch(std::int64_t epoch, double train_loss, double train_accuracy);

  // `train` standardized by `standardizer`; `summary` lines head the page.
  // Writes the page to `path` and its charts beside it as PATH-loss.svg,
  // PATH-accuracy.svg and PATH-boundary.svg (without ".html").
  void write(const std::string& path, const std::string& title, const std::vector<std::string>& summary,
             const Dataset& train, const Standardizer& standardizer);

 private:
  Graph& graph_;
  Expr x_, y_, logits_, loss_;
  const std::optional<Dataset>& test_;
  std::vector<double> epochs_, train_loss_, train_accuracy_, test_loss_, test_accuracy_;
};

}  // namespace dagrad::cli

#include "dagrad/class_labels.hpp"

#include <cmath>

#include "dagrad/error.hpp"

namespace dagrad {

void check_label_shape(const Shape& scores, const Shape& labels) {
  if (scores.rank() != 2) throw ShapeError(fmt::format("logits must be (batch, classes), got shape {}", scores));
  const bool fits = (labels.rank() == 1 && labels[0] == scores[0]) ||
                    (labels.rank() == 2 && labels[0] == scores[0] && labels[1] == 1);
  if (!fits) {
    throw ShapeError(fmt::format("labels of shape {} do not fit logits of shape {}: expected ({},) or ({}, 1)", labels,
                                 scores, scores[0], scores[0]));
  }
  // The mean over no rows has no value (PyTorch gives NaN); no classes
  // leave no valid label.
  if (scores[0] == 0 || scores[1] == 0) {
    throw ShapeError(fmt::format("logits of shape {} are empty: the loss averages over rows of class scores", scores));
  }
}

std::int64_t class_index(double label, std::int64_t row, std::int64_t classes) {
  // The negated test also catches NaN.
  if (!(label >= 0 && label < double(classes) && label == std::floor(label))) {
    // The graph prefixes the op and node: softmax_cross_entropy "loss": ...
    throw Error(fmt::format("label {} in row {} is not a class index: logits have {} classes, so labels must "
                            "be whole numbers 0 to {}",
                            label, row, classes, classes - 1));
  }
  return std::int64_t(label);
}

std::vector<OpExample> class_label_examples(Rng& rng) {
  std::vector<OpExample> cases;
  std::uniform_int_distribution<std::int64_t> size(2, 6);
  const std::int64_t shapes[][2] = {{1, 2}, {size(rng), size(rng)}, {size(rng), size(rng)}, {7, 3}};
  bool column = false;
  for (const auto& [batch, classes] : shapes) {
    std::uniform_int_distribution<std::int64_t> label(0, classes - 1);
    Tensor labels(column ? Shape{batch, 1} : Shape{batch});
    for (double& v : labels) v = double(label(rng));
    cases.push_back({{random_normal(Shape{batch, classes}, rng), std::move(labels)}, {}, {}});
    column = !column;
  }
  return cases;
}

}  // namespace dagrad

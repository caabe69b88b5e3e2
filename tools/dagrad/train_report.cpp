#include "train_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dagrad/graph_file.hpp"
#include "dagrad/train.hpp"
#include "dagrad/view.hpp"

namespace dagrad::cli {
// Grid cells per side of the decision-boundary map.
constexpr int boundary_cells = 150;

void TrainingRecorder::end_epoch(std::int64_t epoch, double train_loss, double train_accuracy) {
  epochs_.push_back(double(epoch));
  train_loss_.push_back(train_loss);
  train_accuracy_.push_back(train_accuracy);
  if (!test_) return;
  graph_.set_value(x_, test_->x);
  graph_.set_value(y_, test_->y);
  graph_.forward(loss_);
  test_loss_.push_back(loss_.value().item());
  test_accuracy_.push_back(accuracy(logits_.value(), test_->y));
}

void TrainingRecorder::write(const std::string& path, const std::string& title, const std::vector<std::string>& summary,
                             const Dataset& train, const Standardizer& standardizer) {
  TrainingReport report;
  report.title = title;
  report.summary = summary;
  LinePlot loss{"Loss per epoch", "epoch", "loss", {{"train (mean over the epoch)", epochs_, train_loss_, ""}}};
  LinePlot accuracy_plot{
      "Accuracy per epoch", "epoch", "accuracy", {{"train (mean over the epoch)", epochs_, train_accuracy_, ""}}};
  if (test_) {
    loss.series.push_back({"test (end of the epoch)", epochs_, test_loss_, ""});
    accuracy_plot.series.push_back({"test (end of the epoch)", epochs_, test_accuracy_, ""});
  }
  report.plots = {loss, accuracy_plot};

  if (train.features() == 2 && train.size() > 0) {
    // In the data's own units, as the notebook plots it: the points are
    // un-standardized and the grid standardized before the model sees it.
    DecisionBoundaryPlot boundary;
    boundary.title = "Decision boundary (training data)";
    std::int64_t n = train.size();
    for (std::int64_t i = 0; i < n; ++i) {
      boundary.point_x.push_back(train.x[i * 2] * standardizer.scale[0] + standardizer.mean[0]);
      boundary.point_y.push_back(train.x[i * 2 + 1] * standardizer.scale[1] + standardizer.mean[1]);
      boundary.point_class.push_back(int(train.y[i]));
    }
    auto [x_low, x_high] = std::minmax_element(boundary.point_x.begin(), boundary.point_x.end());
    auto [y_low, y_high] = std::minmax_element(boundary.point_y.begin(), boundary.point_y.end());
    double x_margin = (*x_high - *x_low) * 0.08 + 1e-9, y_margin = (*y_high - *y_low) * 0.08 + 1e-9;
    boundary.x_min = *x_low - x_margin;
    boundary.x_max = *x_high + x_margin;
    boundary.y_min = *y_low - y_margin;
    boundary.y_max = *y_high + y_margin;
    boundary.columns = boundary.rows = boundary_cells;
    Tensor grid(Shape{std::int64_t(boundary_cells) * boundary_cells, 2});
    for (int r = 0; r < boundary_cells; ++r) {
      for (int c = 0; c < boundary_cells; ++c) {
        std::int64_t i = std::int64_t(r) * boundary_cells + c;
        grid[i * 2] = boundary.x_min + (c + 0.5) / boundary_cells * (boundary.x_max - boundary.x_min);
        grid[i * 2 + 1] = boundary.y_min + (r + 0.5) / boundary_cells * (boundary.y_max - boundary.y_min);
      }
    }
    standardizer.apply(grid);
    graph_.set_value(x_, grid);
    for (std::int64_t cls : predicted_classes(graph_.forward(logits_))) boundary.predicted_class.push_back(int(cls));
    report.boundaries.push_back(std::move(boundary));
  }

  std::string stem = path.ends_with(".html") ? path.substr(0, path.size() - 5) : path;
  write_file_atomically(stem + "-loss.svg", to_svg(report.plots[0]));
  write_file_atomically(stem + "-accuracy.svg", to_svg(report.plots[1]));
  if (!report.boundaries.empty()) write_file_atomically(stem + "-boundary.svg", to_svg(report.boundaries[0]));
  write_file_atomically(path, to_html(report));
}

}  // namespace dagrad::cli

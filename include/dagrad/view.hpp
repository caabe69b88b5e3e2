// Interactive views: one self-contained HTML file (no network access, opens
// from disk) per graph or training run. Part of the diagrams component;
// implemented in core/dot/ (html.cpp, plot.cpp; the page's script in
// view_script.inc).
//
// The graph view embeds Graphviz layouts as SVG: one for the top level and
// one per cluster (name prefix "layer1/"), each with its sub-clusters drawn
// as collapsed boxes. Clicking a box opens its layout in place (the rest of
// the drawing moves aside), so a 3000-node network opens as its 500 layer
// boxes and stays responsive. Clicking a node shows its op, attributes,
// shape, inputs and consumers, its whole value and gradient, and its
// gradient-check results.
#pragma once

#include <string>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

struct GradcheckReport;

struct ViewOptions {
  std::string title;  // the page's title; empty: "dagrad graph"
  // A gradient check of this graph: failing nodes are drawn red and every
  // node's panel lists its results.
  const GradcheckReport* gradcheck = nullptr;
  // Graphs of at most this many nodes open with every cluster expanded.
  int open_expanded_up_to = 120;
};

// The page for the nodes `outputs` need (every node when empty), with the
// values and gradients the graph holds now.
std::string to_html(const Graph& graph, const std::vector<Expr>& outputs, const ViewOptions& options = {});

// Charts for training reports, drawn as standalone SVG.
struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  std::string color;  // CSS colour; empty: one of a fixed palette
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
};

// A two-feature classifier's prediction over a grid, with the data points
// on top (as the course's notebook draws planar and moons).
struct DecisionBoundaryPlot {
  std::string title;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  int columns = 0, rows = 0;         // grid cells; row 0 at y_min
  std::vector<int> predicted_class;  // rows * columns, row-major
  std::vector<double> point_x, point_y;
  std::vector<int> point_class;
};

std::string to_svg(const LinePlot& plot);
std::string to_svg(const DecisionBoundaryPlot& plot);

struct TrainingReport {
  std::string title;
  std::vector<std::string> summary;  // one line each: data, model, final accuracy
  std::vector<LinePlot> plots;       // loss and accuracy per epoch
  std::vector<DecisionBoundaryPlot> boundaries;
};

std::string to_html(const TrainingReport& report);

}  // namespace dagrad

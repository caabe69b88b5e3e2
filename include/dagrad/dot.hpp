// Graph diagrams through Graphviz (cgraph builds, gvc lays out and renders).
//
// Implemented in core/dot/ (dot.cpp; the collapse rules in collapse.cpp).
#pragma once

#include <string>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

struct GradcheckReport;

struct DotOptions {
  std::vector<Expr> outputs;  // draw what these need; empty: the whole graph
  bool values = false;        // small tensors inline, large as shape + min/mean/max
  bool grads = false;
  bool backward = false;      // draw the backward pass as its own edges
  bool cluster = true;        // cluster nodes by name prefix ("layer1/...")
  int max_nodes = 0;          // collapse to at most this many nodes (0: no limit)
  // Overlay of a gradient check: failing nodes drawn red with their error.
  const GradcheckReport* gradcheck = nullptr;
};

// DOT text of the graph.
std::string to_dot(const Graph& graph, const DotOptions& options = {});
// Renders to .dot, .svg, .png or .pdf by the path's extension, written whole
// or not at all. Throws Error for an unknown extension.
void render(const Graph& graph, const std::string& path, const DotOptions& options = {});

}  // namespace dagrad

// What `dagrad eval`, `dagrad grad` and `dagrad dot` share: running a graph
// file's outputs and the gradient of its first output.
#pragma once

#include <string>

#include <fmt/format.h>

#include "dagrad/graph.hpp"
#include "dagrad/graph_file.hpp"

namespace dagrad::cli {

inline void require_outputs(const LoadedGraph& loaded, const std::string& path, std::string_view command) {
  if (loaded.outputs.empty()) {
    throw Error(fmt::format("{}: the file lists no \"outputs\"; {} needs at least one", path, command));
  }
}

// Evaluates every output, then the gradient of the first (a scalar) with
// respect to every input and parameter. Inputs are given requires_grad here:
// a file's inputs are what a user differentiates with respect to.
inline void run_forward_and_backward(LoadedGraph& loaded, const std::string& path, bool retain_grads) {
  Graph& graph = *loaded.graph;
  Expr first = loaded.outputs.front();
  if (first.shape().elements() != 1) {
    throw Error(fmt::format("{}: the first output \"{}\" has shape {}, not a scalar: gradients are taken of a "
                            "scalar loss, so list it first in \"outputs\"",
                            path, first.name(), first.shape()));
  }
  for (Expr input : graph.inputs()) graph.set_requires_grad(input, true);
  graph.forward(loaded.outputs);
  graph.backward(first, BackwardOptions{.retain_grads = retain_grads});
}

}  // namespace dagrad::cli

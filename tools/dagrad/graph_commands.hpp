// What `dagrad eval`, `dagrad grad` and `dagrad dot` share: running a graph
// file's outputs and the gradient of its first output.
#pragma once

#include <unistd.h>

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

// Refuses, before anything is allocated, a graph whose values (and
// gradients) could not fit in this machine's memory: shapes in a file may
// ask for far more than the file holds (a matmul of two long vectors), and
// an allocation that fails, or a process the kernel kills, names nothing.
// A user error: the file asks for too much.
inline void check_graph_fits(const Graph& graph, const std::string& path, bool with_gradients) {
  double bytes = 0;
  for (int id = 0; id < graph.size(); ++id) bytes += 8.0 * double(graph.node(id).shape().elements());
  if (with_gradients) bytes *= 2;
  const double memory = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGESIZE));
  if (bytes > memory) {
    throw Error(fmt::format("{}: the graph's values{} need {:.3g} GB, more than this machine's {:.3g} GB of memory",
                            path, with_gradients ? " and gradients" : "", bytes / 1e9, memory / 1e9));
  }
}

// Evaluates every output, then the gradient of the first (a scalar) with
// respect to every input and parameter. Inputs are given requires_grad here:
// a file's inputs are what a user differentiates with respect to.
inline void run_forward_and_backward(LoadedGraph& loaded, const std::string& path, bool retain_grads,
                                     bool check_finite = false) {
  Graph& graph = *loaded.graph;
  Expr first = loaded.outputs.front();
  if (first.shape().elements() != 1) {
    throw Error(fmt::format("{}: the first output \"{}\" has shape {}, not a scalar: gradients are taken of a "
                            "scalar loss, so list it first in \"outputs\"",
                            path, first.name(), first.shape()));
  }
  for (Expr input : graph.inputs()) graph.set_requires_grad(input, true);
  check_graph_fits(graph, path, /*with_gradients=*/true);
  graph.forward(loaded.outputs, ForwardOptions{.check_finite = check_finite});
  graph.backward(first, BackwardOptions{.retain_grads = retain_grads, .check_finite = check_finite});
}

// The help of every command's --check-finite flag.
inline constexpr const char* check_finite_help =
    "Stop at the first node whose value or gradient is NaN or infinite, naming it, its op and its inputs' "
    "shapes and ranges (exit status 1)";

}  // namespace dagrad::cli

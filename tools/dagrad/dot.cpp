// `dagrad dot FILE -o OUT.svg`: a diagram of a graph file (.svg, .png, .pdf
// or .dot by the extension), optionally with values, gradients and the
// backward pass, collapsed to a maximum number of nodes.
#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/dot.hpp"
#include "graph_commands.hpp"

namespace dagrad::cli {
namespace {

struct DotArguments {
  std::string path, output;
  bool values = false, grads = false, backward = false, cluster = true;
  int max_nodes = 0;
};

int run_dot(const DotArguments& args) {
  LoadedGraph loaded = load_graph(args.path);
  DotOptions options;
  options.outputs = loaded.outputs;
  options.values = args.values;
  options.grads = args.grads;
  options.backward = args.backward;
  options.cluster = args.cluster;
  options.max_nodes = args.max_nodes;
  if (args.grads) {
    require_outputs(loaded, args.path, "dot --grads");
    run_forward_and_backward(loaded, args.path, /*retain_grads=*/true);
  } else {
    // The backward edges show where gradients flow to inputs too.
    if (args.backward) {
      for (Expr input : loaded.graph->inputs()) loaded.graph->set_requires_grad(input, true);
    }
    if (args.values && !loaded.outputs.empty()) {
      check_graph_fits(*loaded.graph, args.path, /*with_gradients=*/false);
      loaded.graph->forward(loaded.outputs);
    }
  }
  render(*loaded.graph, args.output, options);
  return exit_ok;
}

const CommandRegistration registration{
    "dot", "Draw a graph file with Graphviz (.svg, .png, .pdf or .dot by the output's extension)",
    [](CLI::App& app) {
      auto args = std::make_shared<DotArguments>();
      app.add_option("FILE", args->path, "Graph file (JSON)")->required();
      app.add_option("-o,--output", args->output, "Diagram to write: OUT.svg, OUT.png, OUT.pdf or OUT.dot")->required();
      app.add_flag("--values", args->values, "Show values (small tensors inline, large ones as min/mean/max)");
      app.add_flag("--grads", args->grads, "Show gradients of the first output (which must be a scalar)");
      app.add_flag("--backward", args->backward, "Draw the backward pass as dashed red edges");
      app.add_flag("--cluster,!--no-cluster", args->cluster, "Group nodes by name prefix (\"layer1/...\"); on by default");
      app.add_option("--max-nodes", args->max_nodes, "Collapse chains, clusters and ops to draw at most N nodes (0: all)")
          ->check(CLI::NonNegativeNumber);
      return [args] { return run_dot(*args); };
    }};

}  // namespace
}  // namespace dagrad::cli

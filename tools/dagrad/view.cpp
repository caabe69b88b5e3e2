// `dagrad view FILE -o graph.html`: the interactive view of a graph file,
// with every output's value and, when the first output is a scalar, the
// gradients of it (every node's, kept for the view).
#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/graph_file.hpp"
#include "dagrad/view.hpp"
#include "graph_commands.hpp"

namespace dagrad::cli {
namespace {

struct ViewArguments {
  std::string path, output, title;
  bool grads = true;
  int open_expanded_up_to = ViewOptions{}.open_expanded_up_to;
};

int run_view(const ViewArguments& args) {
  LoadedGraph loaded = load_graph(args.path);
  if (!loaded.outputs.empty()) {
    if (args.grads && loaded.outputs.front().shape().elements() == 1) {
      run_forward_and_backward(loaded, args.path, /*retain_grads=*/true);
    } else {
      loaded.graph->forward(loaded.outputs);
    }
  }
  ViewOptions options;
  options.title = args.title.empty() ? args.path : args.title;
  options.open_expanded_up_to = args.open_expanded_up_to;
  write_file_atomically(args.output, to_html(*loaded.graph, loaded.outputs, options));
  return exit_ok;
}

const CommandRegistration registration{
    "view", "Write an interactive view of a graph file: one HTML page to open in a browser, offline",
    [](CLI::App& app) {
      auto args = std::make_shared<ViewArguments>();
      app.add_option("FILE", args->path, "Graph file (JSON)")->required();
      app.add_option("-o,--output", args->output, "Page to write (graph.html)")->required();
      app.add_option("--title", args->title, "The page's title (default: the file's path)");
      app.add_flag("--grads,!--no-grads", args->grads,
                   "Run backward from the first output when it is a scalar, to show gradients; on by default");
      app.add_option("--open-up-to", args->open_expanded_up_to,
                     "Open every cluster when the graph has at most N nodes (larger graphs open collapsed)")
          ->check(CLI::NonNegativeNumber)
          ->capture_default_str();
      return [args] { return run_view(*args); };
    }};

}  // namespace
}  // namespace dagrad::cli

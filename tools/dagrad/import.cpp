// `dagrad import model.onnx -o FILE.json`: reads an ONNX model into a graph
// file, to evaluate, draw, gradient-check or fine-tune it with dagrad.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/onnx.hpp"

namespace dagrad::cli {
namespace {

std::vector<std::string> output_names(const LoadedGraph& loaded) {
  std::vector<std::string> names;
  for (Expr output : loaded.outputs) names.push_back(output.name());
  return names;
}

int run_import(const std::string& model_path, const std::string& output_path) {
  LoadedGraph loaded = load_onnx(model_path);
  save_graph(*loaded.graph, loaded.outputs, output_path);
  fmt::print("wrote {}: {} nodes, outputs {}\n", output_path, loaded.graph->size(),
             fmt::join(output_names(loaded), ", "));
  return exit_ok;
}

const CommandRegistration registration{
    "import", "Read an ONNX model into a graph file (inputs hold zeros until set)", [](CLI::App& app) {
      auto model_path = std::make_shared<std::string>();
      auto output_path = std::make_shared<std::string>();
      app.add_option("MODEL", *model_path, "ONNX model (.onnx)")->required();
      app.add_option("-o,--output", *output_path, "Graph file (JSON) to write")->required();
      return [model_path, output_path] { return run_import(*model_path, *output_path); };
    }};

}  // namespace
}  // namespace dagrad::cli

// `dagrad export FILE.json -o model.onnx [--float32] [--batch-symbolic]`:
// writes a graph file's outputs as an ONNX model, for ONNX Runtime and the
// other engines that read ONNX.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/onnx.hpp"
#include "graph_commands.hpp"

namespace dagrad::cli {
namespace {

std::vector<std::string> output_names(const LoadedGraph& loaded) {
  std::vector<std::string> names;
  for (Expr output : loaded.outputs) names.push_back(output.name());
  return names;
}

struct ExportFlags {
  std::string graph_path;
  std::string output_path;
  bool float32 = false;
  bool batch_symbolic = false;
};

int run_export(const ExportFlags& flags) {
  LoadedGraph loaded = load_graph(flags.graph_path);
  require_outputs(loaded, flags.graph_path, "export");
  OnnxExportOptions options{.float32 = flags.float32, .batch_dimension = flags.batch_symbolic ? "batch" : ""};
  save_onnx(*loaded.graph, loaded.outputs, flags.output_path, options);
  fmt::print("wrote {} (ONNX opset 17, {}{}): outputs {}\n", flags.output_path, flags.float32 ? "float32" : "float64",
             flags.batch_symbolic ? ", symbolic batch dimension \"batch\"" : "",
             fmt::join(output_names(loaded), ", "));
  return exit_ok;
}

const CommandRegistration registration{
    "export", "Write a graph file's outputs as an ONNX model (opset 17)", [](CLI::App& app) {
      auto flags = std::make_shared<ExportFlags>();
      app.add_option("FILE", flags->graph_path, "Graph file (JSON)")->required();
      app.add_option("-o,--output", flags->output_path, "ONNX model to write")->required();
      app.add_flag("--float32", flags->float32, "Write float32 tensors instead of float64");
      app.add_flag("--batch-symbolic", flags->batch_symbolic,
                   "Make the first dimension of every input a symbolic \"batch\" dimension");
      return [flags] { return run_export(*flags); };
    }};

}  // namespace
}  // namespace dagrad::cli

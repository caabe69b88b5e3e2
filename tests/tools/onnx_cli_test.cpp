// `dagrad export` and `dagrad import`, run the way a user runs them.
#include <onnx/onnx_pb.h>

#include <sstream>

#include "onnx_support.hpp"

namespace dagrad {
namespace {

using testing_support::run_command;
using testing_support::run_onnx_checker;

class OnnxCli : public testing_support::ScratchDirectoryTest {
 protected:
  testing_support::CommandResult dagrad(const std::string& arguments) {
    return run_command(fmt::format("'{}' {}", DAGRAD_CLI, arguments), dir_);
  }
};

const std::string course_graph = DAGRAD_SOURCE_DIR "/tools/graphs/course.json";

TEST_F(OnnxCli, ExportWritesAValidModelAndImportReadsItBack) {
  const std::string model = path("course.onnx");
  auto exported = dagrad(fmt::format("export '{}' -o '{}'", course_graph, model));
  ASSERT_EQ(exported.status, 0) << exported.err;
  EXPECT_EQ(exported.out, fmt::format("wrote {} (ONNX opset 17, float64): outputs loss\n", model));
  auto checked = run_onnx_checker(model, dir_);
  EXPECT_EQ(checked.status, 0) << checked.out;

  const std::string graph_file = path("imported.json");
  auto imported = dagrad(fmt::format("import '{}' -o '{}'", model, graph_file));
  ASSERT_EQ(imported.status, 0) << imported.err;
  EXPECT_NE(imported.out.find("outputs loss\n"), std::string::npos) << imported.out;

  // The imported graph computes the same loss from the same input.
  LoadedGraph original = load_graph(course_graph);
  LoadedGraph reread = load_graph(graph_file);
  reread.graph->set_value(reread.graph->find("x"), original.graph->find("x").value());
  EXPECT_EQ(original.graph->forward(original.outputs.front()).item(),
            reread.graph->forward(reread.outputs.front()).item());
}

TEST_F(OnnxCli, Float32AndSymbolicBatchFlags) {
  const std::string model = path("course32.onnx");
  auto exported = dagrad(fmt::format("export '{}' -o '{}' --float32 --batch-symbolic", course_graph, model));
  ASSERT_EQ(exported.status, 0) << exported.err;
  EXPECT_EQ(exported.out,
            fmt::format("wrote {} (ONNX opset 17, float32, symbolic batch dimension \"batch\"): outputs loss\n", model));
  auto checked = run_onnx_checker(model, dir_);
  EXPECT_EQ(checked.status, 0) << checked.out;
}

TEST_F(OnnxCli, ImportOfUnsupportedOperatorExitsTwoNamingItAndWritesNothing) {
  // A Softmax over axis 0 of a rank-2 input: valid ONNX that dagrad's
  // softmax (last axis only) cannot express.
  Graph graph;
  Expr y = softmax(graph.input("x", Tensor{{1.0, 2.0}, {3.0, 4.0}}), "y");
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(onnx_model_bytes(graph, std::vector<Expr>{y})));
  model.mutable_graph()->mutable_node(0)->mutable_attribute(0)->set_i(0);
  std::string bytes;
  model.SerializeToString(&bytes);
  const std::string file = write("axis0.onnx", bytes);

  auto imported = dagrad(fmt::format("import '{}' -o '{}'", file, path("out.json")));
  EXPECT_EQ(imported.status, 2);
  EXPECT_EQ(imported.err, fmt::format("dagrad import: error: {}: node \"y\" (Softmax) works over axis 0 of a rank-2 "
                                      "input; dagrad's softmax works over the last axis\n",
                                      file));
  EXPECT_FALSE(std::filesystem::exists(path("out.json")));
}

TEST_F(OnnxCli, UsageErrorsExitTwo) {
  EXPECT_EQ(dagrad(fmt::format("export '{}'", course_graph)).status, 2);  // no -o
  auto missing = dagrad(fmt::format("export '{}' -o '{}'", path("missing.json"), path("m.onnx")));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("missing.json"), std::string::npos) << missing.err;
  EXPECT_EQ(dagrad(fmt::format("import '{}' -o '{}'", path("missing.onnx"), path("g.json"))).status, 2);
}

// README's "When you outgrow dagrad": its JavaScript snippet serves the
// exported course graph, and its table lists every op export maps.
std::string readme_onnx_section() {
  const std::string readme = testing_support::read_text(DAGRAD_SOURCE_DIR "/README.md");
  const auto start = readme.find("## When you outgrow dagrad\n");
  if (start == std::string::npos) return {};
  return readme.substr(start, readme.find("\n## ", start + 1) - start);
}

TEST_F(OnnxCli, ReadmeSnippetServesTheExportedModelInOnnxRuntime) {
  const std::string section = readme_onnx_section();
  const auto begin = section.find("```js\n");
  ASSERT_NE(begin, std::string::npos) << "README's ONNX section has no ```js block";
  const auto end = section.find("```", begin + 6);
  write("serve.js", section.substr(begin + 6, end - begin - 6));
  ASSERT_EQ(dagrad(fmt::format("export '{}' -o '{}'", course_graph, path("model.onnx"))).status, 0);

  auto served = run_command(fmt::format("cd '{}' && NODE_PATH='{}' '{}' serve.js", dir_.string(),
                                        DAGRAD_ONNX_TEST_DIR "/node_modules", DAGRAD_ONNX_NODE),
                            dir_);
  ASSERT_EQ(served.status, 0) << served.err;
  ASSERT_TRUE(served.out.starts_with("loss = ")) << served.out;
  LoadedGraph course = load_graph(course_graph);
  const double expected = course.graph->forward(course.outputs.front()).item();
  EXPECT_NEAR(std::stod(served.out.substr(7)), expected, 1e-12 * expected) << served.out;
}

TEST(OnnxReadme, TableListsEveryExportedOp) {
  const std::string section = readme_onnx_section();
  ASSERT_FALSE(section.empty()) << "README has no \"## When you outgrow dagrad\" section";
  std::string table;
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("| `")) table += line.substr(0, line.find(" | ", 2)) + "\n";  // the dagrad column
  }
  for (const std::string& op : onnx_exportable_ops()) {
    EXPECT_NE(table.find("`" + op + "`"), std::string::npos) << "README's ONNX table does not list " << op;
  }
}

}  // namespace
}  // namespace dagrad

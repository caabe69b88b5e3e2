// `dagrad eval`, `dagrad grad` and `dagrad dot`, run as a user runs them.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"
#include "dagrad/graph_file.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;

using CliRun = testing_support::CommandResult;

std::string read(const fs::path& path) { return testing_support::read_text(path); }

fs::path scratch() {
  static fs::path dir = [] {
    // One directory per process: ctest may run these tests in parallel.
    fs::path d = fs::temp_directory_path() / fmt::format("dagrad_graph_cli_test_{}", ::getpid());
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// Runs `dagrad ARGS` (arguments are file names and flags without spaces or quotes).
CliRun dagrad_cli(const std::string& args) {
  return testing_support::run_command(fmt::format("'{}' {}", DAGRAD_CLI, args), scratch());
}

fs::path write(const std::string& name, const std::string& text) {
  fs::path path = scratch() / name;
  std::ofstream(path) << text;
  return path;
}

std::string course() { return fmt::format("{}/tools/graphs/course.json", DAGRAD_SOURCE_DIR); }

TEST(GraphCli, EvalPrintsEveryOutput) {
  CliRun run = dagrad_cli(fmt::format("eval {}/tools/graphs/losses.json", DAGRAD_SOURCE_DIR));
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "L1: shape ()\narray(1.1)\nL2: shape ()\narray(0.43)\n");
  EXPECT_EQ(run.err, "");
}

TEST(GraphCli, GradJsonGivesTheLibrarysValuesAndGradientsBitForBit) {
  CliRun run = dagrad_cli("grad --json " + course());
  ASSERT_EQ(run.status, 0) << run.err;
  auto json = nlohmann::json::parse(run.out);
  ASSERT_EQ(json.size(), 2u);
  ASSERT_EQ(json["outputs"].size(), 1u);
  ASSERT_EQ(json["gradients"].size(), 1u);  // x is the only input or parameter

  LoadedGraph loaded = load_graph(course());
  Graph& g = *loaded.graph;
  Expr x = g.find("x");
  g.set_requires_grad(x, true);
  g.forward(loaded.outputs[0]);
  g.backward(loaded.outputs[0]);
  EXPECT_EQ(json["outputs"]["loss"]["shape"], nlohmann::json::array());
  EXPECT_EQ(json["outputs"]["loss"]["value"][0].template get<double>(), loaded.outputs[0].value().item());
  EXPECT_EQ(json["gradients"]["x"]["shape"], (nlohmann::json{2, 3}));
  ASSERT_EQ(json["gradients"]["x"]["value"].size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(json["gradients"]["x"]["value"][i].template get<double>(), x.grad()[i]) << i;
  // 17 significant digits, as the issue asks.
  EXPECT_NE(run.out.find(fmt::format("{:.17g}", x.grad()[0])), std::string::npos) << run.out;
}

TEST(GraphCli, GradGivesZerosToALeafTheOutputDoesNotUse) {
  fs::path file = write("unused.json", R"({"dagrad": 1, "nodes": [
    {"name": "x", "op": "input", "shape": [2], "value": [0, 0]},
    {"name": "unused", "op": "parameter", "shape": [1, 2], "value": [5, 6]},
    {"name": "y", "op": "constant", "shape": [2], "value": [1, -1]},
    {"name": "loss", "op": "l2", "inputs": ["x", "y"]}], "outputs": ["loss"]})");
  CliRun run = dagrad_cli("grad --json " + file.string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, R"({"outputs": {"loss": {"shape": [], "value": [2]}}, "gradients": {"x": {"shape": [2], )"
                     R"("value": [-2, 2]}, "unused": {"shape": [1, 2], "value": [0, 0]}}})"
                     "\n");
  CliRun text = dagrad_cli("grad " + file.string());
  EXPECT_EQ(text.status, 0);
  EXPECT_EQ(text.out, "loss = array(2.)\ndloss/dx: shape (2,)\narray([-2.,  2.])\n"
                      "dloss/dunused: shape (1, 2)\narray([[0., 0.]])\n");
}

TEST(GraphCli, GradRejectsANonScalarFirstOutput) {
  fs::path file = write("vector.json", R"({"dagrad": 1, "nodes": [
    {"name": "x", "op": "input", "shape": [2], "value": [0, 0]},
    {"name": "p", "op": "softmax", "inputs": ["x"]}], "outputs": ["p"]})");
  CliRun run = dagrad_cli("grad " + file.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, fmt::format("dagrad grad: error: {}: the first output \"p\" has shape (2,), not a scalar: "
                                 "gradients are taken of a scalar loss, so list it first in \"outputs\"\n",
                                 file.string()));
}

TEST(GraphCli, DotWritesTheDiagramWithTheOptionsAsked) {
  fs::path svg = scratch() / "course.svg";
  CliRun run = dagrad_cli(fmt::format("dot {} -o {} --values --grads --backward", course(), svg.string()));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  std::string text = read(svg);
  EXPECT_EQ(text.substr(0, 5), "<?xml");
  EXPECT_NE(text.find("grad [0.03728, 0.02651"), std::string::npos);  // x's gradient, inline
  EXPECT_NE(text.find("stroke-dasharray"), std::string::npos);        // backward edges

  fs::path dot = scratch() / "chain.dot";
  std::string chain = R"({"dagrad": 1, "nodes": [{"name": "s0", "op": "input", "shape": [1], "value": [0]})";
  for (int i = 1; i <= 100; ++i) chain += fmt::format(R"(, {{"name": "s{}", "op": "sigmoid", "inputs": ["s{}"]}})", i, i - 1);
  chain += R"(], "outputs": ["s100"]})";
  // s1 and s99 stay, s100 is the output: s2 ... s98 collapse.
  run = dagrad_cli(fmt::format("dot {} -o {} --max-nodes 10", write("chain.json", chain).string(), dot.string()));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(read(dot).find("... 97 sigmoid nodes ..."), std::string::npos);
}

TEST(GraphCli, DotRejectsAnUnknownExtensionWithoutWritingAnything) {
  fs::path out = scratch() / "course.gif";
  CliRun run = dagrad_cli(fmt::format("dot {} -o {}", course(), out.string()));
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err, fmt::format("dagrad dot: error: cannot render \"{}\": unknown extension \".gif\" (use .dot, .svg, "
                                 ".png or .pdf)\n", out.string()));
  EXPECT_FALSE(fs::exists(out));
}

// Each malformed file: exit status 2 and its message on stderr, for every command.
TEST(GraphCli, MalformedFilesExitWithStatus2AndTheirMessage) {
  struct Case {
    const char* name;
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"not_json.json", "{\"dagrad\": 1,\n  \"nodes\": [}", ":2:13: not valid JSON: syntax error while parsing value"},
      {"unknown_op.json", R"({"dagrad": 1, "nodes": [{"name": "s", "op": "sigmod"}]})",
       ": node \"s\" (nodes[0]): unknown op \"sigmod\" (known: input, parameter, constant, "},
      {"missing_name.json", R"({"dagrad": 1, "nodes": [{"name": "s", "op": "sigmoid", "inputs": ["x"]}]})",
       ": node \"s\" (nodes[0]): input \"x\" is not the name of any node"},
      {"duplicate_name.json",
       R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [], "value": [1]},
                                  {"name": "x", "op": "input", "shape": [], "value": [1]}]})",
       ": duplicate node name \"x\" (nodes[0] and nodes[1])"},
      {"cycle.json",
       R"({"dagrad": 1, "nodes": [{"name": "a", "op": "sigmoid", "inputs": ["b"]},
                                  {"name": "b", "op": "sigmoid", "inputs": ["a"]}], "outputs": ["b"]})",
       ": the graph has a cycle through node \"a\" (each node is an input of the next): \"a\" -> \"b\" -> \"a\"\n"},
      {"value_count.json", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [2], "value": [1]}]})",
       ": node \"x\" (nodes[0]): \"value\" holds 1 numbers but shape (2,) needs 2"},
      {"shapes.json",
       R"({"dagrad": 1, "nodes": [{"name": "a", "op": "input", "shape": [2], "value": [1, 2]},
                                  {"name": "b", "op": "input", "shape": [3], "value": [1, 2, 3]},
                                  {"name": "loss", "op": "l1", "inputs": ["a", "b"]}], "outputs": ["loss"]})",
       ": l1 \"loss\": input shapes (2,) and (3,) differ"},
  };
  for (const Case& c : cases) {
    fs::path file = write(c.name, c.text);
    for (const char* command : {"eval", "grad", "dot"}) {
      std::string args = fmt::format("{} {}", command, file.string());
      if (std::string(command) == "dot") args += " -o " + (scratch() / "never.svg").string();
      CliRun run = dagrad_cli(args);
      EXPECT_EQ(run.status, 2) << c.name << " " << command;
      std::string expected = fmt::format("dagrad {}: error: {}{}", command, file.string(), c.message);
      EXPECT_EQ(run.err.substr(0, expected.size()), expected) << c.name << " " << command;
      EXPECT_EQ(run.out, "") << c.name << " " << command;
    }
  }
  EXPECT_FALSE(fs::exists(scratch() / "never.svg"));
  CliRun missing = dagrad_cli("eval " + (scratch() / "absent.json").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(missing.err, fmt::format("dagrad eval: error: cannot open \"{}\": No such file or directory\n",
                                     (scratch() / "absent.json").string()));
}

}  // namespace
}  // namespace dagrad

#include "dagrad/graph_file.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

// The issue's example file.
const char* course_file = R"({
  "dagrad": 1,
  "nodes": [
    {"name": "x", "op": "input", "shape": [2, 3], "value": [1, 2, 3, 4, 5, 6]},
    {"name": "y", "op": "constant", "shape": [2, 3], "value": [0, 0, 1, 0, 1, 0]},
    {"name": "s", "op": "sigmoid", "inputs": ["x"]},
    {"name": "p", "op": "softmax", "inputs": ["s"]},
    {"name": "v", "op": "reshape", "inputs": ["p"], "attrs": {"shape": [-1, 1]}},
    {"name": "loss", "op": "l2", "inputs": ["p", "y"]}
  ],
  "outputs": ["loss"]
}
)";

bool same_bits(const TensorView& a, const TensorView& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(double)) == 0;
}

std::filesystem::path temporary_directory(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("dagrad_graph_file_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(GraphFile, TheIssuesExampleLoadsAndComputesWhatTheCppApiComputes) {
  LoadedGraph loaded = parse_graph(course_file);
  ASSERT_EQ(loaded.outputs.size(), 1u);
  EXPECT_EQ(loaded.outputs[0].name(), "loss");
  EXPECT_EQ(loaded.graph->size(), 6);
  EXPECT_EQ(loaded.graph->find("v").shape(), (Shape{6, 1}));

  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr y = g.constant(Tensor{{0, 0, 1}, {0, 1, 0}}, "y");
  Expr loss = l2(softmax(sigmoid(x)), y);
  g.forward(loss);
  g.backward(loss);

  Graph& h = *loaded.graph;
  Expr hx = h.find("x");
  h.set_requires_grad(hx, true);
  h.forward(loaded.outputs[0]);
  h.backward(loaded.outputs[0]);
  EXPECT_TRUE(same_bits(loaded.outputs[0].value(), loss.value()));
  EXPECT_TRUE(same_bits(hx.grad(), x.grad()));
}

// A graph with every kind of leaf, awkward doubles and awkward names.
struct AwkwardGraph {
  Graph g;
  Expr loss;
  AwkwardGraph() {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    Expr x = g.input("x \"quoted\" \\ ünï", Tensor{{0.1, 1.0 / 3, -0.0}, {5e-324, 1.7976931348623157e308, M_PI}}, true);
    Expr c = g.constant(Tensor{{nan, inf, -inf}, {2.5e-310, -1e-300, 123456789012345678.0}}, "layer1/c");
    Expr w = g.parameter("layer1/w", Tensor(Shape{6, 1}, {0.7, -0.2, 1e16, 3, 2.0 / 7, -1e-17}));
    Expr scalar = g.input("scalar", Tensor::scalar(0.30000000000000004));
    Expr y = reshape(softmax(normalize_rows(x)), {-1, 1}, "layer1/v");
    (void)c, (void)scalar;
    loss = l1(y, w, "loss");
  }
};

TEST(GraphFile, SaveLoadSaveGivesTheSameBytesAndEveryDoubleBitForBit) {
  AwkwardGraph built;
  std::string first = graph_to_json(built.g, {});
  LoadedGraph loaded = parse_graph(first);
  std::string second = graph_to_json(*loaded.graph, {});
  EXPECT_EQ(first, second);
  ASSERT_EQ(loaded.graph->size(), built.g.size());
  for (int id = 0; id < built.g.size(); ++id) {
    const Node& a = built.g.node(id);
    const Node& b = loaded.graph->node(id);
    EXPECT_EQ(a.name(), b.name());
    EXPECT_EQ(a.kind(), b.kind());
    EXPECT_EQ(a.requires_grad(), b.requires_grad()) << a.name();
    if (!a.is_leaf()) continue;
    ASSERT_EQ(a.shape(), b.shape());
    for (std::int64_t i = 0; i < a.value().size(); ++i) {
      double u = a.value()[i], v = b.value()[i];
      if (std::isnan(u)) {
        EXPECT_TRUE(std::isnan(v)) << a.name() << "[" << i << "]";  // NaN payloads are not kept
      } else {
        EXPECT_EQ(std::memcmp(&u, &v, sizeof u), 0) << a.name() << "[" << i << "]: " << u << " vs " << v;
      }
    }
  }
  // Negative zero keeps its sign, and non-finite values are spelled as strings.
  EXPECT_TRUE(std::signbit(loaded.graph->find("x \"quoted\" \\ ünï").value()[2]));
  EXPECT_NE(first.find(R"(["NaN", "Infinity", "-Infinity", )"), std::string::npos) << first;
  EXPECT_NE(first.find(R"("op": "reshape", "inputs": ["softmax_5"], "attrs": {"shape": [-1, 1]}})"),
            std::string::npos)
      << first;
}

TEST(GraphFile, ACppGraphSavedLoadedAndRunGivesIdenticalValuesAndGradients) {
  AwkwardGraph built;
  Expr outputs[] = {built.loss};
  auto dir = temporary_directory("identical");
  std::string path = (dir / "graph.json").string();
  save_graph(built.g, outputs, path);
  LoadedGraph loaded = load_graph(path);
  ASSERT_EQ(loaded.outputs.size(), 1u);

  built.g.forward(built.loss);
  built.g.backward(built.loss, BackwardOptions{.retain_grads = true});
  Graph& h = *loaded.graph;
  h.forward(loaded.outputs[0]);
  h.backward(loaded.outputs[0], BackwardOptions{.retain_grads = true});
  int compared = 0;
  for (int id = 0; id < h.size(); ++id) {
    const Node& b = h.node(id);
    const Node& a = built.g.node(built.g.find(b.name()).id());
    EXPECT_TRUE(same_bits(a.value(), b.value())) << b.name();
    if (a.has_grad()) {
      ASSERT_TRUE(b.has_grad()) << b.name();
      EXPECT_TRUE(same_bits(a.grad(), b.grad())) << b.name();
      ++compared;
    }
  }
  EXPECT_EQ(compared, 6);  // x, w, normalize_rows, softmax, reshape, loss
}

TEST(GraphFile, SavesOnlyWhatTheOutputsNeedOrEverythingWithoutOutputs) {
  AwkwardGraph built;
  Expr outputs[] = {built.loss};
  LoadedGraph needed = parse_graph(graph_to_json(built.g, outputs));
  EXPECT_EQ(needed.graph->size(), 6);  // no constant c, no scalar input
  EXPECT_FALSE(needed.graph->try_find("scalar").has_value());
  LoadedGraph everything = parse_graph(graph_to_json(built.g, {}));
  EXPECT_EQ(everything.graph->size(), built.g.size());
  EXPECT_TRUE(everything.outputs.empty());
}

TEST(GraphFile, NodesMayComeInAnyOrder) {
  LoadedGraph loaded = parse_graph(R"({"dagrad": 1, "nodes": [
    {"name": "loss", "op": "l2", "inputs": ["p", "y"]},
    {"name": "p", "op": "softmax", "inputs": ["x"]},
    {"name": "y", "op": "constant", "shape": [3], "value": [0, 1, 0]},
    {"name": "x", "op": "parameter", "shape": [3], "value": [1, 2, 3]}
  ], "outputs": ["loss"]})");
  Graph& g = *loaded.graph;
  // Depth first from the first node listed, inputs in order.
  EXPECT_EQ(g.node(0).name(), "x");
  EXPECT_EQ(g.node(1).name(), "p");
  EXPECT_EQ(g.node(2).name(), "y");
  EXPECT_EQ(g.node(3).name(), "loss");
  double total = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  double p0 = std::exp(1.0) / total, p1 = std::exp(2.0) / total, p2 = std::exp(3.0) / total;
  EXPECT_NEAR(g.forward(loaded.outputs[0]).item(), p0 * p0 + (1 - p1) * (1 - p1) + p2 * p2, 1e-15);
}

// A user op with one attribute of every type, to check that attributes
// round-trip generically (core/ knows no particular op).
class AttributeHolder final : public Op {
 public:
  explicit AttributeHolder(const Attrs& attrs) : attrs_(attrs) {}
  std::string_view name() const override { return "graph_file_test_attributes"; }
  Attrs attrs() const override { return attrs_; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView output) override { output.copy_from(inputs[0]); }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView&, std::span<GradientSlot>) override {}

 private:
  Attrs attrs_;
};

TEST(GraphFile, AttributesOfEveryTypeRoundTrip) {
  if (!OpRegistry::global().contains("graph_file_test_attributes")) {
    OpRegistry::global().add<AttributeHolder>("graph_file_test_attributes");
  }
  Graph g;
  Attrs attrs{{"flag", true},
              {"count", std::int64_t{-3}},
              {"scale", 2.0},
              {"tiny", 1e-300},
              {"label", std::string("a \"b\"")},
              {"axes", std::vector<std::int64_t>{0, -1}},
              {"none", std::vector<std::int64_t>{}}};
  Expr out = g.apply("graph_file_test_attributes", {g.input("x", Tensor{1})}, attrs, "out");
  Expr outputs[] = {out};
  std::string text = graph_to_json(g, outputs);
  EXPECT_NE(text.find(R"("attrs": {"axes": [0, -1], "count": -3, "flag": true, "label": "a \"b\"", "none": [], )"
                      R"("scale": 2.0, "tiny": 1e-300})"),
            std::string::npos)
      << text;
  LoadedGraph loaded = parse_graph(text);
  EXPECT_EQ(loaded.outputs[0].graph().node(loaded.outputs[0].id()).op()->attrs(), attrs);
  EXPECT_EQ(graph_to_json(*loaded.graph, loaded.outputs), text);
}

TEST(GraphFile, WritesAtomicallyAndNamesTheFileWhenItCannot) {
  auto dir = temporary_directory("atomic");
  std::string path = (dir / "out.json").string();
  write_file_atomically(path, "first");
  write_file_atomically(path, "second");
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "second");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);

  std::string missing = (dir / "no such directory" / "out.json").string();
  EXPECT_EQ(error_message<FileError>([&] { write_file_atomically(missing, "x"); }),
            "cannot write \"" + missing + "\": cannot create a temporary file in \"" +
                (dir / "no such directory").string() + "\": No such file or directory");
  EXPECT_EQ(error_message<FileError>([&] { load_graph(missing); }),
            "cannot open \"" + missing + "\": No such file or directory");
}

// ---- malformed files: each gets its own message, naming the file ----

struct Malformed {
  const char* what;
  const char* text;
  const char* message;  // after "bad.json"
};

const Malformed malformed_files[] = {
    {"not JSON", "{\n  \"dagrad\": 1,\n  \"nodes\": [,]\n}",
     ":3:13: not valid JSON: syntax error while parsing value - unexpected ','; expected '[', '{', or a literal"},
    {"truncated JSON", "{\"dagrad\": 1,\n \"nodes\": [",
     ":2:12: not valid JSON: syntax error while parsing value - unexpected end of input; expected '[', '{', or a "
     "literal"},
    {"not an object", "[1, 2]", ": a graph file holds one JSON object, got a list"},
    {"no version", R"({"nodes": []})", ": missing \"dagrad\": 1 (the format version); is this a dagrad graph file?"},
    {"wrong version", R"({"dagrad": 2, "nodes": []})",
     ": format version 2 is not supported (this dagrad reads version 1)"},
    {"unknown top-level key", R"({"dagrad": 1, "nodes": [], "output": ["x"]})",
     ": unknown key \"output\" (a graph file has \"dagrad\", \"nodes\" and \"outputs\")"},
    {"unknown op", R"({"dagrad": 1, "nodes": [{"name": "s", "op": "sigmod", "inputs": []}]})",
     ": node \"s\" (nodes[0]): unknown op \"sigmod\" (known: input, parameter, constant, KNOWN_OPS)"},
    {"missing name", R"({"dagrad": 1, "nodes": [{"op": "input", "shape": [], "value": [1]}]})",
     ": nodes[0]: missing \"name\""},
    {"duplicate name",
     R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [], "value": [1]},
                                {"name": "x", "op": "constant", "shape": [], "value": [2]}]})",
     ": duplicate node name \"x\" (nodes[0] and nodes[1])"},
    {"input not defined", R"({"dagrad": 1, "nodes": [{"name": "s", "op": "sigmoid", "inputs": ["x"]}]})",
     ": node \"s\" (nodes[0]): input \"x\" is not the name of any node"},
    {"output not defined", R"({"dagrad": 1, "nodes": [], "outputs": ["loss"]})",
     ": output \"loss\" is not the name of any node"},
    {"cycle",
     R"({"dagrad": 1, "nodes": [{"name": "a", "op": "sigmoid", "inputs": ["c"]},
                                {"name": "b", "op": "sigmoid", "inputs": ["a"]},
                                {"name": "c", "op": "softmax", "inputs": ["b"]}]})",
     ": the graph has a cycle through node \"a\" (each node is an input of the next): \"a\" -> \"b\" -> \"c\" -> "
     "\"a\""},
    {"self loop", R"({"dagrad": 1, "nodes": [{"name": "a", "op": "sigmoid", "inputs": ["a"]}]})",
     ": the graph has a cycle through node \"a\" (each node is an input of the next): \"a\" -> \"a\""},
    {"value count", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [2, 3], "value": [1, 2]}]})",
     ": node \"x\" (nodes[0]): \"value\" holds 2 numbers but shape (2, 3) needs 6"},
    {"value not a number", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [2], "value": [1, "a"]}]})",
     ": node \"x\" (nodes[0]): value[1] must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got the string "
     "\"a\""},
    {"bad shape", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [2, -3], "value": []}]})",
     ": node \"x\" (nodes[0]): \"shape\" dimensions must be non-negative integers, got the number -3"},
    {"overflowing shape",
     R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [4294967296, 4294967296], "value": []}]})",
     ": node \"x\" (nodes[0]): \"shape\" [4294967296, 4294967296] has more elements than a tensor can hold"},
    {"leaf without value", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [1]}]})",
     ": node \"x\" (nodes[0]): missing \"value\""},
    {"shape on an op node", R"({"dagrad": 1, "nodes": [{"name": "s", "op": "sigmoid", "shape": [1]}]})",
     ": node \"s\" (nodes[0]): \"shape\" belongs to leaves (input, parameter, constant); an op node's shape is "
     "inferred from its inputs"},
    {"unknown node key", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [], "value": [1], "grad": 0}]})",
     ": node \"x\" (nodes[0]): unknown key \"grad\" (a node has name, op, dtype, shape, value, requires_grad, inputs, attrs)"},
    {"missing attribute", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [2], "value": [1, 2]},
                                                     {"name": "v", "op": "reshape", "inputs": ["x"]}]})",
     ": node \"v\" (nodes[1]): reshape: missing attribute \"shape\""},
    {"bad attribute", R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [2], "value": [1, 2]},
                          {"name": "v", "op": "reshape", "inputs": ["x"], "attrs": {"shape": [1, "a"]}}]})",
     ": node \"v\" (nodes[1]): attribute \"shape\" must be a list of integers, but it holds the string \"a\""},
    {"constant with requires_grad",
     R"({"dagrad": 1, "nodes": [{"name": "c", "op": "constant", "requires_grad": true, "shape": [], "value": [1]}]})",
     ": node \"c\" (nodes[0]): a constant never takes a gradient; make it an input or a parameter"},
};

std::string expected_message(const Malformed& file) {
  std::string message = std::string("bad.json") + file.message;
  auto at = message.find("KNOWN_OPS");
  if (at != std::string::npos) {
    message.replace(at, 9, fmt::format("{}", fmt::join(OpRegistry::global().names(), ", ")));
  }
  return message;
}

TEST(GraphFile, EveryMalformedFileGetsAFileErrorSayingWhatIsWrong) {
  for (const Malformed& file : malformed_files) {
    EXPECT_EQ(error_message<FileError>([&] { parse_graph(file.text, "bad.json"); }), expected_message(file))
        << file.what;
  }
}

TEST(GraphFile, ShapesThatDoNotFitAnOpGetTheCppApisMessage) {
  Graph g;
  std::string cpp_message = error_message<ShapeError>([&] {
    l2(g.input("yhat", Tensor(Shape{2, 3})), g.input("y", Tensor(Shape{3, 2})), "loss");
  });
  EXPECT_EQ(cpp_message, "l2 \"loss\": input shapes (2, 3) and (3, 2) differ");
  const char* file = R"({"dagrad": 1, "nodes": [
    {"name": "yhat", "op": "input", "shape": [2, 3], "value": [1, 2, 3, 4, 5, 6]},
    {"name": "y", "op": "input", "shape": [3, 2], "value": [1, 2, 3, 4, 5, 6]},
    {"name": "loss", "op": "l2", "inputs": ["yhat", "y"]}], "outputs": ["loss"]})";
  EXPECT_EQ(error_message<FileError>([&] { parse_graph(file, "bad.json"); }), "bad.json: " + cpp_message);
}

TEST(GraphFile, AVeryLongChainLoadsWithoutDeepRecursion) {
  // Listed last-first, so the loader's depth-first ordering walks 100000 deep.
  std::string text = R"({"dagrad": 1, "nodes": [)";
  const int length = 100000;
  for (int i = length; i >= 1; --i) text += fmt::format(R"({{"name": "s{}", "op": "sigmoid", "inputs": ["s{}"]}},)", i, i - 1);
  text += R"({"name": "s0", "op": "input", "shape": [], "value": [0]}], "outputs": ["s100000"]})";
  LoadedGraph loaded = parse_graph(text);
  EXPECT_EQ(loaded.graph->size(), length + 1);
  EXPECT_EQ(loaded.graph->node(0).name(), "s0");
  EXPECT_EQ(loaded.graph->node(length).name(), "s100000");
}

}  // namespace
}  // namespace dagrad

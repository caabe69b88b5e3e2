#include "dagrad/dot.hpp"

#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Node statements of canon DOT text ("\tn3\t[" or "\ts7\t[").
int drawn_nodes(const std::string& dot) {
  std::regex node(R"(\n\t+[ns]\d+\t+\[)");
  return int(std::distance(std::sregex_iterator(dot.begin(), dot.end(), node), std::sregex_iterator()));
}

// The course's pipeline with all three leaf kinds.
struct Course {
  Graph g;
  Expr x, w, y, loss;
  Course() {
    x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
    w = g.parameter("w", Tensor{{0.5, -1, 2}, {1, 1, 1}});
    y = g.constant(Tensor{{0, 0, 1}, {0, 1, 0}}, "y");
    Expr p = softmax(sigmoid(x, "s"), "p");
    loss = l2(p, normalize_rows(w, "wn"), "loss");
  }
};

TEST(Dot, NodesShowNameOpAndShapeWithLeavesStyledByKindAndTheOutputHighlighted) {
  Course c;
  Expr v = reshape(c.x, {-1, 1}, "v");
  DotOptions options;
  options.outputs = {c.loss, v};
  std::string dot = to_dot(c.g, options);
  EXPECT_NE(dot.find(R"#(label="x\ninput\n(2, 3)")#"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"#(label="s\nsigmoid\n(2, 3)")#"), std::string::npos);
  EXPECT_NE(dot.find(R"#(label="v\nreshape (-1, 1)\n(6, 1)")#"), std::string::npos);  // Op::label()
  EXPECT_NE(dot.find(R"#(label="loss\nl2\n()")#"), std::string::npos);
  EXPECT_NE(dot.find(R"#(fillcolor="#d6e9f8")#"), std::string::npos);                 // input
  EXPECT_NE(dot.find(R"#(style="filled,bold")#"), std::string::npos);                 // parameter
  EXPECT_EQ(count(dot, R"#(style="filled,dashed")#"), 0);  // the constant y is not needed by the outputs
  EXPECT_EQ(count(dot, "peripheries=2"), 2);              // both outputs
  EXPECT_EQ(drawn_nodes(dot), 7);                         // x, w, s, p, wn, loss, v
  EXPECT_EQ(count(dot, " -> "), 6);

  std::string whole = to_dot(c.g);  // no outputs: every node, the sinks highlighted
  EXPECT_NE(whole.find(R"#(style="filled,dashed")#"), std::string::npos);  // constant
  EXPECT_EQ(drawn_nodes(whole), 8);
}

TEST(Dot, NodesOfADtypeOtherThanFloat64ShowItAfterTheShape) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2}, std::vector<float>{1, 2}));
  Expr y = sigmoid(x, "s");
  Expr z = cast(y, DType::float64, "z");
  std::string dot = to_dot(g, DotOptions{.outputs = {z}});
  EXPECT_NE(dot.find(R"#(label="x\ninput\n(2,) float32")#"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"#(label="s\nsigmoid\n(2,) float32")#"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"#(label="z\ncast float64\n(2,)")#"), std::string::npos) << dot;  // float64 goes unsaid
}

TEST(Dot, ValuesAndGradientsInlineWhenSmallAndAsMinMeanMaxWhenLarge) {
  Graph g;
  Expr x = g.input("x", Tensor{0.5, -1}, true);
  Tensor big(Shape{3, 4});
  for (int i = 0; i < 12; ++i) big[i] = i;
  Expr b = g.constant(big, "big");
  Expr loss = l1(sigmoid(x, "s"), g.constant(Tensor{0, 0}, "zero"), "loss");
  Expr n = softmax(b, "n");
  g.forward(std::vector<Expr>{loss, n});
  g.backward(loss);
  DotOptions options;
  options.values = options.grads = true;
  std::string dot = to_dot(g, options);
  // sigmoid(0.5) = 0.6225 and sigmoid(-1) = 0.2689; dloss/dx = sign(s) s (1 - s) = 0.235, 0.1966.
  EXPECT_NE(dot.find(R"#(value [0.5, -1]\ngrad [0.235, 0.1966])#"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"#(label="big\nconstant\n(3, 4)\nvalue min 0 mean 5.5 max 11")#"), std::string::npos);
  EXPECT_NE(dot.find(R"#(\nvalue 0.8914\ngrad 1")#"), std::string::npos);  // the scalar loss
}

TEST(Dot, TheBackwardPassIsDrawnAsItsOwnEdgesWhereGradientsFlow) {
  Course c;
  DotOptions options;
  options.outputs = {c.loss};
  options.backward = true;
  std::string dot = to_dot(c.g, options);
  // x -> s -> p -> loss and w -> wn -> loss all carry gradients.
  EXPECT_EQ(count(dot, "dir=back"), 5) << dot;
  EXPECT_EQ(count(dot, "style=dashed"), 5);
  c.g.set_requires_grad(c.x, false);  // x's branch then needs no gradient
  EXPECT_EQ(count(to_dot(c.g, options), "dir=back"), 2);
}

TEST(Dot, ClustersFollowNamePrefixesAndNest) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2});
  Expr h;
  {
    auto scope = g.name_scope("layer1");
    h = sigmoid(x, "s");
    auto inner = g.name_scope("norm");
    h = normalize_rows(h, "n");
  }
  Expr out = softmax(h, "out");
  DotOptions options;
  options.outputs = {out};
  std::string dot = to_dot(g, options);
  EXPECT_NE(dot.find("subgraph cluster_layer1 {"), std::string::npos) << dot;
  EXPECT_NE(dot.find("subgraph \"cluster_layer1/norm\" {"), std::string::npos);
  EXPECT_NE(dot.find(R"#(label="n\nnormalize_rows)#"), std::string::npos);  // the prefix is the cluster's label
  options.cluster = false;
  std::string flat = to_dot(g, options);
  EXPECT_EQ(count(flat, "subgraph"), 0);
  EXPECT_NE(flat.find(R"#(label="layer1/norm/n\nnormalize_rows)#"), std::string::npos);
}

TEST(Dot, ALongChainCollapsesIntoOneSummaryNode) {
  Graph g;
  Expr h = g.input("x", Tensor{0.1, 0.2});
  for (int i = 0; i < 3000; ++i) h = sigmoid(h);
  Expr loss = l2(h, g.constant(Tensor{0, 0}, "zero"), "loss");
  DotOptions options;
  options.outputs = {loss};
  options.max_nodes = 20;
  std::string dot = to_dot(g, options);
  EXPECT_NE(dot.find("... 2998 sigmoid nodes ..."), std::string::npos) << dot;
  EXPECT_EQ(drawn_nodes(dot), 6);  // x, first sigmoid, summary, last sigmoid, zero, loss
  options.max_nodes = 0;
  EXPECT_EQ(drawn_nodes(to_dot(g, options)), 3003);
}

TEST(Dot, ManyClustersCollapseAndRunsOfCollapsedClustersBecomeOneNode) {
  // 300 blocks of 10 nodes: block_i/ holds a constant, a parameter and eight
  // ops: 3000 nodes, far from a single chain.
  Graph g;
  Expr h = g.input("x", Tensor{{0.1, 0.2}});
  for (int i = 0; i < 300; ++i) {
    auto scope = g.name_scope(fmt::format("block{:03d}", i));
    Expr a = sigmoid(h, "a");
    Expr b = softmax(h, "b");
    Expr target = g.constant(Tensor{{0.5, 0.5}}, "target");
    Expr w = g.parameter("w", Tensor{{1, 2}});
    Expr la = l2(a, target, "la"), lb = l1(b, target, "lb"), lw = l2(w, b, "lw");
    Expr r = reshape(la, {1, 1}, "r");
    Expr r2 = reshape(lb, {1, 1}, "r2");
    (void)r2, (void)lw, (void)r;
    h = normalize_rows(softmax(sigmoid(h, "c"), "d"), "e");
  }
  Expr loss = l2(h, g.constant(Tensor{{0, 1}}, "goal"), "loss");
  DotOptions options;
  options.max_nodes = 40;
  std::string dot = to_dot(g, options);
  int drawn = drawn_nodes(dot);
  EXPECT_LE(drawn, 40) << dot;
  EXPECT_GE(drawn, 10);
  EXPECT_NE(dot.find("clusters collapsed)"), std::string::npos) << dot;
  (void)loss;
}

TEST(Dot, GradcheckFailuresAreRedWithTheirErrorAndNonFiniteValuesAreMarked) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr x = g.input("x", Tensor{1, nan}, true);
  Expr s = sigmoid(x, "s");
  Expr loss = l2(s, g.constant(Tensor{0, 0}, "zero"), "loss");
  g.forward(loss);
  g.backward(loss);
  GradcheckReport report;
  report.output = "loss";
  NodeCheck failing;
  failing.node_id = s.id();
  failing.name = "s";
  failing.op = "sigmoid";
  failing.input_index = 0;
  failing.result.passed = false;
  failing.result.max_abs_error = 0.125;
  failing.result.max_rel_error = 0.5;
  report.nodes.push_back(failing);
  DotOptions options;
  options.values = true;
  options.gradcheck = &report;
  std::string dot = to_dot(g, options);
  EXPECT_NE(dot.find(R"#(backward FAILED for input 0: max abs error 0.125, rel 0.5")#"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"#(fillcolor="#ffd4d4")#"), std::string::npos);
  EXPECT_NE(dot.find(R"#(value [1, nan]\nNaN in value")#"), std::string::npos);
  EXPECT_EQ(count(dot, R"#(color="#ff8c00")#"), 3);  // x, s and loss hold NaN
}

TEST(Dot, RenderWritesEachFormatByItsExtensionAndRejectsOthers) {
  Course c;
  auto dir = std::filesystem::temp_directory_path() / "dagrad_dot_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto start_of = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(16, '\0');
    in.read(head.data(), 16);
    return head;
  };
  DotOptions options;
  options.outputs = {c.loss};
  render(c.g, (dir / "g.svg").string(), options);
  render(c.g, (dir / "g.png").string(), options);
  render(c.g, (dir / "g.pdf").string(), options);
  render(c.g, (dir / "g.dot").string(), options);
  EXPECT_EQ(start_of(dir / "g.svg").substr(0, 5), "<?xml");
  EXPECT_EQ(start_of(dir / "g.png").substr(1, 3), "PNG");
  EXPECT_EQ(start_of(dir / "g.pdf").substr(0, 5), "%PDF-");
  EXPECT_EQ(start_of(dir / "g.dot").substr(0, 14), "digraph dagrad");
  std::string gif = (dir / "g.gif").string();
  EXPECT_EQ(error_message([&] { render(c.g, gif, options); }),
            "cannot render \"" + gif + "\": unknown extension \".gif\" (use .dot, .svg, .png or .pdf)");
  EXPECT_FALSE(std::filesystem::exists(gif));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 4);
}

}  // namespace
}  // namespace dagrad

// The generated pages of include/dagrad/view.hpp, read as data (what the
// page's script receives); tests/browser/ opens them in a browser.
#include "dagrad/view.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

using Json = nlohmann::json;

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The text of the script element with this id attribute.
std::string script_text(const std::string& page, const std::string& id) {
  auto open = page.find("id=\"" + id + "\"");
  if (open == std::string::npos) return {};
  auto start = page.find('>', open) + 1;
  return page.substr(start, page.find("</script>", start) - start);
}

// The page's data as the script reads it ("<\/" is JSON for "</").
Json page_data(const std::string& page) { return Json::parse(script_text(page, "dagrad-data")); }

const Json& node_named(const Json& data, const std::string& name) {
  for (const Json& node : data["nodes"]) {
    if (node["name"] == name) return node;
  }
  throw std::runtime_error("no node " + name);
}

// x -> layer1/{W, matmul, norm/{scale, mul}, h} -> loss
struct Nested {
  Graph g;
  Expr x, h, scale, loss;
  Nested() {
    x = g.input("x", Tensor{{0.5, -1.25}, {2.0, 0.125}});
    {
      auto layer = g.name_scope("layer1");
      Expr w = g.parameter("W", Tensor{{0.3, -0.2}, {0.1, 0.4}});
      Expr z = matmul(x, w, "matmul");
      {
        auto norm = g.name_scope("norm");
        scale = g.parameter("scale", Tensor{{2.0, 0.5}});
        z = mul(z, scale, "mul");
      }
      h = tanh(z, "h");
    }
    loss = mean(square(h, "square"), "loss");
    g.forward(loss);
    g.backward(loss, {.retain_grads = true});
  }
};

TEST(View, EveryNodeCarriesItsWholeValueAndGradientBitForBit) {
  Nested net;
  Json data = page_data(to_html(net.g, {net.loss}));
  EXPECT_EQ(data["nodes"].size(), std::size_t(net.g.size()));
  const Json& h = node_named(data, "layer1/h");
  EXPECT_EQ(h["op"], "tanh");
  EXPECT_EQ(h["cluster"], "layer1");
  EXPECT_EQ(h["shape"], "(2, 2)");
  const TensorView& value = net.h.value();
  const TensorView& grad = net.g.node(net.h.id()).grad();
  ASSERT_EQ(h["value"]["data"].size(), 4u);
  for (std::int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(h["value"]["data"][std::size_t(i)].get<double>(), value[i]);
    EXPECT_EQ(h["grad"]["data"][std::size_t(i)].get<double>(), grad[i]);
  }
  // Inputs and consumers by node id.
  EXPECT_EQ(node_named(data, "layer1/norm/mul")["consumers"], Json::array({net.h.id()}));
  EXPECT_EQ(node_named(data, "loss")["output"], true);
}

TEST(View, OnlyTheNodesTheOutputsNeed) {
  Nested net;
  Json data = page_data(to_html(net.g, {net.h}));
  EXPECT_EQ(data["nodes"].size(), std::size_t(net.g.size() - 2));  // no square, no loss
}

TEST(View, EachClusterLevelHasItsOwnDrawingOutsideTheData) {
  Nested net;
  std::string page = to_html(net.g, {net.loss});
  Json data = page_data(page);
  ASSERT_EQ(data["clusters"].size(), 2u);
  EXPECT_EQ(data["clusters"][0]["path"], "layer1");
  EXPECT_EQ(data["clusters"][0]["parent"], "");
  EXPECT_EQ(data["clusters"][0]["size"], 5);  // W, matmul, h and norm's scale and mul
  EXPECT_EQ(data["clusters"][1]["path"], "layer1/norm");
  EXPECT_EQ(data["clusters"][1]["parent"], "layer1");
  // The top level: x, square, loss and layer1's box; none of layer1's nodes.
  std::string root = data["root"];
  EXPECT_NE(root.find("id=\"c0\""), std::string::npos);
  EXPECT_EQ(root.find(fmt::format("id=\"n{}\"", net.h.id())), std::string::npos);
  EXPECT_EQ(count(root, "class=\"node\""), 4);
  // layer1's drawing: its own nodes and the box of layer1/norm.
  std::string layer1 = script_text(page, "svg-c0");
  EXPECT_NE(layer1.find(fmt::format("id=\"n{}\"", net.h.id())), std::string::npos);
  EXPECT_EQ(layer1.find(fmt::format("id=\"n{}\"", net.scale.id())), std::string::npos);
  EXPECT_NE(layer1.find("id=\"c1\""), std::string::npos);
  EXPECT_EQ(count(layer1, "class=\"node\""), 4);  // W, matmul, h and norm's box
  std::string norm = script_text(page, "svg-c1");
  EXPECT_NE(norm.find(fmt::format("id=\"n{}\"", net.scale.id())), std::string::npos);
  EXPECT_EQ(count(norm, "class=\"node\""), 2);
}

TEST(View, SmallGraphsOpenExpandedLargeOnesCollapsed) {
  Nested net;
  EXPECT_EQ(page_data(to_html(net.g, {net.loss}))["open_expanded"], true);
  EXPECT_EQ(page_data(to_html(net.g, {net.loss}, {.open_expanded_up_to = 5}))["open_expanded"], false);
}

TEST(View, NanAndInfTravelAsStringsAndMarkTheirCluster) {
  Graph g;
  Expr x = g.input("x", Tensor{{-1.0, 0.0, 4.0}});
  Expr y;
  {
    auto scope = g.name_scope("block");
    y = log(x, "log");
  }
  g.forward(y);
  Json data = page_data(to_html(g, {y}));
  const Json& log_node = node_named(data, "block/log");
  EXPECT_EQ(log_node["value"]["data"][0], "NaN");
  EXPECT_EQ(log_node["value"]["data"][1], "-Infinity");
  EXPECT_EQ(log_node["value"]["data"][2].get<double>(), std::log(4.0));
  EXPECT_EQ(log_node["value"]["nan"], 1);
  EXPECT_EQ(log_node["value"]["inf"], 1);
  EXPECT_EQ(log_node["non_finite"], true);
  EXPECT_EQ(data["clusters"][0]["non_finite"], 1);
}

TEST(View, AFailedCheckIsListedOnItsNodeAndColoursItsCollapsedCluster) {
  Nested net;
  GradcheckReport report = gradcheck(net.g, net.loss, {net.scale});
  ASSERT_TRUE(report.passed());
  NodeCheck failing;
  failing.node_id = net.h.id();
  failing.name = "layer1/h";
  failing.op = "tanh";
  failing.input_shape = Shape{2, 2};
  failing.result.passed = false;
  failing.result.max_abs_error = 0.25;
  report.nodes.push_back(failing);
  std::string page = to_html(net.g, {net.loss}, {.gradcheck = &report});
  Json data = page_data(page);
  const Json& h = node_named(data, "layer1/h");
  ASSERT_EQ(h["failures"].size(), 1u);
  bool listed = false;
  for (const Json& check : h["checks"]) listed |= check["passed"] == false && check["max_abs_error"] == 0.25;
  EXPECT_TRUE(listed);
  EXPECT_EQ(data["clusters"][0]["failing"], 1);
  EXPECT_EQ(data["gradcheck"]["passed"], false);
  std::string root = data["root"];
  std::string box = root.substr(root.find("id=\"c0\""));
  box = box.substr(0, box.find("</g>"));
  EXPECT_NE(box.find("#d00000"), std::string::npos) << box;
  EXPECT_NE(box.find("1 failing gradient check"), std::string::npos) << box;
}

TEST(View, NoNameCanEndAScriptElementEarly) {
  Graph g;
  Expr x = g.input("a</script><b>", Tensor{1.0, 2.0});
  Expr y = exp(x, "c/</script>");
  g.forward(y);
  std::string page = to_html(g, {y}, {.title = "</script> & <title>"});
  EXPECT_EQ(count(page, "</script"), count(page, "<script"));
  Json data = page_data(page);
  EXPECT_EQ(data["nodes"][0]["name"], "a</script><b>");
  EXPECT_EQ(data["title"], "</script> & <title>");
  EXPECT_NE(page.find("<title>&lt;/script&gt; &amp; &lt;title&gt;</title>"), std::string::npos);
}

TEST(View, LargeTensorsCarryStatisticsAndAHistogram) {
  Graph g;
  std::vector<double> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = double(i) / 999.0;
  Expr x = g.input("x", Tensor(Shape{10, 100}, values));
  Expr y = square(x, "y");
  g.forward(y);
  Json value = node_named(page_data(to_html(g, {y})), "x")["value"];
  EXPECT_EQ(value["min"].get<double>(), 0.0);
  EXPECT_EQ(value["max"].get<double>(), 1.0);
  EXPECT_NEAR(value["mean"].get<double>(), 0.5, 1e-12);
  std::int64_t total = 0;
  for (const Json& bin : value["histogram"]) total += bin.get<std::int64_t>();
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(value["data"].size(), 1000u);  // embedded up to 4096 elements, shown behind a toggle
}

TEST(View, TensorsBeyondTheEmbeddingLimitsCarryOnlyStatistics) {
  Graph g;
  // 125 tensors of 4096 elements: 122 fit in the page's 500000 numbers.
  Expr x = g.input("x", Tensor(Shape{64, 64}, 0.25));
  Expr y = x;
  for (int i = 0; i < 124; ++i) y = neg(y);
  Expr big = g.input("big", Tensor(Shape{5000}, 1.0));
  g.forward(y);
  Json data = page_data(to_html(g, {y, big}));
  int embedded = 0;
  for (const Json& node : data["nodes"]) {
    if (node["name"] == "big") {
      EXPECT_FALSE(node["value"].contains("data"));  // over 4096 elements
      EXPECT_EQ(node["value"]["histogram"][0], 5000);
      continue;
    }
    if (node["value"].contains("data")) ++embedded;
    else EXPECT_TRUE(node["value"].contains("histogram")) << node["name"];
  }
  EXPECT_EQ(embedded, 122);
}

TEST(Plot, LineChartDrawsEachSeriesAndBreaksWhereAValueIsNotFinite) {
  LinePlot plot{"Loss", "epoch", "loss", {}};
  plot.series.push_back({"train", {1, 2, 3, 4, 5}, {1.0, 0.5, std::numeric_limits<double>::quiet_NaN(), 0.3, 0.2}, ""});
  plot.series.push_back({"test <held out>", {1, 2, 3, 4, 5}, {1.1, 0.6, 0.5, 0.4, 0.35}, "#ff0000"});
  std::string svg = to_svg(plot);
  EXPECT_EQ(count(svg, "<polyline"), 3);  // train in two pieces, test in one
  EXPECT_NE(svg.find("test &lt;held out&gt;"), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#ff0000\""), std::string::npos);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
}

TEST(Plot, SeriesOfUnequalLengthsAreAnError) {
  LinePlot plot{"Loss", "epoch", "loss", {{"train", {1, 2, 3}, {1.0, 0.5}, ""}}};
  try {
    to_svg(plot);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("series \"train\" has 3 x values and 2 y values"), std::string::npos)
        << e.what();
  }
}

TEST(Plot, DecisionBoundaryDrawsOneRectanglePerRunOfACellRow) {
  DecisionBoundaryPlot plot;
  plot.columns = 3;
  plot.rows = 2;
  plot.predicted_class = {0, 0, 1, 1, 1, 1};
  plot.point_x = {0.2, 0.8};
  plot.point_y = {0.3, 0.7};
  plot.point_class = {0, 1};
  std::string svg = to_svg(plot);
  EXPECT_EQ(count(svg, "fill=\"#d53e4f\"/>"), 1);  // class 0: one run in row 0
  EXPECT_EQ(count(svg, "fill=\"#3288bd\"/>"), 2);  // class 1: one run in each row
  EXPECT_EQ(count(svg, "<circle"), 2);
  plot.predicted_class.pop_back();
  EXPECT_THROW(to_svg(plot), Error);
}

TEST(Plot, TrainingReportPageHoldsItsSummaryAndCharts) {
  TrainingReport report;
  report.title = "run <1>";
  report.summary = {"train accuracy 0.9 & more"};
  report.plots.push_back({"Loss", "epoch", "loss", {{"train", {1, 2}, {0.7, 0.5}, ""}}});
  std::string page = to_html(report);
  EXPECT_NE(page.find("<h1>run &lt;1&gt;</h1>"), std::string::npos);
  EXPECT_NE(page.find("<li>train accuracy 0.9 &amp; more</li>"), std::string::npos);
  EXPECT_EQ(count(page, "<svg"), 1);
}

}  // namespace
}  // namespace dagrad

// The interactive views (include/dagrad/view.hpp) opened in headless
// Chromium: real clicks and key presses through the DevTools protocol, then
// what the page shows. Screenshots land in the build tree
// (tests/browser/screenshots/).
#include "dagrad/view.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include "chromium.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"
#include "dagrad/graph_file.hpp"

namespace dagrad {
namespace {

using browser::Chromium;
using browser::Json;
using browser::Page;

const std::filesystem::path output_dir = DAGRAD_BROWSER_OUTPUT_DIR;

// One browser for the whole suite: starting Chromium takes about a second.
class ViewInBrowser : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::filesystem::create_directories(output_dir / "screenshots");
    browser_ = std::make_unique<Chromium>(DAGRAD_CHROMIUM);
  }
  static void TearDownTestSuite() { browser_.reset(); }

  // Writes the page and opens it in a new 1280x800 tab.
  std::unique_ptr<Page> open(const std::string& html, const std::string& file_name) {
    std::filesystem::path path = output_dir / file_name;
    write_file_atomically(path.string(), html);
    auto page = std::make_unique<Page>(*browser_, 1280, 800);
    page->navigate("file://" + path.string());
    return page;
  }

  // The centre of an element in the viewport.
  static std::pair<double, double> centre_of(Page& page, const std::string& selector) {
    Json point = page.evaluate(
        fmt::format("(() => {{ const e = document.querySelector('{}'); if (!e) return null;"
                    " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
                    selector));
    if (point.is_null()) throw std::runtime_error("no element matches " + selector);
    return {point[0].get<double>(), point[1].get<double>()};
  }
  static void click(Page& page, const std::string& selector) {
    auto [x, y] = centre_of(page, selector);
    page.click(x, y);
  }
  static std::string node_shape(int id) { return fmt::format("#n{} > polygon, #n{} > path", id, id); }
  // Pairs of top-level boxes (nodes, collapsed clusters, opened frames) that overlap on screen.
  static int overlapping_boxes(Page& page) {
    return page
        .evaluate(R"((() => {
      const boxes = Array.from(document.querySelectorAll('#content > g.node, #content g.expanded > g.node, #content g.expanded > polygon.frame'))
        .map(e => ({ e, r: e.getBoundingClientRect() }));
      let count = 0;
      for (let i = 0; i < boxes.length; ++i) for (let j = i + 1; j < boxes.length; ++j) {
        const a = boxes[i], b = boxes[j];
        if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
        if (a.e.tagName === 'polygon' && a.e.parentNode.contains(b.e)) continue;
        if (b.e.tagName === 'polygon' && b.e.parentNode.contains(a.e)) continue;
        const ix = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const iy = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (ix > 1 && iy > 1) ++count;
      }
      return count; })())")
        .get<int>();
  }

  static std::unique_ptr<Chromium> browser_;
};
std::unique_ptr<Chromium> ViewInBrowser::browser_;

// A two-layer network in clusters "layer1/" and "layer2/", run forward and
// backward so that every node has a value and a gradient.
struct SmallNetwork {
  Graph graph;
  Expr x, hidden, w2, loss;
  SmallNetwork() {
    x = graph.input("x", Tensor(Shape{2, 3}, {0.5, -1.25, 2.0, 0.125, 3.5, -0.75}));
    {
      auto scope = graph.name_scope("layer1");
      Expr w = graph.parameter("W", Tensor(Shape{3, 2}, {0.3, -0.2, 0.15, 0.4, -0.35, 0.25}));
      Expr b = graph.parameter("b", Tensor(Shape{1, 2}, {0.1, -0.2}));
      hidden = tanh(add(matmul(x, w), b), "h");
    }
    {
      auto scope = graph.name_scope("layer2");
      w2 = graph.parameter("W", Tensor(Shape{2, 1}, {0.7, -0.45}));
      Expr out = matmul(hidden, w2, "out");
      loss = mean(square(out), "loss");
    }
    graph.forward(loss);
    graph.backward(loss, BackwardOptions{.retain_grads = true});
  }
};

TEST_F(ViewInBrowser, ClickingANodeShowsItsNameAndWholeValue) {
  SmallNetwork net;
  auto page = open(to_html(net.graph, {net.loss}, {.title = "small network"}), "small.html");
  click(*page, node_shape(net.hidden.id()));
  EXPECT_EQ(page->evaluate("document.querySelector('#panel h2').textContent"), "layer1/h");
  // Every element, as the shortest text that reads back as the same double.
  Json cells = page->evaluate(
      "Array.from(document.querySelectorAll('#panel table.tensor')[0].querySelectorAll('td')).map(td => "
      "td.textContent)");
  const TensorView& value = net.graph.node(net.hidden.id()).value();
  ASSERT_EQ(cells.size(), std::size_t(value.size()));
  for (std::int64_t i = 0; i < value.size(); ++i) {
    EXPECT_EQ(std::stod(cells[std::size_t(i)].get<std::string>()), value[i]) << "element " << i;
  }
  // The inputs are links: following one shows that node.
  const std::string& input = net.graph.node(net.graph.node(net.hidden.id()).inputs()[0]).name();
  click(*page, fmt::format("#panel a[data-node=\"{}\"]", input));
  EXPECT_EQ(page->evaluate("document.querySelector('#panel h2').textContent"), input);
  EXPECT_EQ(overlapping_boxes(*page), 0);
  page->screenshot((output_dir / "screenshots" / "small.png").string());
}

// Where every top-level node is drawn when the drawing is fitted to the
// window, rounded to a pixel.
std::string top_level_positions(Page& page) {
  return page
      .evaluate(
          R"(document.getElementById('fit').click(), JSON.stringify(Array.from(document.querySelectorAll('#content > g.node')).map(g => {
      const r = g.getBoundingClientRect(); return [g.id, Math.round(r.x), Math.round(r.y)]; }).sort()))")
      .get<std::string>();
}

TEST_F(ViewInBrowser, ACollapsedClusterOpensOnClickAndClosesFromItsFrame) {
  SmallNetwork net;
  auto page = open(to_html(net.graph, {net.loss}, {.open_expanded_up_to = 0}), "collapsed.html");
  std::string before = top_level_positions(*page);
  std::string hidden = fmt::format("#n{}", net.hidden.id());
  EXPECT_EQ(page->evaluate(fmt::format("document.querySelector('{}') === null", hidden)), true);
  std::string box =
      "(Array.from(document.querySelectorAll('#content g.node[id^=c]')).find(g => g.textContent.includes('layer1/')))";
  std::string box_id = page->evaluate(box + ".id");
  click(*page, "#" + box_id);
  EXPECT_EQ(page->evaluate("window.dagradView.opened.has('layer1')"), true);
  EXPECT_EQ(page->evaluate(fmt::format("document.querySelector('{}') !== null", hidden)), true);
  EXPECT_EQ(page->evaluate(fmt::format("document.getElementById('{}') === null", box_id)), true);
  EXPECT_EQ(overlapping_boxes(*page), 0);
  page->screenshot((output_dir / "screenshots" / "opened-cluster.png").string());
  click(*page, node_shape(net.hidden.id()));
  EXPECT_EQ(page->evaluate("document.querySelector('#panel h2').textContent"), "layer1/h");
  // The frame's label closes the cluster again: the box comes back.
  click(*page, "g.expanded > text.frame-label");
  EXPECT_EQ(page->evaluate("window.dagradView.opened.has('layer1')"), false);
  EXPECT_EQ(page->evaluate(fmt::format("document.getElementById('{}') !== null", box_id)), true);
  EXPECT_EQ(page->evaluate(fmt::format("document.querySelector('{}') === null", hidden)), true);
  EXPECT_EQ(overlapping_boxes(*page), 0);
  // Closing undoes opening: everything is back where it was.
  EXPECT_EQ(top_level_positions(*page), before);
}

TEST_F(ViewInBrowser, NestedClustersOpenInsideTheirParentAndCloseWithIt) {
  Graph graph;
  Expr x = graph.input("x", Tensor{{0.5, -1.0}, {2.0, 0.25}});
  Expr h, scale;
  for (const char* block : {"block1", "block2"}) {
    auto outer = graph.name_scope(block);
    Expr w = graph.parameter("W", Tensor{{0.3, -0.2}, {0.1, 0.4}});
    Expr z = matmul(x, w, "matmul");
    {
      auto inner = graph.name_scope("norm");
      scale = graph.parameter("scale", Tensor{{2.0, 0.5}});
      z = mul(z, scale, "mul");
    }
    x = h = tanh(z, "h");
  }
  Expr loss = mean(square(h), "loss");
  graph.forward(loss);
  auto page = open(to_html(graph, {loss}, {.open_expanded_up_to = 0}), "nested.html");
  std::string before = top_level_positions(*page);
  page->evaluate("document.getElementById('search').focus()");
  page->type_and_enter("block1/norm/scale");
  EXPECT_EQ(page->evaluate("[...window.dagradView.opened.keys()].sort().join(' ')"), "block1 block1/norm");
  EXPECT_EQ(overlapping_boxes(*page), 0);
  page->evaluate("window.dagradView.open('block2/norm')");
  EXPECT_EQ(page->evaluate("window.dagradView.opened.size"), 4);
  EXPECT_EQ(overlapping_boxes(*page), 0);
  page->screenshot((output_dir / "screenshots" / "nested.png").string());
  page->evaluate("window.dagradView.close('block1'); window.dagradView.close('block2')");
  EXPECT_EQ(page->evaluate("window.dagradView.opened.size"), 0);
  EXPECT_EQ(top_level_positions(*page), before);
}

TEST_F(ViewInBrowser, SearchOpensTheClusterAndCentresTheNode) {
  SmallNetwork net;
  auto page = open(to_html(net.graph, {net.loss}, {.open_expanded_up_to = 0}), "search.html");
  page->evaluate("document.getElementById('search').focus()");
  page->type_and_enter("layer2/W");
  EXPECT_EQ(page->evaluate("document.querySelector('#panel h2').textContent"), "layer2/W");
  EXPECT_EQ(page->evaluate("window.dagradView.opened.has('layer2')"), true);
  auto [x, y] = centre_of(*page, node_shape(net.w2.id()));
  auto [pane_x, pane_y] = centre_of(*page, "#pane");
  EXPECT_NEAR(x, pane_x, 2);
  EXPECT_NEAR(y, pane_y, 2);
  page->screenshot((output_dir / "screenshots" / "search.png").string());
}

TEST_F(ViewInBrowser, FailedGradientCheckIsRedAndListedInThePanel) {
  SmallNetwork net;
  GradcheckReport report = gradcheck(net.graph, net.loss, {net.w2});
  // The view shows what a report says; this one is made to fail at layer1/h.
  NodeCheck failing;
  failing.node_id = net.hidden.id();
  failing.name = "layer1/h";
  failing.op = "tanh";
  failing.input_shape = Shape{2, 2};
  failing.result.passed = false;
  failing.result.max_abs_error = 0.25;
  failing.result.max_rel_error = 0.5;
  failing.result.worst_index = {1, 0};
  report.nodes.push_back(failing);
  auto page = open(to_html(net.graph, {net.loss}, {.gradcheck = &report}), "gradcheck.html");
  EXPECT_EQ(
      page->evaluate(fmt::format("document.querySelector('{}').getAttribute('stroke')", node_shape(net.hidden.id()))),
      "#d00000");
  click(*page, node_shape(net.hidden.id()));
  std::string panel = page->evaluate("document.getElementById('panel').textContent");
  EXPECT_NE(panel.find("gradient check failed"), std::string::npos) << panel;
  EXPECT_NE(panel.find("FAILED"), std::string::npos) << panel;
  EXPECT_NE(panel.find("worst element [1, 0]"), std::string::npos) << panel;
  page->screenshot((output_dir / "screenshots" / "gradcheck.png").string());
}

// 500 residual layers h = tanh(h W + b) + h, each in its own cluster: 3003
// nodes, as tools/images/residual_graph.py generates for the README.
TEST_F(ViewInBrowser, ThreeThousandNodeGraphOpensCollapsedAndQuickly) {
  Graph graph;
  Expr h = graph.input("x", Tensor(Shape{2, 4}, 0.5));
  for (int layer = 1; layer <= 500; ++layer) {
    auto scope = graph.name_scope(fmt::format("layer{:03d}", layer));
    Expr w = graph.parameter("W", Tensor(Shape{4, 4}, 0.01 * (layer % 7)));
    Expr b = graph.parameter("b", Tensor(Shape{1, 4}, 0.0));
    h = add(tanh(add(matmul(h, w), b)), h, "residual");
  }
  Expr loss = mean(square(h), "loss");
  graph.forward(loss);
  graph.backward(loss, BackwardOptions{.retain_grads = true});
  ASSERT_GT(graph.size(), 3000);
  std::string html = to_html(graph, {loss});

  auto page = std::make_unique<Page>(*browser_, 1280, 800);
  std::filesystem::path path = output_dir / "residual-3000.html";
  write_file_atomically(path.string(), html);
  auto start = std::chrono::steady_clock::now();
  page->navigate("file://" + path.string());
  double loaded_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  double ready_ms = page->evaluate("window.dagradReadyMs").get<double>();
  std::printf(
      "3003-node view (%.1f MB): interactive %.0f ms after navigation started "
      "(page script done); load event after %.0f ms\n",
      double(html.size()) / 1e6, ready_ms, loaded_ms);
  // Opens collapsed: the top level only (500 layer boxes, x, square and loss).
  EXPECT_EQ(page->evaluate("document.querySelectorAll('#content g.node').length"), 500 + 3);  // x, square, loss
  // A measurement, not a benchmark: the bound only catches a view that hangs.
  EXPECT_LT(ready_ms, 10000);

  page->evaluate("document.getElementById('search').focus()");
  auto search_start = std::chrono::steady_clock::now();
  page->type_and_enter("layer250/residual");
  double search_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - search_start).count();
  std::printf("searching layer250/residual, opening its cluster and centring it: %.0f ms\n", search_ms);
  EXPECT_EQ(page->evaluate("document.querySelector('#panel h2').textContent"), "layer250/residual");
  EXPECT_EQ(page->evaluate("document.querySelectorAll('#content g.node').length"), 500 + 3 - 1 + 6);
  page->screenshot((output_dir / "screenshots" / "residual-3000.png").string());
}

}  // namespace
}  // namespace dagrad

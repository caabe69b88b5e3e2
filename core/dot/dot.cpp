// Static diagrams: the items a Plan (collapse.hpp) decides on, nested in
// clusters by name prefix, built and rendered through Graphviz (graphviz.hpp).
#include "dagrad/dot.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "dagrad/gradcheck.hpp"
#include "dagrad/graph_file.hpp"
#include "dot/collapse.hpp"
#include "dot/graphviz.hpp"
#include "io/io.hpp"

namespace dagrad {
namespace {

using namespace dot;

GraphHandle build_graph(const Graph& graph, const DotOptions& options) {
  Plan plan(graph, options);
  GraphHandle g = new_diagram();

  // Clusters by name prefix, nested ("a/b/x" sits in cluster "a/b" inside "a").
  std::map<std::string, Agraph_t*> clusters;
  auto parent_for = [&](const std::string& prefix) -> Agraph_t* {
    if (!options.cluster || prefix.empty()) return g.get();
    Agraph_t* parent = g.get();
    std::size_t start = 0;
    while (true) {
      std::size_t slash = prefix.find('/', start);
      std::string path = prefix.substr(0, slash);
      auto [it, inserted] = clusters.emplace(path, nullptr);
      if (inserted) {
        it->second = agsubg(parent, text("cluster_" + path), 1);
        set(it->second, "label", escape_label(path.substr(start)));
        set(it->second, "labeljust", "l");
        set(it->second, "style", "rounded,filled");
        set(it->second, "fillcolor", color::cluster_fill);
        set(it->second, "color", color::cluster_border);
      }
      parent = it->second;
      if (slash == std::string::npos) return parent;
      start = slash + 1;
    }
  };

  const auto& items = plan.items();
  std::vector<Agnode_t*> gv_nodes(items.size(), nullptr);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& item = items[i];
    if (!item.live) continue;
    std::vector<std::string> prefixes;
    for (int id : item.members) prefixes.push_back(prefix_of(graph.node(id).name()));
    std::string prefix = common_prefix(prefixes);
    // A collapsed cluster is drawn where the cluster itself would be.
    if (item.titles.size() == 1) prefix = prefix_of(item.titles[0]);
    Agraph_t* parent = parent_for(prefix);
    if (item.summary) {
      Agnode_t* n = agnode(parent, text(fmt::format("s{}", i)), 1);
      set(n, "label", summary_label(plan, item));
      style_summary(n);
      gv_nodes[i] = n;
    } else {
      int id = item.members[0];
      Agnode_t* n = agnode(parent, text(fmt::format("n{}", id)), 1);
      set(n, "label", node_label(plan, options, id, options.cluster));
      style_node(n, plan, id);
      gv_nodes[i] = n;
    }
  }

  // One edge per pair of items; the backward pass as dashed edges pointing
  // back at the input, along the same ranks.
  std::set<std::pair<int, int>> forward_edges, backward_edges;
  for (int id : plan.nodes()) {
    const Node& node = graph.node(id);
    auto inputs = node.inputs();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      int from = plan.item_of(inputs[i]), to = plan.item_of(id);
      if (from == to) continue;
      forward_edges.insert({from, to});
      if (options.backward && plan.needs_grad(inputs[i]) && node.op()->differentiable(int(i))) {
        backward_edges.insert({from, to});
      }
    }
  }
  for (auto [from, to] : forward_edges) {
    agedge(g.get(), gv_nodes[std::size_t(from)], gv_nodes[std::size_t(to)], nullptr, 1);
  }
  for (auto [from, to] : backward_edges) {
    // Anonymous edges: a non-strict graph keeps this one beside the forward edge.
    Agedge_t* e = agedge(g.get(), gv_nodes[std::size_t(from)], gv_nodes[std::size_t(to)], nullptr, 1);
    set(e, "dir", "back");
    set(e, "style", "dashed");
    set(e, "color", color::backward_edge);
  }
  return g;
}

}  // namespace

std::string to_dot(const Graph& graph, const DotOptions& options) {
  auto lock = graphviz_lock();
  GraphHandle g = build_graph(graph, options);
  GVC_t* gvc = context();
  // "canon" is the graph as built. gvc renders only laid-out graphs; "nop"
  // is the layout that does no work (no coordinates appear in canon text).
  // It complains that nodes have no positions (it needs none here), so its
  // messages are silenced, and it sets a zero bounding box, which is removed.
  agseterr(AGMAX);
  int status = gvLayout(gvc, g.get(), "nop");
  agseterr(AGERR);
  if (status != 0) throw Error("Graphviz could not prepare the diagram");
  set(g.get(), "bb", "");
  std::string result = render_data(gvc, g.get(), "canon");
  gvFreeLayout(gvc, g.get());
  return result;
}

void render(const Graph& graph, const std::string& path, const DotOptions& options) {
  auto dot = path.rfind('.');
  std::string extension = dot == std::string::npos || path.find('/', dot) != std::string::npos ? "" : path.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (extension != "dot" && extension != "gv" && extension != "svg" && extension != "png" && extension != "pdf") {
    throw Error(fmt::format("cannot render \"{}\": unknown extension \"{}\" (use .dot, .svg, .png or .pdf)", path,
                            extension.empty() ? "" : "." + extension));
  }
  if (extension == "dot" || extension == "gv") {
    io::write_file_atomically(path, to_dot(graph, options));
    return;
  }
  auto lock = graphviz_lock();
  GraphHandle g = build_graph(graph, options);
  GVC_t* gvc = context();
  std::string data = with_layout(gvc, g.get(), [&] { return render_data(gvc, g.get(), extension.c_str()); });
  io::write_file_atomically(path, data);
}

}  // namespace dagrad

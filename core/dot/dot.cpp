// Graph diagrams: the graph is built with Graphviz's cgraph (never as
// hand-written DOT text) and laid out and rendered with gvc.
//
// What is drawn is decided first, as a list of items: an item is one graph
// node, or a summary standing for many collapsed nodes. Collapsing to
// DotOptions::max_nodes goes in steps, each only as far as needed:
//  1. the inside of long chains (an item whose only non-leaf input is an
//     item that feeds nothing else), keeping each chain's first and last;
//  2. whole clusters (a name prefix such as "layer1/"), largest first;
//  3. chains again, now of collapsed clusters (layer2 ... layer499 of a deep
//     network become one summary between layer1 and layer500);
//  4. what is left, grouped by op, largest group first, then all of it.
// Then collapsed single clusters are opened again, smallest first, while
// they fit: the first and last layer of a deep network are shown in full.
// The outputs asked for, nodes failing a gradient check and nodes holding
// NaN or Inf are never collapsed: they are what a reader is looking for.
#include "dagrad/dot.hpp"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <set>

#include "dagrad/gradcheck.hpp"
#include "io/io.hpp"

namespace dagrad {
namespace {

// Tensors up to this many elements are shown in full; larger ones as min/mean/max.
constexpr std::int64_t inline_elements = 6;

namespace color {
constexpr const char* op_fill = "#ffffff";
constexpr const char* input_fill = "#d6e9f8";
constexpr const char* parameter_fill = "#d9f2d0";
constexpr const char* constant_fill = "#eeeeee";
constexpr const char* output_fill = "#fff2a8";
constexpr const char* summary_fill = "#f3f3f3";
constexpr const char* cluster_fill = "#f7f9fb";
constexpr const char* failing_fill = "#ffd4d4";
constexpr const char* failing_border = "#d00000";
constexpr const char* non_finite_border = "#ff8c00";
constexpr const char* backward_edge = "#c0392b";
}  // namespace color

// ---- text ----

std::string number(double v) {
  if (std::isnan(v)) return "nan";  // fmt would print a sign bit as "-nan"
  return fmt::format("{:.4g}", v);
}

struct NonFinite {
  std::int64_t nan = 0, inf = 0;
  bool any() const { return nan + inf > 0; }
};

NonFinite count_non_finite(const TensorView& t) {
  NonFinite count;
  for (double v : t) {
    if (std::isnan(v)) ++count.nan;
    else if (std::isinf(v)) ++count.inf;
  }
  return count;
}

// "[0.7311, 0.8808]" for small tensors, "min -1.2 mean 0.3 max 2.1" (over the
// finite elements, with NaN/Inf counts) for large ones.
std::string tensor_text(const TensorView& t) {
  if (t.size() <= inline_elements) {
    std::vector<std::string> items;
    for (double v : t) items.push_back(number(v));
    if (t.rank() == 0) return items[0];
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  double low = INFINITY, high = -INFINITY, sum = 0;
  std::int64_t finite = 0;
  for (double v : t) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
    sum += v;
    ++finite;
  }
  std::string text = finite == 0 ? std::string("no finite values")
                                 : fmt::format("min {} mean {} max {}", number(low), number(sum / double(finite)),
                                               number(high));
  NonFinite bad = count_non_finite(t);
  if (bad.any()) text += fmt::format(" ({} NaN, {} Inf)", bad.nan, bad.inf);
  return text;
}

// Graphviz reads backslash escapes in labels (\n, \l, ...): a backslash in a
// name must be doubled to show as itself.
std::string escape_label(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// "a/b/c" -> "a/b"; "c" -> "".
std::string prefix_of(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

std::string common_prefix(const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return {};
  std::string common = prefixes[0];
  for (const std::string& p : prefixes) {
    while (!common.empty() && !(p == common || p.starts_with(common + "/"))) common = prefix_of(common);
  }
  return common;
}

// ---- deciding what to draw ----

struct Item {
  std::vector<int> members;  // graph node ids, ascending
  bool summary = false;
  bool live = true;
  std::vector<std::string> titles;  // prefixes of the collapsed clusters inside
};

class Plan {
 public:
  Plan(const Graph& graph, const DotOptions& options) : graph_(graph), options_(options) {
    std::vector<int> output_ids;
    for (const Expr& output : options.outputs) {
      if (!output.valid() || &output.graph() != &graph) {
        throw Error("to_dot: an output is empty or belongs to another graph");
      }
      output_ids.push_back(output.id());
    }
    // Outputs named by the caller are never collapsed; without any, the
    // sinks are highlighted as outputs but may be collapsed.
    bool outputs_named = !output_ids.empty();
    if (output_ids.empty()) {
      nodes_.resize(std::size_t(graph.size()));
      std::iota(nodes_.begin(), nodes_.end(), 0);
      // With no outputs named, the sinks (nodes nothing consumes) are the outputs.
      std::vector<char> consumed(std::size_t(graph.size()), 0);
      for (int id : nodes_) {
        for (int input : graph.node(id).inputs()) consumed[std::size_t(input)] = 1;
      }
      for (int id : nodes_) {
        if (!consumed[std::size_t(id)] && !graph.node(id).is_leaf()) output_ids.push_back(id);
      }
    } else {
      nodes_ = graph.topological_order(output_ids);
    }
    is_output_.assign(std::size_t(graph.size()), 0);
    for (int id : output_ids) is_output_[std::size_t(id)] = 1;
    find_failures();
    pinned_.assign(std::size_t(graph.size()), 0);
    for (int id : nodes_) {
      pinned_[std::size_t(id)] = (outputs_named && is_output(id)) || failures_.count(id) != 0 || non_finite_value(id).any() ||
                                 non_finite_grad(id).any();
    }
    needs_grad_.assign(std::size_t(graph.size()), 0);
    for (int id : nodes_) {
      const Node& node = graph.node(id);
      if (node.is_leaf()) {
        needs_grad_[std::size_t(id)] = node.requires_grad();
        continue;
      }
      auto inputs = node.inputs();
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (needs_grad_[std::size_t(inputs[i])] && node.op()->differentiable(int(i))) needs_grad_[std::size_t(id)] = 1;
      }
    }
    item_of_.assign(std::size_t(graph.size()), -1);
    for (int id : nodes_) {
      item_of_[std::size_t(id)] = int(items_.size());
      items_.push_back(Item{{id}, false, true, {}});
    }
    live_ = int(items_.size());
    if (options.max_nodes > 0) {
      collapse_chains();
      collapse_clusters();
      collapse_chains();
      collapse_by_op();
      expand_single_clusters();
    }
  }

  const Graph& graph() const { return graph_; }
  const std::vector<int>& nodes() const { return nodes_; }
  const std::vector<Item>& items() const { return items_; }
  int item_of(int id) const { return item_of_[std::size_t(id)]; }
  bool is_output(int id) const { return is_output_[std::size_t(id)] != 0; }
  bool needs_grad(int id) const { return needs_grad_[std::size_t(id)] != 0; }
  const std::vector<std::string>& failures(int id) const {
    static const std::vector<std::string> none;
    auto it = failures_.find(id);
    return it == failures_.end() ? none : it->second;
  }
  NonFinite non_finite_value(int id) const {
    const Node& node = graph_.node(id);
    return (options_.values || options_.grads) && node.has_value() ? count_non_finite(node.value()) : NonFinite{};
  }
  NonFinite non_finite_grad(int id) const {
    const Node& node = graph_.node(id);
    return options_.grads && node.has_grad() ? count_non_finite(node.grad()) : NonFinite{};
  }

 private:
  // The gradient-check overlay: each failing node input (and leaf) with its error.
  void find_failures() {
    if (options_.gradcheck == nullptr) return;
    for (const NodeCheck& check : options_.gradcheck->nodes) {
      if (check.result.passed || check.node_id < 0 || check.node_id >= graph_.size()) continue;
      failures_[check.node_id].push_back(
          fmt::format("backward FAILED for input {}: max abs error {}, rel {}", check.input_index,
                      number(check.result.max_abs_error), number(check.result.max_rel_error)));
    }
    std::map<std::string_view, int> id_of_name;
    for (int id = 0; id < graph_.size(); ++id) id_of_name[graph_.node(id).name()] = id;
    for (const LeafCheck& check : options_.gradcheck->leaves) {
      auto it = id_of_name.find(check.name);
      if (check.result.passed || it == id_of_name.end()) continue;
      failures_[it->second].push_back(fmt::format("gradient FAILED: max abs error {}, rel {}",
                                                  number(check.result.max_abs_error),
                                                  number(check.result.max_rel_error)));
    }
  }

  bool pinned(int id) const { return pinned_[std::size_t(id)] != 0; }
  bool done() const { return live_ <= options_.max_nodes; }

  // Merges items into a new summary item; leaves that feed only the merged
  // nodes go with them.
  void merge(const std::vector<int>& item_indices, const std::string& title) {
    Item summary;
    summary.summary = true;
    if (!title.empty()) summary.titles.push_back(title);
    for (int index : item_indices) {
      Item& item = items_[std::size_t(index)];
      summary.members.insert(summary.members.end(), item.members.begin(), item.members.end());
      summary.titles.insert(summary.titles.end(), item.titles.begin(), item.titles.end());
      item.live = false;
      --live_;
    }
    int summary_index = int(items_.size());
    for (int id : summary.members) item_of_[std::size_t(id)] = summary_index;
    std::set<int> leaves;
    for (int id : summary.members) {
      for (int input : graph_.node(id).inputs()) {
        if (graph_.node(input).is_leaf() && !pinned(input) && item_of(input) != summary_index) leaves.insert(input);
      }
    }
    for (int leaf : leaves) {
      // Inputs are the graph's entry points: they stay in view.
      if (graph_.node(leaf).kind() == NodeKind::input) continue;
      bool only_here = std::all_of(consumers(leaf).begin(), consumers(leaf).end(),
                                   [&](int consumer) { return item_of(consumer) == summary_index; });
      Item& own = items_[std::size_t(item_of(leaf))];
      if (!only_here || own.summary) continue;
      own.live = false;
      --live_;
      summary.members.push_back(leaf);
      item_of_[std::size_t(leaf)] = summary_index;
    }
    std::sort(summary.members.begin(), summary.members.end());
    items_.push_back(std::move(summary));
    ++live_;
  }

  const std::vector<int>& consumers(int id) {
    if (consumers_.empty()) {
      consumers_.resize(std::size_t(graph_.size()));
      for (int node : nodes_) {
        for (int input : graph_.node(node).inputs()) {
          auto& list = consumers_[std::size_t(input)];
          if (list.empty() || list.back() != node) list.push_back(node);
        }
      }
    }
    return consumers_[std::size_t(id)];
  }

  bool collapsible(const Item& item) const { return item.live && (item.summary || !pinned(item.members[0])); }
  bool is_leaf_item(const Item& item) const { return !item.summary && graph_.node(item.members[0]).is_leaf(); }

  void collapse_chains() {
    if (done()) return;
    // Edges between live items, each pair once.
    std::vector<std::set<int>> producers(items_.size()), consumer_items(items_.size());
    for (int id : nodes_) {
      for (int input : graph_.node(id).inputs()) {
        int from = item_of(input), to = item_of(id);
        if (from == to) continue;
        consumer_items[std::size_t(from)].insert(to);
        if (!is_leaf_item(items_[std::size_t(from)])) producers[std::size_t(to)].insert(from);
      }
    }
    // previous[b] = a when a is b's only non-leaf input and b is a's only consumer.
    std::vector<int> previous(items_.size(), -1), next(items_.size(), -1);
    for (std::size_t b = 0; b < items_.size(); ++b) {
      if (!collapsible(items_[b]) || is_leaf_item(items_[b]) || producers[b].size() != 1) continue;
      int a = *producers[b].begin();
      if (!collapsible(items_[std::size_t(a)]) || consumer_items[std::size_t(a)].size() != 1) continue;
      previous[b] = a;
      next[std::size_t(a)] = int(b);
    }
    std::vector<std::vector<int>> chains;
    for (std::size_t start = 0; start < items_.size(); ++start) {
      if (previous[start] != -1 || next[start] == -1) continue;
      std::vector<int> chain;
      for (int at = int(start); at != -1; at = next[std::size_t(at)]) chain.push_back(at);
      if (chain.size() >= 4) chains.push_back(std::vector<int>(chain.begin() + 1, chain.end() - 1));
    }
    std::stable_sort(chains.begin(), chains.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& inside : chains) {
      if (done()) return;
      merge(inside, {});
    }
  }

  void collapse_clusters() {
    if (done()) return;
    // Items by top-level prefix ("layer1" for "layer1/W" and "layer1/a/b").
    std::map<std::string, std::vector<int>> clusters;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const Item& item = items_[i];
      if (!item.live || (!item.summary && pinned(item.members[0]))) continue;
      std::vector<std::string> prefixes;
      for (int id : item.members) prefixes.push_back(prefix_of(graph_.node(id).name()));
      std::string prefix = common_prefix(prefixes);
      if (prefix.empty()) continue;
      clusters[prefix.substr(0, prefix.find('/'))].push_back(int(i));
    }
    std::vector<std::pair<std::string, std::vector<int>>> ordered(clusters.begin(), clusters.end());
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
    for (auto& [prefix, indices] : ordered) {
      if (done()) return;
      if (indices.size() >= 2) merge(indices, prefix);
    }
  }

  void expand_single_clusters() {
    std::vector<int> candidates;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (items_[i].live && items_[i].titles.size() == 1) candidates.push_back(int(i));
    }
    std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) {
      return items_[std::size_t(a)].members.size() < items_[std::size_t(b)].members.size();
    });
    for (int index : candidates) {
      std::vector<int> members = items_[std::size_t(index)].members;
      if (live_ - 1 + int(members.size()) > options_.max_nodes) continue;
      items_[std::size_t(index)].live = false;
      --live_;
      for (int id : members) {
        item_of_[std::size_t(id)] = int(items_.size());
        items_.push_back(Item{{id}, false, true, {}});
        ++live_;
      }
    }
  }

  void collapse_by_op() {
    if (done()) return;
    std::map<std::string, std::vector<int>, std::less<>> groups;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const Item& item = items_[i];
      if (!item.live || item.summary || pinned(item.members[0])) continue;
      groups[std::string(graph_.node(item.members[0]).op_name())].push_back(int(i));
    }
    std::vector<std::vector<int>> ordered;
    for (auto& [op, indices] : groups) ordered.push_back(indices);
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& indices : ordered) {
      if (done()) return;
      if (indices.size() >= 2) merge(indices, {});
    }
    // Still too many: everything that may be collapsed goes into one summary.
    if (done()) return;
    std::vector<int> rest;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const Item& item = items_[i];
      if (item.live && (item.summary || !pinned(item.members[0]))) rest.push_back(int(i));
    }
    if (rest.size() >= 2) merge(rest, {});
  }

  const Graph& graph_;
  const DotOptions& options_;
  std::vector<int> nodes_;
  std::vector<char> is_output_, needs_grad_, pinned_;
  std::map<int, std::vector<std::string>> failures_;
  std::vector<Item> items_;
  std::vector<int> item_of_;
  std::vector<std::vector<int>> consumers_;
  int live_ = 0;
};

// ---- Graphviz ----

// cgraph takes char* for strings it only reads.
char* text(const std::string& s) { return const_cast<char*>(s.c_str()); }

void set(void* object, const std::string& name, const std::string& value) {
  agsafeset(object, text(name), text(value), text(""));
}

struct GraphCloser {
  void operator()(Agraph_t* g) const { agclose(g); }
};
using GraphHandle = std::unique_ptr<Agraph_t, GraphCloser>;


std::string node_label(const Plan& plan, const DotOptions& options, int id) {
  const Node& node = plan.graph().node(id);
  // Inside a cluster box the prefix is its label: "layer1/W" shows as "W".
  std::string name = options.cluster ? node.name().substr(node.name().rfind('/') + 1) : node.name();
  if (name.empty()) name = node.name();  // "a/" keeps its full name
  std::vector<std::string> lines{escape_label(name)};
  lines.push_back(escape_label(node.is_leaf() ? std::string(to_string(node.kind())) : node.op()->label()));
  lines.push_back(to_string(node.shape()));
  if (options.values && node.has_value()) lines.push_back("value " + tensor_text(node.value()));
  if (options.grads && node.has_grad()) lines.push_back("grad " + tensor_text(node.grad()));
  NonFinite value = plan.non_finite_value(id), grad = plan.non_finite_grad(id);
  if (value.any()) lines.push_back(value.nan ? "NaN in value" : "Inf in value");
  if (grad.any()) lines.push_back(grad.nan ? "NaN in grad" : "Inf in grad");
  for (const std::string& failure : plan.failures(id)) lines.push_back(failure);
  return fmt::format("{}", fmt::join(lines, "\\n"));
}

std::string summary_label(const Plan& plan, const Item& item) {
  std::map<std::string, std::int64_t> counts;
  for (int id : item.members) ++counts[std::string(plan.graph().node(id).op_name())];
  std::vector<std::pair<std::string, std::int64_t>> ordered(counts.begin(), counts.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> lines;
  if (item.titles.size() == 1) {
    lines.push_back(escape_label(item.titles[0]) + "/ (collapsed)");
  } else if (item.titles.size() > 1) {
    lines.push_back(fmt::format("{}/ ... {}/ ({} clusters collapsed)", escape_label(item.titles.front()),
                                escape_label(item.titles.back()), item.titles.size()));
  }
  if (ordered.size() == 1) {
    lines.push_back(fmt::format("... {} {} nodes ...", item.members.size(), ordered[0].first));
  } else {
    lines.push_back(fmt::format("... {} nodes ...", item.members.size()));
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < ordered.size() && i < 4; ++i) {
      parts.push_back(fmt::format("{} {}", ordered[i].second, ordered[i].first));
    }
    if (ordered.size() > 4) parts.push_back(fmt::format("{} more ops", ordered.size() - 4));
    lines.push_back(fmt::format("{}", fmt::join(parts, ", ")));
  }
  return fmt::format("{}", fmt::join(lines, "\\n"));
}

void style_node(Agnode_t* gv_node, const Plan& plan, int id) {
  const Node& node = plan.graph().node(id);
  std::string fill = color::op_fill, style = "rounded,filled";
  switch (node.kind()) {
    case NodeKind::input: fill = color::input_fill; style = "filled"; break;
    case NodeKind::parameter: fill = color::parameter_fill; style = "filled,bold"; break;
    case NodeKind::constant: fill = color::constant_fill; style = "filled,dashed"; break;
    case NodeKind::op: break;
  }
  if (plan.is_output(id)) {
    fill = color::output_fill;
    style += ",bold";
    set(gv_node, "peripheries", "2");
  }
  if (!plan.failures(id).empty()) {
    fill = color::failing_fill;
    set(gv_node, "color", color::failing_border);
    set(gv_node, "fontcolor", color::failing_border);
    set(gv_node, "penwidth", "2.5");
  }
  // NaN and Inf get an orange border even on a failing (red-filled) node.
  if (plan.non_finite_value(id).any() || plan.non_finite_grad(id).any()) {
    set(gv_node, "color", color::non_finite_border);
    set(gv_node, "penwidth", "3");
  }
  set(gv_node, "style", style);
  set(gv_node, "fillcolor", fill);
}

GraphHandle build_graph(const Graph& graph, const DotOptions& options) {
  Plan plan(graph, options);
  GraphHandle g(agopen(text("dagrad"), Agdirected, nullptr));
  set(g.get(), "rankdir", "TB");
  set(g.get(), "nodesep", "0.3");
  set(g.get(), "ranksep", "0.35");
  set(g.get(), "fontname", "Helvetica");
  set(g.get(), "fontsize", "11");
  agattr(g.get(), AGNODE, text("shape"), text("box"));
  agattr(g.get(), AGNODE, text("fontname"), text("Helvetica"));
  agattr(g.get(), AGNODE, text("fontsize"), text("10"));
  agattr(g.get(), AGNODE, text("margin"), text("0.12,0.05"));
  agattr(g.get(), AGEDGE, text("color"), text("#555555"));
  agattr(g.get(), AGEDGE, text("arrowsize"), text("0.7"));

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
        set(it->second, "color", "#9aa5b1");
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
      set(n, "style", "rounded,filled,dashed");
      set(n, "fillcolor", color::summary_fill);
      set(n, "fontcolor", "#444444");
      gv_nodes[i] = n;
    } else {
      int id = item.members[0];
      Agnode_t* n = agnode(parent, text(fmt::format("n{}", id)), 1);
      set(n, "label", node_label(plan, options, id));
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

std::string render_data(GVC_t* gvc, Agraph_t* g, const char* format) {
  char* data = nullptr;
  unsigned int length = 0;
  if (gvRenderData(gvc, g, format, &data, &length) != 0) {
    if (data != nullptr) gvFreeRenderData(data);
    throw Error(fmt::format("Graphviz could not render the diagram as {} (are graphviz's plugins installed?)", format));
  }
  std::string result(data, length);
  gvFreeRenderData(data);
  return result;
}

// One Graphviz context for the whole process, never freed. Graphviz 2.42's
// pango plugin keeps a pointer to the last font name it measured, which lives
// in the context's font cache: freeing a context and laying out in a new one
// reads freed memory (AddressSanitizer reports it in textspan_size). Graphviz
// is not thread-safe, so callers hold graphviz_lock().
GVC_t* context() {
  static GVC_t* gvc = [] {
    agseterr(AGERR);  // Graphviz's warnings are not the user's business; errors are
    return gvContext();
  }();
  if (gvc == nullptr) throw Error("Graphviz could not be initialised");
  return gvc;
}

std::unique_lock<std::mutex> graphviz_lock() {
  static std::mutex mutex;
  return std::unique_lock<std::mutex>(mutex);
}

// Lays the graph out with dot, runs `body`, and frees the layout.
template <class Body>
auto with_layout(GVC_t* gvc, Agraph_t* g, Body body) {
  if (gvLayout(gvc, g, "dot") != 0) throw Error("Graphviz could not lay out the diagram");
  struct Free {
    GVC_t* gvc;
    Agraph_t* g;
    ~Free() { gvFreeLayout(gvc, g); }
  } free_layout{gvc, g};
  return body();
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

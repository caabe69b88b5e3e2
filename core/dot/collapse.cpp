#include "dot/collapse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "dagrad/gradcheck.hpp"

namespace dagrad::dot {

Plan::Plan(const Graph& graph, const DotOptions& options) : graph_(graph), options_(options) {
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

void Plan::find_failures() {
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

void Plan::merge(const std::vector<int>& item_indices, const std::string& title) {
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

const std::vector<int>& Plan::consumers(int id) {
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

void Plan::collapse_chains() {
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

void Plan::collapse_clusters() {
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

void Plan::expand_single_clusters() {
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

void Plan::collapse_by_op() {
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

}  // namespace dagrad::dot

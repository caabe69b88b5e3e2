// What a diagram draws, decided before any Graphviz call: a list of items,
// each one graph node or a summary standing for many collapsed nodes.
//
// Collapsing to DotOptions::max_nodes goes in steps, each only as far as
// needed:
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
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dagrad/dot.hpp"
#include "dagrad/graph.hpp"
#include "dot/labels.hpp"

namespace dagrad::dot {

struct Item {
  std::vector<int> members;  // graph node ids, ascending
  bool summary = false;
  bool live = true;
  std::vector<std::string> titles;  // prefixes of the collapsed clusters inside
};

class Plan {
 public:
  Plan(const Graph& graph, const DotOptions& options);

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
  void find_failures();

  bool pinned(int id) const { return pinned_[std::size_t(id)] != 0; }
  bool done() const { return live_ <= options_.max_nodes; }

  // Merges items into a new summary item; leaves that feed only the merged
  // nodes go with them.
  void merge(const std::vector<int>& item_indices, const std::string& title);

  // Items consuming node `id` (computed once, on first use).
  const std::vector<int>& consumers(int id);

  bool collapsible(const Item& item) const { return item.live && (item.summary || !pinned(item.members[0])); }
  bool is_leaf_item(const Item& item) const { return !item.summary && graph_.node(item.members[0]).is_leaf(); }

  // The steps of collapsing, in the order the constructor runs them.
  void collapse_chains();
  void collapse_clusters();
  void collapse_by_op();
  void expand_single_clusters();

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

}  // namespace dagrad::dot

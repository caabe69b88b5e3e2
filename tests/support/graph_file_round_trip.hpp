// Saves a graph holding an op's node as a graph file (JSON text) and loads
// it back: the node comes back with the same op, attributes and value.
#pragma once

#include <vector>

#include <gtest/gtest.h>

#include "dagrad/graph_file.hpp"

namespace dagrad::testing_support {

inline void expect_graph_file_round_trip(Graph& graph, Expr node) {
  const Tensor value = Tensor::from(graph.forward(node));
  const std::vector<Expr> outputs{node};
  LoadedGraph loaded = parse_graph(graph_to_json(graph, outputs));
  ASSERT_EQ(loaded.outputs.size(), 1u);
  const Node& original = graph.node(node);
  const Node& reloaded = loaded.graph->node(loaded.outputs[0]);
  EXPECT_EQ(reloaded.op_name(), original.op_name());
  EXPECT_EQ(reloaded.op()->attrs(), original.op()->attrs());
  EXPECT_EQ(loaded.graph->forward(loaded.outputs[0]), value);
}

}  // namespace dagrad::testing_support

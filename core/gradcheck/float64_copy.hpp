// A float64 copy of a float32 graph (private to core/gradcheck), so that its
// gradients are checked where finite differences mean something: a float32
// value has about 7 digits, and a difference quotient of float32 values with
// a step of 1e-4 keeps about 3 of them.
#pragma once

#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad::gradcheck_internal {

// The part of `graph` that `output` depends on, cast to float64: each leaf
// converted (same kind, name and requires_grad), each op rebuilt from the
// registry by name and attributes under the same name, each cast node
// replaced by its input (in float64 there is nothing to convert). Throws
// Error naming the node when its op is not registered (a user op added
// with Graph::add_op only: register it to check a float32 graph).
struct Float64Copy {
  Graph graph;
  std::vector<int> id_of;  // original node id -> copy node id, -1 outside the copy
  Expr copy_of(Expr original) { return graph.expr(id_of[std::size_t(original.id())]); }
};
std::unique_ptr<Float64Copy> float64_copy(Graph& graph, Expr output);

// Whether any node `output` depends on is not float64.
bool needs_float64_copy(const Graph& graph, Expr output);

}  // namespace dagrad::gradcheck_internal

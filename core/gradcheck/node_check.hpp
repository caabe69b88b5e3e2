// One node's backward checked alone (private to core/gradcheck).
#pragma once

#include <span>
#include <vector>

#include "dagrad/gradcheck.hpp"

namespace dagrad::gradcheck_internal {

// Checks the backward of node `id` on the values the last forward run left:
// against finite differences of its own forward for each input in
// `inputs_to_check`, and against the op contract under every needed-mask
// and gradient mode. Appends one NodeCheck per input checked. Returns true
// when the backward broke the contract in a way that could corrupt the
// engine's memory (wrote outside a slot or into an unneeded one, or threw),
// so the caller must not run it inside the graph.
bool check_node(Graph& graph, int id, std::span<const int> inputs_to_check, const GradcheckOptions& options,
                Rng& rng, std::vector<NodeCheck>& checks);

}  // namespace dagrad::gradcheck_internal

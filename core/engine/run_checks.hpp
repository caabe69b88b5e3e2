// Checks the executor can run around a step: checked mode of the op
// contract, anomaly mode (non-finite values and gradients), and naming the
// node in errors ops throw at run time. Private to core/engine.
#pragma once

#include <span>

#include "dagrad/graph.hpp"

namespace dagrad {

// Rethrows `error` as the same kind of error, prefixed `op "node": `.
[[noreturn]] void rethrow_naming_node(const Error& error, const Node& node);

// Run one step against guarded, poisoned copies of its output (forward) or
// gradient slots (backward), verify them, then copy the results into place.
// Throws ContractError naming the op, the node and the slot.
void run_forward_checked(const Node& node, Op& op, std::span<const TensorView> inputs, const TensorView& output);
void run_backward_checked(const Graph& graph, const Node& node, Op& op, std::span<const TensorView> inputs,
                          const TensorView& output, const TensorView& output_grad, std::span<GradientSlot> slots);

// Anomaly mode: throw NonFiniteError when the step's output value, or a
// gradient it wrote, holds NaN or Inf.
void check_value_finite(const Node& node, std::span<const TensorView> inputs, const TensorView& output);
void check_gradients_finite(const Graph& graph, const Node& node, std::span<const GradientSlot> slots);

}  // namespace dagrad

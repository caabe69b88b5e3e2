// The plan of a fused forward + backward run (Graph::forward_backward; see
// fusion.cpp). Private to core/engine.
#pragma once

#include <cstdint>
#include <vector>

#include "executor.hpp"

namespace dagrad {

struct Executor::FusedPlan {
  int output = -1;
  BackwardOptions options;
  std::uint64_t shape_version = 0, grad_version = 0;
  int node_count = 0;
  // False when nothing fuses: the run is forward, then backward.
  bool fused = false;

  // Where a view points for the block of rows [r0, r0 + b): rows of a whole
  // tensor (`sliced`: a boundary node's value or gradient), or a block-sized
  // buffer of the plan's, or a scalar. The last block may be shorter (tail).
  struct BlockView {
    char* base = nullptr;
    std::int64_t row_bytes = 0;
    Shape block_shape, tail_shape;
    DType dtype = DType::float64;
    bool sliced = false;
    TensorView at(std::int64_t r0, bool tail) const {
      return TensorView(tail ? tail_shape : block_shape, sliced ? base + r0 * row_bytes : base, dtype);
    }
  };
  // One op of the fused chain. Its views are views[first_view ...]: inputs,
  // output, output gradient; its gradient slots slots[first_slot ...].
  struct Member {
    int id;
    Node* node;
    Op* op;
    std::size_t first_view, first_slot, input_count;
    bool runs_backward;  // some gradient reaches it
  };

  std::vector<int> prefix;      // boundary op nodes: a regular forward run computes them first
  int grad_boundary = -1;       // the one node outside the chain the chain sends a gradient to
  std::vector<Member> members;  // forward order; the loss is last
  std::vector<BlockView> view_places, slot_places;
  std::vector<TensorView> views;     // this block's, from view_places
  std::vector<GradientSlot> slots;   // this block's, grads from slot_places
  std::vector<Tensor> scratch;       // block-sized values and gradients of the chain's nodes
  Tensor loss_part;                  // the loss over one block
  Tensor boundary_grad;              // grad_boundary's gradient when it is an op node
  TensorView boundary_grad_view;     // its view, the seed of the backward run from there
  std::int64_t rows = 0, block_rows = 0;

  std::int64_t bytes() const {
    std::int64_t total = loss_part.storage_bytes() + boundary_grad.storage_bytes();
    for (const Tensor& t : scratch) total += t.storage_bytes();
    return total;
  }
};

}  // namespace dagrad

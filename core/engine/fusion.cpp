// Fusion: Graph::forward_backward from a scalar loss that is a sum over rows
// (an op answering Op::RowBlocks::sum_of_rows, as l2) runs the chain of
// row-block ops feeding it (sigmoid, normalize_rows, softmax, ...) a block of
// rows at a time: forward through the chain, then straight back, while the
// block is still in L1. Separate forward and backward passes write every
// intermediate value out and read it back, and write every intermediate
// gradient; the fused run reads the chain's inputs and writes one gradient.
//
// The chain is the loss plus, walking back from it, every op node whose
// consumers are all in the chain and whose op answers `rows` at its shapes.
// Its inputs from outside are its boundary. It fuses when exactly one
// boundary node gets a gradient from it (the activations feeding the chain,
// or a leaf), and every leaf asking for a gradient gets it through that
// node. That node's gradient is written row block by row block; when it is
// an op node, a regular backward run from it, seeded with that gradient,
// finishes the pass. Anything else runs as forward, then backward.
#include "fusion.hpp"

#include <algorithm>

#include "run_checks.hpp"

namespace dagrad {

namespace {
// Rows per block: about 4 KiB of the loss's first input. A whole 512-double
// row per block measured fastest on pipeline/512x512 (1, 4, 16 and 64 rows:
// 0.70, 0.74, 0.79, 0.91 ms in a hand-fused prototype); narrow rows are
// grouped so that per-block costs stay small.
constexpr std::int64_t block_bytes = 4096;
}  // namespace

Executor::FusedPlan& Executor::fused_plan(int output, const BackwardOptions& options) {
  for (auto it = fused_plans_.begin(); it != fused_plans_.end(); ++it) {
    FusedPlan& plan = **it;
    if (plan.output != output || plan.options.accumulate != options.accumulate) continue;
    if (plan.shape_version == graph_.shape_version_ && plan.grad_version == graph_.grad_version_ &&
        plan.node_count == graph_.size()) {
      return plan;
    }
    fused_plans_.erase(it);  // stale: rebuilt below
    break;
  }
  auto plan = std::make_unique<FusedPlan>();
  plan->output = output;
  plan->options = options;
  plan->shape_version = graph_.shape_version_;
  plan->grad_version = graph_.grad_version_;
  plan->node_count = graph_.size();
  build_fused_plan(*plan);
  fused_plans_.push_back(std::move(plan));
  return *fused_plans_.back();
}

void Executor::build_fused_plan(FusedPlan& plan) {
  auto& nodes = graph_.nodes_;
  auto node_at = [&](int id) -> Node& { return *nodes[std::size_t(id)]; };
  int outputs[] = {plan.output};
  const std::vector<int> order = graph_.topological_order(outputs);
  infer_shapes(order);
  std::vector<Shape> shapes;
  auto row_blocks = [&](const Node& node) {
    shapes.clear();
    for (int input : node.inputs_) shapes.push_back(node_at(input).shape_);
    return node.op_->row_blocks(shapes);
  };

  Node& loss = node_at(plan.output);
  if (loss.is_leaf() || loss.shape_.elements() != 1 || row_blocks(loss) != Op::RowBlocks::sum_of_rows) return;
  const Shape& loss_input = node_at(loss.inputs_[0]).shape_;
  if (loss_input.rank() == 0 || loss_input[0] == 0 || loss_input.elements() == 0) return;
  const std::int64_t rows = loss_input[0];

  // The chain: consumers come before their inputs in reverse order, so each
  // node's consumers are all counted when its turn comes.
  std::vector<int> consumers(nodes.size(), 0), chain_consumers(nodes.size(), 0);
  for (int id : order) {
    for (int input : node_at(id).inputs_) ++consumers[std::size_t(input)];
  }
  std::vector<char> in_chain(nodes.size(), 0);
  in_chain[std::size_t(plan.output)] = 1;
  for (int input : loss.inputs_) ++chain_consumers[std::size_t(input)];
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const int id = *it;
    const Node& node = node_at(id);
    if (id == plan.output || node.is_leaf() || consumers[std::size_t(id)] == 0 ||
        chain_consumers[std::size_t(id)] != consumers[std::size_t(id)] || node.op_->output_views_input() ||
        node.shape_.rank() == 0 || node.shape_[0] != rows || node.shape_.elements() == 0 ||
        row_blocks(node) != Op::RowBlocks::rows) {
      continue;
    }
    in_chain[std::size_t(id)] = 1;
    for (int input : node.inputs_) ++chain_consumers[std::size_t(input)];
  }

  // The boundary, and the one node on it that gets a gradient.
  const std::vector<char> needs = gradient_needs(order);
  std::vector<char> on_boundary(nodes.size(), 0);
  int grad_boundary = -1;
  for (int id : order) {
    if (!in_chain[std::size_t(id)]) continue;
    const Node& node = node_at(id);
    for (std::size_t i = 0; i < node.inputs_.size(); ++i) {
      const int input = node.inputs_[i];
      if (in_chain[std::size_t(input)]) continue;
      on_boundary[std::size_t(input)] = 1;
      if (!needs[std::size_t(input)] || !node.op_->differentiable(int(i))) continue;
      if (grad_boundary >= 0 && grad_boundary != input) return;  // two: not fused
      grad_boundary = input;
    }
  }
  if (grad_boundary < 0) return;
  Node& boundary = node_at(grad_boundary);
  std::vector<char> behind(nodes.size(), 0);
  int boundary_ids[] = {grad_boundary};
  for (int id : graph_.topological_order(boundary_ids)) behind[std::size_t(id)] = 1;
  for (int id : order) {
    const Node& node = node_at(id);
    if (node.is_leaf() && node.requires_grad_ && !behind[std::size_t(id)]) return;
  }

  plan.fused = true;
  plan.rows = rows;
  const std::int64_t loss_row_bytes = loss_input.elements() / rows * std::int64_t(size_of(loss.dtype_));
  plan.block_rows = std::clamp<std::int64_t>(block_bytes / std::max<std::int64_t>(loss_row_bytes, 1), 1, rows);
  const bool has_tail = rows % plan.block_rows != 0;
  for (int id : order) {
    if (on_boundary[std::size_t(id)] && !node_at(id).is_leaf()) plan.prefix.push_back(id);
  }
  plan.grad_boundary = grad_boundary;
  // The prefix's buffers, sized now so that the views below can point at
  // them; they move only when a leaf's shape does, which rebuilds this plan.
  if (!plan.prefix.empty()) prepare(forward_plan(plan.prefix, true));

  // Places of whole tensors (sliced by rows) and of block-sized scratch.
  auto rows_of = [&](const TensorView& whole) {
    FusedPlan::BlockView place;
    place.base = static_cast<char*>(whole.raw());
    place.row_bytes = std::int64_t(whole.bytes()) / rows;
    place.block_shape = whole.shape().with_dim(0, plan.block_rows);
    place.tail_shape = has_tail ? whole.shape().with_dim(0, rows % plan.block_rows) : place.block_shape;
    place.dtype = whole.dtype();
    place.sliced = true;
    return place;
  };
  auto block_of = [&](const Node& node) {
    FusedPlan::BlockView place = rows_of(TensorView(node.shape_, static_cast<void*>(nullptr), node.dtype_));
    plan.scratch.emplace_back(Shape{place.block_shape.elements()}, node.dtype_);
    place.base = static_cast<char*>(plan.scratch.back().view().raw());
    place.sliced = false;
    return place;
  };
  auto scalar_at = [](const TensorView& scalar) {
    FusedPlan::BlockView place;
    place.base = static_cast<char*>(scalar.raw());
    place.block_shape = place.tail_shape = scalar.shape();
    place.dtype = scalar.dtype();
    return place;
  };
  // Scratch tensors must not move once pointed at.
  plan.scratch.reserve(2 * order.size());
  std::vector<FusedPlan::BlockView> value_place(nodes.size()), grad_place(nodes.size());
  if (boundary.is_leaf()) {
    boundary.grad_.resize(boundary.shape_, boundary.dtype_);
    grad_place[std::size_t(grad_boundary)] = rows_of(boundary.grad_.view());
  } else {
    plan.boundary_grad = Tensor(boundary.shape_, boundary.dtype_);
    plan.boundary_grad_view = plan.boundary_grad.view();
    grad_place[std::size_t(grad_boundary)] = rows_of(plan.boundary_grad_view);
  }
  loss.value_.resize(loss.shape_, loss.dtype_);
  loss.grad_.resize(loss.shape_, loss.dtype_);
  plan.loss_part = Tensor(loss.shape_, loss.dtype_);
  value_place[std::size_t(plan.output)] = scalar_at(plan.loss_part.view());
  grad_place[std::size_t(plan.output)] = scalar_at(loss.grad_.view());

  // Members in forward order, with their value views.
  std::size_t slot_count = 0;
  for (int id : order) {
    if (!in_chain[std::size_t(id)]) continue;
    Node& node = node_at(id);
    if (id != plan.output) {
      value_place[std::size_t(id)] = block_of(node);
      if (needs[std::size_t(id)]) grad_place[std::size_t(id)] = block_of(node);
    }
    plan.members.push_back({id, &node, node.op_.get(), plan.view_places.size(), slot_count, node.inputs_.size(), false});
    for (int input : node.inputs_) {
      plan.view_places.push_back(in_chain[std::size_t(input)] ? value_place[std::size_t(input)]
                                                              : rows_of(kept_value(input)));
    }
    plan.view_places.push_back(value_place[std::size_t(id)]);
    plan.view_places.push_back(grad_place[std::size_t(id)]);
    slot_count += node.inputs_.size();
  }
  // Gradient slots in backward order: the first write to a gradient assigns
  // (the boundary leaf's adds when accumulating), later ones add.
  plan.slot_places.resize(slot_count);
  plan.slots.resize(slot_count);
  std::vector<char> written(nodes.size(), 0);
  written[std::size_t(plan.output)] = 1;
  for (auto it = plan.members.rbegin(); it != plan.members.rend(); ++it) {
    const Node& node = *it->node;
    const int id = it->id;
    it->runs_backward = needs[std::size_t(id)] && written[std::size_t(id)];
    for (std::size_t i = 0; i < it->input_count; ++i) {
      const int input = node.inputs_[i];
      const std::size_t k = it->first_slot + i;
      const bool reaches = in_chain[std::size_t(input)] ? bool(needs[std::size_t(input)]) : input == grad_boundary;
      GradientSlot& slot = plan.slots[k];
      slot.needed = it->runs_backward && reaches && node.op_->differentiable(int(i));
      if (!slot.needed) {
        plan.slot_places[k] = plan.view_places[it->first_view + i];
        plan.slot_places[k].base = nullptr;
        plan.slot_places[k].sliced = false;
        continue;
      }
      plan.slot_places[k] = grad_place[std::size_t(input)];
      slot.accumulate = written[std::size_t(input)] || (input == grad_boundary && boundary.is_leaf() &&
                                                          plan.options.accumulate);
      written[std::size_t(input)] = 1;
    }
  }
  plan.views.resize(plan.view_places.size());
}

void Executor::forward_backward(Expr output, const BackwardOptions& options) {
  graph_.check_expr(output, "forward_backward");
  const int id = output.id();
  Node& loss = *graph_.nodes_[std::size_t(id)];
  // Checked and anomaly runs check every node's own value and gradient, and
  // retained gradients are every node's: those runs keep the unfused steps.
  FusedPlan* plan = nullptr;
  if (!graph_.checked_ && !options.check_finite && !options.retain_grads && loss.shape_.elements() == 1) {
    plan = &fused_plan(id, options);
  }
  if (plan == nullptr || !plan->fused) {
    int ids[] = {id};
    forward_ids(ids, ForwardOptions{});
    backward_ids(id, nullptr, options);
    return;
  }

  last_full_forward_ = nullptr;
  if (!plan->prefix.empty()) forward_ids(plan->prefix, ForwardOptions{});
  Node& boundary = *graph_.nodes_[std::size_t(plan->grad_boundary)];
  const bool boundary_is_leaf = boundary.is_leaf();
  if (boundary_is_leaf) {
    if (!options.accumulate) ++graph_.grad_generation_;
    if (graph_.grad_generation_ == 0) graph_.grad_generation_ = 1;
  }
  loss.grad_.fill(1.0);

  double total = 0;
  TensorView* views = plan->views.data();
  GradientSlot* slots = plan->slots.data();
  for (std::int64_t r0 = 0; r0 < plan->rows; r0 += plan->block_rows) {
    // Scratch views change only for the tail block; rows of whole tensors
    // move on with every block.
    const bool tail = plan->rows - r0 < plan->block_rows;
    const bool reshape = r0 == 0 || tail;
    for (std::size_t k = 0; k < plan->views.size(); ++k) {
      if (reshape || plan->view_places[k].sliced) views[k] = plan->view_places[k].at(r0, tail);
    }
    for (std::size_t k = 0; k < plan->slots.size(); ++k) {
      if (reshape || plan->slot_places[k].sliced) slots[k].grad = plan->slot_places[k].at(r0, tail);
    }
    for (const auto& member : plan->members) {
      try {
        member.op->forward(std::span<const TensorView>(views + member.first_view, member.input_count),
                           views[member.first_view + member.input_count]);
      } catch (const Error& e) {
        rethrow_naming_node(e, *member.node);
      }
    }
    total += plan->loss_part.view().get(0);
    for (auto it = plan->members.rbegin(); it != plan->members.rend(); ++it) {
      if (!it->runs_backward) continue;
      const TensorView* values = views + it->first_view;
      try {
        it->op->backward(std::span<const TensorView>(values, it->input_count), values[it->input_count],
                         values[it->input_count + 1], std::span<GradientSlot>(slots + it->first_slot, it->input_count));
      } catch (const Error& e) {
        rethrow_naming_node(e, *it->node);
      }
    }
  }

  // The chain's nodes keep no value; the loss keeps its value and gradient.
  for (const auto& member : plan->members) member.node->has_value_ = false;
  loss.value_.fill(total);
  loss.aliased_ = false;
  loss.value_epoch_ = graph_.epoch_;
  loss.has_value_ = true;
  if (!boundary_is_leaf) backward_ids(plan->grad_boundary, &plan->boundary_grad_view, options);
  loss.grad_generation_ = graph_.grad_generation_;
  if (boundary_is_leaf) boundary.grad_generation_ = graph_.grad_generation_;
}

const TensorView& Graph::forward_backward(Expr output, const BackwardOptions& options) {
  executor_->forward_backward(output, options);
  return nodes_[std::size_t(output.id())]->current_value();
}

}  // namespace dagrad

// Plans and runs of a graph.
//
// A plan is built once per set of outputs and cached. It holds a flat list
// of steps (op, input views, output view) with every buffer allocated, so a
// warm run allocates nothing. A plan owns every view it uses: views into
// nodes' own storage (kept values and gradients) or into its own pool
// (intermediates it does not keep), and the seed of a backward run. Node
// storage is sized by shape alone and re-sized only when a leaf's shape
// changes, which rebuilds every plan (shape_version), so no plan ever holds
// a view another plan moved.
#include "executor.hpp"
#include "fusion.hpp"

#include <algorithm>
#include <optional>

#include "run_checks.hpp"

namespace dagrad {

namespace {
// Buffers re-used by nodes whose lifetimes do not overlap, handed out by
// exact size.
class BufferPool {
 public:
  int acquire(const Shape& shape, DType dtype) {
    for (std::size_t i = 0; i < buffers_.size(); ++i) {
      if (free_[i] && buffers_[i].size() == shape.elements() && buffers_[i].dtype() == dtype) {
        free_[i] = false;
        return int(i);
      }
    }
    buffers_.emplace_back(Shape{shape.elements()}, dtype);
    free_.push_back(false);
    return int(buffers_.size() - 1);
  }
  void release(int buffer) { free_[std::size_t(buffer)] = true; }
  TensorView view(int buffer, const Shape& shape) const {
    return TensorView(shape, buffers_[std::size_t(buffer)].view().raw(), buffers_[std::size_t(buffer)].dtype());
  }
  std::int64_t bytes() const {
    std::int64_t total = 0;
    for (const auto& b : buffers_) total += b.storage_bytes();
    return total;
  }

 private:
  std::vector<Tensor> buffers_;
  std::vector<bool> free_;
};

// One op call. Its views live in the plan's flat `views` array:
// `input_count` input views, then the output view. Steps and views are
// stored in run order, so a run streams through memory instead of chasing
// pointers into nodes (at 1000 tiny nodes that is most of the cost).
struct Step {
  Node* node;
  Op* op;
  std::size_t first_view;
  std::size_t input_count;
  bool views_input = false;  // a zero-copy step: its output view is its input's buffer; nothing runs
};

// Zero-copy ops (Op::output_views_input): `input`'s buffer in the node's shape.
TensorView viewed_as(const TensorView& input, const Node& node) {
  return TensorView(node.shape(), input.raw(), input.dtype());
}
}  // namespace

struct Executor::ForwardPlan {
  std::vector<int> outputs;
  bool keep_intermediates = true;
  std::vector<int> order;  // every node the outputs need, leaves included
  std::vector<Step> steps;
  std::vector<TensorView> views;  // see Step
  std::uint64_t shape_version = 0;
  BufferPool pool;                // inference plans: intermediates not kept
  std::vector<Node*> transient;   // nodes whose value does not survive the run
};

struct Executor::BackwardPlan {
  int output = -1;
  BackwardOptions options;
  std::uint64_t shape_version = 0, grad_version = 0;
  int node_count = 0;
  // One op's backward call: its input and output values are
  // views[first_view ...] (as in Step), its gradient slots
  // slots[first_slot ...], one per input; all in run order.
  struct GradStep {
    Node* node;
    Op* op;
    std::size_t first_view;
    std::size_t first_slot;
    std::size_t input_count;
    TensorView output_grad;
  };
  std::vector<GradStep> steps;
  std::vector<TensorView> views;
  std::vector<GradientSlot> slots;
  // The output's gradient: in the output's own storage (leaves, scalars and
  // retain_grads: the seed is copied there), or the caller's seed read in
  // place by the output's own step (seed_step), as PyTorch keeps no
  // gradient for a non-leaf.
  bool output_grad_owned = true;
  TensorView output_grad;
  std::ptrdiff_t seed_step = -1;
  std::vector<Node*> zero_fill;  // leaves needing a gradient that no step writes
  std::vector<Node*> kept;       // nodes whose gradient is readable after the run
  BufferPool pool;
};

Executor::Executor(Graph& graph) : graph_(graph) {}
Executor::~Executor() = default;

void Executor::add_memory(MemoryStats& stats) const {
  for (const auto& plan : forward_plans_) {
    stats.workspace_bytes += plan->pool.bytes();
    stats.node_bytes += std::int64_t(plan->steps.capacity() * sizeof(Step) +
                                     plan->views.capacity() * sizeof(TensorView) +
                                     plan->order.capacity() * sizeof(int));
  }
  for (const auto& plan : fused_plans_) stats.workspace_bytes += plan->bytes();
  for (const auto& plan : backward_plans_) {
    stats.workspace_bytes += plan->pool.bytes();
    stats.node_bytes += std::int64_t(plan->steps.capacity() * sizeof(BackwardPlan::GradStep) +
                                     plan->views.capacity() * sizeof(TensorView) +
                                     plan->slots.capacity() * sizeof(GradientSlot));
  }
}

// ---- forward ----

Executor::ForwardPlan& Executor::forward_plan(std::span<const int> outputs, bool keep_intermediates) {
  for (auto& plan : forward_plans_) {
    if (plan->keep_intermediates == keep_intermediates &&
        std::equal(plan->outputs.begin(), plan->outputs.end(), outputs.begin(), outputs.end())) {
      return *plan;
    }
  }
  auto plan = std::make_unique<ForwardPlan>();
  plan->outputs.assign(outputs.begin(), outputs.end());
  plan->keep_intermediates = keep_intermediates;
  plan->order = graph_.topological_order(outputs);
  forward_plans_.push_back(std::move(plan));
  return *forward_plans_.back();
}

// Every op node's shape in `order`, from its inputs' (a leaf's may have changed).
void Executor::infer_shapes(std::span<const int> order) {
  auto& nodes = graph_.nodes_;
  std::vector<Shape> shapes;
  for (int id : order) {
    Node& node = *nodes[std::size_t(id)];
    if (node.is_leaf()) continue;
    shapes.clear();
    for (int input : node.inputs_) shapes.push_back(nodes[std::size_t(input)]->shape_);
    try {
      node.shape_ = node.op_->infer_shape(shapes);
    } catch (const ShapeError& e) {
      throw ShapeError(fmt::format("{} \"{}\": {}", node.op_->name(), node.name_, e.what()));
    }
  }
}

// Infers shapes again if a leaf's shape changed, sizes every buffer and
// points every step at its views.
void Executor::prepare(ForwardPlan& plan) {
  if (plan.shape_version == graph_.shape_version_) return;
  auto& nodes = graph_.nodes_;
  infer_shapes(plan.order);

  std::vector<char> is_output(nodes.size(), 0);
  for (int id : plan.outputs) is_output[std::size_t(id)] = 1;
  // Last step that reads each node, for the inference plan's buffer reuse.
  std::vector<int> last_use(nodes.size(), -1);
  int step_index = 0;
  for (int id : plan.order) {
    const Node& node = *nodes[std::size_t(id)];
    if (node.is_leaf()) continue;
    for (int input : node.inputs_) last_use[std::size_t(input)] = step_index;
    ++step_index;
  }

  // Buffers below may move only because a leaf's shape changed, and only
  // Graph::set_value changes one: it already dropped every zero-copy node's
  // view (of any plan) until a run points it again. A new plan at unchanged
  // shapes moves nothing, so views other plans made stay valid.
  plan.steps.clear();
  plan.views.clear();
  plan.transient.clear();
  plan.pool = BufferPool();
  std::vector<int> pool_buffer(nodes.size(), -1);
  std::vector<std::optional<TensorView>> alias(nodes.size());  // zero-copy nodes' views in this plan
  // The value view of a node as this plan's steps see it.
  auto value_view = [&](int id) {
    const Node& node = *nodes[std::size_t(id)];
    int buffer = pool_buffer[std::size_t(id)];
    if (alias[std::size_t(id)]) return *alias[std::size_t(id)];
    return buffer >= 0 ? plan.pool.view(buffer, node.shape_) : node.value_.view();
  };
  step_index = 0;
  for (int id : plan.order) {
    Node& node = *nodes[std::size_t(id)];
    if (node.is_leaf()) continue;
    Step step{&node, node.op_.get(), plan.views.size(), node.inputs_.size()};
    for (int input : node.inputs_) plan.views.push_back(value_view(input));
    bool pooled = !plan.keep_intermediates && !is_output[std::size_t(id)];
    // Zero-copy where the input's buffer outlives the run (a leaf's or a kept
    // node's); a transient input's buffer is re-used, so that case copies.
    if (node.op_->output_views_input() && !pooled && pool_buffer[std::size_t(node.inputs_[0])] == -1) {
      step.views_input = true;
      alias[std::size_t(id)] = viewed_as(value_view(node.inputs_[0]), node);
    } else if (pooled) {
      pool_buffer[std::size_t(id)] = plan.pool.acquire(node.shape_, node.dtype_);
      plan.transient.push_back(&node);
    } else {
      node.value_.resize(node.shape_, node.dtype_);
    }
    plan.views.push_back(value_view(id));
    // Inputs read for the last time here give their buffers back only now,
    // after the output took one (ops may not write over their inputs), so an
    // elementwise chain alternates between two buffers.
    for (int input : node.inputs_) {
      int& buffer = pool_buffer[std::size_t(input)];
      if (buffer >= 0 && last_use[std::size_t(input)] == step_index) {
        plan.pool.release(buffer);
        buffer = -2;
      }
    }
    plan.steps.push_back(step);
    ++step_index;
  }
  plan.shape_version = graph_.shape_version_;
}

void Executor::forward(std::span<const Expr> outputs, const ForwardOptions& options) {
  // Small fixed buffer: a warm run must not allocate.
  constexpr std::size_t max_inline = 16;
  int inline_ids[max_inline];
  std::vector<int> many_ids;
  std::span<int> ids;
  if (outputs.size() <= max_inline) {
    ids = std::span<int>(inline_ids, outputs.size());
  } else {
    many_ids.resize(outputs.size());
    ids = many_ids;
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    graph_.check_expr(outputs[i], "forward");
    ids[i] = outputs[i].id();
  }
  forward_ids(ids, options);
}

void Executor::forward_ids(std::span<const int> ids, const ForwardOptions& options) {
  ForwardPlan& plan = forward_plan(ids, options.keep_intermediates);
  last_full_forward_ = nullptr;  // until this run completes
  prepare(plan);
  // An inference run keeps no intermediates, so backward may not use it:
  // its nodes get epoch 0, which never matches.
  const std::uint64_t stamp = options.keep_intermediates ? graph_.epoch_ : 0;
  const bool checked = graph_.checked_;
  const TensorView* views = plan.views.data();
  for (const Step& step : plan.steps) {
    const TensorView* inputs = views + step.first_view;
    std::span<const TensorView> input_span(inputs, step.input_count);
    // An op that rejects its values at run time (a label that is not a class
    // index) does not know its node: name it here, as shape errors are. The
    // checks' own errors (contract, non-finite) name it already.
    step.node->aliased_ = step.views_input;
    if (step.views_input) {
      step.node->alias_ = inputs[step.input_count];
      step.node->value_epoch_ = stamp;
      step.node->has_value_ = true;
      continue;
    }
    try {
      if (checked) {
        run_forward_checked(*step.node, *step.op, input_span, inputs[step.input_count]);
      } else {
        step.op->forward(input_span, inputs[step.input_count]);
      }
    } catch (const ContractError&) {
      throw;
    } catch (const Error& e) {
      rethrow_naming_node(e, *step.node);
    }
    if (options.check_finite) check_value_finite(*step.node, input_span, inputs[step.input_count]);
    step.node->value_epoch_ = stamp;
    step.node->has_value_ = true;
  }
  for (Node* node : plan.transient) node->has_value_ = false;
  if (options.keep_intermediates) {
    last_full_forward_ = &plan;
    last_full_forward_epoch_ = graph_.epoch_;
  }
}

// ---- backward ----

std::vector<char> Executor::gradient_needs(std::span<const int> order) const {
  const auto& nodes = graph_.nodes_;
  std::vector<char> needs(nodes.size(), 0);
  for (int id : order) {
    const Node& node = *nodes[std::size_t(id)];
    if (node.is_leaf()) {
      needs[std::size_t(id)] = node.requires_grad_;
      continue;
    }
    for (std::size_t i = 0; i < node.inputs_.size(); ++i) {
      if (needs[std::size_t(node.inputs_[i])] && node.op_->differentiable(int(i))) needs[std::size_t(id)] = 1;
    }
  }
  return needs;
}

TensorView Executor::kept_value(int id) const {
  const auto& nodes = graph_.nodes_;
  const Node& node = *nodes[std::size_t(id)];
  const Node* owner = &node;
  while (!owner->is_leaf() && owner->op_->output_views_input()) owner = nodes[std::size_t(owner->inputs_[0])].get();
  return owner == &node ? node.value_.view() : viewed_as(owner->value_.view(), node);
}

Executor::BackwardPlan& Executor::backward_plan(int output, const BackwardOptions& options) {
  for (auto it = backward_plans_.begin(); it != backward_plans_.end(); ++it) {
    BackwardPlan& plan = **it;
    if (plan.output != output || plan.options.retain_grads != options.retain_grads ||
        plan.options.accumulate != options.accumulate) {
      continue;
    }
    if (plan.shape_version == graph_.shape_version_ && plan.grad_version == graph_.grad_version_ &&
        plan.node_count == graph_.size()) {
      return plan;
    }
    backward_plans_.erase(it);  // stale: rebuilt below
    break;
  }
  auto& nodes = graph_.nodes_;
  auto owned = std::make_unique<BackwardPlan>();
  BackwardPlan& plan = *owned;
  plan.output = output;
  plan.options = options;
  plan.shape_version = graph_.shape_version_;
  plan.grad_version = graph_.grad_version_;
  plan.node_count = graph_.size();

  int outputs[] = {output};
  std::vector<int> order = graph_.topological_order(outputs);
  const std::vector<char> needs = gradient_needs(order);
  // A node's own gradient storage, sized by its shape (so every plan that
  // uses it agrees and none moves it).
  auto own_grad = [](Node& node) {
    node.grad_.resize(node.shape_, node.dtype_);
    return node.grad_.view();
  };
  std::vector<TensorView> grad_of(nodes.size());  // where each node's gradient lives in this plan
  std::vector<int> pool_buffer(nodes.size(), -1);
  std::vector<char> written(nodes.size(), 0);
  Node& out = *nodes[std::size_t(output)];
  plan.output_grad_owned = out.is_leaf() || options.retain_grads || out.shape_.elements() == 1;
  if (plan.output_grad_owned) {
    plan.output_grad = own_grad(out);
    grad_of[std::size_t(output)] = plan.output_grad;
    plan.kept.push_back(&out);
  }
  written[std::size_t(output)] = 1;

  // Walk in reverse: a node's consumers all come before it, so whether its
  // gradient was written, and where it lives, is known when its turn comes.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    int id = *it;
    Node& node = *nodes[std::size_t(id)];
    if (node.is_leaf()) {
      if (node.requires_grad_ && id != output) {
        own_grad(node);
        plan.kept.push_back(&node);
        if (!written[std::size_t(id)] && !options.accumulate) plan.zero_fill.push_back(&node);
      }
      continue;
    }
    if (!needs[std::size_t(id)] || !written[std::size_t(id)]) continue;
    if (id == output && !plan.output_grad_owned) plan.seed_step = std::ptrdiff_t(plan.steps.size());
    BackwardPlan::GradStep step{&node, node.op_.get(), plan.views.size(), plan.slots.size(), node.inputs_.size(),
                                grad_of[std::size_t(id)]};
    // Values as the keeping forward run left them: the nodes' own buffers.
    for (int input : node.inputs_) plan.views.push_back(kept_value(input));
    plan.views.push_back(kept_value(id));
    for (std::size_t i = 0; i < node.inputs_.size(); ++i) {
      int input = node.inputs_[i];
      Node& in = *nodes[std::size_t(input)];
      GradientSlot slot;
      slot.needed = needs[std::size_t(input)] && node.op_->differentiable(int(i));
      if (slot.needed) {
        if (!written[std::size_t(input)]) {
          if (in.is_leaf() || options.retain_grads) {
            grad_of[std::size_t(input)] = own_grad(in);
            if (!in.is_leaf()) plan.kept.push_back(&in);
          } else {
            pool_buffer[std::size_t(input)] = plan.pool.acquire(in.shape_, in.dtype_);
            grad_of[std::size_t(input)] = plan.pool.view(pool_buffer[std::size_t(input)], in.shape_);
          }
        }
        slot.accumulate = written[std::size_t(input)] || (in.is_leaf() && options.accumulate);
        slot.grad = grad_of[std::size_t(input)];
        written[std::size_t(input)] = 1;
      } else {
        slot.grad = TensorView(in.shape_, static_cast<void*>(nullptr), in.dtype_);
      }
      plan.slots.push_back(slot);
    }
    // This node's gradient is read only by its own step: its buffer is free
    // for the nodes processed after it.
    if (pool_buffer[std::size_t(id)] >= 0) plan.pool.release(pool_buffer[std::size_t(id)]);
    plan.steps.push_back(step);
  }
  backward_plans_.push_back(std::move(owned));
  return plan;
}

void Executor::backward(Expr output, const TensorView* seed, const BackwardOptions& options) {
  graph_.check_expr(output, "backward");
  backward_ids(output.id(), seed, options);
}

void Executor::backward_ids(int output, const TensorView* seed, const BackwardOptions& options) {
  Node& out = *graph_.nodes_[std::size_t(output)];
  if (!out.has_value_ || (!out.is_leaf() && out.value_epoch_ != graph_.epoch_)) {
    throw Error(fmt::format("backward: run forward(\"{}\") first: its value is {}", out.name_,
                            out.has_value_ ? "out of date (a leaf changed since) or from an inference run"
                                           : "not computed"));
  }
  if (seed == nullptr && out.shape_.elements() != 1) {
    throw Error(fmt::format("backward: output \"{}\" has shape {}, not a scalar: pass a seed gradient of that shape",
                            out.name_, out.shape_));
  }
  if (seed != nullptr && seed->shape() != out.shape_) {
    throw ShapeError(fmt::format("backward: the seed gradient has shape {} but output \"{}\" has shape {}",
                                 seed->shape(), out.name_, out.shape_));
  }
  if (seed != nullptr && seed->dtype() != out.dtype_) {
    throw Error(fmt::format("backward: the seed gradient is {} but output \"{}\" is {}", seed->dtype(), out.name_,
                            out.dtype_));
  }
  BackwardPlan& plan = backward_plan(output, options);
  if (plan.output_grad_owned) {
    if (seed != nullptr) plan.output_grad.copy_from(*seed);
    else plan.output_grad.fill(1.0);
  } else if (plan.seed_step >= 0) {
    // The output's own step is the only reader of its gradient; ops treat
    // output_grad as read-only (the op contract), so reading the caller's
    // seed in place is safe. The view is this plan's, set for this run.
    plan.steps[std::size_t(plan.seed_step)].output_grad = *seed;
  }
  if (!options.accumulate) ++graph_.grad_generation_;
  if (graph_.grad_generation_ == 0) graph_.grad_generation_ = 1;
  for (Node* leaf : plan.zero_fill) leaf->grad_.fill(0.0);
  // Every value backward reads is current when the last forward run kept its
  // intermediates, computed the output (and so all it depends on), and no
  // leaf changed since. Otherwise each node is checked.
  const bool values_current = last_full_forward_ != nullptr && last_full_forward_epoch_ == graph_.epoch_ &&
                              std::binary_search(last_full_forward_->order.begin(), last_full_forward_->order.end(),
                                                 output);
  const bool checked = graph_.checked_;
  const TensorView* views = plan.views.data();
  GradientSlot* slots = plan.slots.data();
  for (const auto& step : plan.steps) {
    if (!values_current) {
      // The step reads its inputs' values too: a fused run (forward_backward)
      // leaves the loss current but its chain without values.
      auto stale = [&](const Node& node) {
        return !node.is_leaf() && (node.value_epoch_ != graph_.epoch_ || !node.has_value_);
      };
      const Node* missing = stale(*step.node) ? step.node : nullptr;
      for (int input : step.node->inputs_) {
        if (missing == nullptr && stale(*graph_.nodes_[std::size_t(input)])) missing = graph_.nodes_[std::size_t(input)].get();
      }
      if (missing != nullptr) {
        throw Error(fmt::format("backward: the value of \"{}\" is out of date or was not kept: run "
                                "forward(\"{}\") (keeping intermediates) first",
                                missing->name_, out.name_));
      }
    }
    const TensorView* values = views + step.first_view;
    std::span<const TensorView> inputs(values, step.input_count);
    std::span<GradientSlot> step_slots(slots + step.first_slot, step.input_count);
    // Only an op's own errors get its node's name prefixed: the checks'
    // errors (non-finite, contract) name the node themselves.
    try {
      if (checked) {
        run_backward_checked(graph_, *step.node, *step.op, inputs, values[step.input_count], step.output_grad,
                             step_slots);
      } else {
        step.op->backward(inputs, values[step.input_count], step.output_grad, step_slots);
      }
    } catch (const ContractError&) {
      throw;
    } catch (const Error& e) {
      rethrow_naming_node(e, *step.node);
    }
    if (options.check_finite) check_gradients_finite(graph_, *step.node, step_slots);
  }
  for (Node* node : plan.kept) node->grad_generation_ = graph_.grad_generation_;
}

// ---- Graph's running entry points ----

const TensorView& Graph::forward(Expr output, const ForwardOptions& options) {
  Expr outputs[] = {output};
  executor_->forward(outputs, options);
  return nodes_[std::size_t(output.id())]->current_value();
}

void Graph::forward(std::span<const Expr> outputs, const ForwardOptions& options) {
  executor_->forward(outputs, options);
}

void Graph::backward(Expr output, const BackwardOptions& options) { executor_->backward(output, nullptr, options); }

void Graph::backward(Expr output, const TensorView& seed, const BackwardOptions& options) {
  executor_->backward(output, &seed, options);
}

}  // namespace dagrad

// The expression graph and its executor.
//
// Node ids are a topological order: a node's inputs exist before it does,
// so they always have smaller ids. The order the executor runs a set of
// outputs in is therefore the ascending ids of their ancestors: computed in
// one sweep, the same every time for the same graph.
//
// Plans are built once per set of outputs and cached. A plan holds a flat
// list of steps (op, input views, output view) with every buffer allocated,
// so a warm run allocates nothing.
#include "dagrad/graph.hpp"

#include <algorithm>
#include <limits>

namespace dagrad {

std::string_view to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::input: return "input";
    case NodeKind::parameter: return "parameter";
    case NodeKind::constant: return "constant";
    case NodeKind::op: return "op";
  }
  return "?";
}

// ---- Expr and Node ----

Graph& Expr::graph() const {
  if (graph_ == nullptr) throw Error("an empty Expr (default-constructed) was used");
  return *graph_;
}
const std::string& Expr::name() const { return graph().node(id_).name(); }
const Shape& Expr::shape() const { return graph().node(id_).shape(); }
const TensorView& Expr::value() const { return graph().node(id_).value(); }
const TensorView& Expr::grad() const { return graph().node(id_).grad(); }

std::string_view Node::op_name() const { return op_ ? op_->name() : to_string(kind_); }

const TensorView& Node::value() const {
  if (!has_value_) {
    throw Error(fmt::format("node \"{}\" has no value yet: run forward on an output that depends on it", name_));
  }
  return value_;
}

const TensorView& Node::grad() const {
  if (has_grad_) return grad_;
  if (kind_ == NodeKind::constant) throw Error(fmt::format("constant \"{}\" has no gradient", name_));
  if (kind_ == NodeKind::input && !requires_grad_) {
    throw Error(fmt::format("input \"{}\" has no gradient: inputs get one only when built with "
                            "requires_grad = true (or after set_requires_grad)", name_));
  }
  if (kind_ == NodeKind::op) {
    throw Error(fmt::format("node \"{}\" has no gradient: intermediate gradients are kept only with "
                            "BackwardOptions{{.retain_grads = true}}", name_));
  }
  throw Error(fmt::format("node \"{}\" has no gradient yet: run backward on an output that depends on it", name_));
}

namespace {
// Rethrows `error` as the same kind of error, prefixed `op "node": `.
[[noreturn]] void rethrow_naming_node(const Error& error, std::string_view op, const std::string& node) {
  std::string message = fmt::format("{} \"{}\": {}", op, node, error.what());
  if (dynamic_cast<const ShapeError*>(&error)) throw ShapeError(message);
  if (dynamic_cast<const FileError*>(&error)) throw FileError(message);
  throw Error(message);
}
}  // namespace

// ---- plans ----

namespace {
// One op call of a forward run. Its views live in the plan's flat `views`
// array: `input_count` input views, then the output view. Steps and views are
// stored in run order, so a run streams through memory instead of chasing
// pointers into nodes (at 1000 tiny nodes that is most of the framework's
// cost).
struct Step {
  Node* node;
  Op* op;
  std::size_t first_view;
  std::size_t input_count;
};

// Buffers re-used by nodes whose lifetimes do not overlap, handed out by
// exact element count.
class BufferPool {
 public:
  int acquire(std::int64_t elements) {
    for (std::size_t i = 0; i < buffers_.size(); ++i) {
      if (free_[i] && std::int64_t(buffers_[i].size()) == elements) {
        free_[i] = false;
        return int(i);
      }
    }
    buffers_.emplace_back(std::size_t(elements), 0.0);
    free_.push_back(false);
    return int(buffers_.size() - 1);
  }
  void release(int buffer) { free_[std::size_t(buffer)] = true; }
  double* data(int buffer) { return buffers_[std::size_t(buffer)].data(); }
  std::int64_t bytes() const {
    std::int64_t total = 0;
    for (const auto& b : buffers_) total += std::int64_t(b.size() * sizeof(double));
    return total;
  }

 private:
  std::vector<TensorStorage> buffers_;
  std::vector<bool> free_;
};
}  // namespace

struct Graph::ForwardPlan {
  std::vector<int> outputs;
  bool keep_intermediates = true;
  std::vector<int> order;  // every node the outputs need, leaves included
  std::vector<Step> steps;
  std::vector<TensorView> views;  // see Step
  std::uint64_t shape_version = 0;
  // Inference plans only: intermediate values in pooled buffers, which the
  // steps' views point at.
  BufferPool pool;
  std::vector<Node*> transient;  // nodes whose value does not survive the run
};

struct Graph::BackwardPlan {
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
  // Whether the output's gradient lives in its own buffer: for leaves,
  // scalars (the seed 1 is written there) and with retain_grads. Otherwise
  // the first step reads the caller's seed in place, with no copy, and the
  // output keeps no gradient (as PyTorch keeps none for a non-leaf).
  bool output_grad_owned = true;
  std::vector<Node*> zero_fill;  // leaves needing a gradient that no step writes
  std::vector<Node*> kept;       // nodes whose gradient is readable after the run
  std::vector<Node*> transient;  // intermediates whose gradient buffer is re-used
  BufferPool pool;
};

Graph::Graph() = default;
Graph::~Graph() = default;

// ---- building ----

void Graph::check_expr(Expr expr, std::string_view what) const {
  if (!expr.valid()) throw Error(fmt::format("{}: an empty Expr (default-constructed) was used", what));
  if (&expr.graph() != this) throw Error(fmt::format("{}: node \"{}\" belongs to another graph", what, expr.name()));
}

std::string Graph::unique_name(std::string name, std::string_view stem) {
  if (name.empty()) {
    name = scope_ + fmt::format("{}_{}", stem, nodes_.size());
    while (names_.count(name)) name += "_";
    return name;
  }
  name = scope_ + name;
  if (names_.count(name)) throw Error(fmt::format("a node named \"{}\" already exists in this graph", name));
  return name;
}

int Graph::add_node(Node node) {
  int id = int(nodes_.size());
  names_.emplace(node.name_, id);
  nodes_.push_back(std::make_unique<Node>(std::move(node)));
  Node& n = *nodes_.back();
  if (n.is_leaf()) n.value_ = n.value_storage_;
  return id;
}

Expr Graph::input(std::string name, Tensor value, bool requires_grad) {
  Node node;
  node.name_ = unique_name(std::move(name), "input");
  node.kind_ = NodeKind::input;
  node.shape_ = value.shape();
  node.value_storage_ = std::move(value);
  node.has_value_ = true;
  node.requires_grad_ = requires_grad;
  ++grad_version_;
  return Expr(this, add_node(std::move(node)));
}

Expr Graph::parameter(std::string name, Tensor value) {
  Node node;
  node.name_ = unique_name(std::move(name), "parameter");
  node.kind_ = NodeKind::parameter;
  node.shape_ = value.shape();
  node.value_storage_ = std::move(value);
  node.has_value_ = true;
  node.requires_grad_ = true;
  ++grad_version_;
  return Expr(this, add_node(std::move(node)));
}

Expr Graph::constant(Tensor value, std::string name) {
  Node node;
  node.name_ = unique_name(std::move(name), "constant");
  node.kind_ = NodeKind::constant;
  node.shape_ = value.shape();
  node.value_storage_ = std::move(value);
  node.has_value_ = true;
  return Expr(this, add_node(std::move(node)));
}

Expr Graph::apply(std::string_view op_name, std::vector<Expr> inputs, const Attrs& attrs, std::string name) {
  return add(OpRegistry::global().make(op_name, attrs), std::move(inputs), std::move(name));
}

Expr Graph::add(std::unique_ptr<Op> op, std::vector<Expr> inputs, std::string name) {
  if (!op) throw Error("Graph::add: the op is null");
  std::string full_name = unique_name(std::move(name), op->name());
  std::vector<Shape> shapes;
  Node node;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check_expr(inputs[i], fmt::format("{} \"{}\": input {}", op->name(), full_name, i));
    node.inputs_.push_back(inputs[i].id());
    shapes.push_back(nodes_[std::size_t(inputs[i].id())]->shape_);
  }
  try {
    node.shape_ = op->infer_shape(shapes);
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("{} \"{}\": {}", op->name(), full_name, e.what()));
  }
  node.name_ = std::move(full_name);
  node.kind_ = NodeKind::op;
  node.op_ = std::move(op);
  node.value_ = TensorView(node.shape_, nullptr);
  return Expr(this, add_node(std::move(node)));
}

Graph::NameScope::NameScope(Graph& graph, std::string_view prefix)
    : graph_(graph), previous_size_(graph.scope_.size()) {
  graph_.scope_ += std::string(prefix) + "/";
}

Graph::NameScope::~NameScope() { graph_.scope_.resize(previous_size_); }

// ---- leaves ----

namespace {
void check_settable(const Node& node, std::string_view what) {
  if (node.kind() == NodeKind::op) {
    throw Error(fmt::format("{}: \"{}\" is a {} node, not an input or parameter", what, node.name(), node.op_name()));
  }
  if (node.kind() == NodeKind::constant) {
    throw Error(fmt::format("{}: \"{}\" is a constant; build it as an input to change its value", what, node.name()));
  }
}
}  // namespace

void Graph::set_value(Expr leaf, const TensorView& value) {
  check_expr(leaf, "set_value");
  Node& node = *nodes_[std::size_t(leaf.id())];
  check_settable(node, "set_value");
  if (value.shape() == node.shape_) {
    node.value_storage_.copy_from(value);
  } else {
    node.value_storage_ = Tensor::from(value);
    node.shape_ = value.shape();
    node.value_ = node.value_storage_;
    ++shape_version_;
  }
  ++epoch_;
}

TensorView& Graph::mutable_value(Expr leaf) {
  check_expr(leaf, "mutable_value");
  Node& node = *nodes_[std::size_t(leaf.id())];
  check_settable(node, "mutable_value");
  ++epoch_;
  return node.value_;
}

void Graph::set_requires_grad(Expr leaf, bool requires_grad) {
  check_expr(leaf, "set_requires_grad");
  Node& node = *nodes_[std::size_t(leaf.id())];
  if (node.kind_ != NodeKind::input && node.kind_ != NodeKind::parameter) {
    throw Error(fmt::format("set_requires_grad: \"{}\" is a {} node; only inputs and parameters take gradients",
                            node.name_, node.op_name()));
  }
  if (node.requires_grad_ != requires_grad) ++grad_version_;
  node.requires_grad_ = requires_grad;
}

void Graph::zero_grad() {
  for (auto& node : nodes_) {
    if (!node->is_leaf() || !node->requires_grad_) continue;
    node->grad_storage_.resize(node->shape_);
    node->grad_storage_.fill(0.0);
    node->grad_ = node->grad_storage_;
    node->grad_is_owned_ = true;
    node->has_grad_ = true;
  }
}

// ---- inspecting ----

const Node& Graph::node(int id) const {
  if (id < 0 || id >= size()) throw Error(fmt::format("no node with id {} (the graph has {})", id, size()));
  return *nodes_[std::size_t(id)];
}

Node& Graph::node(int id) {
  if (id < 0 || id >= size()) throw Error(fmt::format("no node with id {} (the graph has {})", id, size()));
  return *nodes_[std::size_t(id)];
}

std::optional<Expr> Graph::try_find(std::string_view name) {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return Expr(this, it->second);
}

Expr Graph::find(std::string_view name) {
  if (auto e = try_find(name)) return *e;
  throw Error(fmt::format("no node named \"{}\" in this graph", name));
}

std::vector<Expr> Graph::parameters() {
  std::vector<Expr> result;
  for (int id = 0; id < size(); ++id) {
    if (nodes_[std::size_t(id)]->kind_ == NodeKind::parameter) result.emplace_back(this, id);
  }
  return result;
}

std::vector<Expr> Graph::inputs() {
  std::vector<Expr> result;
  for (int id = 0; id < size(); ++id) {
    if (nodes_[std::size_t(id)]->kind_ == NodeKind::input) result.emplace_back(this, id);
  }
  return result;
}

std::vector<int> Graph::topological_order(std::span<const int> outputs) const {
  if (outputs.empty()) return {};
  std::vector<char> needed(nodes_.size(), 0);
  int highest = -1;
  for (int id : outputs) {
    node(id);  // range check
    needed[std::size_t(id)] = 1;
    highest = std::max(highest, id);
  }
  for (int id = highest; id >= 0; --id) {
    if (!needed[std::size_t(id)]) continue;
    for (int input : nodes_[std::size_t(id)]->inputs_) needed[std::size_t(input)] = 1;
  }
  std::vector<int> order;
  for (int id = 0; id <= highest; ++id) {
    if (needed[std::size_t(id)]) order.push_back(id);
  }
  return order;
}

bool Graph::depends_on(int to, int from) const {
  int output[] = {to};
  auto order = topological_order(output);
  return std::binary_search(order.begin(), order.end(), from);
}

MemoryStats Graph::memory_stats() const {
  MemoryStats stats;
  for (const auto& node : nodes_) {
    stats.value_bytes += std::int64_t(node->value_storage_.values().capacity() * sizeof(double));
    stats.gradient_bytes += std::int64_t(node->grad_storage_.values().capacity() * sizeof(double));
  }
  for (const auto& plan : forward_plans_) stats.workspace_bytes += plan->pool.bytes();
  for (const auto& plan : backward_plans_) stats.workspace_bytes += plan->pool.bytes();
  return stats;
}

// ---- forward ----

Graph::ForwardPlan& Graph::forward_plan(std::span<const int> outputs, bool keep_intermediates) {
  for (auto& plan : forward_plans_) {
    if (plan->keep_intermediates == keep_intermediates &&
        std::equal(plan->outputs.begin(), plan->outputs.end(), outputs.begin(), outputs.end())) {
      return *plan;
    }
  }
  auto plan = std::make_unique<ForwardPlan>();
  plan->outputs.assign(outputs.begin(), outputs.end());
  plan->keep_intermediates = keep_intermediates;
  plan->order = topological_order(outputs);
  forward_plans_.push_back(std::move(plan));
  return *forward_plans_.back();
}

// Infers shapes again if a leaf's shape changed, sizes every buffer and
// points every step at its views.
void Graph::prepare(ForwardPlan& plan) {
  if (plan.shape_version == shape_version_) return;
  std::vector<Shape> shapes;
  for (int id : plan.order) {
    Node& node = *nodes_[std::size_t(id)];
    if (node.is_leaf()) continue;
    shapes.clear();
    for (int input : node.inputs_) shapes.push_back(nodes_[std::size_t(input)]->shape_);
    try {
      node.shape_ = node.op_->infer_shape(shapes);
    } catch (const ShapeError& e) {
      throw ShapeError(fmt::format("{} \"{}\": {}", node.op_->name(), node.name_, e.what()));
    }
  }

  std::vector<char> is_output(nodes_.size(), 0);
  for (int id : plan.outputs) is_output[std::size_t(id)] = 1;
  // Last step that reads each node, for the inference plan's buffer reuse.
  std::vector<int> last_use(nodes_.size(), -1);
  int step_index = 0;
  for (int id : plan.order) {
    const Node& node = *nodes_[std::size_t(id)];
    if (node.is_leaf()) continue;
    for (int input : node.inputs_) last_use[std::size_t(input)] = step_index;
    ++step_index;
  }

  plan.steps.clear();
  plan.views.clear();
  plan.transient.clear();
  plan.pool = BufferPool();
  std::vector<int> pool_buffer(nodes_.size(), -1);
  // The value view of a node as this plan's steps see it.
  auto value_view = [&](int id) {
    const Node& node = *nodes_[std::size_t(id)];
    int buffer = pool_buffer[std::size_t(id)];
    return buffer >= 0 ? TensorView(node.shape_, plan.pool.data(buffer)) : node.value_;
  };
  step_index = 0;
  for (int id : plan.order) {
    Node& node = *nodes_[std::size_t(id)];
    if (node.is_leaf()) continue;
    Step step{&node, node.op_.get(), plan.views.size(), node.inputs_.size()};
    for (int input : node.inputs_) plan.views.push_back(value_view(input));
    bool pooled = !plan.keep_intermediates && !is_output[std::size_t(id)];
    if (pooled) {
      int buffer = plan.pool.acquire(node.shape_.elements());
      pool_buffer[std::size_t(id)] = buffer;
      plan.transient.push_back(&node);
    } else {
      node.value_storage_.resize(node.shape_);
      node.value_ = node.value_storage_;
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
  plan.shape_version = shape_version_;
}

const TensorView& Graph::forward(Expr output, const ForwardOptions& options) {
  Expr outputs[] = {output};
  forward(outputs, options);
  return nodes_[std::size_t(output.id())]->value_;
}

void Graph::forward(std::span<const Expr> outputs, const ForwardOptions& options) {
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
    check_expr(outputs[i], "forward");
    ids[i] = outputs[i].id();
  }
  ForwardPlan& plan = forward_plan(ids, options.keep_intermediates);
  last_full_forward_ = nullptr;  // until this run completes
  prepare(plan);
  // An inference run keeps no intermediates, so backward may not use it:
  // its nodes get epoch 0, which never matches.
  std::uint64_t stamp = options.keep_intermediates ? epoch_ : 0;
  const TensorView* views = plan.views.data();
  const Step* current = nullptr;
  try {
    for (const Step& step : plan.steps) {
      current = &step;
      const TensorView* inputs = views + step.first_view;
      step.op->forward({inputs, step.input_count}, inputs[step.input_count]);
      step.node->value_epoch_ = stamp;
      step.node->has_value_ = true;
    }
  } catch (const Error& e) {
    // An op that rejects its values at run time (a label that is not a
    // class index) does not know its node; name it here, as shape errors are.
    rethrow_naming_node(e, current->node->op_->name(), current->node->name_);
  }
  for (Node* node : plan.transient) node->has_value_ = false;
  if (options.keep_intermediates) {
    last_full_forward_ = &plan;
    last_full_forward_epoch_ = epoch_;
  }
}

// ---- backward ----

Graph::BackwardPlan& Graph::backward_plan(int output, const BackwardOptions& options) {
  for (auto it = backward_plans_.begin(); it != backward_plans_.end(); ++it) {
    BackwardPlan& plan = **it;
    if (plan.output != output || plan.options.retain_grads != options.retain_grads ||
        plan.options.accumulate != options.accumulate) {
      continue;
    }
    if (plan.shape_version == shape_version_ && plan.grad_version == grad_version_ && plan.node_count == size()) {
      return plan;
    }
    backward_plans_.erase(it);  // stale: rebuilt below
    break;
  }
  auto owned = std::make_unique<BackwardPlan>();
  BackwardPlan& plan = *owned;
  plan.output = output;
  plan.options = options;
  plan.shape_version = shape_version_;
  plan.grad_version = grad_version_;
  plan.node_count = size();

  int outputs[] = {output};
  std::vector<int> order = topological_order(outputs);
  // Which nodes a gradient must reach: leaves that ask for one, and every
  // node with such a leaf behind a differentiable input.
  std::vector<char> needs(nodes_.size(), 0);
  for (int id : order) {
    Node& node = *nodes_[std::size_t(id)];
    if (node.is_leaf()) {
      needs[std::size_t(id)] = node.requires_grad_;
      continue;
    }
    for (std::size_t i = 0; i < node.inputs_.size(); ++i) {
      if (needs[std::size_t(node.inputs_[i])] && node.op_->differentiable(int(i))) needs[std::size_t(id)] = 1;
    }
  }

  auto own_grad = [](Node& node) {
    node.grad_storage_.resize(node.shape_);
    node.grad_ = node.grad_storage_;
    node.grad_is_owned_ = true;
  };
  Node& out = *nodes_[std::size_t(output)];
  plan.output_grad_owned = out.is_leaf() || options.retain_grads || out.shape_.elements() == 1;
  if (plan.output_grad_owned) {
    own_grad(out);
    plan.kept.push_back(&out);
  } else {
    out.grad_ = TensorView(out.shape_, nullptr);  // the seed, given at each run
    plan.transient.push_back(&out);
  }

  // Walk in reverse: a node's consumers all come before it, so whether its
  // gradient was written, and where it lives, is known when its turn comes.
  std::vector<char> written(nodes_.size(), 0);
  std::vector<int> pool_buffer(nodes_.size(), -1);
  written[std::size_t(output)] = 1;
  auto grad_view = [&](int id) -> TensorView {
    Node& node = *nodes_[std::size_t(id)];
    if (pool_buffer[std::size_t(id)] >= 0) return TensorView(node.shape_, plan.pool.data(pool_buffer[std::size_t(id)]));
    return node.grad_;
  };
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    int id = *it;
    Node& node = *nodes_[std::size_t(id)];
    if (node.is_leaf()) {
      if (node.requires_grad_ && id != output) {
        own_grad(node);
        plan.kept.push_back(&node);
        if (!written[std::size_t(id)] && !options.accumulate) plan.zero_fill.push_back(&node);
      }
      continue;
    }
    if (!needs[std::size_t(id)] || !written[std::size_t(id)]) continue;
    BackwardPlan::GradStep step{&node, node.op_.get(), plan.views.size(), plan.slots.size(), node.inputs_.size(),
                                grad_view(id)};
    // Values as the keeping forward run left them: the nodes' own buffers.
    for (int input : node.inputs_) plan.views.push_back(nodes_[std::size_t(input)]->value_);
    plan.views.push_back(node.value_);
    for (std::size_t i = 0; i < node.inputs_.size(); ++i) {
      int input = node.inputs_[i];
      Node& in = *nodes_[std::size_t(input)];
      GradientSlot slot;
      slot.needed = needs[std::size_t(input)] && node.op_->differentiable(int(i));
      if (slot.needed) {
        if (!written[std::size_t(input)]) {
          if (in.is_leaf() || options.retain_grads) {
            own_grad(in);
            if (!in.is_leaf()) plan.kept.push_back(&in);
          } else {
            pool_buffer[std::size_t(input)] = plan.pool.acquire(in.shape_.elements());
            plan.transient.push_back(&in);
          }
        }
        slot.accumulate = written[std::size_t(input)] || (in.is_leaf() && options.accumulate);
        slot.grad = grad_view(input);
        written[std::size_t(input)] = 1;
      } else {
        slot.grad = TensorView(in.shape_, nullptr);
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

void Graph::backward(Expr output, const BackwardOptions& options) { run_backward(output, nullptr, options); }

void Graph::backward(Expr output, const TensorView& seed, const BackwardOptions& options) {
  run_backward(output, &seed, options);
}

void Graph::run_backward(Expr output, const TensorView* seed, const BackwardOptions& options) {
  check_expr(output, "backward");
  Node& out = *nodes_[std::size_t(output.id())];
  if (!out.has_value_ || (!out.is_leaf() && out.value_epoch_ != epoch_)) {
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
  BackwardPlan& plan = backward_plan(output.id(), options);
  if (!plan.output_grad_owned) {
    // A non-scalar output, so a seed was given (checked above). The output's
    // step is the first and only reader of its gradient; ops treat
    // output_grad as read-only (the op contract), so the const_cast is safe.
    if (!plan.steps.empty()) {
      plan.steps.front().output_grad = TensorView(seed->shape(), const_cast<double*>(seed->data()));
    }
  } else if (seed != nullptr) {
    out.grad_.copy_from(*seed);
  } else {
    out.grad_.fill(1.0);
  }
  for (Node* leaf : plan.zero_fill) leaf->grad_.fill(0.0);
  // Every value backward reads is current when the last forward run kept its
  // intermediates, computed the output (and so all it depends on), and no
  // leaf changed since. Otherwise each node is checked.
  const bool values_current = last_full_forward_ != nullptr && last_full_forward_epoch_ == epoch_ &&
                              std::binary_search(last_full_forward_->order.begin(), last_full_forward_->order.end(),
                                                 output.id());
  const TensorView* views = plan.views.data();
  GradientSlot* slots = plan.slots.data();
  for (const auto& step : plan.steps) {
    if (!values_current && (step.node->value_epoch_ != epoch_ || !step.node->has_value_)) {
      throw Error(fmt::format("backward: the value of \"{}\" is out of date or was not kept: run "
                              "forward(\"{}\") (keeping intermediates) first",
                              step.node->name_, out.name_));
    }
    const TensorView* values = views + step.first_view;
    step.op->backward({values, step.input_count}, values[step.input_count], step.output_grad,
                      {slots + step.first_slot, step.input_count});
  }
  for (Node* node : plan.kept) node->has_grad_ = true;
  for (Node* node : plan.transient) node->has_grad_ = false;
}

}  // namespace dagrad

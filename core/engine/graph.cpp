// The expression graph: building it, its leaves, and looking at it. Running
// it is the executor's (executor.cpp).
//
// Node ids are a topological order: a node's inputs exist before it does,
// so they always have smaller ids. The order the executor runs a set of
// outputs in is therefore the ascending ids of their ancestors: computed in
// one sweep, the same every time for the same graph.
#include "dagrad/graph.hpp"

#include <algorithm>

#include "engine/executor.hpp"

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
  if (life_ == nullptr) throw Error("an empty Expr (default-constructed) was used");
  if (life_->graph == nullptr) {
    throw Error(fmt::format("an Expr (node id {}) was used after its Graph was destroyed", id_));
  }
  return *life_->graph;
}
const std::string& Expr::name() const { return graph().node(id_).name(); }
const Shape& Expr::shape() const { return graph().node(id_).shape(); }
DType Expr::dtype() const { return graph().node(id_).dtype(); }
const TensorView& Expr::value() const { return graph().node(id_).value(); }
const TensorView& Expr::grad() const { return graph().node(id_).grad(); }

std::string_view Node::op_name() const { return op_ ? op_->name() : to_string(kind_); }

const TensorView& Node::value() const {
  if (!has_value_) {
    throw Error(fmt::format("node \"{}\" has no value yet: run forward on an output that depends on it", name_));
  }
  return current_value();
}

const TensorView& Node::grad() const {
  if (has_grad()) return grad_;
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

DType Op::infer_dtype(std::span<const DType> inputs) const {
  if (inputs.empty()) return DType::float64;
  for (DType dtype : inputs) {
    if (dtype != inputs[0]) {
      throw ShapeError(fmt::format("inputs mix {} and {}; convert one with cast(x, DType::{})", inputs[0], dtype,
                                   inputs[0]));
    }
  }
  return inputs[0];
}

Graph::Graph() : life_(std::make_shared<detail::GraphLife>(detail::GraphLife{this})) {
  executor_ = std::make_unique<Executor>(*this);
}

Graph::~Graph() { life_->graph = nullptr; }

// ---- building ----

void Graph::check_expr(const Expr& expr, std::string_view what) const {
  if (!expr.valid()) throw Error(fmt::format("{}: an empty Expr (default-constructed) was used", what));
  if (expr.life_->graph == nullptr) {
    throw Error(fmt::format("{}: the Expr (node id {}) belongs to a Graph that was destroyed", what, expr.id_));
  }
  if (expr.life_->graph != this) {
    throw Error(fmt::format("{}: node \"{}\" belongs to another graph", what, expr.name()));
  }
  if (expr.id_ < 0 || expr.id_ >= size()) {
    throw Error(fmt::format("{}: the Expr has node id {}, but the graph has {} nodes", what, expr.id_, size()));
  }
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
  return id;
}

Expr Graph::add_leaf(NodeKind kind, std::string name, Tensor value, bool requires_grad) {
  Node node;
  node.name_ = unique_name(std::move(name), to_string(kind));
  node.kind_ = kind;
  node.shape_ = value.shape();
  node.dtype_ = value.dtype();
  node.value_ = std::move(value);
  node.has_value_ = true;
  node.requires_grad_ = requires_grad;
  if (kind != NodeKind::constant) ++grad_version_;
  return Expr(life_, add_node(std::move(node)));
}

Expr Graph::input(std::string name, Tensor value, bool requires_grad) {
  return add_leaf(NodeKind::input, std::move(name), std::move(value), requires_grad);
}

Expr Graph::parameter(std::string name, Tensor value) {
  return add_leaf(NodeKind::parameter, std::move(name), std::move(value), true);
}

Expr Graph::constant(Tensor value, std::string name) {
  return add_leaf(NodeKind::constant, std::move(name), std::move(value), false);
}

Expr Graph::apply(std::string_view op_name, std::vector<Expr> inputs, const Attrs& attrs, std::string name) {
  return add_op(OpRegistry::global().make(op_name, attrs), std::move(inputs), std::move(name));
}

Expr Graph::add_op(std::unique_ptr<Op> op, std::vector<Expr> inputs, std::string name) {
  if (!op) throw Error("Graph::add_op: the op is null");
  std::string full_name = unique_name(std::move(name), op->name());
  Node node;
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check_expr(inputs[i], fmt::format("{} \"{}\": input {}", op->name(), full_name, i));
    const Node& input = *nodes_[std::size_t(inputs[i].id())];
    node.inputs_.push_back(inputs[i].id());
    shapes.push_back(input.shape_);
    dtypes.push_back(input.dtype_);
  }
  try {
    if (op->arity() >= 0 && std::size_t(op->arity()) != inputs.size()) {
      throw ShapeError(fmt::format("takes {} input{}, got {}", op->arity(), op->arity() == 1 ? "" : "s",
                                   inputs.size()));
    }
    node.shape_ = op->infer_shape(shapes);
    node.dtype_ = op->infer_dtype(dtypes);
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("{} \"{}\": {}", op->name(), full_name, e.what()));
  }
  node.name_ = std::move(full_name);
  node.kind_ = NodeKind::op;
  node.op_ = std::move(op);
  node.op_->set_training(training_);  // a node built in evaluation mode starts in it
  return Expr(life_, add_node(std::move(node)));
}

void Graph::set_training(bool training) {
  if (training == training_) return;
  training_ = training;
  for (auto& node : nodes_) {
    if (!node->is_leaf()) node->op_->set_training(training);
  }
  // Values computed in the other mode are stale: backward must not use them.
  ++epoch_;
}

Graph::NameScope::NameScope(Graph& graph, std::string_view prefix)
    : graph_(graph), previous_size_(graph.scope_.size()) {
  graph_.scope_ += std::string(prefix) + "/";
}

Graph::NameScope::~NameScope() { graph_.scope_.resize(previous_size_); }

// ---- leaves ----

Node& Graph::leaf_to_write(Expr leaf, std::string_view what) {
  check_expr(leaf, what);
  Node& node = *nodes_[std::size_t(leaf.id())];
  if (node.kind_ == NodeKind::op) {
    throw Error(fmt::format("{}: \"{}\" is a {} node, not an input or parameter", what, node.name_, node.op_name()));
  }
  if (node.kind_ == NodeKind::constant) {
    throw Error(fmt::format("{}: \"{}\" is a constant; build it as an input to change its value", what, node.name_));
  }
  return node;
}

void Graph::set_value(Expr leaf, const TensorView& value) {
  Node& node = leaf_to_write(leaf, "set_value");
  if (value.shape() == node.shape_) {
    node.value_.copy_from(value);  // converts to the leaf's dtype
  } else {
    // A new shape: plans are rebuilt for it (they hold views of the old
    // buffer), so a new buffer is safe here and only here.
    node.value_ = Tensor::from(value).to(node.dtype_);
    node.shape_ = value.shape();
    ++shape_version_;
    // Zero-copy nodes may view the old buffer: they have no value until the
    // next run points them again.
    for (auto& other : nodes_) {
      if (other->aliased_) other->aliased_ = false, other->has_value_ = false;
    }
  }
  ++epoch_;
}

ValueWriter Graph::write_value(Expr leaf) {
  Node& node = leaf_to_write(leaf, "write_value");
  ++epoch_;
  return ValueWriter(node.value_.view());
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
  ++grad_generation_;
  for (auto& node : nodes_) {
    if (!node->is_leaf() || !node->requires_grad_) continue;
    // Same shape and dtype as any plan expects, so no plan's view moves.
    node->grad_.resize(node->shape_, node->dtype_);
    node->grad_.fill(0.0);
  }
}

bool Graph::value_is_fresh(Expr expr) const {
  const Node& n = node(expr);
  return n.has_value_ && (n.is_leaf() || n.value_epoch_ == epoch_);
}

bool Graph::grad_is_fresh(Expr expr) const {
  const Node& n = node(expr);
  return n.grad_generation_ != 0 && n.grad_generation_ == grad_generation_;
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

const Node& Graph::node(Expr expr) const {
  check_expr(expr, "node");
  return *nodes_[std::size_t(expr.id())];
}

Expr Graph::expr(int id) {
  node(id);  // range check
  return Expr(life_, id);
}

std::optional<Expr> Graph::try_find(std::string_view name) {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return Expr(life_, it->second);
}

Expr Graph::find(std::string_view name) {
  if (auto e = try_find(name)) return *e;
  throw Error(fmt::format("no node named \"{}\" in this graph", name));
}

std::vector<Expr> Graph::parameters() {
  std::vector<Expr> result;
  for (int id = 0; id < size(); ++id) {
    if (nodes_[std::size_t(id)]->kind_ == NodeKind::parameter) result.push_back(Expr(life_, id));
  }
  return result;
}

std::vector<Expr> Graph::inputs() {
  std::vector<Expr> result;
  for (int id = 0; id < size(); ++id) {
    if (nodes_[std::size_t(id)]->kind_ == NodeKind::input) result.push_back(Expr(life_, id));
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

MemoryStats Graph::memory_stats() const {
  MemoryStats stats;
  stats.nodes = size();
  for (const auto& node : nodes_) {
    stats.value_bytes += node->value_.storage_bytes();
    stats.gradient_bytes += node->grad_.storage_bytes();
    if (node->op_) stats.scratch_bytes += node->op_->scratch_bytes();
    stats.node_bytes += std::int64_t(sizeof(Node) + node->name_.capacity() + node->inputs_.capacity() * sizeof(int));
  }
  executor_->add_memory(stats);
  return stats;
}

}  // namespace dagrad

// Graph, Node and Expr: the expression graph and its topological executor.
//
// A Graph owns its nodes; user code holds light Expr handles (a liveness
// token and a node id). Nodes are never removed, and a node's inputs never
// change, so an execution plan, once built for a set of outputs, stays valid.
//
// Ownership of run state: nodes hold structure and their own storage (leaf
// values, kept values, kept gradients); the executor's plans own every view
// they use, including the seed, and no plan writes through a view another
// plan reads. Values held by a graph are written, never re-pointed: a leaf
// changes only through set_value (a copy) or write_value (in place).
//
// Leaves come in three kinds: inputs (values the user sets and may change
// between runs; no gradient unless asked for, as in PyTorch), parameters
// (trainable: always get a gradient and keep their values across runs) and
// constants (never get a gradient).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/op.hpp"
#include "dagrad/tensor.hpp"

namespace dagrad {

class Graph;
class Executor;

enum class NodeKind { input, parameter, constant, op };
// "input", "parameter", "constant" or "op".
std::string_view to_string(NodeKind kind);

namespace detail {
// Shared by a graph and every Expr made from it; the graph clears it when it
// dies, so an Expr can tell that its graph is gone.
struct GraphLife {
  Graph* graph;
};
}  // namespace detail

// A handle to one node of a graph. Cheap to copy. It knows its graph: using
// it after the graph is destroyed, or with another graph, throws Error
// saying so instead of reading freed memory.
class Expr {
 public:
  Expr() = default;

  // Throws Error when the Expr is empty or its graph was destroyed.
  Graph& graph() const;
  int id() const { return id_; }
  // Built by a graph (not default-constructed); says nothing of liveness.
  bool valid() const { return life_ != nullptr; }
  // Whether the Expr's graph still exists.
  bool alive() const { return life_ != nullptr && life_->graph != nullptr; }

  const std::string& name() const;
  const Shape& shape() const;
  DType dtype() const;
  // The value from the last forward run (a leaf's value at any time).
  const TensorView& value() const;
  // The gradient from the last backward run that reached this node.
  const TensorView& grad() const;

  friend bool operator==(const Expr& a, const Expr& b) { return a.life_ == b.life_ && a.id_ == b.id_; }

 private:
  friend class Graph;
  Expr(std::shared_ptr<detail::GraphLife> life, int id) : life_(std::move(life)), id_(id) {}
  std::shared_ptr<detail::GraphLife> life_;
  int id_ = -1;
};

// One node. Read-only to users; the graph and its executor fill it in.
//
// Run state carries generations: a value belongs to the forward run that
// wrote it (value_epoch: the leaf epoch it was computed at), a gradient to
// the backward run that wrote it (grad_generation). "Stale" is a comparison
// with the graph's current epoch or gradient generation, never a guess.
class Node {
 public:
  const std::string& name() const { return name_; }
  NodeKind kind() const { return kind_; }
  bool is_leaf() const { return kind_ != NodeKind::op; }
  // The op of an op node; nullptr for leaves.
  const Op* op() const { return op_.get(); }
  Op* op() { return op_.get(); }
  // Registered op name, or the leaf kind ("input", "parameter", "constant").
  std::string_view op_name() const;
  std::span<const int> inputs() const { return inputs_; }
  const Shape& shape() const { return shape_; }
  DType dtype() const { return dtype_; }

  bool has_value() const { return has_value_; }
  // Throws Error when the node has not been evaluated yet.
  const TensorView& value() const;
  // The leaf epoch (Graph::epoch) at which the value was computed.
  std::uint64_t value_epoch() const { return value_epoch_; }
  // Whether some backward run wrote a gradient here (fresh or stale).
  bool has_grad() const { return grad_generation_ != 0; }
  // Throws Error, saying why, when the node has no gradient.
  const TensorView& grad() const;
  // The gradient generation (Graph::grad_generation) that wrote the gradient.
  std::uint64_t grad_generation() const { return grad_generation_; }
  // A leaf the user asked gradients for (parameters always; inputs on request).
  bool requires_grad() const { return requires_grad_; }

 private:
  friend class Graph;
  friend class Executor;
  std::string name_;
  NodeKind kind_ = NodeKind::op;
  DType dtype_ = DType::float64;
  bool has_value_ = false;
  bool requires_grad_ = false;
  std::unique_ptr<Op> op_;
  std::vector<int> inputs_;
  Shape shape_;
  // The node's own storage, written only through copies, never re-pointed.
  // Leaves hold their value here; op nodes hold the value a keeping forward
  // run computed. Empty (no buffer) until something is stored.
  Tensor value_ = Tensor(Shape{0});
  // Zero-copy ops (Op::output_views_input): the value is `alias_`, a view
  // of the input's buffer in this node's shape, when the last run set it so.
  TensorView alias_;
  bool aliased_ = false;
  const TensorView& current_value() const { return aliased_ ? alias_ : static_cast<const TensorView&>(value_); }
  // Leaf gradients, retained gradients and scalar outputs' seeds.
  Tensor grad_ = Tensor(Shape{0});
  std::uint64_t value_epoch_ = 0;
  std::uint64_t grad_generation_ = 0;
};

struct BackwardOptions {
  // Keep the gradient of every intermediate node (for diagrams and
  // debugging). Off: intermediate gradients share re-used buffers and only
  // leaves and the output keep theirs.
  bool retain_grads = false;
  // Add this pass's gradients to the leaves' gradients instead of replacing
  // them (gradient accumulation over several backward calls; zero_grad()
  // first). By default each backward pass replaces leaf gradients, so no
  // zero_grad() is needed between steps.
  bool accumulate = false;
  // Anomaly mode: after each step, check the gradients it wrote; the first
  // one holding NaN or Inf throws NonFiniteError naming the node.
  bool check_finite = false;
};

struct ForwardOptions {
  // Keep every intermediate value (needed for backward, diagrams and
  // per-node gradient checks). Off: an inference run that keeps only the
  // requested outputs, with intermediates sharing re-used buffers.
  bool keep_intermediates = true;
  // Anomaly mode: after each step, check its output; the first node whose
  // value holds NaN or Inf (from finite inputs or not) throws NonFiniteError
  // naming it, its op and its inputs' shapes and ranges.
  bool check_finite = false;
};

// Bytes a graph holds in tensors.
struct MemoryStats {
  std::int64_t value_bytes = 0;      // leaf and node values
  std::int64_t gradient_bytes = 0;   // gradients owned by nodes
  std::int64_t workspace_bytes = 0;  // re-used buffers held by execution plans
  std::int64_t scratch_bytes = 0;    // buffers ops keep between runs (Op::scratch_bytes: im2col columns, saved gates)
  std::int64_t node_bytes = 0;       // the nodes and plans themselves (structure, not tensors)
  std::int64_t nodes = 0;
  std::int64_t total() const { return value_bytes + gradient_bytes + workspace_bytes + scratch_bytes; }
};

// Whether new graphs run in checked mode: on in Debug builds (of the code
// that makes the graph), off in Release builds.
#ifdef NDEBUG
inline constexpr bool checked_by_default = false;
#else
inline constexpr bool checked_by_default = true;
#endif

// A write handle to a leaf's value: writes go into the leaf's own storage
// (the shape cannot change). Values are written, never re-pointed. Making
// the handle marks the graph's values changed, so the next forward run
// recomputes what depends on the leaf.
class ValueWriter {
 public:
  ValueWriter(const ValueWriter&) = delete;
  ValueWriter& operator=(const ValueWriter&) = delete;

  const TensorView& view() const { return view_; }
  template <class T>
  T* data() const { return view_.data<T>(); }
  double* data() const { return view_.data(); }
  double& operator[](std::int64_t i) const { return view_[i]; }
  void set(std::int64_t i, double value) const { view_.set(i, value); }
  void copy_from(const TensorView& values) const { view_.copy_from(values); }
  const Shape& shape() const { return view_.shape(); }
  std::int64_t size() const { return view_.size(); }

 private:
  friend class Graph;
  explicit ValueWriter(const TensorView& view) : view_(view) {}
  TensorView view_;
};

class Graph {
 public:
  Graph();
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // ---- building ----
  // A leaf's dtype is its tensor's.
  Expr input(std::string name, Tensor value, bool requires_grad = false);
  Expr parameter(std::string name, Tensor value);
  Expr constant(Tensor value, std::string name = {});
  // A node of a registered op, by name; the shape rule runs here and throws
  // ShapeError as `op "name": ...`.
  Expr apply(std::string_view op_name, std::vector<Expr> inputs, const Attrs& attrs = {},
             std::string name = {});
  // A node of an op object (user-defined ops need no registration).
  Expr add_op(std::unique_ptr<Op> op, std::vector<Expr> inputs, std::string name = {});

  // Names given while a scope lives are prefixed "scope/": clusters in
  // diagrams and "layer1/W" parameter names come from here.
  class NameScope {
   public:
    NameScope(Graph& graph, std::string_view prefix);
    ~NameScope();
    NameScope(const NameScope&) = delete;
    NameScope& operator=(const NameScope&) = delete;

   private:
    Graph& graph_;
    std::size_t previous_size_;
  };
  NameScope name_scope(std::string_view prefix) { return NameScope(*this, prefix); }

  // ---- leaves ----
  // Copies new values into a leaf's own storage, converting them to the
  // leaf's dtype. A new shape is allowed: the shapes of the nodes that
  // depend on it are inferred again at the next forward run.
  void set_value(Expr leaf, const TensorView& value);
  // Writes a parameter's or input's values in place (optimizers).
  ValueWriter write_value(Expr leaf);
  void set_requires_grad(Expr leaf, bool requires_grad);
  // Sets every leaf gradient to zero and starts a new gradient generation
  // (for BackwardOptions::accumulate): a leaf counts as having a fresh
  // gradient again only once a backward run reaches it.
  void zero_grad();

  // ---- running (core/engine/executor.cpp) ----
  // Evaluates exactly the nodes the outputs need, in topological order.
  const TensorView& forward(Expr output, const ForwardOptions& options = {});
  void forward(std::span<const Expr> outputs, const ForwardOptions& options = {});
  // Backward from a scalar output (seed 1), after forward(output).
  void backward(Expr output, const BackwardOptions& options = {});
  // Backward from any output, with dL/doutput given. The seed is read in
  // place, not copied; a non-leaf, non-scalar output then keeps no gradient
  // of its own (as in PyTorch) unless options.retain_grads.
  void backward(Expr output, const TensorView& seed, const BackwardOptions& options = {});
  // A training step's forward(output) and backward(output, options) in one
  // call, from a scalar output (seed 1); returns the output's value. Values
  // and gradients are those of the two calls, to rounding (the loss is
  // summed block by block). Fusion: a chain of row-block ops ending in a
  // loss that is a sum over rows (sigmoid, softmax, normalize_rows, l2; see
  // Op::row_blocks) runs a block of rows at a time, forward then backward,
  // so its intermediates never leave the cache; the chain's nodes then keep
  // no value (call forward() for diagrams or per-node checks). Checked mode,
  // check_finite and retain_grads run the two calls unfused.
  const TensorView& forward_backward(Expr output, const BackwardOptions& options = {});

  // Checked mode of the op contract: every step runs against guarded,
  // poisoned copies of its output and gradient slots, which are verified
  // afterwards; a violation throws ContractError naming the op, the node and
  // the slot. Slower and allocating; on by default in Debug builds.
  void set_checked(bool checked) { checked_ = checked; }
  bool checked() const { return checked_; }

  // Training or evaluation mode (training by default, as a PyTorch module).
  // The graph passes the mode to every op node (Op::set_training), and to
  // each op node built later: ops that behave differently in the two modes
  // (dropout: identity in evaluation; batch normalization: batch statistics
  // in training, running statistics in evaluation) read it there. Changing
  // the mode starts a new epoch, so values computed in the old mode count as
  // stale (backward refuses them until forward runs again).
  void set_training(bool training);
  bool training() const { return training_; }

  // ---- generations ----
  // Bumped whenever a leaf value changes: a node's value is fresh when its
  // value_epoch() equals it.
  std::uint64_t epoch() const { return epoch_; }
  // The current gradient generation: a backward run without accumulate (or
  // zero_grad) starts a new one; accumulating runs add to the current one.
  std::uint64_t grad_generation() const { return grad_generation_; }
  bool value_is_fresh(Expr expr) const;
  // Whether the node's gradient was written in the current gradient
  // generation (by the last backward run, or since zero_grad when
  // accumulating). Optimizers step only parameters whose gradient is fresh.
  bool grad_is_fresh(Expr expr) const;

  // ---- inspecting ----
  int size() const { return int(nodes_.size()); }
  const Node& node(int id) const;
  Node& node(int id);
  const Node& node(Expr expr) const;
  Expr expr(int id);
  // The node of a name; throws Error naming it when there is none.
  Expr find(std::string_view name);
  std::optional<Expr> try_find(std::string_view name);
  std::vector<Expr> parameters();
  std::vector<Expr> inputs();
  // Node ids the outputs depend on (the outputs included), in the order the
  // executor runs them: the same graph always gives the same order.
  std::vector<int> topological_order(std::span<const int> outputs) const;
  MemoryStats memory_stats() const;
  // Throws Error unless `expr` is a live node of this graph; `what` starts
  // the message ("backward", "add \"h\": input 1").
  void check_expr(const Expr& expr, std::string_view what) const;

 private:
  friend class Executor;
  friend class Expr;

  int add_node(Node node);
  Expr add_leaf(NodeKind kind, std::string name, Tensor value, bool requires_grad);
  std::string unique_name(std::string name, std::string_view stem);
  Node& leaf_to_write(Expr leaf, std::string_view what);

  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, int, std::less<>> names_;
  std::shared_ptr<detail::GraphLife> life_;
  std::unique_ptr<Executor> executor_;
  std::string scope_;
  bool checked_ = checked_by_default;
  bool training_ = true;
  std::uint64_t epoch_ = 1;            // bumped whenever a leaf value changes
  std::uint64_t shape_version_ = 1;    // bumped whenever a leaf shape changes
  std::uint64_t grad_version_ = 1;     // bumped whenever requires_grad changes
  std::uint64_t grad_generation_ = 0;  // see grad_generation()
};

}  // namespace dagrad

// Graph, Node and Expr: the expression graph and its topological executor.
//
// A Graph owns its nodes; user code holds light Expr handles (a graph pointer
// and a node id). Nodes are never removed, and a node's inputs never change,
// so an execution plan, once built for a set of outputs, stays valid.
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

enum class NodeKind { input, parameter, constant, op };
// "input", "parameter", "constant" or "op".
std::string_view to_string(NodeKind kind);

// A handle to one node of a graph. Cheap to copy; valid while its graph lives.
class Expr {
 public:
  Expr() = default;
  Expr(Graph* graph, int id) : graph_(graph), id_(id) {}

  Graph& graph() const;
  int id() const { return id_; }
  bool valid() const { return graph_ != nullptr; }

  const std::string& name() const;
  const Shape& shape() const;
  // The value from the last forward run (a leaf's value at any time).
  const TensorView& value() const;
  // The gradient from the last backward run.
  const TensorView& grad() const;

  friend bool operator==(const Expr& a, const Expr& b) { return a.graph_ == b.graph_ && a.id_ == b.id_; }

 private:
  Graph* graph_ = nullptr;
  int id_ = -1;
};

// One node. Read-only to users; the graph fills it in.
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

  bool has_value() const { return has_value_; }
  // Throws Error when the node has not been evaluated yet.
  const TensorView& value() const;
  bool has_grad() const { return has_grad_; }
  // Throws Error, saying why, when the node has no gradient.
  const TensorView& grad() const;
  // A leaf the user asked gradients for (parameters always; inputs on request).
  bool requires_grad() const { return requires_grad_; }

 private:
  friend class Graph;
  std::string name_;
  NodeKind kind_ = NodeKind::op;
  std::unique_ptr<Op> op_;
  std::vector<int> inputs_;
  Shape shape_;
  // Empty (no buffer) until the executor sizes them, so memory_stats()
  // counts only what runs need.
  Tensor value_storage_ = Tensor(Shape{0});
  TensorView value_;
  Tensor grad_storage_ = Tensor(Shape{0});  // leaves, outputs and retained gradients
  TensorView grad_;      // into grad_storage_ or a plan's buffer
  std::uint64_t value_epoch_ = 0;  // Graph::epoch_ when value_ was computed
  bool has_value_ = false;
  bool has_grad_ = false;
  bool requires_grad_ = false;
  bool grad_is_owned_ = false;
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
};

struct ForwardOptions {
  // Keep every intermediate value (needed for backward, diagrams and
  // per-node gradient checks). Off: an inference run that keeps only the
  // requested outputs, with intermediates sharing re-used buffers.
  bool keep_intermediates = true;
};

// Bytes a graph holds in tensors.
struct MemoryStats {
  std::int64_t value_bytes = 0;      // leaf and node values
  std::int64_t gradient_bytes = 0;   // gradients owned by nodes
  std::int64_t workspace_bytes = 0;  // re-used buffers held by execution plans
  std::int64_t total() const { return value_bytes + gradient_bytes + workspace_bytes; }
};

class Graph {
 public:
  Graph();
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // ---- building ----
  Expr input(std::string name, Tensor value, bool requires_grad = false);
  Expr parameter(std::string name, Tensor value);
  Expr constant(Tensor value, std::string name = {});
  // A node of a registered op, by name; the shape rule runs here and throws
  // ShapeError as `op "name": ...`.
  Expr apply(std::string_view op_name, std::vector<Expr> inputs, const Attrs& attrs = {},
             std::string name = {});
  // A node of an op object (user-defined ops need no registration).
  Expr add(std::unique_ptr<Op> op, std::vector<Expr> inputs, std::string name = {});

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
  // Copies new values into a leaf. A new shape is allowed: the shapes of the
  // nodes that depend on it are inferred again at the next forward run.
  void set_value(Expr leaf, const TensorView& value);
  // Writable value of a parameter or input (optimizers update in place).
  TensorView& mutable_value(Expr leaf);
  void set_requires_grad(Expr leaf, bool requires_grad);
  // Sets every leaf gradient to zero (needed only with BackwardOptions::accumulate).
  void zero_grad();

  // ---- running ----
  // Evaluates exactly the nodes the outputs need, in topological order.
  const TensorView& forward(Expr output, const ForwardOptions& options = {});
  void forward(std::span<const Expr> outputs, const ForwardOptions& options = {});
  // Backward from a scalar output (seed 1), after forward(output).
  void backward(Expr output, const BackwardOptions& options = {});
  // Backward from any output, with dL/doutput given. The seed is read in
  // place, not copied; a non-leaf, non-scalar output then keeps no gradient
  // of its own (as in PyTorch) unless options.retain_grads.
  void backward(Expr output, const TensorView& seed, const BackwardOptions& options = {});

  // ---- inspecting ----
  int size() const { return int(nodes_.size()); }
  const Node& node(int id) const;
  Node& node(int id);
  const Node& node(Expr expr) const { return node(expr.id()); }
  Expr expr(int id) { return Expr(this, id); }
  // The node of a name; throws Error naming it when there is none.
  Expr find(std::string_view name);
  std::optional<Expr> try_find(std::string_view name);
  std::vector<Expr> parameters();
  std::vector<Expr> inputs();
  // Node ids the outputs depend on (the outputs included), in the order the
  // executor runs them: the same graph always gives the same order.
  std::vector<int> topological_order(std::span<const int> outputs) const;
  // Whether `from` reaches `to` through the graph's edges.
  bool depends_on(int to, int from) const;
  MemoryStats memory_stats() const;

 private:
  struct ForwardPlan;
  struct BackwardPlan;
  friend class Expr;

  int add_node(Node node);
  std::string unique_name(std::string name, std::string_view stem);
  void check_expr(Expr expr, std::string_view what) const;
  ForwardPlan& forward_plan(std::span<const int> outputs, bool keep_intermediates);
  BackwardPlan& backward_plan(int output, const BackwardOptions& options);
  void prepare(ForwardPlan& plan);
  void run_backward(Expr output, const TensorView* seed, const BackwardOptions& options);

  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, int, std::less<>> names_;
  std::vector<std::unique_ptr<ForwardPlan>> forward_plans_;
  std::vector<std::unique_ptr<BackwardPlan>> backward_plans_;
  std::string scope_;
  std::uint64_t epoch_ = 1;          // bumped whenever a leaf value changes
  std::uint64_t shape_version_ = 1;  // bumped whenever a leaf shape changes
  std::uint64_t grad_version_ = 1;   // bumped whenever requires_grad changes
  // The last forward run, when it kept intermediates, and the epoch it ran
  // at: backward skips per-node checks of values that run made current.
  const ForwardPlan* last_full_forward_ = nullptr;
  std::uint64_t last_full_forward_epoch_ = 0;
};

}  // namespace dagrad

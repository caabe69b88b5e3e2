// The op contract: what one op in ops/ provides, and the registry that finds
// ops by name. Stated once, here, with its invariants.
//
// An Op object belongs to one graph node. It holds the op's attributes (such
// as reshape's target shape) and any state its backward needs that is not
// the node's output (such as normalize_rows' row norms), kept in members that
// are sized once and re-used on every later run.
//
// Who does what:
//  - The graph calls infer_shape once, when the node is built (and again if
//    an input's shape changes). It throws ShapeError with a message that does
//    not repeat the op or node; the graph prefixes `op "node": `.
//  - The graph allocates the output and every gradient buffer. forward()
//    overwrites `output` completely; it never allocates once warm.
//  - backward() receives the inputs and output as forward left them and the
//    gradient dy of the output. For each input i with `input_grads[i].needed`
//    it writes dL/dinput_i into `input_grads[i].grad`: assigning when
//    `accumulate` is false, adding when it is true (the first contribution to
//    a gradient assigns, later ones add, so nothing is zero-filled first).
//    Slots may alias each other (an input used twice, as in mul(x, x)): write
//    them in order and never read a gradient slot.
//  - Inputs, output and output gradient are read-only in backward.
//  - An op declares its arity once (arity(); the graph checks the count
//    before the shape rule runs) and its output dtype (infer_dtype; by
//    default all inputs share one dtype and the output has it).
//  - Kernels are written once for float32 and float64: derive from
//    TypedOp<YourOp> and write `template <class T> forward_as(...)` and
//    `backward_as(...)`; the dispatch on the output's dtype is TypedOp's.
//  - Checked mode (Graph::set_checked, on in Debug builds and in every
//    gradient check) runs each step against guarded, poisoned copies of the
//    output and slots: a write to an unneeded slot, outside a slot or the
//    output, or an assigned slot left (partly) unwritten or read before
//    written, throws ContractError naming the op, the node and the slot.
//  - Symbolic backward (higher-order gradients, dagrad/autodiff.hpp): next
//    to its kernel backward an op may write its vector-Jacobian product
//    with other ops, as new nodes of the same graph. symbolic_backward gets
//    the op node's inputs, its output and the Expr of dL/doutput, and
//    returns one Expr per input: dL/dinput_i with input i's shape and dtype
//    where `needed[i]`, an empty Expr elsewhere (and for inputs that are not
//    differentiable). It adds nodes only (never changes existing ones) and
//    must compute what backward() computes: the gradient checker compares
//    the two at the op's examples. Broadcast gradients are summed back with
//    sum_to_shape(Expr, Shape) of dagrad/autodiff.hpp. The default throws
//    Error "op "X" has no symbolic backward", so grad(..., create_graph)
//    through such an op fails by name, while first-order training (the
//    kernels) is unaffected.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dagrad/tensor.hpp"

namespace dagrad {

class Expr;
class Graph;

// An op attribute value: what graph files can store in "attrs".
using AttrValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>>;

// An op's attributes by name, sorted, so that saving is deterministic.
class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<const std::string, AttrValue>> values) : values_(values) {}

  void set(const std::string& key, AttrValue value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  bool empty() const { return values_.empty(); }
  const std::map<std::string, AttrValue>& values() const { return values_; }

  // Typed reads; `op` names the op in the error when the attribute is
  // missing or of the wrong type. An int64 attribute is accepted where a
  // double is asked for.
  std::int64_t get_int(std::string_view op, const std::string& key) const;
  std::int64_t get_int(std::string_view op, const std::string& key, std::int64_t fallback) const;
  bool get_bool(std::string_view op, const std::string& key, bool fallback) const;
  double get_double(std::string_view op, const std::string& key, double fallback) const;
  std::vector<std::int64_t> get_ints(std::string_view op, const std::string& key) const;
  std::string get_string(std::string_view op, const std::string& key) const;
  // Throws if any attribute is not in `known` (catches typos in graph files).
  void expect_only(std::string_view op, std::initializer_list<std::string_view> known) const;

  friend bool operator==(const Attrs&, const Attrs&) = default;

 private:
  std::map<std::string, AttrValue> values_;
};

// One gradient an op's backward writes (see the contract above).
struct GradientSlot {
  TensorView grad;
  bool needed = false;
  bool accumulate = false;
};

class Op {
 public:
  virtual ~Op() = default;

  // The registered name ("sigmoid").
  virtual std::string_view name() const = 0;
  // Number of inputs, or -1 for any number (the default, for ops written
  // before arity existed); the graph checks the count before infer_shape.
  virtual int arity() const { return -1; }
  // Output shape from the input shapes (their count already checked);
  // throws ShapeError.
  virtual Shape infer_shape(std::span<const Shape> inputs) const = 0;
  // Output dtype from the input dtypes: by default all inputs must share one
  // dtype (mixing is an error; cast() converts), which the output has.
  virtual DType infer_dtype(std::span<const DType> inputs) const;
  virtual void forward(std::span<const TensorView> inputs, TensorView output) = 0;
  virtual void backward(std::span<const TensorView> inputs, const TensorView& output,
                        const TensorView& output_grad, std::span<GradientSlot> input_grads) = 0;
  // The vector-Jacobian product written with ops (see the contract above);
  // the default throws Error naming the op.
  virtual std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> inputs, const Expr& output,
                                              const Expr& output_grad, std::span<const bool> needed) const;

  // Attributes to save in a graph file; the registry's factory rebuilds the
  // op from them.
  virtual Attrs attrs() const { return {}; }
  // Text for diagrams: the op name plus any attribute that matters.
  virtual std::string label() const { return std::string(name()); }
  // Whether a gradient flows to input i (class labels, for example, get none).
  virtual bool differentiable(int input_index) const { (void)input_index; return true; }

  // Zero-copy ops (reshape): true when the output is input 0's elements, in
  // the same order, in the output's shape. The executor then points the
  // output at input 0's buffer and does not call forward (backward still
  // runs). An op saying so must still implement forward as that copy: it
  // runs where the input's buffer is a transient one of an inference plan.
  virtual bool output_views_input() const { return false; }

  // Row blocks, for fusion (Graph::forward_backward runs a chain of such ops
  // a block of rows at a time, forward then backward, while the block is in
  // cache). A row is an index along the first axis. At the given input
  // shapes an op may answer
  //  - rows: every input and the output have one shape, and forward and
  //    backward called with views of rows [r0, r1) of each compute exactly
  //    those rows (state kept for backward need only hold the last block's);
  //  - sum_of_rows: the inputs have one shape, the output is a scalar that
  //    is a sum over rows; forward on a block writes that block's sum, and
  //    backward on a block, given dL/doutput (and, as its output, that
  //    block's sum), writes the block's rows of the input gradients.
  enum class RowBlocks { no, rows, sum_of_rows };
  virtual RowBlocks row_blocks(std::span<const Shape> inputs) const {
    (void)inputs;
    return RowBlocks::no;
  }

  // Training or evaluation mode (Graph::set_training): the graph calls this
  // on every op node when the mode changes and on each new node, before any
  // forward run. Most ops compute the same function in both modes and
  // ignore it; an op that does not (dropout, batch normalization) keeps the
  // flag and reads it in forward. The graph starts a new epoch on a change,
  // so no value computed in the old mode is reused.
  virtual void set_training(bool training) { (void)training; }

  // Non-smooth points. An op with kinks (abs in l1, relu) returns, for
  // element e of its first input's shape, the signed offset of that element
  // from the kink (x for relu, yhat - y for l1); perturbing element e of any
  // input moves only kink point e. Gradient checks skip elements within eps
  // of a kink and report them as skipped.
  virtual bool has_kinks() const { return false; }
  virtual double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const {
    (void)inputs, (void)element;
    return std::numeric_limits<double>::infinity();
  }

  // Bytes of the buffers the op keeps from run to run (conv2d's im2col
  // columns, lstm's saved gates, max_pool2d's argmax indices), which
  // Graph::memory_stats counts as scratch_bytes. An op with such members
  // returns scratch_bytes_of(them...).
  virtual std::int64_t scratch_bytes() const { return 0; }
};

// The storage of tensors and vectors, for Op::scratch_bytes.
inline std::int64_t scratch_bytes_of(const Tensor& tensor) { return tensor.storage_bytes(); }
template <class Element>
std::int64_t scratch_bytes_of(const std::vector<Element>& elements) {
  return std::int64_t(elements.capacity() * sizeof(Element));
}
template <class First, class... Rest>
  requires(sizeof...(Rest) > 0)
std::int64_t scratch_bytes_of(const First& first, const Rest&... rest) {
  return scratch_bytes_of(first) + (scratch_bytes_of(rest) + ...);
}

// Kernels written once as templates over the scalar type. An op derives
// from TypedOp<Itself> and defines
//   template <class T> void forward_as(std::span<const TensorView> inputs, TensorView output);
//   template <class T> void backward_as(std::span<const TensorView> inputs, const TensorView& output,
//                                       const TensorView& output_grad, std::span<GradientSlot> grads);
// with T float or double: the output's dtype picks the instance.
template <class Derived>
class TypedOp : public Op {
 public:
  void forward(std::span<const TensorView> inputs, TensorView output) final {
    visit_dtype(output.dtype(), [&]<class T>() { self().template forward_as<T>(inputs, output); });
  }
  void backward(std::span<const TensorView> inputs, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> grads) final {
    visit_dtype(output.dtype(),
                [&]<class T>() { self().template backward_as<T>(inputs, output, output_grad, grads); });
  }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

// An op with one input and an output of that input's shape (the
// elementwise functions, softmax and the other row-wise ops).
template <class Derived>
class UnaryOp : public TypedOp<Derived> {
 public:
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
};

// A unary op applied element by element, with no state: any block of rows
// is computed alone (Op::RowBlocks::rows), so fusion may run it in blocks.
template <class Derived>
class ElementwiseOp : public UnaryOp<Derived> {
 public:
  Op::RowBlocks row_blocks(std::span<const Shape> inputs) const override {
    return inputs[0].rank() >= 1 ? Op::RowBlocks::rows : Op::RowBlocks::no;
  }
};

// A ready-made gradient-check case that an op offers to the suite runner
// (`dagrad gradcheck`) and to its own tests: input values plus attributes.
struct OpExample {
  std::vector<Tensor> inputs;
  Attrs attrs;
  std::string description;  // shape summary for reports; filled in if empty
};

using Rng = std::mt19937_64;

// The shapes every op should be checked at: (1, 1), (1, n), (n, 1), (m, n)
// and a rank-3 shape, with small random m and n.
std::vector<Shape> standard_shapes(Rng& rng);
// Normal(0, 1) values; uniform values in [low, high).
Tensor random_normal(const Shape& shape, Rng& rng);
Tensor random_uniform(const Shape& shape, Rng& rng, double low, double high);
// One case per standard shape, with `input_count` normal inputs of that shape
// (the default examples of a unary op; pairs for same-shape losses).
std::vector<OpExample> same_shape_examples(Rng& rng, int input_count);
// One case per standard shape, one input uniform in [low, high) (ops defined
// only for positive inputs, such as log and sqrt).
std::vector<OpExample> uniform_examples(Rng& rng, double low, double high);

struct OpInfo {
  std::string name;
  std::function<std::unique_ptr<Op>(const Attrs&)> make;
  // Gradient-check cases at random shapes; default: one normal input at
  // each standard shape.
  std::function<std::vector<OpExample>(Rng&)> examples;
};

// All ops by name. Built-in ops register themselves (see DAGRAD_REGISTER_OP);
// a user's op is added with OpRegistry::global().add<MyOp>("my_op").
// Thread safety: lookups may run concurrently, and add() may run while
// other threads look ops up or build graphs (a lock inside serializes it).
class OpRegistry {
 public:
  static OpRegistry& global();

  void add(OpInfo info);
  template <class OpType>
  void add(std::string name) {
    OpInfo info;
    info.name = std::move(name);
    info.make = [](const Attrs& attrs) -> std::unique_ptr<Op> {
      if constexpr (std::is_constructible_v<OpType, const Attrs&>) {
        return std::make_unique<OpType>(attrs);
      } else {
        attrs.expect_only(OpType{}.name(), {});
        return std::make_unique<OpType>();
      }
    };
    if constexpr (requires(Rng& rng) { OpType::examples(rng); }) info.examples = &OpType::examples;
    add(std::move(info));
  }

  // Throws Error listing the known names when `name` is not registered.
  const OpInfo& find(std::string_view name) const;
  bool contains(std::string_view name) const;
  std::unique_ptr<Op> make(std::string_view name, const Attrs& attrs = {}) const;
  // Registered names, sorted.
  std::vector<std::string> names() const;

 private:
  OpRegistry();
  std::map<std::string, OpInfo, std::less<>> ops_;
};

}  // namespace dagrad

// Registers the op class `OpClass` under `op_name` (an identifier equal to
// the file name in ops/). The build collects every ops/*.cpp and calls the
// function this defines, so no list of ops is kept by hand.
#define DAGRAD_REGISTER_OP(op_name, OpClass)                              \
  void dagrad_register_op_##op_name(::dagrad::OpRegistry& registry) {   \
    registry.add<OpClass>(#op_name);                                     \
  }

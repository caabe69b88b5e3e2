#include "run_checks.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace dagrad {

[[noreturn]] void rethrow_naming_node(const Error& error, const Node& node) {
  std::string message = fmt::format("{} \"{}\": {}", node.op_name(), node.name(), error.what());
  if (dynamic_cast<const ShapeError*>(&error)) throw ShapeError(message);
  if (dynamic_cast<const FileError*>(&error)) throw FileError(message);
  if (dynamic_cast<const LimitError*>(&error)) throw LimitError(message);
  if (dynamic_cast<const ContractError*>(&error)) throw ContractError(message);
  throw Error(message);
}

namespace {

// Quiet NaNs with a payload no computation makes. Quiet, so that an op that
// adds to a poisoned slot (instead of assigning) carries the payload along
// and is caught by the same comparison as one that never wrote it.
constexpr std::uint64_t poison64 = 0x7FF8DEADBEEF5A5Aull;
constexpr std::uint32_t poison32 = 0x7FDEAD5Au;
// Guard elements before and after every checked buffer.
constexpr std::int64_t guard = 16;

// A buffer of `elements` elements of `dtype` with guard regions on both
// sides, all poisoned. body() is the part an op may see.
class GuardedBuffer {
 public:
  GuardedBuffer(const Shape& shape, DType dtype)
      : shape_(shape), storage_(Shape{shape.elements() + 2 * guard}, dtype) {
    poison(0, storage_.size());
  }
  TensorView body() const {
    char* base = static_cast<char*>(storage_.view().raw());
    return TensorView(shape_, base + guard * std::int64_t(size_of(storage_.dtype())), storage_.dtype());
  }
  bool is_poison(std::int64_t i) const {  // i indexes the whole storage
    const char* base = static_cast<const char*>(storage_.view().raw());
    if (storage_.dtype() == DType::float32) {
      std::uint32_t bits;
      std::memcpy(&bits, base + i * 4, 4);
      return bits == poison32;
    }
    std::uint64_t bits;
    std::memcpy(&bits, base + i * 8, 8);
    return bits == poison64;
  }
  void poison(std::int64_t from, std::int64_t to) {
    char* base = static_cast<char*>(storage_.view().raw());
    for (std::int64_t i = from; i < to; ++i) {
      if (storage_.dtype() == DType::float32) std::memcpy(base + i * 4, &poison32, 4);
      else std::memcpy(base + i * 8, &poison64, 8);
    }
  }
  void poison_body() { poison(guard, guard + shape_.elements()); }
  // The first guard element written (its index relative to the body: below
  // 0 before it, at or past the size after it), if any.
  std::optional<std::int64_t> first_guard_written() const {
    std::int64_t n = storage_.size();
    for (std::int64_t i = 0; i < guard; ++i) {
      if (!is_poison(i)) return i - guard;
    }
    for (std::int64_t i = n - guard; i < n; ++i) {
      if (!is_poison(i)) return i - guard;
    }
    return std::nullopt;
  }
  // The first body element still poisoned (never written, or read before
  // being written), or -1.
  std::int64_t first_poisoned() const {
    for (std::int64_t i = 0; i < shape_.elements(); ++i) {
      if (is_poison(guard + i)) return i;
    }
    return -1;
  }
  // The first body element not poisoned (written), or -1.
  std::int64_t first_written() const {
    for (std::int64_t i = 0; i < shape_.elements(); ++i) {
      if (!is_poison(guard + i)) return i;
    }
    return -1;
  }

 private:
  Shape shape_;
  Tensor storage_;
};

std::string slot_name(const Graph& graph, const Node& node, std::size_t slot) {
  return fmt::format("gradient slot {} (input \"{}\")", slot, graph.node(node.inputs()[slot]).name());
}

[[noreturn]] void contract_violation(const Node& node, const std::string& what) {
  throw ContractError(fmt::format("{} \"{}\": breaks the op contract: {}", node.op_name(), node.name(), what));
}

struct Range {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  std::int64_t non_finite = 0;
  std::int64_t first_non_finite = -1;
};

Range range_of(const TensorView& t) {
  Range r;
  visit_dtype(t.dtype(), [&]<class T>() {
    const T* data = t.data<T>();
    for (std::int64_t i = 0; i < t.size(); ++i) {
      double v = double(data[i]);
      if (!std::isfinite(v)) {
        if (r.non_finite++ == 0) r.first_non_finite = i;
        continue;
      }
      r.low = std::min(r.low, v);
      r.high = std::max(r.high, v);
    }
  });
  return r;
}

// "nan", "inf" or "-inf" (fmt would print "-nan" for a NaN with its sign bit set).
std::string number(double v) { return std::isnan(v) ? "nan" : fmt::format("{}", v); }

std::string describe(const Range& r) {
  std::string text = r.low <= r.high ? fmt::format("in [{:.6g}, {:.6g}]", r.low, r.high) : "with no finite value";
  if (r.non_finite > 0) text += fmt::format(", {} non-finite", r.non_finite);
  return text;
}

}  // namespace

void run_forward_checked(const Node& node, Op& op, std::span<const TensorView> inputs, const TensorView& output) {
  GuardedBuffer scratch(output.shape(), output.dtype());
  op.forward(inputs, scratch.body());
  if (auto outside = scratch.first_guard_written()) {
    contract_violation(node, fmt::format("forward wrote outside its output of shape {} (element {})", output.shape(),
                                         *outside));
  }
  if (std::int64_t unwritten = scratch.first_poisoned(); unwritten >= 0) {
    contract_violation(node, fmt::format("forward left element {} of its output (shape {}) unwritten", unwritten,
                                         output.shape()));
  }
  output.copy_from(scratch.body());
}

void run_backward_checked(const Graph& graph, const Node& node, Op& op, std::span<const TensorView> inputs,
                          const TensorView& output, const TensorView& output_grad, std::span<GradientSlot> slots) {
  const std::size_t n = slots.size();
  std::vector<std::unique_ptr<GuardedBuffer>> buffers(n);
  std::vector<std::size_t> owner(n);  // the slot whose buffer slot i uses (aliases share one)
  std::vector<GradientSlot> checked(slots.begin(), slots.end());
  for (std::size_t i = 0; i < n; ++i) {
    owner[i] = i;
    if (slots[i].needed) {
      for (std::size_t j = 0; j < i; ++j) {
        if (slots[j].needed && slots[j].grad.raw() == slots[i].grad.raw()) {
          owner[i] = j;
          break;
        }
      }
    }
    if (owner[i] == i) {
      buffers[i] = std::make_unique<GuardedBuffer>(slots[i].grad.shape(), slots[i].grad.dtype());
      if (slots[i].needed && slots[i].accumulate) buffers[i]->body().copy_from(slots[i].grad);
    }
    checked[i].grad = buffers[owner[i]]->body();
  }
  op.backward(inputs, output, output_grad, checked);
  for (std::size_t i = 0; i < n; ++i) {
    if (owner[i] != i) continue;
    const GuardedBuffer& buffer = *buffers[i];
    if (auto outside = buffer.first_guard_written()) {
      contract_violation(node, fmt::format("backward wrote outside {} of shape {} (element {})",
                                           slot_name(graph, node, i), slots[i].grad.shape(), *outside));
    }
    if (!slots[i].needed) {
      if (std::int64_t written = buffer.first_written(); written >= 0) {
        contract_violation(node, fmt::format("backward wrote {}, which is not needed (element {})",
                                             slot_name(graph, node, i), written));
      }
    } else if (!slots[i].accumulate) {
      if (std::int64_t unwritten = buffer.first_poisoned(); unwritten >= 0) {
        contract_violation(node, fmt::format("backward left element {} of {} unwritten, or read it before writing "
                                             "(a slot with accumulate = false must be assigned)",
                                             unwritten, slot_name(graph, node, i)));
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (owner[i] == i && slots[i].needed) slots[i].grad.copy_from(buffers[i]->body());
  }
}

void check_value_finite(const Node& node, std::span<const TensorView> inputs, const TensorView& output) {
  Range out = range_of(output);
  if (out.non_finite == 0) return;
  std::string described = inputs.empty() ? "no inputs" : "";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    described += fmt::format("{}input {} {} {} {}", i == 0 ? "" : "; ", i, inputs[i].shape(), inputs[i].dtype(),
                             describe(range_of(inputs[i])));
  }
  throw NonFiniteError(
      fmt::format("{} \"{}\": the first non-finite value: element {} of its output (shape {}) is {}; {}",
                  node.op_name(), node.name(), out.first_non_finite, output.shape(),
                  number(output.get(out.first_non_finite)), described),
      node.name());
}

void check_gradients_finite(const Graph& graph, const Node& node, std::span<const GradientSlot> slots) {
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!slots[i].needed) continue;
    Range r = range_of(slots[i].grad);
    if (r.non_finite == 0) continue;
    throw NonFiniteError(
        fmt::format("{} \"{}\": the first non-finite gradient: its backward wrote {} into the gradient of input {} "
                    "\"{}\" (shape {}, element {})",
                    node.op_name(), node.name(), number(slots[i].grad.get(r.first_non_finite)), i,
                    graph.node(node.inputs()[i]).name(), slots[i].grad.shape(), r.first_non_finite),
        node.name());
  }
}

}  // namespace dagrad

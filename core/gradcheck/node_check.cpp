// One node's backward, alone, on copies of the values the forward pass
// recorded: the scalar differentiated is u . op(inputs) for a random
// upstream gradient u. The backward runs into guarded slots the checker owns
// (never the engine's buffers), once per slot configuration:
//
//   all differentiable inputs needed, assigning   the reference, compared
//                                                 with finite differences
//   all needed, adding onto random values         must add the reference
//   each input needed alone, assigning / adding   must write only that slot
//   all needed, assign and add alternating        (and the other way round)
//
// Unneeded slots and a guard region around every slot hold a poison bit
// pattern that must survive; assigning slots start as NaN, so a backward
// that reads its slot or leaves an element unwritten shows it.
#include "node_check.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "numerics.hpp"

namespace dagrad::gradcheck_internal {
namespace {

constexpr std::int64_t guard_elements = 64;
// Quiet NaNs with payloads nothing computes: bit-for-bit checks tell the
// checker's poison from a NaN the backward produced.
const double guard_poison = std::bit_cast<double>(std::uint64_t{0x7ff8'dead'beef'cafe});
const double slot_poison = std::bit_cast<double>(std::uint64_t{0x7ff8'0bad'0bad'0bad});

bool is(double value, double poison) {
  return std::bit_cast<std::uint64_t>(value) == std::bit_cast<std::uint64_t>(poison);
}

// A gradient slot with poisoned guard regions on both sides.
class GuardedSlot {
 public:
  explicit GuardedSlot(const Shape& shape)
      : shape_(shape), size_(shape.elements()), storage_(std::size_t(size_ + 2 * guard_elements), guard_poison) {}
  TensorView view() { return TensorView(shape_, storage_.data() + guard_elements); }
  double& operator[](std::int64_t k) { return storage_[std::size_t(guard_elements + k)]; }
  std::int64_t size() const { return size_; }
  // The first guard element written, as an offset from the slot (negative:
  // before it; >= size: past its end), or nullopt.
  std::optional<std::int64_t> guard_written() const {
    for (std::int64_t k = 0; k < guard_elements; ++k) {
      if (!is(storage_[std::size_t(guard_elements - 1 - k)], guard_poison)) return -1 - k;
      if (!is(storage_[std::size_t(guard_elements + size_ + k)], guard_poison)) return size_ + k;
    }
    return std::nullopt;
  }

 private:
  Shape shape_;
  std::int64_t size_;
  std::vector<double> storage_;
};

struct SlotConfiguration {
  std::vector<char> needed, accumulate;
  std::string description;
};

std::string describe_mode(bool accumulate) { return accumulate ? "adding" : "assigning"; }

std::vector<SlotConfiguration> configurations(std::size_t count, const std::vector<int>& differentiable) {
  std::vector<SlotConfiguration> result;
  auto all = [&](auto accumulate_of, std::string description) {
    SlotConfiguration c{std::vector<char>(count, 0), std::vector<char>(count, 0), std::move(description)};
    for (std::size_t j = 0; j < differentiable.size(); ++j) {
      c.needed[std::size_t(differentiable[j])] = 1;
      c.accumulate[std::size_t(differentiable[j])] = accumulate_of(j) ? 1 : 0;
    }
    result.push_back(std::move(c));
  };
  all([](std::size_t) { return false; }, "every input needed, assigning");  // the reference: first
  all([](std::size_t) { return true; }, "every input needed, adding");
  if (differentiable.size() < 2) return result;
  for (int i : differentiable) {
    for (bool accumulate : {false, true}) {
      SlotConfiguration c{std::vector<char>(count, 0), std::vector<char>(count, 0),
                          fmt::format("only input {} needed, {}", i, describe_mode(accumulate))};
      c.needed[std::size_t(i)] = 1;
      c.accumulate[std::size_t(i)] = accumulate ? 1 : 0;
      result.push_back(std::move(c));
    }
  }
  for (int first_adds : {0, 1}) {
    std::vector<std::string> modes;
    for (std::size_t j = 0; j < differentiable.size(); ++j) {
      modes.push_back(fmt::format("input {} {}", differentiable[j], describe_mode((j + first_adds) % 2 == 1)));
    }
    all([first_adds](std::size_t j) { return (j + std::size_t(first_adds)) % 2 == 1; },
        fmt::format("every input needed, {}", fmt::join(modes, ", ")));
  }
  return result;
}

// A problem with one slot, for the report.
struct Violation {
  int slot = 0;
  std::string message;
  bool unsafe = false;  // could corrupt the engine's memory
};

class NodeHarness {
 public:
  NodeHarness(Graph& graph, int id, Rng& rng) : node_(graph.node(id)), op_(*graph.node(id).op()) {
    for (int input : node_.inputs()) x_.push_back(Tensor::from(graph.node(input).value()));
    views_.assign(x_.begin(), x_.end());
    y_ = Tensor(node_.shape());
    op_.forward(views_, y_);
    upstream_ = random_normal(node_.shape(), rng);
    for (std::size_t i = 0; i < x_.size(); ++i) {
      base_.push_back(random_normal(x_[i].shape(), rng));
      if (op_.differentiable(int(i))) differentiable_.push_back(int(i));
    }
  }

  // Runs every slot configuration; the reference gradients end in
  // reference_ and the problems in violations_.
  void run_configurations() {
    for (const SlotConfiguration& configuration : configurations(x_.size(), differentiable_)) {
      run(configuration, reference_.empty());
    }
  }

  std::vector<Tensor> x_;
  std::vector<TensorView> views_;
  Tensor y_, upstream_;
  std::vector<Tensor> base_, reference_;
  std::vector<int> differentiable_;
  std::vector<Violation> violations_;
  Op& op() { return op_; }
  const Node& node() const { return node_; }

 private:
  void add_violation(int slot, std::string message, bool unsafe) {
    for (const Violation& v : violations_) {
      if (v.slot == slot) return;  // the first problem of a slot is the one to fix
    }
    violations_.push_back({slot, std::move(message), unsafe});
  }

  void run(const SlotConfiguration& c, bool is_reference) {
    std::vector<GuardedSlot> slots;
    std::vector<GradientSlot> views;
    for (std::size_t j = 0; j < x_.size(); ++j) {
      slots.emplace_back(x_[j].shape());
      GuardedSlot& slot = slots.back();
      for (std::int64_t k = 0; k < slot.size(); ++k) {
        slot[k] = c.needed[j] && c.accumulate[j] ? base_[j][k] : slot_poison;
      }
    }
    for (std::size_t j = 0; j < x_.size(); ++j) views.push_back({slots[j].view(), c.needed[j] != 0, c.accumulate[j] != 0});
    try {
      op_.backward(views_, y_, upstream_, views);
    } catch (const std::exception& e) {
      add_violation(differentiable_.empty() ? 0 : differentiable_.front(),
                    fmt::format("the backward threw ({}): {}", c.description, e.what()), true);
      if (is_reference) {
        for (std::size_t j = 0; j < x_.size(); ++j) reference_.emplace_back(x_[j].shape(), std::nan(""));
      }
      return;
    }
    if (is_reference) {
      for (std::size_t j = 0; j < x_.size(); ++j) {
        Tensor copy(x_[j].shape());
        for (std::int64_t k = 0; k < copy.size(); ++k) copy[k] = slots[j][k];
        reference_.push_back(std::move(copy));
      }
    }
    for (std::size_t j = 0; j < x_.size(); ++j) verify(c, int(j), slots[j], is_reference);
  }

  std::string element(std::size_t slot, std::int64_t k) const {
    return fmt::format("[{}]", fmt::join(x_[slot].unravel(k), ", "));
  }

  void verify(const SlotConfiguration& c, int slot, GuardedSlot& buffer, bool is_reference) {
    std::size_t j = std::size_t(slot);
    if (auto written = buffer.guard_written()) {
      add_violation(slot,
                    fmt::format("the backward wrote outside the gradient slot ({} element{} {} it; {})",
                                *written < 0 ? -*written : *written - buffer.size() + 1,
                                (*written < 0 ? -*written : *written - buffer.size() + 1) == 1 ? "" : "s",
                                *written < 0 ? "before" : "past the end of", c.description),
                    true);
      return;
    }
    if (!c.needed[j]) {
      for (std::int64_t k = 0; k < buffer.size(); ++k) {
        if (!is(buffer[k], slot_poison)) {
          add_violation(slot,
                        fmt::format("the backward wrote the gradient slot although it was not needed (element {}; {})",
                                    element(j, k), c.description),
                        true);
          return;
        }
      }
      return;
    }
    for (std::int64_t k = 0; k < buffer.size(); ++k) {
      double value = buffer[k];
      if (is(value, slot_poison)) {
        // Adding to the NaN keeps its bits too, so the two cannot be told apart.
        add_violation(slot,
                      fmt::format("the backward left element {} of the gradient slot unwritten, or read it while "
                                  "assigning (assigning slots start as NaN; {})",
                                  element(j, k), c.description),
                      false);
        return;
      }
      double reference = reference_[j][k];
      if (is_reference) {
        if (std::isnan(value)) {
          add_violation(slot,
                        fmt::format("the gradient is NaN at element {} ({}): a backward that reads its slot "
                                    "when assigning reads the NaN the checker put there",
                                    element(j, k), c.description),
                        false);
          return;
        }
        continue;
      }
      double base = c.accumulate[j] ? base_[j][k] : 0.0;
      double contribution = value - base;
      double tolerance = 1e-12 * (std::abs(reference) + std::abs(base));
      if (!(std::abs(contribution - reference) <= tolerance) && !(std::isnan(reference) && std::isnan(contribution))) {
        add_violation(slot,
                      fmt::format("with {} the backward {} {} at element {}, but {} with every input needed and "
                                  "assigning: the slot configurations of the op contract disagree",
                                  c.description, c.accumulate[j] ? "adds" : "writes", contribution, element(j, k),
                                  reference),
                      false);
        return;
      }
    }
  }

  const Node& node_;
  Op& op_;
};

// Offsets of every kink point of an op, to tell whether a step crossed one.
std::vector<double> kink_offsets(const Op& op, std::span<const TensorView> inputs) {
  std::vector<double> result;
  if (!op.has_kinks() || inputs.empty()) return result;
  for (std::int64_t e = 0; e < inputs[0].size(); ++e) result.push_back(op.kink_offset(inputs, e));
  return result;
}

bool kink_crossed(const std::vector<double>& base, const std::vector<double>& now) {
  for (std::size_t e = 0; e < now.size() && e < base.size(); ++e) {
    if (now[e] == base[e]) continue;
    if (now[e] == 0 || base[e] == 0 || std::signbit(now[e]) != std::signbit(base[e])) return true;
  }
  return false;
}

}  // namespace

bool check_node(Graph& graph, int id, std::span<const int> inputs_to_check, const GradcheckOptions& options,
                Rng& rng, std::vector<NodeCheck>& checks) {
  NodeHarness harness(graph, id, rng);
  harness.run_configurations();
  Op& op = harness.op();
  const Node& node = harness.node();
  std::vector<TensorView>& views = harness.views_;
  const std::vector<double> kinks_at_base = kink_offsets(op, views);
  auto crossed = [&] { return !kinks_at_base.empty() && kink_crossed(kinks_at_base, kink_offsets(op, views)); };
  Tensor plus(node.shape()), minus(node.shape()), scratch(node.shape());
  const double eps = options.eps;
  NoiseAccumulator noise;
  for (int i : harness.differentiable_) noise.add(harness.x_[std::size_t(i)], harness.reference_[std::size_t(i)]);
  const double evaluation_noise = noise.noise();

  std::size_t first = checks.size();
  for (int i : inputs_to_check) {
    Tensor& xi = harness.x_[std::size_t(i)];
    const Tensor& gradient = harness.reference_[std::size_t(i)];
    const Tensor original = Tensor::from(xi);
    std::vector<double> analytic;
    std::vector<NumericDerivative> numeric;
    std::vector<char> skipped;
    std::function<std::vector<std::int64_t>(std::int64_t)> index_of;
    // Element e of any input moves only kink point e (the op contract).
    auto near_kink = [&](std::int64_t k, double h) {
      return k < std::int64_t(kinks_at_base.size()) && std::abs(kinks_at_base[std::size_t(k)]) <= h;
    };
    if (!options.fast) {
      for (std::int64_t k = 0; k < xi.size(); ++k) {
        double x0 = original[k], h = step_for(x0, eps);
        analytic.push_back(gradient[k]);
        if (near_kink(k, h)) {
          numeric.push_back({});
          skipped.push_back(1);
          continue;
        }
        auto evaluate = [&](double t, Tensor& out) {
          xi[k] = x0 + t * h;
          op.forward(views, out);
          return (xi[k] - x0) / h;
        };
        bool kink = false;
        NumericDerivative d = derivative_along(evaluate, harness.upstream_, plus, minus, crossed, &kink, evaluation_noise);
        xi[k] = x0;
        numeric.push_back({d.value / h, d.error / h});
        skipped.push_back(kink ? 1 : 0);
      }
      index_of = [&xi](std::int64_t k) { return xi.unravel(k); };
    } else {
      // Directions w_k = v_k h_k with v normal and scaled to a largest |v_k|
      // of 1, the elements near a kink held still.
      for (int p = 0; p < options.projections; ++p) {
        Tensor w = random_normal(xi.shape(), rng);
        double largest = 0;
        for (double v : w) largest = std::max(largest, std::abs(v));
        double analytic_value = 0;
        for (std::int64_t k = 0; k < w.size(); ++k) {
          double h = step_for(original[k], eps);
          w[k] = near_kink(k, h) ? 0.0 : w[k] / largest * h;
          analytic_value += gradient[k] * w[k];
        }
        analytic.push_back(analytic_value);
        auto evaluate = [&](double t, Tensor& out) {
          for (std::int64_t k = 0; k < xi.size(); ++k) xi[k] = original[k] + t * w[k];
          op.forward(views, out);
          return t;
        };
        bool kink = false;
        numeric.push_back(derivative_along(evaluate, harness.upstream_, plus, minus, crossed, &kink, evaluation_noise));
        xi.copy_from(original);
        skipped.push_back(kink ? 1 : 0);
      }
      index_of = [](std::int64_t p) { return std::vector<std::int64_t>{p}; };
    }
    NodeCheck check;
    check.node_id = id;
    check.name = node.name();
    check.op = std::string(node.op_name());
    check.input_index = i;
    check.input_name = graph.node(node.inputs()[std::size_t(i)]).name();
    check.input_shape = xi.shape();
    check.result = compare(analytic, numeric, skipped, index_of, options);
    if (options.fast) {  // the elements held still at a kink count as skipped
      for (std::int64_t k = 0; k < xi.size(); ++k) check.result.skipped += near_kink(k, step_for(original[k], eps));
    }
    checks.push_back(std::move(check));
  }
  // The op's saved state (normalize_rows' norms) back to the recorded values.
  op.forward(views, scratch);

  bool unsafe = false;
  for (const Violation& violation : harness.violations_) {
    unsafe = unsafe || violation.unsafe;
    NodeCheck* target = nullptr;
    for (std::size_t c = first; c < checks.size(); ++c) {
      if (checks[c].input_index == violation.slot) target = &checks[c];
    }
    if (target == nullptr && first < checks.size()) target = &checks[first];
    if (target == nullptr) continue;
    std::string slot_name = graph.node(node.inputs()[std::size_t(violation.slot)]).name();
    std::string text = fmt::format("op {}, node \"{}\", slot {} \"{}\": {}", node.op_name(), node.name(),
                                   violation.slot, slot_name, violation.message);
    target->result.passed = false;
    target->contract_violation = true;
    target->result.note = target->result.note.empty() ? text : target->result.note + "\n" + text;
  }
  return unsafe;
}

}  // namespace dagrad::gradcheck_internal

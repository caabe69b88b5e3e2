// Checking registered ops at their examples (the suite runner, op tests),
// and the checker's self-test: every op's examples run again with its
// backward broken in known ways (mutants), each of which must be caught.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>

#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

std::string format_attr(const AttrValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          return fmt::format("({})", fmt::join(v, ", "));
        } else {
          return fmt::format("{}", v);
        }
      },
      value);
}

bool same_bits(const TensorView& a, const TensorView& b) {
  // An empty tensor may have no buffer, and memcmp of a null pointer is undefined even for 0 bytes.
  return a.size() == b.size() && a.dtype() == b.dtype() &&
         (a.size() == 0 || std::memcmp(a.raw(), b.raw(), std::size_t(a.size()) * size_of(a.dtype())) == 0);
}

// What a mutant did over all its calls, shared with the mutant_check_op
// that made it.
struct MutantLog {
  bool changed_anything = false;
  bool applicable = false;  // slots_swapped: two differentiable inputs of one size were seen
  std::size_t most_differentiable = 0;  // the most differentiable inputs any call had
};

// An op that is another op (the real one, `inner_`) in everything but what
// the class that derives from it overrides: the checker's stand-ins.
class WrappedOp : public Op {
 public:
  explicit WrappedOp(std::unique_ptr<Op> inner) : inner_(std::move(inner)) {}

  std::string_view name() const override { return inner_->name(); }
  int arity() const override { return inner_->arity(); }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inner_->infer_shape(inputs); }
  DType infer_dtype(std::span<const DType> inputs) const override { return inner_->infer_dtype(inputs); }
  void forward(std::span<const TensorView> inputs, TensorView output) override { inner_->forward(inputs, output); }
  Attrs attrs() const override { return inner_->attrs(); }
  std::string label() const override { return inner_->label(); }
 protected:
  std::unique_ptr<Op> inner_;
};

// Delegates everything to the real op except backward, which computes the
// real gradients into scratch tensors and then writes them as `mutation`
// says, recording whether that differed from what the real op writes.
class MutantOp final : public WrappedOp {
 public:
  MutantOp(std::unique_ptr<Op> inner, Mutation mutation, std::shared_ptr<MutantLog> log)
      : WrappedOp(std::move(inner)), mutation_(mutation), log_(std::move(log)) {}

  bool differentiable(int input_index) const override { return inner_->differentiable(input_index); }
  void set_training(bool training) override { inner_->set_training(training); }
  bool has_kinks() const override { return inner_->has_kinks(); }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inner_->kink_offset(inputs, element);
  }
  // The kernel backward is the one mutated; the symbolic one is the real op's.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> inputs, const Expr& output,
                                      const Expr& output_grad, std::span<const bool> needed) const override {
    return inner_->symbolic_backward(graph, inputs, output, output_grad, needed);
  }

  // Values go through get/set, so a mutant works at any dtype (it is
  // slow, and only the checker runs it).
  void backward(std::span<const TensorView> inputs, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> slots) override {
    const std::size_t count = slots.size();
    std::vector<Tensor> real;
    std::vector<GradientSlot> scratch;
    std::vector<int> differentiable;
    for (std::size_t i = 0; i < count; ++i) {
      real.emplace_back(inputs[i].shape(), inputs[i].dtype());
      bool takes_gradient = inner_->differentiable(int(i));
      if (takes_gradient) differentiable.push_back(int(i));
      scratch.push_back({real[i].view(), takes_gradient, false});
    }
    inner_->backward(inputs, output, output_grad, scratch);
    log_->most_differentiable = std::max(log_->most_differentiable, differentiable.size());

    // The mutated values, in float64 (every float32 value is one).
    std::vector<std::vector<double>> value(count);
    for (std::size_t i = 0; i < count; ++i) {
      for (std::int64_t k = 0; k < real[i].size(); ++k) value[i].push_back(real[i].get(k));
    }
    const std::vector<std::vector<double>> correct_value = value;
    std::vector<char> write(count), accumulate(count);
    for (std::size_t i = 0; i < count; ++i) {
      write[i] = slots[i].needed;
      accumulate[i] = slots[i].accumulate;
    }
    switch (mutation_) {
      case Mutation::scaled:
        for (auto& t : value) for (double& v : t) v *= 1.001;
        break;
      case Mutation::sign_flipped:
        for (auto& t : value) for (double& v : t) v = -v;
        break;
      case Mutation::zeroed:
        for (auto& t : value) for (double& v : t) v = 0;
        break;
      case Mutation::one_element_off:
        for (auto& t : value) {
          if (!t.empty()) t[t.size() / 2] += 1e-4;
        }
        break;
      case Mutation::slots_swapped:
        if (differentiable.size() >= 2) {
          std::size_t a = std::size_t(differentiable[0]), b = std::size_t(differentiable[1]);
          if (value[a].size() == value[b].size()) {
            log_->applicable = true;
            std::swap(value[a], value[b]);
          }
        }
        break;
      case Mutation::accumulate_ignored:
        for (char& flag : accumulate) flag = 0;
        break;
      case Mutation::wrong_needed_flag:
        for (std::size_t j = 0; j < differentiable.size(); ++j) {
          std::size_t slot = std::size_t(differentiable[j]);
          std::size_t other = std::size_t(differentiable[(j + 1) % differentiable.size()]);
          write[slot] = slots[other].needed;
        }
        if (differentiable.size() >= 2) log_->applicable = true;
        break;
    }

    for (std::size_t i = 0; i < count; ++i) {
      const TensorView& grad = slots[i].grad;
      // An unneeded slot may have no storage in the engine: a mutant writes
      // only where a slot of the input's size exists.
      bool has_storage = grad.raw() != nullptr && grad.size() == real[i].size();
      if (!has_storage) continue;
      Tensor before = Tensor::from(grad);
      Tensor correct = Tensor::from(grad), mutated = Tensor::from(grad);
      for (std::int64_t k = 0; k < grad.size(); ++k) {
        if (slots[i].needed) {
          correct.set(k, slots[i].accumulate ? before.get(k) + correct_value[i][std::size_t(k)]
                                             : correct_value[i][std::size_t(k)]);
        }
        if (write[i]) {
          mutated.set(k, accumulate[i] ? before.get(k) + value[i][std::size_t(k)] : value[i][std::size_t(k)]);
        }
      }
      if (!same_bits(correct, mutated)) log_->changed_anything = true;
      if (write[i]) grad.copy_from(mutated);
    }
  }

 private:
  Mutation mutation_;
  std::shared_ptr<MutantLog> log_;
};

// A forward-only op (no input takes a gradient: greater, less, equal) is
// checked for what "no gradient" claims: its output is locally constant at
// the example. This wrapper offers every input as differentiable with a
// zero gradient, so the central differences, which are zero for a locally
// constant op, are compared with zero; an op whose output moves with an
// input fails.
class LocallyConstantOp final : public WrappedOp {
 public:
  explicit LocallyConstantOp(std::unique_ptr<Op> inner) : WrappedOp(std::move(inner)) {}

  void backward(std::span<const TensorView>, const TensorView&, const TensorView&,
                std::span<GradientSlot> slots) override {
    for (GradientSlot& slot : slots) {
      if (!slot.needed || slot.accumulate) continue;  // adding zero changes nothing
      for (std::int64_t k = 0; k < slot.grad.size(); ++k) slot.grad.set(k, 0.0);
    }
  }
};

bool takes_gradients(const Op& op, std::size_t input_count) {
  for (std::size_t i = 0; i < input_count; ++i) {
    if (op.differentiable(int(i))) return true;
  }
  return false;
}

}  // namespace

std::string describe(const OpExample& example) {
  if (!example.description.empty()) return example.description;
  std::vector<std::string> parts;
  for (const Tensor& input : example.inputs) parts.push_back(dagrad::to_string(input.shape()));
  std::string text = fmt::format("{}", fmt::join(parts, ", "));
  for (const auto& [key, value] : example.attrs.values()) text += fmt::format(" {}={}", key, format_attr(value));
  return text;
}

OpExampleCheck gradcheck_op_example(std::unique_ptr<Op> op, const OpExample& example,
                                    const GradcheckOptions& options) {
  if (!op) throw Error("gradcheck_op_example: the op is null");
  auto start = std::chrono::steady_clock::now();
  OpExampleCheck result;
  result.op = std::string(op->name());
  result.description = describe(example);
  if (!takes_gradients(*op, example.inputs.size())) op = std::make_unique<LocallyConstantOp>(std::move(op));
  Graph graph;
  std::vector<Expr> inputs, wrt;
  for (std::size_t i = 0; i < example.inputs.size(); ++i) {
    std::string name = fmt::format("x{}", i);
    if (op->differentiable(int(i))) {
      inputs.push_back(graph.input(name, example.inputs[i], /*requires_grad=*/true));
      wrt.push_back(inputs.back());
    } else {
      inputs.push_back(graph.constant(example.inputs[i], name));
    }
  }
  Expr output = graph.add_op(std::move(op), inputs, result.op);
  // A random seed gradient makes every output element matter (with ones,
  // softmax's gradient would be zero whatever its backward did).
  Rng rng(options.seed);
  Tensor seed = random_normal(output.shape(), rng);
  result.report = gradcheck(graph, output, seed, wrt, options);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<OpExampleCheck> gradcheck_op(std::string_view op_name, const GradcheckOptions& options) {
  const OpInfo& info = OpRegistry::global().find(op_name);
  Rng rng(options.seed);
  std::vector<OpExampleCheck> results;
  for (const OpExample& example : info.examples(rng)) {
    results.push_back(gradcheck_op_example(info.make(example.attrs), example, options));
  }
  return results;
}

// ---- mutants ----

std::string_view to_string(Mutation mutation) {
  switch (mutation) {
    case Mutation::scaled: return "scaled by 1.001";
    case Mutation::sign_flipped: return "sign flipped";
    case Mutation::zeroed: return "zeroed";
    case Mutation::one_element_off: return "one element off by 1e-4";
    case Mutation::slots_swapped: return "slots swapped";
    case Mutation::accumulate_ignored: return "accumulate flag ignored";
    case Mutation::wrong_needed_flag: return "another slot's needed flag";
  }
  return "?";
}

std::unique_ptr<Op> mutate(std::unique_ptr<Op> op, Mutation mutation) {
  if (!op) throw Error("mutate: the op is null");
  return std::make_unique<MutantOp>(std::move(op), mutation, std::make_shared<MutantLog>());
}

int OpMutantReport::killed() const {
  int count = 0;
  for (const MutantResult& m : mutants) count += m.killed() ? 1 : 0;
  return count;
}

int OpMutantReport::counted() const {
  int count = 0;
  for (const MutantResult& m : mutants) count += m.equivalent() ? 0 : 1;
  return count;
}

OpMutantReport mutant_check_op(std::string_view op_name, const GradcheckOptions& options) {
  const OpInfo& info = OpRegistry::global().find(op_name);
  OpMutantReport report;
  report.op = info.name;
  Rng rng(options.seed);
  std::vector<OpExample> examples = info.examples(rng);
  report.examples = int(examples.size());
  // A forward-only op has no backward to mutate; its examples are still
  // checked (locally constant, see LocallyConstantOp).
  report.forward_only = !examples.empty() && !takes_gradients(*info.make(examples[0].attrs), examples[0].inputs.size());
  for (const OpExample& example : examples) {
    OpExampleCheck correct = gradcheck_op_example(info.make(example.attrs), example, options);
    int checks = int(correct.report.leaves.size() + correct.report.nodes.size());
    if (checks > 0 && correct.report.vacuous_checks() == checks) report.vacuous_examples.push_back(correct.description);
    if (!correct.passed()) report.correct_failures.push_back(correct.description);
  }
  for (Mutation mutation : all_mutations) {
    MutantResult result;
    result.mutation = mutation;
    auto log = std::make_shared<MutantLog>();
    for (const OpExample& example : examples) {
      auto op = std::make_unique<MutantOp>(info.make(example.attrs), mutation, log);
      OpExampleCheck check = gradcheck_op_example(std::move(op), example, options);
      ++result.examples;
      result.examples_failed += check.passed() ? 0 : 1;
    }
    result.changed_anything = log->changed_anything;
    if (result.equivalent()) {
      if (report.forward_only) {
        result.explanation = "not applicable: no input takes a gradient, so the op's backward never runs";
      } else if ((mutation == Mutation::slots_swapped || mutation == Mutation::wrong_needed_flag) && !log->applicable) {
        result.explanation =
            log->most_differentiable < 2
                ? (mutation == Mutation::slots_swapped ? "not applicable: one differentiable input, no slot to swap with"
                                                       : "not applicable: one differentiable input, no other slot's "
                                                         "flag to read")
                : "not applicable: no example has two differentiable inputs of one size";
      } else if (mutation == Mutation::slots_swapped) {
        result.explanation =
            "equivalent: the two slots receive identical gradients in every example, so swapping them "
            "writes the same values";
      } else {
        result.explanation = "equivalent: the mutation never changed a value the backward writes in any example";
      }
    }
    report.mutants.push_back(std::move(result));
  }
  return report;
}

std::string to_string(const OpMutantReport& report) {
  std::string text = fmt::format("{}: {} of {} mutants killed ({:.0f}%), {} examples", report.op, report.killed(),
                                 report.counted(), 100 * report.kill_rate(), report.examples);
  for (const MutantResult& m : report.mutants) {
    std::string status = m.killed()      ? fmt::format("killed by {} of {} examples", m.examples_failed, m.examples)
                         : m.equivalent() ? "not counted, " + m.explanation
                                          : "SURVIVED: no example's check failed";
    text += fmt::format("\n  {:28} {}", to_string(m.mutation), status);
  }
  if (!report.vacuous_examples.empty()) {
    text += fmt::format("\n  vacuous examples (gradients zero everywhere): {}", fmt::join(report.vacuous_examples, "; "));
  }
  if (!report.correct_failures.empty()) {
    text += fmt::format("\n  FALSE ALARM: the real op fails at {}", fmt::join(report.correct_failures, "; "));
  }
  return text;
}

}  // namespace dagrad

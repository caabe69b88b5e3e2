// Benchmarks of the workloads in the performance issue (float64, forward +
// backward per iteration), through dagrad's public API as a user writes
// them: each graph is built once, then re-run. One thread unless
// DAGRAD_NUM_THREADS says otherwise (dagrad/parallel.hpp); the count is in
// the report's context as dagrad_num_threads.
//
// Names are exactly the workload names, so that compare.sh pairs each with
// the hand-written Eigen and LibTorch anchors:
//   cmake --preset native && cmake --build --preset native
//   compare.sh build/native/tools/bench/dagrad_bench
// --dagrad_iterations=N runs each workload exactly N times instead (for
// instruction counts under valgrind --tool=callgrind, which is repeatable on
// a noisy machine where time is not).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include "dagrad/dagrad.hpp"
#include "dagrad/optim.hpp"

namespace {
using namespace dagrad;

constexpr std::int64_t n = 512;

// One workload: a graph built once, whose run() is one timed iteration.
// It lives for the whole program, so that every repetition re-runs the same
// graph, as a user re-runs a model (a fresh graph per repetition would time
// the operating system handing out fresh pages instead).
class Workload {
 public:
  virtual ~Workload() = default;
  virtual void run() = 0;
  // Extra figures for the report.
  virtual void add_counters(benchmark::State&) {}

 protected:
  Rng rng{0};
  Graph g;
};

// s = f(X), backward with a fixed upstream gradient G of s's shape.
class Seeded : public Workload {
 public:
  template <class Build>
  Seeded(const Shape& shape, Build build) {
    Expr x = g.input("x", random_normal(shape, rng), /*requires_grad=*/true);
    output_ = build(x);
    seed_ = random_normal(output_.shape(), rng);
  }
  void run() override {
    g.forward(output_);
    g.backward(output_, seed_);
  }

 private:
  Expr output_;
  Tensor seed_;
};

// loss = f(X, Y) with Y uniform in [0, 1), backward to X.
class Loss : public Workload {
 public:
  explicit Loss(Expr (*f)(Expr, Expr, std::string)) {
    x_ = g.input("x", random_normal({n, n}, rng), true);
    y_ = g.input("y", random_uniform({n, n}, rng, 0.0, 1.0));
    loss_ = f(x_, y_, "loss");
  }
  // One training step's forward and backward in one call, as a training
  // loop makes it: the chain feeding the loss runs fused (Graph::forward_backward).
  void run() override { benchmark::DoNotOptimize(g.forward_backward(loss_)[0]); }

 protected:
  Loss() = default;
  Expr x_, y_, loss_;
};

// L2(softmax(normalize_rows(sigmoid(X))), Y); also reports the bytes the
// graph holds for training, and a forward-only run's bytes on a graph of its
// own.
class Pipeline : public Loss {
 public:
  Pipeline() {
    x_ = g.input("x", random_normal({n, n}, rng), true);
    y_ = g.input("y", random_uniform({n, n}, rng, 0.0, 1.0));
    loss_ = l2(softmax(normalize_rows(sigmoid(x_))), y_);
  }
  void add_counters(benchmark::State& state) override {
    state.counters["train_bytes"] = bytes(g.memory_stats().total());
    Graph inference;
    Expr x = inference.input("x", Tensor::from(x_.value()));
    Expr y = inference.input("y", Tensor::from(y_.value()));
    inference.forward(l2(softmax(normalize_rows(sigmoid(x))), y), ForwardOptions{.keep_intermediates = false});
    state.counters["forward_only_bytes"] = bytes(inference.memory_stats().total());
  }

 private:
  static benchmark::Counter bytes(std::int64_t count) {
    return benchmark::Counter(double(count), benchmark::Counter::kDefaults, benchmark::Counter::OneK::kIs1024);
  }
};

// 1000 chained sigmoids on 1x16, loss = sum: the framework's cost per node.
class Chain : public Workload {
 public:
  Chain() {
    Expr h = g.input("x", random_normal({1, 16}, rng), true);
    for (int i = 0; i < 1000; ++i) h = sigmoid(h);
    loss_ = sum(h);
  }
  void run() override {
    benchmark::DoNotOptimize(g.forward(loss_)[0]);
    g.backward(loss_);
  }

 private:
  Expr loss_;
};

// One SGD step (lr 0.1) of a 64-32-10 tanh MLP on a batch of 64: forward,
// mean softmax cross-entropy, backward, update of W1, b1, W2, b2.
class MlpStep : public Workload {
 public:
  MlpStep() {
    Expr x = g.input("x", random_normal({64, 64}, rng));
    Tensor label_values(Shape{64});
    std::uniform_int_distribution<int> label(0, 9);
    for (double& v : label_values) v = label(rng);
    Expr labels = g.input("labels", label_values);
    Tensor w1 = random_normal({64, 32}, rng), w2 = random_normal({32, 10}, rng);
    for (double& v : w1) v *= 0.1;
    for (double& v : w2) v *= 0.1;
    Expr W1 = g.parameter("W1", w1), b1 = g.parameter("b1", Tensor(Shape{1, 32}));
    Expr W2 = g.parameter("W2", w2), b2 = g.parameter("b2", Tensor(Shape{1, 10}));
    Expr hidden = tanh(matmul(x, W1) + b1);
    loss_ = softmax_cross_entropy(matmul(hidden, W2) + b2, labels);
    sgd_ = std::make_unique<SGD>(g.parameters(), 0.1);
  }
  void run() override {
    benchmark::DoNotOptimize(g.forward(loss_)[0]);
    g.backward(loss_);
    sgd_->step();
  }

 private:
  Expr loss_;
  std::unique_ptr<SGD> sgd_;
};

// iterations > 0: exactly that many iterations, once (for instruction
// counts under callgrind); otherwise timed repetitions with only the
// aggregates printed, so that compare.sh reads the median.
void register_all(std::int64_t iterations) {
  auto add = [iterations](const char* name, auto make) {
    // Built on first use, so that a --benchmark_filter run builds only what it times.
    auto workload = std::make_shared<std::unique_ptr<Workload>>();
    auto body = [workload, make](benchmark::State& state) {
      if (!*workload) *workload = make();
      Workload& w = **workload;
      for (auto _ : state) w.run();
      w.add_counters(state);
    };
    auto* bench = benchmark::RegisterBenchmark(name, body)->Unit(benchmark::kNanosecond)->UseRealTime();
    if (iterations > 0) {
      bench->Iterations(iterations);
    } else {
      // Many short repetitions: on a shared machine the median of short
      // samples is steadier than a few long averages (the anchors take the
      // median of 7 short samples).
      bench->Repetitions(15)->MinTime(0.05)->ReportAggregatesOnly(true);
    }
  };
  using Made = std::unique_ptr<Workload>;
  const Shape square{n, n};
  add("sigmoid/512x512", [=]() -> Made { return std::make_unique<Seeded>(square, [](Expr x) { return sigmoid(x); }); });
  add("softmax/512x512", [=]() -> Made { return std::make_unique<Seeded>(square, [](Expr x) { return softmax(x); }); });
  add("normalize_rows/512x512",
      [=]() -> Made { return std::make_unique<Seeded>(square, [](Expr x) { return normalize_rows(x); }); });
  add("l1/512x512", []() -> Made { return std::make_unique<Loss>(l1); });
  add("l2/512x512", []() -> Made { return std::make_unique<Loss>(l2); });
  add("pipeline/512x512", []() -> Made { return std::make_unique<Pipeline>(); });
  add("image2vector/64x64x3", []() -> Made {
    return std::make_unique<Seeded>(Shape{64, 64, 3}, [](Expr image) { return reshape(image, {-1, 1}); });
  });
  add("chain1000/1x16", []() -> Made { return std::make_unique<Chain>(); });
  add("mlp_step/64-32-10 b64", []() -> Made { return std::make_unique<MlpStep>(); });
}
}  // namespace

int main(int argc, char** argv) {
  // Our own flag, taken out before Google Benchmark parses the rest.
  std::int64_t iterations = 0;
  constexpr std::string_view flag = "--dagrad_iterations=";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).starts_with(flag)) {
      iterations = std::stoll(argv[i] + flag.size());
      std::copy(argv + i + 1, argv + argc, argv + i);
      --argc;
      --i;
    }
  }
  register_all(iterations);
  try {
    benchmark::AddCustomContext("dagrad_num_threads", std::to_string(dagrad::num_threads()));
  } catch (const std::invalid_argument& error) {  // a bad DAGRAD_NUM_THREADS
    std::fprintf(stderr, "dagrad_bench: %s\n", error.what());
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

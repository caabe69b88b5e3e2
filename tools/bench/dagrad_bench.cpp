// Benchmarks of the workloads in the performance issue (float64, one thread,
// forward + backward per iteration), through dagrad's public API as a user
// writes them: the graph is built once, then re-run.
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
#include <random>
#include <string>
#include <string_view>

#include "dagrad/dagrad.hpp"
#include "dagrad/optim.hpp"

namespace {
using namespace dagrad;

constexpr std::int64_t n = 512;

Tensor normal(const Shape& shape, Rng& rng) { return random_normal(shape, rng); }

// Runs forward(output) + backward(output, seed) per iteration.
void run_seeded(benchmark::State& state, Graph& g, Expr output, const Tensor& seed) {
  for (auto _ : state) {
    g.forward(output);
    g.backward(output, seed);
  }
}

// Runs forward(loss) + backward(loss) per iteration.
void run_loss(benchmark::State& state, Graph& g, Expr loss) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(g.forward(loss)[0]);
    g.backward(loss);
  }
}

// s = f(X) on 512x512, backward with a fixed upstream gradient G.
void unary(benchmark::State& state, Expr (*f)(Expr, std::string)) {
  Rng rng(0);
  Graph g;
  Expr x = g.input("x", normal({n, n}, rng), /*requires_grad=*/true);
  Expr s = f(x, "s");
  Tensor seed = normal({n, n}, rng);
  run_seeded(state, g, s, seed);
}

// loss = f(X, Y) on 512x512, backward to X.
void loss(benchmark::State& state, Expr (*f)(Expr, Expr, std::string)) {
  Rng rng(0);
  Graph g;
  Expr x = g.input("x", normal({n, n}, rng), true);
  Expr y = g.input("y", random_uniform({n, n}, rng, 0.0, 1.0));
  run_loss(state, g, f(x, y, "loss"));
}

benchmark::Counter bytes(std::int64_t count) {
  return benchmark::Counter(double(count), benchmark::Counter::kDefaults, benchmark::Counter::OneK::kIs1024);
}

void pipeline(benchmark::State& state) {
  Rng rng(0);
  Graph g;
  Expr x = g.input("x", normal({n, n}, rng), true);
  Expr y = g.input("y", random_uniform({n, n}, rng, 0.0, 1.0));
  Expr loss = l2(softmax(normalize_rows(sigmoid(x))), y);
  run_loss(state, g, loss);
  // What the graph holds for training (values, gradients, workspace), and
  // for a forward-only run on a graph of its own.
  state.counters["train_bytes"] = bytes(g.memory_stats().total());
  Graph inference;
  Expr loss2 = l2(softmax(normalize_rows(sigmoid(inference.input("x", Tensor::from(x.value()))))), inference.input("y", Tensor::from(y.value())));
  inference.forward(loss2, ForwardOptions{.keep_intermediates = false});
  state.counters["forward_only_bytes"] = bytes(inference.memory_stats().total());
}

void image2vector(benchmark::State& state) {
  Rng rng(0);
  Graph g;
  Expr image = g.input("image", normal({64, 64, 3}, rng), true);
  Expr v = reshape(image, {-1, 1}, "v");
  Tensor seed = normal({64 * 64 * 3, 1}, rng);
  run_seeded(state, g, v, seed);
}

// 1000 chained sigmoids on 1x16: the framework's cost per node.
void chain1000(benchmark::State& state) {
  Rng rng(0);
  Graph g;
  Expr x = g.input("x", normal({1, 16}, rng), true);
  Expr h = x;
  for (int i = 0; i < 1000; ++i) h = sigmoid(h);
  run_loss(state, g, sum(h));
}

// iterations > 0: exactly that many iterations, once (for instruction
// counts under callgrind); otherwise timed repetitions with only the
// aggregates printed, so that compare.sh reads the median.
// One SGD step of a 64-32-10 tanh MLP on a batch of 64: forward, mean
// softmax cross-entropy, backward, update of W1, b1, W2, b2.
void mlp_step(benchmark::State& state) {
  Rng rng(0);
  Graph g;
  Expr x = g.input("x", normal({64, 64}, rng));
  Tensor label_values(Shape{64});
  std::uniform_int_distribution<int> label(0, 9);
  for (double& v : label_values) v = label(rng);
  Expr labels = g.input("labels", label_values);
  Tensor w1 = normal({64, 32}, rng), w2 = normal({32, 10}, rng);
  for (double& v : w1) v *= 0.1;
  for (double& v : w2) v *= 0.1;
  Expr W1 = g.parameter("W1", w1), b1 = g.parameter("b1", Tensor(Shape{1, 32}));
  Expr W2 = g.parameter("W2", w2), b2 = g.parameter("b2", Tensor(Shape{1, 10}));
  Expr hidden = tanh(matmul(x, W1) + b1);
  Expr loss = softmax_cross_entropy(matmul(hidden, W2) + b2, labels);
  SGD sgd(g.parameters(), 0.1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(g.forward(loss)[0]);
    g.backward(loss);
    sgd.step();
  }
}

void register_all(std::int64_t iterations) {
  auto add = [iterations](const char* name, auto fn) {
    auto* bench = benchmark::RegisterBenchmark(name, fn)->Unit(benchmark::kNanosecond)->UseRealTime();
    if (iterations > 0) {
      bench->Iterations(iterations);
    } else {
      // Many short repetitions: on a shared machine the median of short
      // samples is steadier than a few long averages (the anchors take the
      // median of 7 short samples).
      bench->Repetitions(15)->MinTime(0.05)->ReportAggregatesOnly(true);
    }
  };
  add("sigmoid/512x512", [](benchmark::State& s) { unary(s, sigmoid); });
  add("softmax/512x512", [](benchmark::State& s) { unary(s, softmax); });
  add("normalize_rows/512x512", [](benchmark::State& s) { unary(s, normalize_rows); });
  add("l1/512x512", [](benchmark::State& s) { loss(s, l1); });
  add("l2/512x512", [](benchmark::State& s) { loss(s, l2); });
  add("pipeline/512x512", pipeline);
  add("image2vector/64x64x3", image2vector);
  add("chain1000/1x16", chain1000);
  add("mlp_step/64-32-10 b64", mlp_step);
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
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

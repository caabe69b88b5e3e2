// lenet_step/1x28x28 b32 (and its float32 twin) of ../shared/anchors/WORKLOADS.md: one training step of a
// LeNet-shaped CNN written with nn's layers as a user would (Conv2d, MaxPool2d, flatten, Linear), mean softmax
// cross-entropy, backward and a plain SGD update (lr 0.1) of all ten parameters. The graph is built once.
//
// Registered here, beside dagrad_bench.cpp's own list, so the CNN workload lives in one file; it always runs
// timed repetitions (--dagrad_iterations does not apply to it).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>

#include "dagrad/dagrad.hpp"
#include "dagrad/optim.hpp"

namespace {
using namespace dagrad;

// FLOPs of one step counted as WORKLOADS.md counts them (convolutions and matrix products only).
constexpr double lenet_step_flops = 48e6;

class LenetStep {
 public:
  explicit LenetStep(DType dtype) {
    Rng rng(0);
    constexpr std::int64_t batch = 32;
    Expr x = g_.input("x", random_normal(Shape{batch, 1, 28, 28}, rng).to(dtype));
    Tensor label_values(Shape{batch});
    std::uniform_int_distribution<int> label(0, 9);
    for (double& v : label_values) v = label(rng);
    Expr labels = g_.input("labels", label_values.to(dtype));
    Conv2d conv1(g_, 1, 6, {5, 5}, rng, "conv1", {}, true, dtype), conv2(g_, 6, 16, {5, 5}, rng, "conv2", {}, true, dtype);
    Linear fc1(g_, 256, 120, rng, "fc1", init::Method::he_uniform, dtype);
    Linear fc2(g_, 120, 84, rng, "fc2", init::Method::he_uniform, dtype);
    Linear fc3(g_, 84, 10, rng, "fc3", init::Method::xavier_uniform, dtype);
    MaxPool2d pool({2, 2});
    Expr h = pool(relu(conv1(x)));
    h = flatten(pool(relu(conv2(h))));
    h = relu(fc2(relu(fc1(h))));
    loss_ = softmax_cross_entropy(fc3(h), labels);
    sgd_ = std::make_unique<SGD>(g_.parameters(), 0.1);
  }
  void run() {
    benchmark::DoNotOptimize(g_.forward(loss_).get(0));
    g_.backward(loss_);
    sgd_->step();
  }

 private:
  Graph g_;
  Expr loss_;
  std::unique_ptr<SGD> sgd_;
};

void register_lenet(const char* name, DType dtype) {
  auto workload = std::make_shared<std::unique_ptr<LenetStep>>();  // built on first use, kept for every repetition
  benchmark::RegisterBenchmark(name, [workload, dtype](benchmark::State& state) {
    if (!*workload) *workload = std::make_unique<LenetStep>(dtype);
    for (auto _ : state) (*workload)->run();
    state.counters["FLOP/s"] = benchmark::Counter(lenet_step_flops, benchmark::Counter::kIsIterationInvariantRate);
  })->Unit(benchmark::kNanosecond)->UseRealTime()->Repetitions(15)->MinTime(0.05)->ReportAggregatesOnly(true);
}

const bool registered = [] {
  register_lenet("lenet_step/1x28x28 b32", DType::float64);
  register_lenet("lenet_step/1x28x28 b32 f32", DType::float32);
  return true;
}();
}  // namespace

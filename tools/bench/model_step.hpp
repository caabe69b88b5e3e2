// Shared by the small-model training-step benchmarks (lstm_step.cpp,
// mnist_mlp_step.cpp): a model built once through the public API, whose
// run() is one SGD step, registered under its WORKLOADS.md name with the
// same repetitions as dagrad_bench.cpp's workloads, a FLOP/s counter and a
// bytes counter (memory_stats of the warm graph).
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "dagrad/dagrad.hpp"
#include "dagrad/optim.hpp"

namespace dagrad::bench {

// One training step: forward of `loss`, backward, SGD (lr 0.1) on every
// parameter of the graph.
class ModelStep {
 public:
  virtual ~ModelStep() = default;
  std::int64_t graph_bytes() const { return graph.memory_stats().total(); }
  void run() {
    benchmark::DoNotOptimize(graph.forward(loss).get(0));
    graph.backward(loss);
    sgd->step();
  }

 protected:
  void finish(Expr model_loss) {
    loss = model_loss;
    sgd = std::make_unique<SGD>(graph.parameters(), 0.1);
  }
  // Integer class labels 0..classes-1, stored as floats of `dtype`.
  static Tensor random_labels(std::int64_t batch, std::int64_t classes, Rng& rng, DType dtype) {
    Tensor labels(Shape{batch});
    std::uniform_int_distribution<std::int64_t> label(0, classes - 1);
    for (double& v : labels) v = double(label(rng));
    return labels.to(dtype);
  }

  Graph graph;
  Expr loss;
  std::unique_ptr<SGD> sgd;
};

// Registers `name` (its model built on first use, so that a filtered run
// builds only what it times), reporting `flops` per step as FLOP/s: the
// WORKLOADS.md count, so every framework's rate divides the same work.
inline bool register_model_step(const std::string& name, double flops, std::function<std::unique_ptr<ModelStep>()> make) {
  auto model = std::make_shared<std::unique_ptr<ModelStep>>();
  auto body = [model, make, flops](benchmark::State& state) {
    if (!*model) *model = make();
    for (auto _ : state) (*model)->run();
    state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
    // What the warm graph holds (values, gradients, plan workspace): its peak, since a warm step allocates nothing.
    state.counters["bytes"] = double((*model)->graph_bytes());
  };
  benchmark::RegisterBenchmark(name.c_str(), body)
      ->Unit(benchmark::kNanosecond)
      ->UseRealTime()
      ->Repetitions(15)
      ->MinTime(0.05)
      ->ReportAggregatesOnly(true);
  return true;
}

}  // namespace dagrad::bench

// The executor: plans and runs forward and backward passes of a Graph.
// Private to core/engine; users reach it through Graph::forward/backward.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

class Executor {
 public:
  explicit Executor(Graph& graph);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void forward(std::span<const Expr> outputs, const ForwardOptions& options);
  void backward(Expr output, const TensorView* seed, const BackwardOptions& options);
  // Adds the plans' workspace and structure bytes.
  void add_memory(MemoryStats& stats) const;

  struct ForwardPlan;
  struct BackwardPlan;

 private:
  ForwardPlan& forward_plan(std::span<const int> outputs, bool keep_intermediates);
  void prepare(ForwardPlan& plan);
  BackwardPlan& backward_plan(int output, const BackwardOptions& options);

  Graph& graph_;
  std::vector<std::unique_ptr<ForwardPlan>> forward_plans_;
  std::vector<std::unique_ptr<BackwardPlan>> backward_plans_;
  // The last forward run, when it kept intermediates, and the epoch it ran
  // at: backward skips per-node checks of values that run made current.
  const ForwardPlan* last_full_forward_ = nullptr;
  std::uint64_t last_full_forward_epoch_ = 0;
};

}  // namespace dagrad

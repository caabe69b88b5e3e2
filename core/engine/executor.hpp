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
  // forward then backward from a scalar output (seed 1), running chains of
  // row-block ops that end in it a block of rows at a time (fusion.cpp).
  void forward_backward(Expr output, const BackwardOptions& options);
  // Adds the plans' workspace and structure bytes.
  void add_memory(MemoryStats& stats) const;

  struct ForwardPlan;
  struct BackwardPlan;
  struct FusedPlan;

 private:
  void forward_ids(std::span<const int> outputs, const ForwardOptions& options);
  void backward_ids(int output, const TensorView* seed, const BackwardOptions& options);
  void infer_shapes(std::span<const int> order);
  // Which nodes of `order` a gradient must reach: leaves that ask for one,
  // and every node with such a leaf behind a differentiable input.
  std::vector<char> gradient_needs(std::span<const int> order) const;
  // A node's value as a keeping forward run leaves it: its own buffer, or
  // for a zero-copy node the buffer at the end of its chain of views (a
  // keeping run pools nothing, so every such node is a view there).
  TensorView kept_value(int id) const;
  FusedPlan& fused_plan(int output, const BackwardOptions& options);
  void build_fused_plan(FusedPlan& plan);
  ForwardPlan& forward_plan(std::span<const int> outputs, bool keep_intermediates);
  void prepare(ForwardPlan& plan);
  BackwardPlan& backward_plan(int output, const BackwardOptions& options);

  Graph& graph_;
  std::vector<std::unique_ptr<ForwardPlan>> forward_plans_;
  std::vector<std::unique_ptr<BackwardPlan>> backward_plans_;
  std::vector<std::unique_ptr<FusedPlan>> fused_plans_;
  // The last forward run, when it kept intermediates, and the epoch it ran
  // at: backward skips per-node checks of values that run made current.
  const ForwardPlan* last_full_forward_ = nullptr;
  std::uint64_t last_full_forward_epoch_ = 0;
};

}  // namespace dagrad

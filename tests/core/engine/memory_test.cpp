// What a graph holds (Graph::memory_stats): values, gradients and the
// re-used workspace, for training runs with and without retained gradients
// and for inference runs.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

// The course's pipeline, L2(softmax(normalize_rows(sigmoid(X))), Y), on an
// (8, 4) input: every tensor but the loss is E = 8 * 4 * 8 bytes.
constexpr std::int64_t E = 8 * 4 * sizeof(double);
constexpr std::int64_t scalar = sizeof(double);

struct Pipeline {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{8, 4}, 0.25), true);
  Expr y = g.input("y", Tensor(Shape{8, 4}, 0.5));
  Expr loss = l2(softmax(normalize_rows(sigmoid(x))), y);
};

TEST(Memory, NothingIsAllocatedForNodesBeforeARun) {
  Pipeline p;
  MemoryStats stats = p.g.memory_stats();
  EXPECT_EQ(stats.value_bytes, 2 * E);  // the two leaves
  EXPECT_EQ(stats.gradient_bytes, 0);
  EXPECT_EQ(stats.workspace_bytes, 0);
}

TEST(Memory, TrainingKeepsValuesAndSharesIntermediateGradients) {
  Pipeline p;
  p.g.forward(p.loss);
  p.g.backward(p.loss);
  MemoryStats stats = p.g.memory_stats();
  // x, y and the three intermediate values (backward reads them), and the loss.
  EXPECT_EQ(stats.value_bytes, 5 * E + scalar);
  // Only the leaf x and the loss own gradients ...
  EXPECT_EQ(stats.gradient_bytes, E + scalar);
  // ... the three intermediate gradients live in two buffers: the one a step
  // reads and the one it writes.
  EXPECT_EQ(stats.workspace_bytes, 2 * E);
  // normalize_rows keeps each row's norm for its backward.
  EXPECT_EQ(stats.scratch_bytes, 8 * scalar);
  EXPECT_EQ(stats.total(), 8 * E + 10 * scalar);
  // Running again re-uses all of it.
  p.g.forward(p.loss);
  p.g.backward(p.loss);
  EXPECT_EQ(p.g.memory_stats().total(), stats.total());
}

// memory_stats counts bytes of each tensor's own dtype: the same pipeline in
// float32 holds half of what it holds in float64, but for the scalar loss
// (and its gradient): storage comes in whole 8-byte words.
TEST(Memory, Float32TensorsCountFourBytesAnElement) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{8, 4}, 0.25).to(DType::float32), true);
  Expr y = g.input("y", Tensor(Shape{8, 4}, 0.5).to(DType::float32));
  Expr loss = l2(softmax(normalize_rows(sigmoid(x))), y);
  g.forward(loss);
  g.backward(loss);
  const MemoryStats stats = g.memory_stats();
  EXPECT_EQ(stats.value_bytes, 5 * E / 2 + scalar);
  EXPECT_EQ(stats.gradient_bytes, E / 2 + scalar);
  EXPECT_EQ(stats.workspace_bytes, E);
}

TEST(Memory, RetainedGradientsEachOwnABuffer) {
  Pipeline p;
  p.g.forward(p.loss);
  p.g.backward(p.loss, BackwardOptions{.retain_grads = true});
  MemoryStats stats = p.g.memory_stats();
  EXPECT_EQ(stats.value_bytes, 5 * E + scalar);
  EXPECT_EQ(stats.gradient_bytes, 4 * E + scalar);  // x and the three intermediates
  EXPECT_EQ(stats.workspace_bytes, 0);
}

TEST(Memory, InferenceKeepsOnlyWhatLaterNodesNeed) {
  Pipeline p;
  p.g.forward(p.loss, ForwardOptions{.keep_intermediates = false});
  MemoryStats stats = p.g.memory_stats();
  // The leaves and the output; the intermediates pass through two buffers.
  EXPECT_EQ(stats.value_bytes, 2 * E + scalar);
  EXPECT_EQ(stats.gradient_bytes, 0);
  EXPECT_EQ(stats.workspace_bytes, 2 * E);
  EXPECT_LT(stats.total(), 8 * E);  // less than training
}

TEST(Memory, ChainGradientsUseTwoBuffersWhateverItsLength) {
  // sigmoid applied 50 times: 50 intermediate gradients, two buffers.
  Graph g;
  Expr x = g.input("x", Tensor(Shape{4, 4}, 0.1), true);
  Expr h = x;
  for (int i = 0; i < 50; ++i) h = sigmoid(h);
  Expr loss = l2(h, g.constant(Tensor(Shape{4, 4})));
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(g.memory_stats().workspace_bytes, 2 * 16 * std::int64_t(sizeof(double)));
  // Inference: the 50 values also pass through two buffers.
  Graph f;
  Expr fx = f.input("x", Tensor(Shape{4, 4}, 0.1));
  Expr fh = fx;
  for (int i = 0; i < 50; ++i) fh = sigmoid(fh);
  f.forward(f.apply("l2", {fh, f.constant(Tensor(Shape{4, 4}))}), ForwardOptions{.keep_intermediates = false});
  EXPECT_EQ(f.memory_stats().workspace_bytes, 2 * 16 * std::int64_t(sizeof(double)));
}

// Buffers ops keep between runs count too (Op::scratch_bytes). conv2d of a
// (2, 1, 6, 6) image with 3 filters of 3x3 keeps the im2col columns (9 taps
// by 2 images x 16 pixels), the products (3 by 32) and, as x needs a
// gradient, the columns' gradient (9 by 32); max_pool2d keeps one int64
// argmax per output.
TEST(Memory, OpScratchCountsIm2colColumnsAndArgmaxIndices) {
  Graph g;
  Rng rng(3);
  Expr x = g.input("x", random_normal(Shape{2, 1, 6, 6}, rng), true);
  Expr w = g.parameter("w", random_normal(Shape{3, 1, 3, 3}, rng));
  Expr conv = conv2d(x, w);
  Expr loss = sum(max_pool2d(conv, {2, 2}));
  g.forward(loss);
  g.backward(loss);
  const std::int64_t columns = 9 * 32, products = 3 * 32, argmax = 2 * 3 * 2 * 2;
  const MemoryStats stats = g.memory_stats();
  EXPECT_EQ(stats.scratch_bytes, (2 * columns + products) * 8 + argmax * 8);
  EXPECT_EQ(stats.total(), stats.value_bytes + stats.gradient_bytes + stats.workspace_bytes + stats.scratch_bytes);
}

}  // namespace
}  // namespace dagrad

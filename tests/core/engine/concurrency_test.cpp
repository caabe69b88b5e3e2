// The concurrency contract (README, "Reliability"): separate graphs on
// separate threads are independent, and the op registry may be read by any
// number of threads while another registers ops. Run under ThreadSanitizer
// by tools/ci-checks.sh (the tsan preset, this test only: its own binary,
// dagrad_concurrency_tests, linked to the engine alone); in other builds it
// checks the results. The intra-op thread pool (dagrad/parallel.hpp) is
// shared by every user thread: the last tests call it from two at once.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/graph.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/parallel.hpp"

namespace dagrad {
namespace {

// A small training step: an MLP-like graph with matmul, tanh, softmax and a
// loss; its value and a parameter's gradient after a few runs.
struct StepResult {
  double loss = 0;
  Tensor gradient;
};

StepResult train_steps(std::uint64_t seed) {
  Rng rng(seed);
  Graph g;
  Expr x = g.input("x", random_normal(Shape{8, 5}, rng));
  Expr w = g.parameter("w", random_normal(Shape{5, 3}, rng));
  Expr labels = g.constant(Tensor(Shape{8}, {0, 1, 2, 0, 1, 2, 0, 1}), "labels");
  Expr logits = matmul(tanh(x), w, "logits");
  Expr loss = softmax_cross_entropy(logits, labels, "ce") + l2(softmax(logits), g.constant(Tensor(Shape{8, 3}, 0.3)));
  StepResult result;
  for (int step = 0; step < 20; ++step) {
    g.forward(loss);
    g.backward(loss);
    Tensor updated = Tensor::from(w.value());
    for (std::int64_t i = 0; i < updated.size(); ++i) updated[i] -= 0.1 * w.grad()[i];
    g.set_value(w, updated);
  }
  result.loss = g.forward(loss).item();
  g.backward(loss);
  result.gradient = Tensor::from(w.grad());
  return result;
}

TEST(Concurrency, SeparateGraphsOnSeparateThreadsGiveTheSingleThreadedResults) {
  constexpr int threads = 4;
  std::vector<StepResult> expected;
  for (int t = 0; t < threads; ++t) expected.push_back(train_steps(std::uint64_t(t)));
  std::vector<StepResult> got(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&got, t] { got[std::size_t(t)] = train_steps(std::uint64_t(t)); });
  }
  for (auto& worker : workers) worker.join();
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(got[std::size_t(t)].loss, expected[std::size_t(t)].loss) << "thread " << t;
    ASSERT_EQ(got[std::size_t(t)].gradient.shape(), expected[std::size_t(t)].gradient.shape());
    for (std::int64_t i = 0; i < expected[std::size_t(t)].gradient.size(); ++i) {
      EXPECT_EQ(got[std::size_t(t)].gradient[i], expected[std::size_t(t)].gradient[i]) << "thread " << t;
    }
  }
}

// y = 2 x; dx = 2 dy. A user op registered while other threads work.
class Twice final : public Op {
 public:
  std::string_view name() const override { return "concurrency_twice"; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    for (std::int64_t i = 0; i < output.size(); ++i) output[i] = 2 * inputs[0][i];
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (std::int64_t i = 0; i < dy.size(); ++i) grads[0].grad[i] = (grads[0].accumulate ? grads[0].grad[i] : 0.0) + 2 * dy[i];
  }
};

TEST(Concurrency, OpsRegisterWhileOtherThreadsLookThemUpAndBuildGraphs) {
  constexpr int registered = 40;
  std::atomic<bool> done{false};
  std::atomic<int> lookups{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        Graph g;
        Expr x = g.input("x", Tensor{1.0, -2.0});
        Expr y = g.apply("sigmoid", {x});
        // Whatever has been registered so far is usable at once.
        for (const std::string& name : OpRegistry::global().names()) {
          if (name.starts_with("concurrency_twice_")) y = g.apply(name, {y});
        }
        g.forward(y);
        EXPECT_TRUE(OpRegistry::global().contains("softmax"));
        ++lookups;
      }
    });
  }
  for (int i = 0; i < registered; ++i) {
    OpRegistry::global().add<Twice>(fmt::format("concurrency_twice_{:02}", i));
    std::this_thread::yield();
  }
  // Let the readers see the last registration before stopping them.
  int seen = lookups.load();
  while (lookups.load() < seen + 3) std::this_thread::yield();
  done = true;
  for (auto& reader : readers) reader.join();

  Graph g;
  Expr y = g.input("x", Tensor{1.0});
  for (int i = 0; i < registered; ++i) y = g.apply(fmt::format("concurrency_twice_{:02}", i), {y});
  EXPECT_EQ(g.forward(y).item(), 1099511627776.0);  // 2^40
  EXPECT_THROW(OpRegistry::global().add<Twice>("concurrency_twice_00"), Error);
}

// Sets the thread count for one test and restores the default, 1.
struct ThreadCount {
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(1); }
};

TEST(Concurrency, TwoUserThreadsCallParallelForAtOnce) {
  // One caller gets the pool, the other runs its chunks inline; both must
  // see every index written once, on every round.
  ThreadCount scope(2);
  constexpr std::size_t count = 4096;
  constexpr int rounds = 200;
  auto run = [](double offset, int& wrong) {
    std::vector<double> values(count);
    for (int round = 0; round < rounds; ++round) {
      parallel_for(count, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) values[i] = offset + double(i) * round;
      });
      for (std::size_t i = 0; i < count; ++i) wrong += values[i] != offset + double(i) * round;
    }
  };
  int wrong_a = 0, wrong_b = 0;
  std::thread a([&] { run(0.5, wrong_a); }), b([&] { run(-0.25, wrong_b); });
  a.join();
  b.join();
  EXPECT_EQ(wrong_a, 0);
  EXPECT_EQ(wrong_b, 0);
}

// A training step whose products are large enough to be split over two
// threads (64 x 256 x 128 multiply-adds and more).
Tensor split_product_gradient(std::uint64_t seed) {
  Rng rng(seed);
  Graph g;
  Expr x = g.input("x", random_normal(Shape{64, 256}, rng));
  Expr w1 = g.parameter("w1", random_normal(Shape{256, 128}, rng));
  Expr w2 = g.parameter("w2", random_normal(Shape{128, 10}, rng));
  Expr labels = g.constant(Tensor(Shape{64}, 3.0), "labels");
  Expr loss = softmax_cross_entropy(matmul(tanh(matmul(x, w1)), w2), labels);
  for (int step = 0; step < 5; ++step) {
    g.forward(loss);
    g.backward(loss);
  }
  return Tensor::from(w1.grad());
}

TEST(Concurrency, GraphsWithSplitProductsOnTwoUserThreadsGiveTheirOwnResults) {
  // The chunks depend only on the sizes and the thread count, so a product
  // computed by the pool or inline (when the other user thread holds the
  // pool) is the same to the bit.
  ThreadCount scope(2);
  const Tensor expected_a = split_product_gradient(1), expected_b = split_product_gradient(2);
  Tensor got_a, got_b;
  std::thread a([&] { got_a = split_product_gradient(1); }), b([&] { got_b = split_product_gradient(2); });
  a.join();
  b.join();
  ASSERT_EQ(got_a.shape(), expected_a.shape());
  ASSERT_EQ(got_b.shape(), expected_b.shape());
  for (std::int64_t i = 0; i < expected_a.size(); ++i) {
    ASSERT_EQ(got_a[i], expected_a[i]) << i;
    ASSERT_EQ(got_b[i], expected_b[i]) << i;
  }
}

}  // namespace
}  // namespace dagrad

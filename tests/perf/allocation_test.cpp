// A warm run allocates nothing: every global operator new is replaced by a
// counting one, and so is malloc (Eigen allocates its own buffers, such as a
// product's packing blocks, with malloc), and repeated forward + backward runs
// (and optimizer steps) after the first must count zero. This file is its
// own test executable so that the replacement does not touch the other tests.
// Sanitizer builds keep their runtime's malloc and count operator new only.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <new>

#include "dagrad/dagrad.hpp"
#include "dagrad/optim.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/parallel.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define DAGRAD_SANITIZED_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DAGRAD_SANITIZED_MALLOC 1
#endif

namespace {
std::atomic<long> allocations{0};
}  // namespace

#if defined(DAGRAD_SANITIZED_MALLOC)
namespace {
void* raw_malloc(std::size_t size) { return std::malloc(size); }
void* raw_memalign(std::size_t alignment, std::size_t size) {
  void* p = nullptr;
  return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
}
}  // namespace
#else
// glibc's own allocator under its exported internal names, which the
// replacements below call; free needs no replacement.
extern "C" {
void* __libc_malloc(std::size_t size) noexcept;
void* __libc_calloc(std::size_t count, std::size_t size) noexcept;
void* __libc_realloc(void* p, std::size_t size) noexcept;
void* __libc_memalign(std::size_t alignment, std::size_t size) noexcept;

void* malloc(std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** p, std::size_t alignment, std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  *p = __libc_memalign(alignment, size);
  return *p == nullptr ? ENOMEM : 0;
}
}  // extern "C"

namespace {
void* raw_malloc(std::size_t size) { return __libc_malloc(size); }
void* raw_memalign(std::size_t alignment, std::size_t size) { return __libc_memalign(alignment, size); }
}  // namespace
#endif

namespace {

void* counted(std::size_t size, std::size_t alignment) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = raw_malloc(size);
  } else {
    p = raw_memalign(alignment, size);
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return counted(size, 0); }
void* operator new[](std::size_t size) { return counted(size, 0); }
void* operator new(std::size_t size, std::align_val_t alignment) { return counted(size, std::size_t(alignment)); }
void* operator new[](std::size_t size, std::align_val_t alignment) { return counted(size, std::size_t(alignment)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted(size, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return operator new(size, std::nothrow); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace dagrad {
namespace {

// Allocations made by `run` over `repeats` calls, after one warm-up call.
template <class Run>
long allocations_when_warm(Run run, int repeats = 5) {
  run();
  long before = allocations.load();
  for (int i = 0; i < repeats; ++i) run();
  return allocations.load() - before;
}

TEST(Allocation, CounterSeesTheFirstRunAllocate) {
  // The cold run builds plans and buffers: the counter must see that, or a
  // zero below would prove nothing.
  Graph g;
  Expr x = g.input("x", Tensor(Shape{4, 3}, 0.5), true);
  Expr loss = l2(softmax(x), g.input("y", Tensor(Shape{4, 3})));
  long before = allocations.load();
  g.forward(loss);
  g.backward(loss);
  EXPECT_GT(allocations.load() - before, 0);
}

#if !defined(DAGRAD_SANITIZED_MALLOC)
// malloc is counted: a plain Eigen product too large for its stack buffers
// mallocs its packing blocks on every call.
TEST(Allocation, CounterSeesEigenMallocInAProduct) {
  const Eigen::MatrixXd a = Eigen::MatrixXd::Ones(300, 300), b = a;
  Eigen::MatrixXd c(300, 300);
  EXPECT_GT(allocations_when_warm([&] { c.noalias() = a * b; }), 0);
  EXPECT_EQ(c(0, 0), 300.0);
}
#endif

TEST(Allocation, PipelineForwardBackwardAllocatesNothingOnceWarm) {
  Rng rng(1);
  Graph g;
  Expr x = g.input("x", random_normal(Shape{64, 32}, rng), true);
  Expr y = g.input("y", random_uniform(Shape{64, 32}, rng, 0.0, 1.0));
  Expr loss = l2(softmax(normalize_rows(sigmoid(x))), y);
  EXPECT_EQ(allocations_when_warm([&] {
              g.forward(loss);
              g.backward(loss);
            }),
            0);
  // Changing the input between runs (as a training loop does) allocates nothing either.
  Tensor other = random_normal(Shape{64, 32}, rng);
  EXPECT_EQ(allocations_when_warm([&] {
              g.set_value(x, other);
              g.forward(loss);
              g.backward(loss, BackwardOptions{.retain_grads = true});
            }),
            0);
}

TEST(Allocation, FusedForwardBackwardAllocatesNothingOnceWarm) {
  // 92 rows of 56 doubles: 9 rows a block (4096 / 448) and a last block of
  // 2, so the row-wise ops see two block sizes in every run.
  Rng rng(3);
  Graph g;
  g.set_checked(false);  // checked mode never fuses
  Expr x = g.input("x", random_normal(Shape{92, 56}, rng), true);
  Expr w = g.parameter("w", random_normal(Shape{56, 56}, rng));
  Expr p = softmax(normalize_rows(sigmoid(matmul(x, w))));
  Expr loss = l2(p, g.input("y", random_uniform(Shape{92, 56}, rng, 0.0, 1.0)));
  EXPECT_EQ(allocations_when_warm([&] { g.forward_backward(loss); }), 0);
  EXPECT_FALSE(g.value_is_fresh(p));  // it fused
}

// Products whose packed operands exceed Eigen's 128 KB of stack buffers: Eigen
// itself would malloc them on every call; ops/parallel_product.hpp keeps
// them per thread. On one thread and, split into column blocks, on two.
TEST(Allocation, LargeProductsAllocateNothingOnceWarm) {
  Rng rng(7);
  Graph g;
  Expr a = g.input("a", random_normal(Shape{300, 400}, rng), true);
  Expr b = g.input("b", random_normal(Shape{400, 350}, rng), true);
  Expr loss = sum(square(matmul(a, b)));
  const auto step = [&] {
    g.forward(loss);
    g.backward(loss);
  };
  EXPECT_EQ(allocations_when_warm(step), 0);
  set_num_threads(2);
  const long on_two_threads = allocations_when_warm(step);
  set_num_threads(1);
  EXPECT_EQ(on_two_threads, 0);
}

TEST(Allocation, SeededBackwardAndInferenceAllocateNothingOnceWarm) {
  Rng rng(2);
  Graph g;
  Expr image = g.input("image", random_normal(Shape{8, 8, 3}, rng), true);
  Expr v = reshape(sigmoid(image), {-1, 1});
  Tensor seed = random_normal(Shape{8 * 8 * 3, 1}, rng);
  EXPECT_EQ(allocations_when_warm([&] {
              g.forward(v);
              g.backward(v, seed);
            }),
            0);
  EXPECT_EQ(allocations_when_warm([&] { g.forward(v, ForwardOptions{.keep_intermediates = false}); }), 0);
}

TEST(Allocation, MlpTrainingStepAllocatesNothingOnceWarm) {
  // The mlp_step workload: 64-32-10 tanh MLP, batch 64, softmax
  // cross-entropy, backward, SGD update of W1, b1, W2, b2.
  Rng rng(3);
  Graph g;
  Expr x = g.input("x", random_normal(Shape{64, 64}, rng));
  Tensor label_values(Shape{64});
  for (std::int64_t i = 0; i < 64; ++i) label_values[i] = double(i % 10);
  Expr labels = g.input("labels", label_values);
  Expr W1 = g.parameter("W1", random_normal(Shape{64, 32}, rng)), b1 = g.parameter("b1", Tensor(Shape{1, 32}));
  Expr W2 = g.parameter("W2", random_normal(Shape{32, 10}, rng)), b2 = g.parameter("b2", Tensor(Shape{1, 10}));
  Expr loss = softmax_cross_entropy(matmul(tanh(matmul(x, W1) + b1), W2) + b2, labels);
  SGD sgd(g.parameters(), 0.1);
  double first_loss = g.forward(loss)[0];
  EXPECT_EQ(allocations_when_warm(
                [&] {
                  g.forward(loss);
                  g.backward(loss);
                  sgd.step();
                },
                20),
            0);
  // The steps did train: the same batch has a lower loss now.
  EXPECT_LT(g.forward(loss)[0], first_loss);
}

TEST(Allocation, LenetTrainingStepAllocatesNothingOnceWarm) {
  // A small lenet_step (issue 11's conv layers): conv, relu, max pool twice,
  // flatten, two dense layers, softmax cross-entropy, backward, SGD.
  Rng rng(4);
  Graph g;
  Expr x = g.input("x", random_normal(Shape{4, 1, 12, 12}, rng));
  Expr labels = g.input("labels", Tensor{0, 1, 2, 1});
  Conv2d conv1(g, 1, 4, {3, 3}, rng, "conv1"), conv2(g, 4, 8, {3, 3}, rng, "conv2", {.padding = {1, 1}, .groups = 2});
  Linear fc1(g, 32, 16, rng, "fc1"), fc2(g, 16, 3, rng, "fc2");
  MaxPool2d pool({2, 2});
  Expr h = flatten(pool(relu(conv2(pool(relu(conv1(x)))))));
  Expr loss = softmax_cross_entropy(fc2(relu(fc1(h))), labels);
  SGD sgd(g.parameters(), 0.1);
  double first_loss = g.forward(loss)[0];
  EXPECT_EQ(allocations_when_warm(
                [&] {
                  g.forward(loss);
                  g.backward(loss);
                  sgd.step();
                },
                10),
            0);
  EXPECT_LT(g.forward(loss)[0], first_loss);
}

TEST(Allocation, LstmTrainingStepAllocatesNothingOnceWarm) {
  // A small lstm_step: Embedding, LSTM over 5 steps, dense on every step,
  // softmax cross-entropy, backward through time, SGD; in both dtypes.
  for (DType dtype : {DType::float64, DType::float32}) {
    Rng rng(4);
    Graph g;
    Tensor char_values(Shape{5, 3}), next_values(Shape{15});
    for (std::int64_t i = 0; i < 15; ++i) char_values.set(i, double(i % 7)), next_values.set(i, double((i + 1) % 7));
    Embedding embed(g, 7, 4, rng, "embed", dtype);
    LSTM lstm(g, 4, 6, rng, "lstm", dtype);
    Linear readout(g, 6, 7, rng, "readout", init::Method::xavier_uniform, dtype);
    Expr states = lstm(embed(g.input("chars", char_values)));
    Expr loss = softmax_cross_entropy(readout(reshape(states, {15, 6})), g.input("next", next_values.to(dtype)));
    SGD sgd(g.parameters(), 0.1);
    const double first_loss = g.forward(loss).get(0);
    EXPECT_EQ(allocations_when_warm(
                  [&] {
                    g.forward(loss);
                    g.backward(loss);
                    sgd.step();
                  },
                  10),
              0);
    EXPECT_LT(g.forward(loss).get(0), first_loss);
  }
}

TEST(Allocation, Float32MlpTrainingStepsAllocateNothingOnceWarm) {
  // `dagrad train --dtype float32`'s loop: float64 minibatches converted
  // into float32 inputs, an nn::MLP of dtype float32, Adam (its moments in
  // float32), the loss read back as a double. Warm: nothing is allocated.
  Rng rng(5);
  Dataset data = planar_flower(400, 1);
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 2}, DType::float32));
  Expr y = g.input("y", Tensor(Shape{1, 1}, DType::float32));
  MLP model(g, {2, 16, 8, 1}, Activation::tanh, rng, {}, DType::float32);
  Expr logits = model(x);
  Expr loss = bce_with_logits(logits, y, "loss");
  Adam adam(model.parameters(), 0.02);
  Minibatches batches(data, 50, rng);  // 8 full batches: every step has the same shapes
  double loss_sum = 0;
  auto epoch = [&] {
    loss_sum = 0;
    for (const Batch& batch : batches) {
      g.set_value(x, batch.x);
      g.set_value(y, batch.y);
      g.forward(loss);
      g.backward(loss);
      adam.step();
      loss_sum += loss.value().item();
    }
  };
  epoch();
  const double first_epoch_loss = loss_sum;
  EXPECT_EQ(allocations_when_warm(epoch, 5), 0);
  EXPECT_EQ(model.parameters()[0].dtype(), DType::float32);
  EXPECT_EQ(logits.value().dtype(), DType::float32);
  EXPECT_LT(loss_sum, first_epoch_loss);  // the steps trained
}

TEST(Allocation, TrainingStepsOnTwoThreadsAllocateNothingOnceWarm) {
  // The pool's worker starts on the first split product (the warm-up run);
  // after that, handing out chunks allocates nothing: the callable goes to
  // the workers as a pointer, never copied into a std::function.
  struct ThreadCount {
    ThreadCount() { set_num_threads(2); }
    ~ThreadCount() { set_num_threads(1); }
  } scope;
  std::vector<double> values(1000);
  double scale = 3, offset = 1, unused[8] = {};
  EXPECT_EQ(allocations_when_warm([&] {
              parallel_for(values.size(), [&, unused](std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i) values[i] = scale * double(i) + offset + unused[i % 8];
              });
            }),
            0);
  EXPECT_EQ(values[999], 2998);

  // An MLP and a small LeNet whose products are large enough to be split
  // (at least 2^18 multiply-adds: ops/parallel_product.hpp).
  Rng rng(6);
  Graph mlp;
  MLP model(mlp, {256, 128, 10}, Activation::relu, rng);
  Tensor mlp_labels(Shape{64});
  for (std::int64_t i = 0; i < 64; ++i) mlp_labels[i] = double(i % 10);
  Expr mlp_loss = softmax_cross_entropy(model(mlp.input("x", random_normal(Shape{64, 256}, rng))),
                                        mlp.input("labels", mlp_labels));
  Graph lenet;
  Conv2d conv1(lenet, 1, 6, {5, 5}, rng, "conv1"), conv2(lenet, 6, 16, {5, 5}, rng, "conv2");
  Linear fc1(lenet, 256, 120, rng, "fc1"), fc2(lenet, 120, 10, rng, "fc2");
  MaxPool2d pool({2, 2});
  Expr h = flatten(pool(relu(conv2(pool(relu(conv1(lenet.input("x", random_normal(Shape{8, 1, 28, 28}, rng)))))))));
  Expr lenet_loss = softmax_cross_entropy(fc2(relu(fc1(h))), lenet.input("labels", Tensor{0, 1, 2, 3, 4, 5, 6, 7}));
  for (const auto& model_and_loss : {std::pair{&mlp, mlp_loss}, std::pair{&lenet, lenet_loss}}) {
    // Named copies, not a structured binding: clang 14 (the sanitize preset)
    // cannot capture a binding in the lambda below.
    Graph* g = model_and_loss.first;
    Expr loss = model_and_loss.second;
    SGD sgd(g->parameters(), 0.05);
    const double first_loss = g->forward(loss).get(0);
    EXPECT_EQ(allocations_when_warm(
                  [&] {
                    g->forward(loss);
                    g->backward(loss);
                    sgd.step();
                  },
                  10),
              0);
    EXPECT_LT(g->forward(loss).get(0), first_loss);
  }
}

}  // namespace
}  // namespace dagrad

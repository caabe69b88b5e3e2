// The thread pool (dagrad/parallel.hpp): its partition, errors, nesting and
// DAGRAD_NUM_THREADS; and issue 12's acceptance test, gradients of three
// small models trained on one and on two threads agreeing to 1e-12.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "dagrad/dagrad.hpp"
#include "dagrad/parallel.hpp"

namespace dagrad {
namespace {

// Sets the thread count for one test and restores the default of the
// tests, 1, however the test ends.
struct ThreadCount {
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(1); }
};

// The (begin, end) chunks one parallel_for call made, sorted.
std::vector<std::pair<std::size_t, std::size_t>> chunks_of(std::size_t count) {
  std::mutex mutex;
  std::vector<std::pair<std::size_t, std::size_t>> chunks;
  parallel_for(count, [&](std::size_t begin, std::size_t end) {
    std::lock_guard lock(mutex);
    chunks.emplace_back(begin, end);
  });
  std::sort(chunks.begin(), chunks.end());
  return chunks;
}

TEST(ParallelFor, CoversEveryIndexExactlyOnceInBalancedContiguousChunks) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadCount scope(threads);
    for (std::size_t count : {0, 1, 7, 1000}) {
      SCOPED_TRACE(testing::Message() << threads << " threads, count " << count);
      std::vector<std::atomic<int>> hits(count);
      parallel_for(count, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;

      const auto chunks = chunks_of(count);
      ASSERT_EQ(chunks.size(), std::min(count, std::size_t(threads)));
      std::size_t next = 0;
      for (std::size_t k = 0; k < chunks.size(); ++k) {
        const auto [begin, end] = chunks[k];
        EXPECT_EQ(begin, next);
        // The partition: the first count % chunks chunks hold one more.
        EXPECT_EQ(end - begin, count / chunks.size() + (k < count % chunks.size() ? 1 : 0)) << "chunk " << k;
        next = end;
      }
      EXPECT_EQ(next, count);
      EXPECT_EQ(chunks_of(count), chunks) << "the same call gives the same chunks";
    }
  }
}

TEST(ParallelFor, RunsTheChunksOnSeveralThreads) {
  ThreadCount scope(2);
  std::mutex mutex;
  std::set<std::thread::id> ids;
  parallel_for(2, [&](std::size_t, std::size_t) {
    std::lock_guard lock(mutex);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 1u) << "the caller runs chunk 0, a worker chunk 1";
}

TEST(ParallelFor, NestedCallsRunInlineOnTheChunksThread) {
  ThreadCount scope(2);
  std::vector<std::atomic<int>> hits(2 * 50);
  std::atomic<int> foreign{0};
  parallel_for(2, [&](std::size_t begin, std::size_t end) {
    for (std::size_t outer = begin; outer < end; ++outer) {
      const std::thread::id owner = std::this_thread::get_id();
      parallel_for(50, [&](std::size_t b, std::size_t e) {
        if (std::this_thread::get_id() != owner) foreign.fetch_add(1);
        for (std::size_t i = b; i < e; ++i) hits[outer * 50 + i].fetch_add(1);
      });
    }
  });
  EXPECT_EQ(foreign.load(), 0);
  for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
}

TEST(ParallelFor, RethrowsTheFirstErrorAfterEveryChunkHasRun) {
  ThreadCount scope(3);
  std::atomic<int> finished{0};
  try {
    parallel_for(3, [&](std::size_t begin, std::size_t) {
      finished.fetch_add(1);
      if (begin == 1) throw std::out_of_range("index 7 out of range in chunk 1");
    });
    FAIL() << "expected the chunk's exception";
  } catch (const std::out_of_range& error) {
    EXPECT_STREQ(error.what(), "index 7 out of range in chunk 1");
  }
  EXPECT_EQ(finished.load(), 3);
  // The pool is free and works after an error.
  std::atomic<std::size_t> sum{0};
  parallel_for(100, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) sum.fetch_add(i);
  });
  EXPECT_EQ(sum.load(), 4950u);
}

TEST(ParallelFor, AThreadCountBelowOneIsRefused) {
  ThreadCount scope(2);
  for (int bad : {0, -3}) {
    try {
      set_num_threads(bad);
      FAIL() << "expected std::invalid_argument for " << bad;
    } catch (const std::invalid_argument& error) {
      EXPECT_EQ(std::string(error.what()), fmt::format("set_num_threads: the thread count must be >= 1, got {}", bad));
    }
  }
  EXPECT_EQ(num_threads(), 2) << "a refused count changes nothing";
}

TEST(ParallelFor, EnvironmentValuesParseAsWholeCountsOfAtLeastOne) {
  EXPECT_EQ(parse_num_threads("1"), 1);
  EXPECT_EQ(parse_num_threads("2"), 2);
  EXPECT_EQ(parse_num_threads("16"), 16);
  for (const char* bad : {"abc", "0", "-3", "2x", " 2", "", "+2", "1.5", "99999999999"}) {
    try {
      parse_num_threads(bad);
      FAIL() << "expected std::invalid_argument for \"" << bad << "\"";
    } catch (const std::invalid_argument& error) {
      EXPECT_EQ(std::string(error.what()),
                fmt::format("DAGRAD_NUM_THREADS must be a whole number of threads >= 1 (such as 2), got \"{}\"", bad));
    }
  }
}

// DAGRAD_NUM_THREADS is read on first use, so each case runs in a fresh
// process: the threadsafe death-test style re-executes this test binary.
TEST(ParallelFor, DagradNumThreadsSetsTheCountAndAnInvalidValueThrowsAtFirstUse) {
  const std::string style = GTEST_FLAG_GET(death_test_style);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto first_use_with = [](const char* value) {
    setenv("DAGRAD_NUM_THREADS", value, 1);
    try {
      std::fprintf(stderr, "threads: %d\n", num_threads());
      std::exit(0);
    } catch (const std::invalid_argument& error) {
      std::fprintf(stderr, "%s\n", error.what());
      std::exit(3);
    }
  };
  EXPECT_EXIT(first_use_with("3"), testing::ExitedWithCode(0), "threads: 3");
  EXPECT_EXIT(first_use_with("abc"), testing::ExitedWithCode(3), "DAGRAD_NUM_THREADS .* got \"abc\"");
  EXPECT_EXIT(first_use_with("0"), testing::ExitedWithCode(3), "DAGRAD_NUM_THREADS .* got \"0\"");
  GTEST_FLAG_SET(death_test_style, style);
}

// ---- issue 12's acceptance test: one thread against two ----

// Every parameter's gradient after `steps` SGD steps (lr 0.05) of a model
// built by `build` on a fresh graph, run on `threads` threads.
template <class Build>
std::vector<Tensor> gradients_after_training(int threads, Build build, int steps = 3) {
  ThreadCount scope(threads);
  Graph g;
  Rng rng(7);
  Expr loss = build(g, rng);
  SGD sgd(g.parameters(), 0.05);
  for (int step = 0; step < steps; ++step) {
    g.forward(loss);
    g.backward(loss);
    sgd.step();
  }
  g.forward(loss);
  g.backward(loss);
  std::vector<Tensor> gradients;
  for (const Expr& parameter : g.parameters()) gradients.push_back(Tensor::from(parameter.grad()));
  return gradients;
}

// max |a - b| <= 1e-12 max |a| for each parameter's gradient.
template <class Build>
void expect_one_and_two_threads_agree(Build build) {
  const std::vector<Tensor> one = gradients_after_training(1, build), two = gradients_after_training(2, build);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t p = 0; p < one.size(); ++p) {
    ASSERT_EQ(one[p].shape(), two[p].shape());
    double largest = 0, difference = 0;
    for (std::int64_t i = 0; i < one[p].size(); ++i) {
      largest = std::max(largest, std::abs(one[p][i]));
      difference = std::max(difference, std::abs(one[p][i] - two[p][i]));
    }
    EXPECT_GT(largest, 0) << "parameter " << p << " has a gradient";
    EXPECT_LE(difference, 1e-12 * largest) << "parameter " << p;
  }
}

Tensor cyclic_labels(std::int64_t batch, std::int64_t classes) {
  Tensor labels(Shape{batch});
  for (std::int64_t i = 0; i < batch; ++i) labels[i] = double((i * 7) % classes);
  return labels;
}

// The sizes below make every large product at least two chunks' worth of
// work (parallel_product.hpp: 2^20 multiply-adds a chunk), so two threads
// really split them.
TEST(ParallelTraining, MlpGradientsOnOneAndTwoThreadsAgree) {
  expect_one_and_two_threads_agree([](Graph& g, Rng& rng) {
    Expr x = g.input("x", random_normal(Shape{128, 256}, rng));  // 128 x 256 x 128: 4.2 M multiply-adds
    MLP model(g, {256, 128, 10}, Activation::relu, rng);
    return softmax_cross_entropy(model(x), g.input("labels", cyclic_labels(128, 10)));
  });
}

TEST(ParallelTraining, LenetGradientsOnOneAndTwoThreadsAgree) {
  expect_one_and_two_threads_agree([](Graph& g, Rng& rng) {
    Expr x = g.input("x", random_normal(Shape{32, 1, 28, 28}, rng));  // conv1: 6 x 25 x 18432, 2.8 M
    Conv2d conv1(g, 1, 6, {5, 5}, rng, "conv1"), conv2(g, 6, 16, {5, 5}, rng, "conv2");
    Linear fc1(g, 256, 120, rng, "fc1", init::Method::he_uniform), fc2(g, 120, 10, rng, "fc2");
    MaxPool2d pool({2, 2});
    Expr h = flatten(pool(relu(conv2(pool(relu(conv1(x)))))));
    return softmax_cross_entropy(fc2(relu(fc1(h))), g.input("labels", cyclic_labels(32, 10)));
  });
}

TEST(ParallelTraining, LstmGradientsOnOneAndTwoThreadsAgree) {
  expect_one_and_two_threads_agree([](Graph& g, Rng& rng) {
    constexpr std::int64_t seq = 4, batch = 64, in = 32, hidden = 128;  // each step: 64 x 128 x 512, 4.2 M
    Expr x = g.input("x", random_normal(Shape{seq, batch, in}, rng));
    LSTM lstm(g, in, hidden, rng, "lstm");
    Linear readout(g, hidden, 10, rng, "readout");
    Expr states = reshape(lstm(x), {seq * batch, hidden});
    return softmax_cross_entropy(readout(states), g.input("labels", cyclic_labels(seq * batch, 10)));
  });
}

}  // namespace
}  // namespace dagrad

// The worker pool behind dagrad/parallel.hpp.
//
// One job at a time: a caller claims the pool (busy_), publishes the job
// under the mutex with a new generation number, runs chunk 0 itself, and
// waits until the workers that got a chunk have finished theirs. Worker i
// runs chunk i of every job that has more than i chunks. A caller that finds
// the pool claimed runs its chunks inline, so the pool never queues work and
// never deadlocks on itself. Workers spin for up to a millisecond before
// sleeping on the condition variable: a training step publishes many small
// jobs, and a futex wake-up costs more than a small product.
#include "dagrad/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace dagrad {
namespace {

// 0 until the thread count is known (from the environment or set_num_threads).
std::atomic<int> configured_threads{0};

// True on the pool's workers and on a caller while it runs its chunks:
// a parallel_for from inside a chunk runs inline.
thread_local bool inside_parallel_region = false;

void pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Chunk i of `chunks` over [0, count): the first count % chunks chunks are one longer.
std::size_t chunk_begin(std::size_t count, std::size_t chunks, std::size_t i) {
  return i * (count / chunks) + std::min(i, count % chunks);
}

// The chunks one after the other, with the pool's rule for exceptions: every chunk runs, the first error is rethrown.
void run_inline(std::size_t count, std::size_t chunks, detail::ChunkFunction function, void* callable) {
  std::exception_ptr error;
  for (std::size_t i = 0; i < chunks; ++i) {
    try {
      function(callable, chunk_begin(count, chunks, i), chunk_begin(count, chunks, i + 1));
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

// Spins until done() or `limit` has passed; true when done. It yields to
// the scheduler once every 32 rounds of 64 pauses (some tens of
// microseconds), so that on a machine with more runnable threads than cores
// the spinning does not keep the thread it waits for off a core, while
// staying clear of a system call per round: in a virtual machine a
// sched_yield costs as much as the wait itself.
template <class Done>
bool spin_until(Done done, std::chrono::microseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (int round = 1;; ++round) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      pause();
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (round % 32 == 0) std::this_thread::yield();
  }
}

// How long a worker spins for the next job before it sleeps, and a caller
// for its workers. A training step publishes jobs a few hundred
// microseconds apart, with serial ops between them: a worker that went to
// sleep in such a gap costs a futex wake-up: with a 50 microsecond spin,
// wake-ups and yields took 14% of the samples of LeNet's f32 step on two
// threads (perf), and the step ran 20% faster with this spin.
constexpr std::chrono::microseconds worker_spin{1000}, caller_spin{200};

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  // Claims the pool for one job; false when another caller holds it.
  bool try_claim() { return !busy_.exchange(true, std::memory_order_acquire); }

  // Runs `chunks` chunks (2 or more) of the claimed pool's job and releases it.
  void run(std::size_t count, std::size_t chunks, detail::ChunkFunction function, void* callable) {
    try {
      while (workers_.size() < chunks - 1) {
        const std::size_t index = workers_.size() + 1;
        workers_.emplace_back([this, index] { work(index); });
      }
    } catch (...) {  // no thread could be started: release the pool, report it
      busy_.store(false, std::memory_order_release);
      throw;
    }
    {
      std::lock_guard lock(mutex_);
      count_ = count, chunks_ = chunks, function_ = function, callable_ = callable;
      error_ = nullptr;
      pending_.store(chunks - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    run_chunk(0);
    spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; }, caller_spin);
    std::exception_ptr error;
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
      error = std::move(error_);
    }
    busy_.store(false, std::memory_order_release);
    if (error) std::rethrow_exception(error);
  }

 private:
  void run_chunk(std::size_t i) {
    inside_parallel_region = true;
    try {
      function_(callable_, chunk_begin(count_, chunks_, i), chunk_begin(count_, chunks_, i + 1));
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    inside_parallel_region = false;
  }

  void work(std::size_t index) {
    std::uint64_t seen = 0;
    for (;;) {
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; }, worker_spin);
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        seen = generation_.load(std::memory_order_relaxed);
        if (stopping_) return;
        if (index >= chunks_) continue;
      }
      run_chunk(index);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;  // grown by the claiming caller only
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> pending_{0};  // chunks the workers have yet to finish
  bool stopping_ = false;
  // The current job, written under the mutex before its generation is published.
  std::size_t count_ = 0, chunks_ = 0;
  detail::ChunkFunction function_ = nullptr;
  void* callable_ = nullptr;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

int parse_num_threads(std::string_view value) {
  int threads = 0;
  const char* end = value.data() + value.size();
  const auto [stop, error] = std::from_chars(value.data(), end, threads);
  // from_chars accepts a leading '-', which the check below rejects with the rest.
  if (value.empty() || value.front() == '-' || error != std::errc() || stop != end || threads < 1) {
    throw std::invalid_argument(fmt::format(
        "DAGRAD_NUM_THREADS must be a whole number of threads >= 1 (such as 2), got \"{}\"", value));
  }
  return threads;
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument(fmt::format("set_num_threads: the thread count must be >= 1, got {}", n));
  configured_threads.store(n, std::memory_order_relaxed);
}

// The environment is read until a valid count is known: an invalid value
// throws at every use (see parallel.hpp), never silently means 1.
int num_threads() {
  const int threads = configured_threads.load(std::memory_order_relaxed);
  if (threads != 0) return threads;
  const char* value = std::getenv("DAGRAD_NUM_THREADS");
  const int from_environment = value == nullptr ? 1 : parse_num_threads(value);
  int expected = 0;
  // A set_num_threads() racing with this first read wins.
  configured_threads.compare_exchange_strong(expected, from_environment, std::memory_order_relaxed);
  return configured_threads.load(std::memory_order_relaxed);
}

namespace detail {
void parallel_for(std::size_t count, ChunkFunction function, void* callable) {
  if (count == 0) return;
  const std::size_t chunks = std::min(count, std::size_t(num_threads()));
  if (chunks == 1) {
    function(callable, 0, count);
    return;
  }
  if (inside_parallel_region || !pool().try_claim()) {
    run_inline(count, chunks, function, callable);
    return;
  }
  pool().run(count, chunks, function, callable);
}
}  // namespace detail

}  // namespace dagrad

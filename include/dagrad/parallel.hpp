// Intra-op parallelism: one persistent pool of worker threads that the
// heavy kernels (matrix products, convolutions, recurrent layers) split
// their loops over.
//
// The thread count is 1 by default. The environment variable
// DAGRAD_NUM_THREADS sets it for a whole program (read once, on the first
// call of num_threads() or parallel_for() that set_num_threads() has not
// preceded); set_num_threads() sets it from code. An invalid value ("abc",
// "0", "-3", "2x") makes that first use throw std::invalid_argument naming
// the variable and the value: a typo in a job script fails loudly instead
// of silently training on one thread. (Every later use throws again, until
// set_num_threads() gives a valid count.)
//
// parallel_for(count, fn) calls fn(begin, end) on contiguous chunks that
// cover [0, count) exactly once. The chunks depend only on count and the
// thread count: min(count, num_threads()) chunks, the first count %
// chunks of them one longer. The calling thread runs chunk 0 and worker i
// chunk i. When the pool is busy (another user thread's parallel_for is
// running), and inside a chunk (a nested parallel_for), the same chunks run
// inline, one after the other, on the calling thread: a kernel gives the
// same result either way. Several graphs on several user threads may
// therefore call it at once.
//
// An exception thrown by fn in a chunk is rethrown to the caller after
// every chunk has run (the first one caught, when several chunks throw).
// A warm pool allocates nothing per call: the callable is passed as a
// function pointer and a pointer to it, never copied into a std::function.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <type_traits>

namespace dagrad {

// Sets the number of threads (the caller plus n - 1 workers) for every later
// parallel_for; throws std::invalid_argument unless n >= 1.
void set_num_threads(int n);
// The current thread count (DAGRAD_NUM_THREADS or 1 until set_num_threads).
int num_threads();
// A DAGRAD_NUM_THREADS value as a thread count: a whole decimal number >= 1,
// nothing else (no sign, spaces or suffix); throws std::invalid_argument
// naming the variable and the value otherwise.
int parse_num_threads(std::string_view value);

namespace detail {
using ChunkFunction = void (*)(void* callable, std::size_t begin, std::size_t end);
void parallel_for(std::size_t count, ChunkFunction function, void* callable);
}  // namespace detail

template <class Function>
void parallel_for(std::size_t count, Function&& fn) {
  using Callable = std::remove_reference_t<Function>;
  detail::ChunkFunction call = [](void* callable, std::size_t begin, std::size_t end) {
    (*static_cast<Callable*>(callable))(begin, end);
  };
  detail::parallel_for(count, call, const_cast<void*>(static_cast<const void*>(std::addressof(fn))));
}

}  // namespace dagrad

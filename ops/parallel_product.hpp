// Matrix products on several threads (dagrad/parallel.hpp), for the ops
// whose cost is products: matmul (and so Linear), conv2d, lstm and gru.
//
// The result is split into blocks of whole columns (or of whole rows, when
// it has more rows than columns), each computed by Eigen's single-threaded
// kernel; no element's sum over the inner dimension is split, so the
// mathematics is that of one product. Eigen picks its cache blocking and
// register kernel from a block's size, though, so an element of a split
// product can round differently in its last bits from the unsplit one.
// Work below two chunks' worth stays on the calling thread: waking a worker
// costs about min_chunk_work element operations. A product's chunk is
// larger, min_product_chunk multiply-adds, since each chunk of a split
// product repacks the shared operand: lstm_step's per-time-step product
// (16 x 128 x 512, 1 M multiply-adds) stays whole. On the 2-core test
// machine 2^17 and 2^20 ran lenet_step and lstm_step alike on two threads,
// within its noise; the larger chunk is the one that wastes no repacking.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "dagrad/eigen.hpp"
#include "dagrad/parallel.hpp"

namespace dagrad::parallel_kernels {

// The fewest element operations, and multiply-adds of a product, worth a
// chunk of their own.
inline constexpr double min_chunk_work = 1 << 17;
inline constexpr double min_product_chunk = 1 << 20;

// How many chunks a loop of `work` operations gets: up to num_threads(),
// each of at least `min_work`; 1 means serial.
inline std::size_t chunks_for(double work, double min_work = min_chunk_work) {
  const int threads = num_threads();
  if (threads == 1) return 1;
  return std::size_t(std::clamp(work / min_work, 1.0, double(threads)));
}

// fn(begin, end) over [0, count), split over threads when the loop's total
// `work` is worth it. For loops whose items are independent (each writes its
// own outputs), so the split changes nothing in the result.
template <class Function>
void for_each_block(std::size_t count, double work, Function&& fn) {
  const std::size_t chunks = std::min(count, chunks_for(work));
  if (chunks <= 1) {
    if (count > 0) fn(std::size_t(0), count);
    return;
  }
  parallel_for(chunks, [&](std::size_t first, std::size_t last) {
    for (std::size_t chunk = first; chunk < last; ++chunk) fn(chunk * count / chunks, (chunk + 1) * count / chunks);
  });
}

// fn(i) for each i in [0, count), as for_each_block.
template <class Function>
void for_each_item(std::int64_t count, double work, Function&& fn) {
  for_each_block(std::size_t(count), work, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) fn(std::int64_t(i));
  });
}

// destination = lhs rhs (or += when `accumulate`), with destination not
// aliasing lhs or rhs (Eigen's noalias). Destination is a writable Eigen
// block or map (row-major or not); lhs and rhs any matrix expressions.
template <class Destination, class Lhs, class Rhs>
void product(Destination&& destination, const Lhs& lhs, const Rhs& rhs, bool accumulate = false) {
  const Eigen::Index rows = lhs.rows(), cols = rhs.cols();
  const std::size_t chunks = chunks_for(double(rows) * double(cols) * double(lhs.cols()), min_product_chunk);
  // Blocks of a multiple of 8 columns (or rows), so each starts on a vector
  // boundary of a row-major result; the last takes the rest.
  const bool by_columns = cols >= rows;
  const Eigen::Index extent = by_columns ? cols : rows;
  const Eigen::Index block = (extent / Eigen::Index(std::max<std::size_t>(chunks, 1)) + 7) / 8 * 8;
  if (chunks <= 1 || block >= extent) {
    assign_or_add(destination.noalias(), lhs * rhs, accumulate);
    return;
  }
  const std::size_t blocks = std::size_t((extent + block - 1) / block);
  parallel_for(blocks, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b) {
      const Eigen::Index begin = Eigen::Index(b) * block, size = std::min(block, extent - begin);
      if (by_columns) {
        assign_or_add(destination.middleCols(begin, size).noalias(), lhs * rhs.middleCols(begin, size), accumulate);
      } else {
        assign_or_add(destination.middleRows(begin, size).noalias(), lhs.middleRows(begin, size) * rhs, accumulate);
      }
    }
  });
}

}  // namespace dagrad::parallel_kernels

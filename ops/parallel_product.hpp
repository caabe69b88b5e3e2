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
#include <type_traits>
#include <vector>

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

// Eigen's blocking for one product, with its packing buffers kept by the
// thread. Eigen's own (gemm_blocking_space) mallocs them for every product
// above 128 KB of packed operand and frees them after; on a pool worker
// glibc then hands the arena's memory back to the system, and the next
// product page-faults it in again: that made float64 lstm_step slower on two
// threads than on one. A thread's buffers only grow, to the largest blocks
// it has packed (a few MB at most: Eigen caps the blocks by cache size), and
// live as long as the thread; they are not counted in memory_stats().
template <class T>
class KeptBlocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  // rows, cols, depth of the column-major problem Eigen's kernel solves.
  KeptBlocking(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
    this->m_mc = rows, this->m_nc = cols, this->m_kc = depth;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc, Eigen::Index(1));
    thread_local std::vector<T, Eigen::aligned_allocator<T>> packed_lhs, packed_rhs;
    this->m_blockA = grown(packed_lhs, this->m_mc * this->m_kc);
    this->m_blockB = grown(packed_rhs, this->m_kc * this->m_nc);
  }

 private:
  static T* grown(std::vector<T, Eigen::aligned_allocator<T>>& buffer, Eigen::Index size) {
    if (buffer.size() < std::size_t(size)) buffer.resize(std::size_t(size));
    return buffer.data();
  }
};

// destination = lhs rhs (or += when `accumulate`) on this thread: what
// Eigen's `destination.noalias() = lhs * rhs` does (its general_matrix_matrix_product
// kernel, the same blocking sizes, so the same result to the bit), with the
// packing buffers of KeptBlocking. Small products (Eigen's coefficient-based
// ones) and products with a vector (GEMV) allocate nothing and go to Eigen.
template <class Destination, class Lhs, class Rhs>
void kept_buffer_product(Destination&& destination, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
  namespace internal = Eigen::internal;
  using Dest = std::remove_reference_t<Destination>;
  using T = typename Dest::Scalar;
  const Eigen::Index rows = lhs.rows(), cols = rhs.cols(), depth = lhs.cols();
  if (rows == 0 || cols == 0 || depth == 0) {
    if (!accumulate) destination.setZero();  // an empty sum is 0
    return;
  }
  if (rows == 1 || cols == 1 || rows + cols + depth < EIGEN_GEMM_TO_COEFFBASED_THRESHOLD) {
    assign_or_add(destination.noalias(), lhs * rhs, accumulate);
    return;
  }
  using LhsTraits = internal::blas_traits<Lhs>;
  using RhsTraits = internal::blas_traits<Rhs>;
  using ActualLhs = typename LhsTraits::DirectLinearAccessType;  // a plain copy where there is no direct access
  using ActualRhs = typename RhsTraits::DirectLinearAccessType;
  typename internal::add_const_on_value_type<ActualLhs>::type a = LhsTraits::extract(lhs);
  typename internal::add_const_on_value_type<ActualRhs>::type b = RhsTraits::extract(rhs);
  constexpr auto order = [](int flags) { return (flags & Eigen::RowMajorBit) ? Eigen::RowMajor : Eigen::ColMajor; };
  constexpr bool row_major = (Dest::Flags & Eigen::RowMajorBit) != 0;
  using Kernel = internal::general_matrix_matrix_product<
      Eigen::Index, T, order(internal::remove_all<ActualLhs>::type::Flags), bool(LhsTraits::NeedToConjugate), T,
      order(internal::remove_all<ActualRhs>::type::Flags), bool(RhsTraits::NeedToConjugate), order(Dest::Flags),
      Dest::InnerStrideAtCompileTime>;
  if (!accumulate) destination.setZero();
  const T alpha = LhsTraits::extractScalarFactor(lhs) * RhsTraits::extractScalarFactor(rhs);
  KeptBlocking<T> blocking(row_major ? cols : rows, row_major ? rows : cols, depth);  // row-major: the transposed problem
  Kernel::run(rows, cols, depth, a.data(), a.outerStride(), b.data(), b.outerStride(), destination.data(),
              destination.innerStride(), destination.outerStride(), alpha, blocking, nullptr);
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
    kept_buffer_product(destination, lhs, rhs, accumulate);
    return;
  }
  const std::size_t blocks = std::size_t((extent + block - 1) / block);
  parallel_for(blocks, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b) {
      const Eigen::Index begin = Eigen::Index(b) * block, size = std::min(block, extent - begin);
      if (by_columns) {
        kept_buffer_product(destination.middleCols(begin, size), lhs, rhs.middleCols(begin, size), accumulate);
      } else {
        kept_buffer_product(destination.middleRows(begin, size), lhs.middleRows(begin, size), rhs, accumulate);
      }
    }
  });
}

}  // namespace dagrad::parallel_kernels

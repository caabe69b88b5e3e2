// ops/parallel_product.hpp: products with per-thread packing buffers give Eigen's own result, to the bit, for every
// layout the ops use; and split products (two threads) agree with one.
#include <thread>

#include <gtest/gtest.h>

#include "../../ops/parallel_product.hpp"

namespace dagrad {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class M>
M random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::srand(seed);
  return M::Random(rows, cols);
}

// Both ways for one (rows, depth, cols): as the ops call it (row-major maps, a transposed operand, a column block of
// a wider destination, accumulation) and as Eigen's noalias product, which must agree exactly.
void expect_same_as_eigen(Eigen::Index rows, Eigen::Index depth, Eigen::Index cols) {
  SCOPED_TRACE(testing::Message() << rows << " x " << depth << " x " << cols);
  const RowMajor a = random_matrix<RowMajor>(rows, depth, 1), b = random_matrix<RowMajor>(depth, cols, 2);
  const RowMajor b_transposed = b.transpose();
  const Eigen::MatrixXd a_column_major = a;
  const RowMajor start = random_matrix<RowMajor>(rows, cols + 5, 3);

  RowMajor expected = start, actual = start;
  expected.middleCols(2, cols).noalias() = a * b;
  parallel_kernels::kept_buffer_product(actual.middleCols(2, cols), a, b, false);
  EXPECT_TRUE(actual == expected) << "assign";

  expected.middleCols(2, cols).noalias() += a_column_major * b_transposed.transpose();
  parallel_kernels::kept_buffer_product(actual.middleCols(2, cols), a_column_major, b_transposed.transpose(), true);
  EXPECT_TRUE(actual == expected) << "accumulate, column-major and transposed operands";

  Eigen::MatrixXd expected_column_major(rows, cols), actual_column_major(rows, cols);
  expected_column_major.noalias() = a.transpose().transpose() * (2.0 * b);
  parallel_kernels::kept_buffer_product(actual_column_major, a.transpose().transpose(), 2.0 * b, false);
  EXPECT_TRUE(actual_column_major == expected_column_major) << "column-major destination, a scaled operand";
}

TEST(KeptBufferProduct, EqualsEigensProductForEveryLayout) {
  expect_same_as_eigen(300, 400, 350);  // packed blocks above Eigen's 128 KB stack limit
  expect_same_as_eigen(16, 128, 512);   // lstm_step's recurrent product
  expect_same_as_eigen(6, 25, 1000);    // a first convolution's
  expect_same_as_eigen(37, 3, 41);
}

TEST(KeptBufferProduct, SmallVectorAndEmptyProductsGoThroughEigen) {
  expect_same_as_eigen(3, 4, 5);  // coefficient-based
  expect_same_as_eigen(1, 200, 300);
  expect_same_as_eigen(300, 200, 1);
  RowMajor destination = RowMajor::Constant(4, 3, 7.0);
  const RowMajor a(4, 0), b(0, 3);
  parallel_kernels::kept_buffer_product(destination, a, b, true);
  EXPECT_TRUE(destination == RowMajor::Constant(4, 3, 7.0));  // adding an empty sum
  parallel_kernels::kept_buffer_product(destination, a, b, false);
  EXPECT_TRUE(destination == RowMajor::Zero(4, 3));
}

// Buffers grown by a large product serve a smaller one, on another thread too.
TEST(KeptBufferProduct, ReusedBuffersAcrossSizesAndThreads) {
  expect_same_as_eigen(400, 300, 400);
  expect_same_as_eigen(100, 50, 80);
  std::thread other([] { expect_same_as_eigen(200, 300, 250); });
  other.join();
  expect_same_as_eigen(200, 300, 250);
}

TEST(ParallelProduct, TwoThreadsAgreeWithOne) {
  const RowMajor a = random_matrix<RowMajor>(96, 300, 4), b = random_matrix<RowMajor>(300, 400, 5);
  RowMajor one(96, 400), two(96, 400);
  set_num_threads(1);
  parallel_kernels::product(one, a, b);
  set_num_threads(2);
  parallel_kernels::product(two, a, b);
  set_num_threads(1);
  EXPECT_LT((one - two).cwiseAbs().maxCoeff(), 1e-12 * one.cwiseAbs().maxCoeff());
  EXPECT_LT((one - a * b).cwiseAbs().maxCoeff(), 1e-12 * one.cwiseAbs().maxCoeff());
}

}  // namespace
}  // namespace dagrad

#include <gtest/gtest.h>

#include "dagrad/tensor.hpp"

namespace dagrad {
namespace {

TEST(Shape, PrintsLikeNumPy) {
  EXPECT_EQ(fmt::format("{}", Shape{3, 4}), "(3, 4)");
  EXPECT_EQ(fmt::format("{}", Shape{5}), "(5,)");
  EXPECT_EQ(fmt::format("{}", Shape{}), "()");
  EXPECT_EQ((Shape{2, 3, 4}).elements(), 24);
  EXPECT_EQ((Shape{}).elements(), 1);
}

TEST(Tensor, NestedListsAreRowMajor) {
  Tensor t{{1, 2, 3}, {4, 5, 6}};
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.at({1, 0}), 4);
  EXPECT_EQ(t[5], 6);
  Tensor cube{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
  EXPECT_EQ(cube.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(cube.at({1, 0, 1}), 6);
  Tensor four{{{{1, 2, 3}, {4, 5, 6}}}};
  EXPECT_EQ(four.shape(), (Shape{1, 1, 2, 3}));
  EXPECT_EQ(four.at({0, 0, 1, 2}), 6);
}

TEST(Tensor, RaggedListThrows) {
  try {
    Tensor t{{1, 2, 3}, {4, 5}};
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "ragged nested list: lists at depth 1 have lengths 3 and 2");
  }
}

TEST(Tensor, ValueCountMustMatchShape) {
  try {
    Tensor t(Shape{2, 3}, std::vector<double>{1, 2, 3});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "3 values do not fill shape (2, 3), which holds 6");
  }
}

TEST(Tensor, IndexErrorsAreClear) {
  Tensor t{{1, 2}, {3, 4}};
  EXPECT_THROW(t.at({2, 0}), ShapeError);
  EXPECT_THROW(t.at({0}), ShapeError);
  EXPECT_THROW(t.item(), ShapeError);
  EXPECT_EQ(Tensor::scalar(2.5).item(), 2.5);
}

TEST(Tensor, CopiesOwnTheirData) {
  Tensor a{1, 2, 3};
  Tensor b = a;
  b[0] = 10;
  EXPECT_EQ(a[0], 1);
  Tensor c = std::move(b);
  EXPECT_EQ(c[0], 10);
  EXPECT_EQ(c.reshaped(Shape{3, 1}).shape(), (Shape{3, 1}));
  EXPECT_THROW(c.reshaped(Shape{2, 2}), ShapeError);
}

TEST(Tensor, PrintsLikeNumPyRepr) {
  EXPECT_EQ(fmt::format("{}", Tensor{0.73105858, 0.88079708, 0.95257413}),
            "array([0.73105858, 0.88079708, 0.95257413])");
  EXPECT_EQ(fmt::format("{}", Tensor{{0, 0.6, 0.8}, {0.13736056, 0.82416338, 0.54944226}}),
            "array([[0.        , 0.6       , 0.8       ],\n"
            "       [0.13736056, 0.82416338, 0.54944226]])");
  EXPECT_EQ(fmt::format("{}", Tensor{1, 2, 3}), "array([1., 2., 3.])");
  EXPECT_EQ(fmt::format("{}", Tensor::scalar(0.5)), "array(0.5)");
  EXPECT_EQ(fmt::format("{}", Tensor{9.80897665e-01, 8.94462891e-04}), "array([9.80897665e-01, 8.94462891e-04])");
  EXPECT_EQ(fmt::format("{}", Tensor{{{1, 2}}, {{3, 4}}}), "array([[[1., 2.]],\n\n       [[3., 4.]]])");
}

TEST(Tensor, LargeTensorsAreSummarized) {
  Tensor t(Shape{2000}, 1.0);
  EXPECT_EQ(fmt::format("{}", t), "array([1., 1., 1., ..., 1., 1., 1.])");
}

}  // namespace
}  // namespace dagrad

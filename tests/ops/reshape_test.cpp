#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"

namespace dagrad {
namespace {

TEST(Reshape, CourseImage2VectorIsCOrder) {
  Graph g;
  std::vector<double> values(18);
  for (int i = 0; i < 18; ++i) values[i] = 0.1 * i;
  Expr image = g.input("image", Tensor(Shape{3, 3, 2}, values));
  Expr v = reshape(image, {-1, 1});
  const TensorView& out = g.forward(v);
  ASSERT_EQ(out.shape(), (Shape{18, 1}));
  for (int i = 0; i < 18; ++i) EXPECT_EQ(out[i], values[i]);
  // C order: element (i, j, k) lands at i*6 + j*2 + k.
  EXPECT_EQ(out.at({2 * 6 + 1 * 2 + 1, 0}), image.value().at({2, 1, 1}));
}

TEST(Reshape, InfersOneDimension) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 6}));
  EXPECT_EQ(reshape(x, {3, -1, 2}).shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(reshape(x, {12}).shape(), (Shape{12}));
}

TEST(Reshape, SizeMismatchNamesBothShapes) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3, 3, 2}));
  try {
    reshape(x, {5, -1}, "v");
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "reshape \"v\": cannot reshape shape (3, 3, 2) (18 elements) into (5, -1)");
  }
  EXPECT_THROW(reshape(x, {4, 4}), ShapeError);
}

TEST(Reshape, RejectsTwoInferredDimensions) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 6}));
  try {
    reshape(x, {-1, -1});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "reshape: at most one dimension may be -1, got (-1, -1)");
  }
}

TEST(Reshape, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("reshape"); }

}  // namespace
}  // namespace dagrad

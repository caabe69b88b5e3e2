#include <gtest/gtest.h>

#include "dagrad/broadcast.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

TEST(Broadcast, ShapeRuleIsNumPys) {
  EXPECT_EQ(broadcast_shapes(Shape{3, 1}, Shape{1, 4}), (Shape{3, 4}));
  EXPECT_EQ(broadcast_shapes(Shape{5, 4}, Shape{4}), (Shape{5, 4}));
  EXPECT_EQ(broadcast_shapes(Shape{}, Shape{2, 3}), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes(Shape{2, 1, 3}, Shape{4, 1}), (Shape{2, 4, 3}));
  EXPECT_EQ(broadcast_shapes(Shape{}, Shape{}), Shape{});
  EXPECT_EQ(testing_support::error_message<ShapeError>([] { broadcast_shapes(Shape{3, 2}, Shape{4}); }),
            "shapes (3, 2) and (4,) cannot broadcast");
}

TEST(Broadcast, KindsPickTheFastPaths) {
  EXPECT_EQ(broadcast_kind(Shape{3, 4}, Shape{3, 4}), BroadcastKind::same);
  EXPECT_EQ(broadcast_kind(Shape{3, 4}, Shape{1, 3, 4}), BroadcastKind::same);
  EXPECT_EQ(broadcast_kind(Shape{}, Shape{3, 4}), BroadcastKind::scalar);
  EXPECT_EQ(broadcast_kind(Shape{1, 1}, Shape{3, 4}), BroadcastKind::scalar);
  EXPECT_EQ(broadcast_kind(Shape{4}, Shape{3, 4}), BroadcastKind::row);
  EXPECT_EQ(broadcast_kind(Shape{1, 4}, Shape{2, 3, 4}), BroadcastKind::row);
  EXPECT_EQ(broadcast_kind(Shape{3, 1}, Shape{3, 4}), BroadcastKind::column);
  EXPECT_EQ(broadcast_kind(Shape{2, 3, 1}, Shape{2, 3, 4}), BroadcastKind::column);
  EXPECT_EQ(broadcast_kind(Shape{3, 1}, Shape{2, 3, 4}), BroadcastKind::general);
  EXPECT_EQ(broadcast_kind(Shape{2, 1, 4}, Shape{2, 3, 4}), BroadcastKind::general);
}

TEST(Broadcast, StridesAreZeroAlongBroadcastAxes) {
  auto strides = broadcast_strides(Shape{2, 1, 3}, Shape{5, 2, 4, 3});
  EXPECT_EQ(strides[0], 0);
  EXPECT_EQ(strides[1], 3);
  EXPECT_EQ(strides[2], 0);
  EXPECT_EQ(strides[3], 1);
}

// Every pair of kinds gives NumPy's result, fast paths and index loop alike.
TEST(Broadcast, ApplyAgreesWithAnIndexByIndexReference) {
  Rng rng(3);
  const Shape shapes[] = {Shape{}, Shape{1, 1}, Shape{4}, Shape{1, 4}, Shape{3, 1}, Shape{3, 4}, Shape{2, 3, 4},
                          Shape{2, 1, 4}, Shape{2, 3, 1}};
  for (const Shape& sa : shapes) {
    for (const Shape& sb : shapes) {
      Shape out_shape;
      try {
        out_shape = broadcast_shapes(sa, sb);
      } catch (const ShapeError&) {
        continue;
      }
      Tensor a = random_normal(sa, rng), b = random_normal(sb, rng);
      Tensor out(out_shape, 5.0);
      broadcast_apply<double>(a, b, out, [](const auto& x, const auto& y) { return x * 2 - y; });
      Tensor accumulated(out_shape, 5.0);
      broadcast_apply<double>(a, b, accumulated, [](const auto& x, const auto& y) { return x * 2 - y; }, true);
      const auto stride_a = broadcast_strides(sa, out_shape), stride_b = broadcast_strides(sb, out_shape);
      for (std::int64_t k = 0; k < out.size(); ++k) {
        auto index = out.unravel(k);
        std::int64_t ia = 0, ib = 0;
        for (int axis = 0; axis < out_shape.rank(); ++axis) {
          ia += index[std::size_t(axis)] * stride_a[std::size_t(axis)];
          ib += index[std::size_t(axis)] * stride_b[std::size_t(axis)];
        }
        const double expected = a[ia] * 2 - b[ib];
        ASSERT_EQ(out[k], expected) << to_string(sa) << " with " << to_string(sb) << " at " << k;
        ASSERT_EQ(accumulated[k], 5.0 + expected) << to_string(sa) << " with " << to_string(sb);
      }
      // Summing back: each operand element gets the sum of the elements it was spread to.
      Tensor grad_a(sa, 100.0);
      GradientSlot slot{grad_a, true, false};
      sum_to_shape(out, slot, 2.0);
      Tensor expected_a(sa, 0.0);
      for (std::int64_t k = 0; k < out.size(); ++k) {
        auto index = out.unravel(k);
        std::int64_t ia = 0;
        for (int axis = 0; axis < out_shape.rank(); ++axis) ia += index[std::size_t(axis)] * stride_a[std::size_t(axis)];
        expected_a[ia] += 2.0 * out[k];
      }
      for (std::int64_t k = 0; k < sa.elements(); ++k) {
        ASSERT_NEAR(grad_a[k], expected_a[k], 1e-12) << to_string(sa) << " from " << to_string(out_shape);
      }
      slot.accumulate = true;
      sum_to_shape(out, slot, 1.0);
      for (std::int64_t k = 0; k < sa.elements(); ++k) ASSERT_NEAR(grad_a[k], 1.5 * expected_a[k], 1e-12);
    }
  }
}

}  // namespace
}  // namespace dagrad

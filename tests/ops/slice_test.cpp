#include <cstdint>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// x = [0, 1, ..., 9]; each case checked by hand against Python: x[b:e:s].
TEST(Slice, MatchesPythonOnOneAxis) {
  Graph g;
  Expr x = g.input("x", Tensor{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto picked = [&](std::int64_t b, std::int64_t e, std::int64_t s) { return Tensor::from(g.forward(slice(x, {b}, {e}, {s}))); };
  EXPECT_EQ(picked(2, 5, 1), (Tensor{2, 3, 4}));
  EXPECT_EQ(picked(-3, INT64_MAX, 1), (Tensor{7, 8, 9}));              // x[-3:]
  EXPECT_EQ(picked(1, -1, 3), (Tensor{1, 4, 7}));                      // x[1:-1:3]
  EXPECT_EQ(picked(-1, INT64_MIN, -1), (Tensor{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));  // x[::-1]
  EXPECT_EQ(picked(8, 2, -2), (Tensor{8, 6, 4}));                      // x[8:2:-2]
  EXPECT_EQ(picked(-20, 20, 4), (Tensor{0, 4, 8}));                    // clamped: x[-20:20:4]
  EXPECT_EQ(picked(20, -20, -3), (Tensor{9, 6, 3, 0}));                // clamped: x[20:-20:-3]
  EXPECT_EQ(picked(5, 5, 1).shape(), Shape{0});                        // x[5:5]
  EXPECT_EQ(picked(2, 5, -1).shape(), Shape{0});                       // x[2:5:-1]
  EXPECT_EQ(picked(-20, INT64_MIN, -1).shape(), Shape{0});            // x[-20::-1]
}

TEST(Slice, SeveralAxesAndTheGradientScattersBack) {
  Graph g;
  Expr x = g.input("x", Tensor{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}}, true);
  Expr y = slice(x, {-1, 3}, {0, INT64_MIN}, {-2, -2});  // x[-1:0:-2, 3::-2] = x[2:, [3, 1]]
  EXPECT_EQ(g.forward(y), (Tensor{{11, 9}}));
  g.backward(y, Tensor{{5, 7}});
  EXPECT_EQ(x.grad(), (Tensor{{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 7, 0, 5}}));
  Expr rows = slice(x, {1}, {3});  // x[1:3], the last axis whole, step defaults to 1
  EXPECT_EQ(g.forward(rows), (Tensor{{4, 5, 6, 7}, {8, 9, 10, 11}}));
}

TEST(Slice, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2, 3, 4}.to(DType::float32), true);
  Expr y = slice(x, {3}, {0}, {-2});
  EXPECT_EQ(g.forward(y), Tensor({4, 2}).to(DType::float32));
  g.backward(y, Tensor({1, 2}).to(DType::float32));
  EXPECT_EQ(Tensor::from(x.grad()), Tensor({0, 2, 0, 1}).to(DType::float32));
}

TEST(Slice, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { slice(x, {0, 0, 0}, {1, 1, 1}, {}, "s"); }),
            "slice \"s\": slices 3 axes of shape (2, 3)");
  EXPECT_EQ(error_message<ShapeError>([&] { slice(x, {0, 0}, {1, 1}, {1, 0}); }), "slice: the step of axis 1 is 0");
  EXPECT_EQ(error_message<ShapeError>([&] { slice(x, {0, 0}, {1}, {}); }),
            "slice: begin, end and step need one entry per axis, got 2, 1 and 2");
  EXPECT_EQ(error_message([&] { g.apply("slice", {x}, {{"begin", std::vector<std::int64_t>{0}}}); }),
            "slice: missing attribute \"end\"");
  EXPECT_EQ(error_message([&] {
              g.apply("slice", {x}, {{"begin", std::vector<std::int64_t>{0}}, {"end", std::vector<std::int64_t>{1}},
                                     {"stop", std::vector<std::int64_t>{1}}});
            }),
            "slice: unknown attribute \"stop\" (known: begin, end, step)");
}

TEST(Slice, AttributesSurviveAGraphFile) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}});
  Expr defaulted = g.apply("slice", {x}, {{"begin", std::vector<std::int64_t>{1}}, {"end", std::vector<std::int64_t>{2}}});
  EXPECT_EQ(g.node(defaulted).op()->attrs().values().at("step"), AttrValue(std::vector<std::int64_t>{1}));
  Expr y = slice(x, {-1, INT64_MAX}, {INT64_MIN, INT64_MIN}, {-1, -2}, "y");
  EXPECT_EQ(g.node(y).op()->label(), fmt::format("slice (-1, {}):({}, {}):(-1, -2)", INT64_MAX, INT64_MIN, INT64_MIN));
  EXPECT_EQ(g.forward(y), (Tensor{{6, 4}, {3, 1}}));
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(Slice, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("slice"); }

}  // namespace
}  // namespace dagrad

// Zero-copy ops (Op::output_views_input, reshape): the executor points the
// output at the input's buffer instead of copying, wherever that buffer
// outlives the run, and copies where it does not (a transient of an
// inference run). Values, gradients and memory_stats must not tell the
// difference, except that the view costs no bytes.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

TEST(ZeroCopy, AReshapeOfALeafIsItsBufferInTheNewShape) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}});
  Expr column = reshape(reshape(x, {3, 2}), {-1, 1}, "column");
  const TensorView& y = g.forward(column);
  EXPECT_EQ(y.shape(), (Shape{6, 1}));
  EXPECT_EQ(y.raw(), x.value().raw());  // no copy, even through two reshapes
  EXPECT_EQ(y[4], 5.0);
}

TEST(ZeroCopy, ExpandDimsAndSqueezeAreViewsToo) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}});
  Expr y = squeeze(expand_dims(x, 0), 1);
  const TensorView& out = g.forward(y);
  EXPECT_EQ(out.shape(), (Shape{1, 3}));
  EXPECT_EQ(out.raw(), x.value().raw());
}

TEST(ZeroCopy, TheViewCostsNoBytes) {
  Graph with_view, without;
  Expr a = with_view.input("x", Tensor(Shape{4, 8}, 0.5));
  with_view.forward(sigmoid(reshape(a, {8, 4})));
  Expr b = without.input("x", Tensor(Shape{4, 8}, 0.5));
  without.forward(sigmoid(b));
  EXPECT_EQ(with_view.memory_stats().value_bytes, without.memory_stats().value_bytes);
}

TEST(ZeroCopy, NewLeafValuesShowThroughAfterTheNextForward) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}});
  Expr flat = reshape(x, {-1}, "flat");
  Expr y = sum(square(flat));
  EXPECT_EQ(g.forward(y).get(0), 30.0);
  g.set_value(x, Tensor{{0, 1}, {1, 0}});  // same shape: copied into the leaf's buffer
  EXPECT_EQ(g.forward(y).get(0), 2.0);
  EXPECT_EQ(flat.value()[1], 1.0);
}

TEST(ZeroCopy, ANewLeafShapeDropsTheViewUntilTheNextRun) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}});
  Expr flat = reshape(x, {-1}, "flat");
  g.forward(flat);
  g.set_value(x, Tensor{{1, 2, 3}, {4, 5, 6}});  // a new buffer: the old view would dangle
  EXPECT_FALSE(g.node(flat).has_value());
  EXPECT_THROW(flat.value(), Error);
  const TensorView& y = g.forward(flat);
  EXPECT_EQ(y.shape(), (Shape{6}));
  EXPECT_EQ(y[5], 6.0);
  EXPECT_EQ(y.raw(), x.value().raw());
}

TEST(ZeroCopy, ATransientInputOfAnInferenceRunIsCopied) {
  Graph g;
  Expr x = g.input("x", Tensor{{0, 1}, {2, 3}});
  Expr s = square(x, "s");  // not an output: its buffer is re-used within the run
  Expr flat = reshape(s, {-1}, "flat");
  Expr twice = add(flat, flat, "twice");
  g.forward(std::vector<Expr>{flat, twice}, ForwardOptions{.keep_intermediates = false});
  EXPECT_FALSE(g.node(s).has_value());
  EXPECT_EQ(flat.value()[3], 9.0);
  EXPECT_EQ(twice.value()[3], 18.0);
}

TEST(ZeroCopy, GradientsFlowThroughTheViewAsThroughACopy) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr w = g.parameter("w", Tensor{{1, -1}, {2, 0.5}, {0, 3}});
  Expr loss = sum(square(matmul(reshape(x, {3, 2}), transpose(w))));
  g.forward(loss);
  g.backward(loss);
  // d/dx of sum((X W^T)^2) with X = x viewed as (3, 2): 2 (X W^T) W, viewed back as (2, 3).
  Tensor xm = Tensor{{1, 2}, {3, 4}, {5, 6}};
  Tensor expected(Shape{3, 2});
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 2; ++k) {
      double total = 0;
      for (int j = 0; j < 3; ++j) {
        const double p = xm.at({i, 0}) * w.value().at({j, 0}) + xm.at({i, 1}) * w.value().at({j, 1});
        total += 2 * p * w.value().at({j, k});
      }
      expected.set(i * 2 + k, total);
    }
  }
  for (int e = 0; e < 6; ++e) EXPECT_DOUBLE_EQ(x.grad().get(e), expected.get(e)) << e;
}

}  // namespace
}  // namespace dagrad

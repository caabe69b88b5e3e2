// Every op over empty tensors (a dimension of size 0), by one rule: the
// result is empty (or, for a reduction, the empty sum 0, as NumPy and
// PyTorch give), and the gradients are empty too; where the math has no
// answer (a mean over no elements, for which NumPy and PyTorch return NaN
// with a warning) the graph refuses to build, naming the op and node.
// Issue 16: softmax over an empty last axis dereferenced null.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

// Builds op(inputs) by name, runs forward and the backward of sum(output),
// and returns the output's value. Every input takes a gradient, which must
// come back with the input's shape.
Tensor run(const std::string& op, const std::vector<Shape>& shapes, const Attrs& attrs = {}) {
  Graph g;
  std::vector<Expr> inputs;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(g.input("x" + std::to_string(i), Tensor(shapes[i], 0.5), /*requires_grad=*/true));
  }
  Expr y = g.apply(op, inputs, attrs, "y");
  Expr loss = sum(y, "loss");
  g.forward(loss);
  g.backward(loss);
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (!g.node(y).op()->differentiable(int(i))) continue;
    EXPECT_EQ(inputs[i].grad().shape(), shapes[i]) << op << " input " << i;
  }
  return Tensor::from(y.value());
}

TEST(EmptyTensors, ElementwiseOpsGiveEmptyResults) {
  for (const char* op : {"exp", "log", "neg", "relu", "sigmoid", "sqrt", "square", "tanh", "softmax", "log_softmax",
                         "normalize_rows"}) {
    for (const Shape& shape : {Shape{0}, Shape{3, 0}, Shape{0, 3}, Shape{2, 0, 4}}) {
      Tensor y = run(op, {shape});
      EXPECT_EQ(y.shape(), shape) << op;
      EXPECT_EQ(y.size(), 0) << op;
    }
  }
}

TEST(EmptyTensors, BinaryOpsBroadcastEmptyShapes) {
  for (const char* op : {"add", "sub", "mul", "div"}) {
    EXPECT_EQ(run(op, {Shape{0, 3}, Shape{3}}).shape(), (Shape{0, 3})) << op;
    EXPECT_EQ(run(op, {Shape{0}, Shape{}}).shape(), (Shape{0})) << op;
    EXPECT_EQ(run(op, {Shape{2, 0}, Shape{2, 1}}).shape(), (Shape{2, 0})) << op;
  }
}

TEST(EmptyTensors, SumsOverNothingAreZero) {
  EXPECT_EQ(run("l1", {Shape{0, 3}, Shape{0, 3}}).item(), 0.0);
  EXPECT_EQ(run("l2", {Shape{0}, Shape{0}}).item(), 0.0);
  EXPECT_EQ(run("sum", {Shape{0, 3}}).item(), 0.0);
  Tensor columns = run("sum", {Shape{0, 3}}, Attrs{{"axis", std::int64_t(0)}});
  EXPECT_EQ(columns.shape(), (Shape{3}));
  for (double v : columns) EXPECT_EQ(v, 0.0);
  // (2, 0) x (0, 3): each element is a sum over nothing, as in NumPy.
  Tensor product = run("matmul", {Shape{2, 0}, Shape{0, 3}});
  EXPECT_EQ(product.shape(), (Shape{2, 3}));
  for (double v : product) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(run("matmul", {Shape{0, 3}, Shape{3, 2}}).shape(), (Shape{0, 2}));
}

TEST(EmptyTensors, ReshapeAndTransposeKeepNoElements) {
  EXPECT_EQ(run("transpose", {Shape{0, 3}}).shape(), (Shape{3, 0}));
  EXPECT_EQ(run("reshape", {Shape{0, 3}}, Attrs{{"shape", std::vector<std::int64_t>{3, 0}}}).shape(), (Shape{3, 0}));
  // A mean whose result is itself empty averages nothing into nothing.
  EXPECT_EQ(run("mean", {Shape{0, 3}}, Attrs{{"axis", std::int64_t(1)}}).shape(), (Shape{0}));
}

TEST(EmptyTensors, MeansOverNoElementsAreRefusedWhenTheGraphIsBuilt) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{0, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { mean(x, "m"); }),
            "mean \"m\": the mean of input shape (0, 3) averages over no elements");
  EXPECT_EQ(error_message<ShapeError>([&] { mean(x, 0, false, "m0"); }),
            "mean \"m0\": the mean of input shape (0, 3) averages over no elements");
  EXPECT_EQ(error_message<ShapeError>([&] { bce_with_logits(x, x, "bce"); }),
            "bce_with_logits \"bce\": logits of shape (0, 3) are empty: the loss averages over no elements");
  Expr labels = g.input("labels", Tensor(Shape{0}));
  EXPECT_EQ(error_message<ShapeError>([&] { softmax_cross_entropy(x, labels, "ce"); }),
            "softmax_cross_entropy \"ce\": logits of shape (0, 3) are empty: the loss averages over rows of class "
            "scores");
}

}  // namespace
}  // namespace dagrad

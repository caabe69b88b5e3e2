// What softmax, log_softmax and normalize_rows share: a function of each
// row (the last axis; every leading axis folds into the rows), run row by
// row so that each row stays in cache between its passes, with a backward
// that reads the saved output. Derived writes
//   template <class T> void forward_row(auto x, auto y, Eigen::Index r);
//   template <class T> auto backward_row(auto y, auto dy, Eigen::Index r) const;
// (y = f(x) for row r; row r of dx from rows of y and dy, written as the op
// contract says) and may define prepare_rows(rows) to size per-row state
// before a forward run. An empty last axis writes nothing.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace dagrad::rowwise {

template <class Derived>
class RowwiseOp : public UnaryOp<Derived> {
 public:
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    auto x = as_rows<T>(inputs[0]);
    auto y = as_rows<T>(output);
    self().prepare_rows(x.rows());
    if (x.cols() == 0) return;
    for (Eigen::Index r = 0; r < x.rows(); ++r) self().template forward_row<T>(x.row(r), y.row(r), r);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& output, const TensorView& output_grad,
                   std::span<GradientSlot> grads) {
    auto y = as_rows<T>(output);
    auto dy = as_rows<T>(output_grad);
    if (y.cols() == 0) return;
    write_gradient_by_rows<T>(grads[0], [&](Eigen::Index r) {
      return self().template backward_row<T>(y.row(r), dy.row(r), r);
    });
  }

  // Per-row state sized before a forward run: none unless Derived has some.
  // Fusion runs blocks of rows, so it must not allocate for a smaller size.
  void prepare_rows(Eigen::Index) {}
  // Rows of the last axis are independent; a rank-1 input is one row.
  Op::RowBlocks row_blocks(std::span<const Shape> inputs) const override {
    return inputs[0].rank() >= 2 ? Op::RowBlocks::rows : Op::RowBlocks::no;
  }

  // The builders' node.
  static Expr add_to(Expr x, std::string name) {
    return x.graph().add_op(std::make_unique<Derived>(), {x}, std::move(name));
  }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

}  // namespace dagrad::rowwise

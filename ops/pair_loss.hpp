// What l1 and l2 share: a loss L = sum(f(yhat - y)) over two inputs of one
// shape, (yhat, y), whose gradients are opposite (dy = -dyhat). Derived
// names itself in `static constexpr std::string_view op_name` and writes
// the kernels.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/elementwise.hpp"
#include "dagrad/ops.hpp"

namespace dagrad::pair_loss {

template <class Derived>
class PairLossOp : public TypedOp<Derived> {
 public:
  std::string_view name() const override { return Derived::op_name; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    equal_shapes(inputs);
    return Shape{};
  }
  static std::vector<OpExample> examples(Rng& rng) { return same_shape_examples(rng, 2); }
  // L is a sum over elements, so over rows: fusion may run it in blocks.
  Op::RowBlocks row_blocks(std::span<const Shape> inputs) const override {
    return inputs[0].rank() >= 1 ? Op::RowBlocks::sum_of_rows : Op::RowBlocks::no;
  }

  // The builders' node.
  static Expr add_to(Expr yhat, Expr y, std::string name) {
    return yhat.graph().add_op(std::make_unique<Derived>(), {yhat, y}, std::move(name));
  }

 protected:
  // The symbolic gradients from dL/dyhat (`toward`): dL/dy is its negative.
  static std::vector<Expr> opposite_pair(const Expr& toward, std::span<const bool> needed) {
    return {needed[0] ? toward : Expr(), needed[1] ? -toward : Expr()};
  }
};

}  // namespace dagrad::pair_loss

// What maximum.cpp and minimum.cpp share: the larger (smaller) of two
// broadcast operands, with PyTorch's gradient rule. The input that wins
// gets dy, the other 0; at a tie (the kink) each gets dy / 2; where either
// is NaN the result is NaN and both get dy (PyTorch masks only where one
// input strictly beats the other). Gradients are summed back to each
// input's shape.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dagrad/autodiff.hpp"
#include "dagrad/elementwise.hpp"
#include "dagrad/ops.hpp"

namespace dagrad::tie_splitting {

template <bool Largest>
class TieSplittingOp final : public BroadcastOp<TieSplittingOp<Largest>> {
 public:
  static constexpr std::string_view op_name = Largest ? "maximum" : "minimum";

  std::string_view name() const override { return op_name; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    broadcast_apply<T>(inputs[0], inputs[1], y, pairwise([](T a, T b) { return beats(a, b) || a != a ? a : b; }));
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    for (int i = 0; i < 2; ++i) {
      if (!grads[i].needed) continue;
      scratch_.resize(dy.shape(), dtype_of<T>);
      broadcast_apply<T>(inputs[i], inputs[1 - i], scratch_, pairwise([](T mine, T other) { return share(mine, other); }));
      flat<T>(scratch_.view()) *= flat<T>(dy);
      sum_to_shape(scratch_, grads[i]);
    }
  }
  // The share as 1 - [other beats mine] - [mine == other] / 2, 1 at a NaN
  // too, from comparison ops (which take no gradient).
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    std::vector<Expr> grads(2);
    for (int i = 0; i < 2; ++i) {
      if (!needed[i]) continue;
      const Expr other_beats = Largest ? less(x[i], x[1 - i]) : greater(x[i], x[1 - i]);
      grads[i] = sum_to_shape(dy * (1.0 - other_beats - 0.5 * equal(x[i], x[1 - i])), x[i].shape());
    }
    return grads;
  }
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return nearest_tie_offset(inputs[0], inputs[1], element);
  }
  static std::vector<OpExample> examples(Rng& rng) { return untied_broadcast_examples(rng); }

  // The builders' node.
  static Expr add_to(Expr a, Expr b, std::string name) {
    return a.graph().add_op(std::make_unique<TieSplittingOp>(), {a, b}, std::move(name));
  }

 private:
  template <class T>
  static bool beats(T a, T b) { return Largest ? a > b : a < b; }
  // The share of dy that goes to `mine` against `other`: 1, 1/2 at a tie, 0.
  template <class T>
  static T share(T mine, T other) { return beats(other, mine) ? T(0) : mine == other ? T(0.5) : T(1); }

  Tensor scratch_;  // an input's share of dy at the output's shape; sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(scratch_); }
};

}  // namespace dagrad::tie_splitting

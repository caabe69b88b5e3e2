// What the functions with a kink at x = 0 (abs, relu, leaky_relu) and their
// gradients written as ops (mul_sign, mask_positive) share: the kink offset
// (x itself), gradient-check inputs away from the kink and, for the two
// gradient ops, everything but the mask itself.
#pragma once

#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/eigen.hpp"
#include "dagrad/elementwise.hpp"
#include "dagrad/ops.hpp"

namespace dagrad::kink_at_zero {

// Values at least 0.1 away from 0 (magnitudes uniform in [0.1, 2)), of
// both signs.
inline Tensor away_from_zero(const Shape& shape, Rng& rng) {
  std::bernoulli_distribution negative(0.5);
  Tensor x = random_uniform(shape, rng, 0.1, 2.0);
  for (double& v : x) v = negative(rng) ? -v : v;
  return x;
}

// A unary op with its kink at x = 0: an element's offset from it is x itself.
template <class Derived>
class KinkAtZeroOp : public UnaryOp<Derived> {
 public:
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inputs[0].get(element);
  }
  // Inputs away from the kink at every standard shape, with `attrs`.
  static std::vector<OpExample> examples_with(Rng& rng, const Attrs& attrs) {
    std::vector<OpExample> cases;
    for (const Shape& shape : standard_shapes(rng)) cases.push_back({{away_from_zero(shape, rng)}, attrs, {}});
    return cases;
  }
  static std::vector<OpExample> examples(Rng& rng) { return examples_with(rng, {}); }
};

// y = mask(g, x) elementwise over inputs (g, x) of one shape: linear in g
// and piecewise constant in x, so dg = mask(dy, x) (the same op again, which
// makes it differentiable any number of times) and x takes no gradient.
// Derived names itself in `static constexpr std::string_view op_name` and
// defines `template <class T> static auto mask(const auto& g, const auto& x)`
// over Eigen arrays.
template <class Derived>
class GradientMaskOp : public TypedOp<Derived> {
 public:
  std::string_view name() const override { return Derived::op_name; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return equal_shapes(inputs); }
  bool differentiable(int input_index) const override { return input_index == 0; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = Derived::template mask<T>(flat<T>(inputs[0]), flat<T>(inputs[1]));
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], Derived::template mask<T>(flat<T>(dy), flat<T>(inputs[1])));
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {graph.apply(Derived::op_name, {dy, x[1]}), Expr()};
  }

  // Normal g; x away from the kink.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (const Shape& shape : standard_shapes(rng)) {
      Tensor x = away_from_zero(shape, rng);
      cases.push_back({{random_normal(shape, rng), std::move(x)}, {}, {}});
    }
    return cases;
  }
};

}  // namespace dagrad::kink_at_zero

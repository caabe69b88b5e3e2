// y = g * sign(x) (elementwise, equal shapes; sign(0) = 0, as PyTorch); dg = dy * sign(x); x takes no gradient
//
// The gradient of |x| as an op (l1's symbolic backward), so that it can be
// differentiated again: linear in g, and piecewise constant in x, whose
// derivative is 0 away from x = 0.
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// a * sign(s) with sign(0) = 0.
template <class T>
auto times_sign(const auto& a, const auto& s) {
  return (s > T(0)).select(a, (s < T(0)).select(-a, T(0)));
}

class MulSign final : public TypedOp<MulSign> {
 public:
  std::string_view name() const override { return "mul_sign"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs[0] != inputs[1]) throw ShapeError(fmt::format("input shapes {} and {} differ", inputs[0], inputs[1]));
    return inputs[0];
  }
  bool differentiable(int input_index) const override { return input_index == 0; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = times_sign<T>(flat<T>(inputs[0]), flat<T>(inputs[1]));
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], times_sign<T>(flat<T>(dy), flat<T>(inputs[1])));
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {graph.apply("mul_sign", {dy, x[1]}), Expr()};
  }

  // Normal g; x at least 0.1 away from 0, of both signs.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    std::bernoulli_distribution negative(0.5);
    for (const Shape& shape : standard_shapes(rng)) {
      Tensor x = random_uniform(shape, rng, 0.1, 2.0);
      for (double& v : x) v = negative(rng) ? -v : v;
      cases.push_back({{random_normal(shape, rng), std::move(x)}, {}, {}});
    }
    return cases;
  }
};
}  // namespace

DAGRAD_REGISTER_OP(mul_sign, MulSign)

// y = |x|; dx = dy * sign(x)  (sign(0) = 0: the gradient at the kink x = 0 is 0, as PyTorch)
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Abs final : public UnaryOp<Abs> {
 public:
  std::string_view name() const override { return "abs"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).abs();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy) * flat<T>(inputs[0]).sign());
  }
  // mul_sign(dy, x) is dy * sign(x) with sign(0) = 0, as Eigen's sign.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {graph.apply("mul_sign", {dy, x[0]})};
  }
  // The kink is at x = 0: an element's offset from it is x itself.
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inputs[0].get(element);
  }

  // Inputs at least 0.1 away from the kink, of both signs.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    std::bernoulli_distribution negative(0.5);
    for (const Shape& shape : standard_shapes(rng)) {
      Tensor x = random_uniform(shape, rng, 0.1, 2.0);
      for (double& v : x) v = negative(rng) ? -v : v;
      cases.push_back({{std::move(x)}, {}, {}});
    }
    return cases;
  }
};
}  // namespace

namespace dagrad {
Expr abs(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Abs>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(abs, Abs)

// y = max(x, 0); dx = dy where x > 0, else 0  (at x = 0 the gradient is 0, as PyTorch)
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// dy where x > 0, as one vectorized mask-and: Eigen 3.4's comparisons give
// bool arrays that do not vectorize, so select() or cast() would run scalar.
template <class T>
struct PassWherePositive {
  T operator()(T dy, T x) const { return x > 0 ? dy : T(0); }
  template <class Packet>
  Packet packetOp(const Packet& dy, const Packet& x) const {
    return Eigen::internal::pand(Eigen::internal::pcmp_lt(Eigen::internal::pzero(x), x), dy);
  }
};
}  // namespace

template <class T>
struct Eigen::internal::functor_traits<PassWherePositive<T>> {
  enum { Cost = 2, PacketAccess = true };
};

namespace {
class Relu final : public UnaryOp<Relu> {
 public:
  std::string_view name() const override { return "relu"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).max(T(0));
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy).binaryExpr(flat<T>(inputs[0]), PassWherePositive<T>{}));
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {graph.apply("mask_positive", {dy, x[0]})};
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
Expr relu(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Relu>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(relu, Relu)

// y = max(x, 0); dx = dy where x > 0, else 0  (at x = 0 the gradient is 0, as PyTorch)
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// dy where x > 0, as one vectorized mask-and: Eigen 3.4's comparisons give
// bool arrays that do not vectorize, so select() or cast() would run scalar.
struct PassWherePositive {
  double operator()(double dy, double x) const { return x > 0 ? dy : 0.0; }
  template <class Packet>
  Packet packetOp(const Packet& dy, const Packet& x) const {
    return Eigen::internal::pand(Eigen::internal::pcmp_lt(Eigen::internal::pzero(x), x), dy);
  }
};
}  // namespace

template <>
struct Eigen::internal::functor_traits<PassWherePositive> {
  enum { Cost = 2, PacketAccess = true };
};

namespace {
class Relu final : public Op {
 public:
  std::string_view name() const override { return "relu"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override { flat(output) = flat(inputs[0]).max(0.0); }
  void backward(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    write_gradient(grads[0], flat(dy).binaryExpr(flat(inputs[0]), PassWherePositive{}));
  }
  // The kink is at x = 0: an element's offset from it is x itself.
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inputs[0][element];
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
Expr relu(Expr x, std::string name) { return x.graph().add(std::make_unique<Relu>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(relu, Relu)

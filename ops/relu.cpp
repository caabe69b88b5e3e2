// y = max(x, 0); dx = dy where x > 0, else 0  (at x = 0 the gradient is 0, as PyTorch)
#include "dagrad/autodiff.hpp"
#include "kink_at_zero.hpp"

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
// The kink offset and the gradient-check inputs are kink_at_zero.hpp's.
class Relu final : public kink_at_zero::KinkAtZeroOp<Relu> {
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
};
}  // namespace

namespace dagrad {
Expr relu(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Relu>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(relu, Relu)

// Y = A B for A (m, k), B (k, n); dA = dY B^T, dB = A^T dY
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"
#include "parallel_product.hpp"

namespace {
using namespace dagrad;

class Matmul final : public TypedOp<Matmul> {
 public:
  std::string_view name() const override { return "matmul"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& a = inputs[0];
    const Shape& b = inputs[1];
    if (a.rank() != 2 || b.rank() != 2) {
      throw ShapeError(fmt::format("needs two matrices (m, k) and (k, n), got shapes {} and {}", a, b));
    }
    if (a[1] != b[0]) {
      throw ShapeError(fmt::format("shapes {} and {} do not fit: {} columns against {} rows", a, b, a[1], b[0]));
    }
    return Shape{a[0], b[1]};
  }
  // Row-major maps of the tensors' own buffers: Eigen runs its blocked
  // product in place, split over threads when large (parallel_product.hpp).
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    parallel_kernels::product(as_matrix<T>(output), as_matrix<T>(inputs[0]), as_matrix<T>(inputs[1]));
  }
  // Gradient slots never share memory with inputs or dy, so noalias is safe;
  // two slots may alias each other (matmul(x, x)), which the ordered writes allow.
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    auto a = as_matrix<T>(inputs[0]);
    auto b = as_matrix<T>(inputs[1]);
    auto g = as_matrix<T>(dy);
    if (grads[0].needed) parallel_kernels::product(as_matrix<T>(grads[0].grad), g, b.transpose(), grads[0].accumulate);
    if (grads[1].needed) parallel_kernels::product(as_matrix<T>(grads[1].grad), a.transpose(), g, grads[1].accumulate);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    return {needed[0] ? matmul(dy, transpose(x[1])) : Expr(), needed[1] ? matmul(transpose(x[0]), dy) : Expr()};
  }

  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    std::uniform_int_distribution<std::int64_t> size(2, 5);
    const std::int64_t m = size(rng), k = size(rng), n = size(rng);
    const Shape pairs[][2] = {{Shape{1, 1}, Shape{1, 1}}, {Shape{m, k}, Shape{k, n}}, {Shape{1, k}, Shape{k, n}},
                              {Shape{m, k}, Shape{k, 1}}, {Shape{m, 1}, Shape{1, n}}, {Shape{k, k}, Shape{k, k}},
                              {Shape{7, 6}, Shape{6, 3}}};
    for (const auto& [a, b] : pairs) cases.push_back({{random_normal(a, rng), random_normal(b, rng)}, {}, {}});
    return cases;
  }
};
}  // namespace

namespace dagrad {
Expr matmul(Expr a, Expr b, std::string name) {
  return a.graph().add_op(std::make_unique<Matmul>(), {a, b}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(matmul, Matmul)

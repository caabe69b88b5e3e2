// Y = A B for A (m, k), B (k, n); dA = dY B^T, dB = A^T dY
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// Row-major maps of a rank-2 tensor, so Eigen runs its blocked product on the
// tensors' own buffers.
Eigen::Map<const RowMajorMatrix> as_matrix(const TensorView& t) { return {t.data(), t.shape()[0], t.shape()[1]}; }
Eigen::Map<RowMajorMatrix> as_matrix(TensorView& t) { return {t.data(), t.shape()[0], t.shape()[1]}; }

class Matmul final : public Op {
 public:
  std::string_view name() const override { return "matmul"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 2) throw ShapeError(fmt::format("takes 2 inputs, got {}", inputs.size()));
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
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    as_matrix(output).noalias() = as_matrix(inputs[0]) * as_matrix(inputs[1]);
  }
  // Gradient slots never share memory with inputs or dy, so noalias is safe;
  // two slots may alias each other (matmul(x, x)), which the ordered writes allow.
  void backward(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    auto a = as_matrix(inputs[0]);
    auto b = as_matrix(inputs[1]);
    auto g = as_matrix(dy);
    if (grads[0].needed) {
      auto da = as_matrix(grads[0].grad);
      if (grads[0].accumulate) da.noalias() += g * b.transpose(); else da.noalias() = g * b.transpose();
    }
    if (grads[1].needed) {
      auto db = as_matrix(grads[1].grad);
      if (grads[1].accumulate) db.noalias() += a.transpose() * g; else db.noalias() = a.transpose() * g;
    }
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
  return a.graph().add(std::make_unique<Matmul>(), {a, b}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(matmul, Matmul)

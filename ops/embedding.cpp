// y[..., :] = table[index[...], :]; dtable[k, :] = sum of dy[..., :] over the positions whose index is k
//
// PyTorch's nn.functional.embedding: table (vocab, dim), indices of any
// shape holding whole numbers 0 .. vocab-1 stored as floats (like
// softmax_cross_entropy's labels); the output has the indices' shape plus
// dim. Indices take no gradient; a row picked twice gets both gradients.
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"
#include "scatter_gradient.hpp"

namespace {
using namespace dagrad;

class Embedding final : public TypedOp<Embedding> {
 public:
  std::string_view name() const override { return "embedding"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& table = inputs[0];
    if (table.rank() != 2) throw ShapeError(fmt::format("table must be (vocab, dim), got shape {}", table));
    std::vector<std::int64_t> dims(inputs[1].dims().begin(), inputs[1].dims().end());
    dims.push_back(table[1]);
    return Shape(std::span<const std::int64_t>(dims));
  }
  // The table's dtype is the output's; indices may be float32 or float64.
  DType infer_dtype(std::span<const DType> inputs) const override { return inputs[0]; }
  bool differentiable(int input_index) const override { return input_index == 0; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    auto table = as_rows<T>(inputs[0]);
    rows_.resize(std::size_t(inputs[1].size()));
    for (std::int64_t position = 0; position < inputs[1].size(); ++position) {
      const double index = inputs[1].get(position);
      // The negated test also catches NaN.
      if (!(index >= 0 && index < double(table.rows()) && index == std::floor(index))) {
        throw Error(fmt::format("index {} at position {} is not a row of the table: it has {} rows, so indices "
                                "must be whole numbers 0 to {}",
                                index, position, table.rows(), table.rows() - 1));
      }
      rows_[std::size_t(position)] = Eigen::Index(index);
    }
    auto y = Eigen::Map<RowMajorArray<T>>(output.data<T>(), Eigen::Index(rows_.size()), table.cols());
    for (std::size_t r = 0; r < rows_.size(); ++r) y.row(Eigen::Index(r)) = table.row(rows_[r]);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    if (!grads[0].needed) return;
    Eigen::Map<RowMajorArray<T>> dtable(scatter_target<T>(grads[0]), inputs[0].shape()[0], inputs[0].shape()[1]);
    auto g = Eigen::Map<const RowMajorArray<T>>(dy.data<T>(), Eigen::Index(rows_.size()), inputs[0].shape()[1]);
    for (std::size_t r = 0; r < rows_.size(); ++r) dtable.row(rows_[r]) += g.row(Eigen::Index(r));
  }
  // dtable = index_add of dy's rows at the flattened indices (index_add's own adjoint is index_select).
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const std::int64_t count = x[1].shape().elements();
    Expr indices = reshape_to(x[1], Shape{count}), rows = reshape_to(dy, Shape{count, x[0].shape()[1]});
    if (indices.dtype() != dy.dtype()) indices = cast(indices, dy.dtype());  // index_add's inputs share a dtype
    return {graph.apply("index_add", {rows, indices}, {{"axis", std::int64_t{0}}, {"length", x[0].shape()[0]}}), Expr()};
  }

  // Tables of a few sizes; indices of several shapes, with repeats.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    const std::pair<Shape, Shape> shapes[] = {
        {Shape{1, 1}, Shape{1}}, {Shape{5, 3}, Shape{4}}, {Shape{4, 2}, Shape{2, 3}}, {Shape{3, 4}, Shape{2, 1, 3}}};
    for (const auto& [table_shape, index_shape] : shapes) {
      Tensor indices(index_shape);
      std::uniform_int_distribution<std::int64_t> row(0, table_shape[0] - 1);
      for (double& v : indices) v = double(row(rng));
      cases.push_back({{random_normal(table_shape, rng), std::move(indices)}, {}, {}});
    }
    return cases;
  }

 private:
  std::vector<Eigen::Index> rows_;  // the validated indices, kept for backward
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(rows_); }
};
}  // namespace
namespace dagrad {
Expr embedding(Expr table, Expr indices, std::string name) {
  return table.graph().add_op(std::make_unique<Embedding>(), {table, indices}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(embedding, Embedding)

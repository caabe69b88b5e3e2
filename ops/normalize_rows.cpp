// y = x / max(||x||, 1e-12) per row (last axis); dx = (dy - y * sum(dy * y)) / ||x||, or dy / 1e-12 where clamped
//
// The clamp is PyTorch's F.normalize convention: a zero row gives zeros and a
// finite gradient instead of 0/0. The row loops are rowwise.hpp's.
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "rowwise.hpp"

namespace {
using namespace dagrad;

constexpr double min_norm = 1e-12;

class NormalizeRows final : public rowwise::RowwiseOp<NormalizeRows> {
 public:
  std::string_view name() const override { return "normalize_rows"; }
  // The row norms are kept for backward (a vector: a smaller block of rows
  // keeps its capacity).
  void prepare_rows(Eigen::Index rows) { norms_.resize(std::size_t(rows)); }
  // Rows are multiplied by 1 / norm rather than divided element by element:
  // a division costs about ten multiplications.
  template <class T>
  void forward_row(auto x, auto y, Eigen::Index r) {
    norms_[std::size_t(r)] = std::sqrt(double(x.square().sum()));
    y = x * T(1.0 / std::max(norms_[std::size_t(r)], min_norm));
  }
  // Clamped rows (norm <= 1e-12) are y = x / 1e-12: the derivative is 1 / 1e-12.
  template <class T>
  auto backward_row(auto y, auto dy, Eigen::Index r) const {
    const bool clamped = !(norms_[std::size_t(r)] > min_norm);
    const T along = clamped ? T(0) : (dy * y).sum();
    return (dy - y * along) * T(1.0 / std::max(norms_[std::size_t(r)], min_norm));
  }
  // The same formula with ops. unclamped = [||x|| > 1e-12] per row picks
  // 1 / ||x|| or 1 / 1e-12 without dividing by a zero norm; the second
  // derivative at an all-zero row is NaN (sqrt's slope at 0), as PyTorch's.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    const Expr norm = sqrt(row_sums(square(x[0])));
    const Expr ones = graph.constant(Tensor(norm.shape(), 1.0, norm.dtype()));
    const Expr unclamped = graph.apply("mask_positive", {ones, norm - min_norm});
    const Expr clamped = 1.0 - unclamped;
    const Expr inverse_norm = unclamped / (norm + clamped) + clamped * (1.0 / min_norm);
    return {(dy - y * (row_sums(dy * y) * unclamped)) * inverse_norm};
  }
  // The clamp max(||x||, 1e-12) is a kink of every element of a row at
  // ||row|| = 1e-12; an element's offset from it is its row's norm minus
  // 1e-12 (moving an element by h moves the norm by at most |h|).
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    const TensorView& x = inputs[0];
    std::int64_t row_length = x.rank() == 0 ? 1 : x.shape().dims().back();
    std::int64_t start = row_length == 0 ? 0 : element / row_length * row_length;
    double squares = 0;
    for (std::int64_t k = start; k < start + row_length; ++k) squares += x.get(k) * x.get(k);
    return std::sqrt(squares) - min_norm;
  }

 private:
  std::vector<double> norms_;
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(norms_); }
};
}  // namespace

namespace dagrad {
Expr normalize_rows(Expr x, std::string name) { return NormalizeRows::add_to(x, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(normalize_rows, NormalizeRows)

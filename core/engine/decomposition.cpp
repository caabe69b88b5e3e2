// Symbolic backward by decomposition (dagrad/autodiff.hpp): grad() of an
// op's forward rebuilt from other ops.
#include "dagrad/autodiff.hpp"
#include "dagrad/error.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

std::vector<Expr> backward_by_decomposition(std::span<const Expr> inputs, const Expr& output_grad,
                                            std::span<const bool> needed,
                                            const std::function<Expr(std::span<const Expr>)>& rebuild) {
  std::vector<Expr> stand_ins, wanted;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!needed[i]) {
      stand_ins.push_back(inputs[i]);
      continue;
    }
    const Shape& shape = inputs[i].shape();
    stand_ins.push_back(reshape(inputs[i], std::vector<std::int64_t>(shape.dims().begin(), shape.dims().end())));
    wanted.push_back(stand_ins.back());
  }
  const Expr rebuilt = rebuild(stand_ins);
  if (rebuilt.shape() != output_grad.shape() || rebuilt.dtype() != output_grad.dtype()) {
    throw Error(fmt::format("backward_by_decomposition: the rebuilt forward gives shape {} ({}) where the op's "
                            "output has {} ({})",
                            rebuilt.shape(), rebuilt.dtype(), output_grad.shape(), output_grad.dtype()));
  }
  const std::vector<Expr> partials = grad(rebuilt, wanted, output_grad);
  std::vector<Expr> result(inputs.size());
  for (std::size_t i = 0, k = 0; i < inputs.size(); ++i) {
    if (needed[i]) result[i] = partials[k++];
  }
  return result;
}

}  // namespace dagrad

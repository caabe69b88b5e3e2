// Higher-order gradients: gradients as nodes of the graph they differentiate.
//
// grad(output, leaves) walks the nodes between the leaves and the output in
// reverse topological order, as the executor's backward does, but instead
// of running each op's kernel backward it calls the op's symbolic_backward
// (the op contract, dagrad/op.hpp), which writes the vector-Jacobian product
// with ops. The result is one Expr per leaf, built in the same graph: it can
// be evaluated with forward(), combined with other nodes (a gradient
// penalty), and differentiated again (Hessian-vector products, Newton
// steps). The kernels stay the path for ordinary first-order training; the
// nodes grad() adds are planned and allocated only when something evaluates
// them.
//
// The graph of a gradient is built for the shapes the graph has when grad()
// runs (broadcast sums, reshapes and spreads are fixed then): after
// set_value with a new shape, call grad() again.
#pragma once

#include <functional>
#include <initializer_list>
#include <span>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

struct GradOptions {
  // true: the gradients are ordinary nodes, differentiable again (PyTorch's
  // create_graph=True). false: they are evaluated once, now, and returned
  // as constants holding the values (no further differentiation).
  bool create_graph = true;
};

// d output / d leaf for each leaf (any node of the graph may be asked for),
// as Exprs with the leaf's shape and dtype. A scalar output (one element)
// is seeded with 1; otherwise pass `output_grad`, an Expr of the output's
// shape holding dL/doutput (the gradient is then linear in it). A leaf the
// output does not depend on gets a zero constant. Throws Error naming the
// op and node when a node on the way has no symbolic backward, or when the
// output is not a scalar and no output_grad is given.
std::vector<Expr> grad(Expr output, std::span<const Expr> leaves, const GradOptions& options = {});
std::vector<Expr> grad(Expr output, std::initializer_list<Expr> leaves, const GradOptions& options = {});
std::vector<Expr> grad(Expr output, std::span<const Expr> leaves, Expr output_grad, const GradOptions& options = {});

// Hessian-vector products: H v for the Hessian H of a scalar `loss` over the
// concatenated leaves and the vector v given leaf by leaf (vectors[i] has
// leaves[i]'s shape; make them inputs to change v between runs). One Expr
// per leaf: sum over j of d^2 loss / (d leaf_i d leaf_j) v_j.
std::vector<Expr> hvp(Expr loss, std::span<const Expr> leaves, std::span<const Expr> vectors);

// Jacobian-vector products (forward mode) by double backward: J t for the
// Jacobian J of `output` over the leaves and tangents t given leaf by leaf.
// The result has the output's shape.
Expr jvp(Expr output, std::span<const Expr> leaves, std::span<const Expr> tangents);

// The Hessian of a scalar `loss` over the leaves, evaluated now, for small
// leaves: block [i][j] has shape leaves[i].shape + leaves[j].shape (rank at
// most 8) and holds d^2 loss / (d leaves[i] d leaves[j]). One Hessian-vector
// product per element of the leaves, all through one plan.
std::vector<std::vector<Tensor>> hessian(Expr loss, std::span<const Expr> leaves);
// The one block of a single leaf.
Tensor hessian(Expr loss, Expr leaf);

// ---- helpers for symbolic backwards (ops in ops/ use these) ----

// `gradient` (a tensor of a broadcast result's shape) summed over the axes
// that `shape` was broadcast along, then reshaped to `shape`: the symbolic
// form of "gradients summed back to each input's shape". Returns `gradient`
// itself when the shapes already agree.
Expr sum_to_shape(Expr gradient, const Shape& shape);
// x reshaped to `shape` (same element count); x itself when it has it.
Expr reshape_to(Expr x, const Shape& shape);
// x broadcast to `shape` (NumPy's rule), as x + zeros(shape); x itself when
// the shapes agree. Its gradient is sum_to_shape.
Expr broadcast_to_shape(Expr x, const Shape& shape);
// The sum of x over its last axis with keepdims (rank 0: x itself): the
// row sums that softmax-like ops subtract from each row.
Expr row_sums(Expr x);
// `value` where `condition` is non-zero, else 0 (where(condition, value, 0),
// broadcast): a gradient passed through a mask. Unlike value * mask it
// gives 0, not NaN, where a masked-out value is infinite, as the kernels'
// selections do; the mask (from greater, less, equal) takes no gradient.
Expr where_or_zero(Expr condition, Expr value);


// Symbolic backward by decomposition, for composite ops (layer_norm,
// batch_norm): `rebuild` writes the op's forward with ops that have
// symbolic backwards, from Exprs standing for the op's inputs; the result is
// the gradient of the rebuilt output, seeded with `output_grad`, with respect
// to each needed input (an empty Expr elsewhere), so the op's symbolic
// backward is its formula and is correct when its primitives are. Each
// needed input is replaced by a fresh copy (a reshape to its own shape), so
// every input slot gets its own partial derivative, even when two slots
// hold one node, and nothing flows on into the inputs' ancestors; inputs not
// needed (indices, running statistics) are passed as they are. The rebuilt
// nodes repeat the op's forward work, only when a gradient graph runs.
std::vector<Expr> backward_by_decomposition(std::span<const Expr> inputs, const Expr& output_grad,
                                            std::span<const bool> needed,
                                            const std::function<Expr(std::span<const Expr>)>& rebuild);

}  // namespace dagrad

// Typed builders for the built-in ops: `sigmoid(x)` adds a sigmoid node to
// x's graph. Each builder is defined in its op's file in ops/; every op is
// also reachable by name, without these, through Graph::apply and graph
// files. The optional last argument names the node.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

// ---- the course's exercises ----
// s = 1 / (1 + e^-x) elementwise.
Expr sigmoid(Expr x, std::string name = {});
// The course's basic_sigmoid on one number: sigmoid(1.0) == 0.7310585786300049.
double sigmoid(double x);
// NumPy's reshape in C order; at most one dimension may be -1 (inferred).
// image2vector(image) is reshape(image, {-1, 1}).
Expr reshape(Expr x, std::vector<std::int64_t> shape, std::string name = {});
// Each row (last axis) divided by its L2 norm, max(norm, 1e-12) as in
// PyTorch's F.normalize, so a zero row gives zeros.
Expr normalize_rows(Expr x, std::string name = {});
// Softmax over the last axis, the row maximum subtracted first.
Expr softmax(Expr x, std::string name = {});
// sum(|y - yhat|) and sum((y - yhat)^2): rank-0 outputs; shapes must match.
Expr l1(Expr yhat, Expr y, std::string name = {});
Expr l2(Expr yhat, Expr y, std::string name = {});

// ---- model ops ----
// Elementwise with NumPy broadcasting; gradients are summed back to each
// input's shape.
Expr add(Expr a, Expr b, std::string name = {});
Expr sub(Expr a, Expr b, std::string name = {});
Expr mul(Expr a, Expr b, std::string name = {});
Expr div(Expr a, Expr b, std::string name = {});
Expr neg(Expr x, std::string name = {});
Expr exp(Expr x, std::string name = {});
Expr log(Expr x, std::string name = {});
Expr tanh(Expr x, std::string name = {});
Expr relu(Expr x, std::string name = {});
Expr square(Expr x, std::string name = {});
Expr sqrt(Expr x, std::string name = {});
// Matrix product of rank-2 tensors (m, k) x (k, n).
Expr matmul(Expr a, Expr b, std::string name = {});
// Reverses the axes (rank 2: rows and columns swap).
Expr transpose(Expr x, std::string name = {});
// Over every element (rank-0 result), or over one axis (negative counts from
// the end) with NumPy's keepdims.
Expr sum(Expr x, std::string name = {});
Expr sum(Expr x, std::int64_t axis, bool keepdims = false, std::string name = {});
Expr mean(Expr x, std::string name = {});
Expr mean(Expr x, std::int64_t axis, bool keepdims = false, std::string name = {});
// A string literal would silently convert to keepdims = true: name the node
// with the four-argument form, sum(x, axis, keepdims, "name").
Expr sum(Expr x, std::int64_t axis, const char* name) = delete;
Expr mean(Expr x, std::int64_t axis, const char* name) = delete;
// log(softmax(x)) over the last axis, by a stable log-sum-exp.
Expr log_softmax(Expr x, std::string name = {});
// Mean over the batch of -log softmax(logits)[label]; logits (batch,
// classes), labels (batch) or (batch, 1) holding class indices as doubles.
Expr softmax_cross_entropy(Expr logits, Expr labels, std::string name = {});
// Mean of max(z, 0) - z t + log(1 + e^-|z|), stable for large |z|, as
// PyTorch's BCEWithLogitsLoss.
Expr bce_with_logits(Expr logits, Expr targets, std::string name = {});

// ---- dtypes ----
// x converted to `dtype` (differentiable): ops refuse to mix float32 and
// float64, and this is the explicit conversion.
Expr cast(Expr x, DType dtype, std::string name = {});

// Sections for the op families of issue 11; each family adds its builders
// between its two markers.
// ---- elementwise (issue 11) ----
// |x|; the gradient at 0 is 0, as PyTorch.
Expr abs(Expr x, std::string name = {});
// x^exponent for a scalar exponent; d/dx = exponent * x^(exponent - 1), 0
// for exponent 0 (PyTorch's pow).
Expr pow(Expr x, double exponent, std::string name = {});
// x limited to [min, max] (PyTorch's clamp; min <= max); the gradient
// passes where min <= x <= max, bounds included, as PyTorch.
Expr clip(Expr x, double min, double max, std::string name = {});
// The larger (smaller) of a and b elementwise, with NumPy broadcasting; at a
// tie each input gets half the gradient, as PyTorch.
Expr maximum(Expr a, Expr b, std::string name = {});
Expr minimum(Expr a, Expr b, std::string name = {});
// 1 where a > b (a < b, a == b), else 0, in the inputs' dtype, with NumPy
// broadcasting; not differentiable (no gradient flows to a or b).
Expr greater(Expr a, Expr b, std::string name = {});
Expr less(Expr a, Expr b, std::string name = {});
Expr equal(Expr a, Expr b, std::string name = {});
// a where condition is non-zero, else b; all three broadcast. The condition
// takes no gradient.
Expr where(Expr condition, Expr a, Expr b, std::string name = {});
// x for x > 0, else negative_slope * x (PyTorch's default slope 0.01).
Expr leaky_relu(Expr x, double negative_slope = 0.01, std::string name = {});
// x for x > 0, else alpha * (e^x - 1).
Expr elu(Expr x, double alpha = 1.0, std::string name = {});
// x * Phi(x), Phi the standard normal CDF (PyTorch's exact GELU, not the
// tanh approximation).
Expr gelu(Expr x, std::string name = {});
// log(1 + e^(beta x)) / beta, and x itself where beta x > threshold
// (PyTorch's softplus and defaults).
Expr softplus(Expr x, double beta = 1.0, double threshold = 20.0, std::string name = {});
// log(sigmoid(x)) = -softplus(-x), stable for large |x|.
Expr log_sigmoid(Expr x, std::string name = {});
// The error function, as torch.erf (gelu's second derivative uses it).
Expr erf(Expr x, std::string name = {});
// (end of elementwise)
// ---- reductions (issue 11) ----
// Over every element (rank-0 result) or one axis with keepdims, as sum.
// max and min are PyTorch's amax and amin: tied extremes share the gradient
// evenly. An empty axis is an error (unless the result is empty too).
Expr max(Expr x, std::string name = {});
Expr max(Expr x, std::int64_t axis, bool keepdims = false, std::string name = {});
Expr min(Expr x, std::string name = {});
Expr min(Expr x, std::int64_t axis, bool keepdims = false, std::string name = {});
// log(sum(e^x)) with the maximum taken out first; a lane of -inf (or an
// empty one) gives -inf, as PyTorch.
Expr logsumexp(Expr x, std::string name = {});
Expr logsumexp(Expr x, std::int64_t axis, bool keepdims = false, std::string name = {});
// sum((x - mean)^2) / (n - correction) and its square root; correction 1
// (PyTorch's unbiased default) over everything, or as given.
Expr var(Expr x, std::string name = {});
Expr var(Expr x, std::int64_t axis, bool keepdims = false, std::int64_t correction = 1, std::string name = {});
Expr std(Expr x, std::string name = {});
Expr std(Expr x, std::int64_t axis, bool keepdims = false, std::int64_t correction = 1, std::string name = {});
// The index of the largest element (the first on ties, as NumPy and
// PyTorch), flat over everything or along one axis, stored as a float of
// x's dtype; no gradient flows through it.
Expr argmax(Expr x, std::string name = {});
Expr argmax(Expr x, std::int64_t axis, bool keepdims = false, std::string name = {});
// As for sum: name the node with the full form, max(x, axis, keepdims, "name").
Expr argmax(Expr x, std::int64_t axis, const char* name) = delete;
Expr max(Expr x, std::int64_t axis, const char* name) = delete;
Expr min(Expr x, std::int64_t axis, const char* name) = delete;
Expr logsumexp(Expr x, std::int64_t axis, const char* name) = delete;
Expr var(Expr x, std::int64_t axis, const char* name) = delete;
Expr std(Expr x, std::int64_t axis, const char* name) = delete;
// (end of reductions)
// ---- structure (issue 11) ----
// Axes follow NumPy: negative counts from the end. Values are copied.
// The inputs (at least one, equal ranks) joined along `axis`; their shapes
// agree on every other axis (NumPy's concatenate).
Expr concat(const std::vector<Expr>& inputs, std::int64_t axis, std::string name = {});
// The inputs (at least one, of one shape) stacked along a new axis `axis`
// (NumPy's stack).
Expr stack(const std::vector<Expr>& inputs, std::int64_t axis, std::string name = {});
// x[begin_0:end_0:step_0, ...] for the leading axes, with Python's rules:
// negative indices count from the end, out-of-range ones clamp (INT64_MAX:
// "to the end"; INT64_MIN with a negative step: "past the start"), negative
// steps walk backwards. An empty `step` means all 1.
Expr slice(Expr x, std::vector<std::int64_t> begin, std::vector<std::int64_t> end, std::vector<std::int64_t> step = {},
           std::string name = {});
// PyTorch's index_select: the entries of x at `indices` (rank 0 or 1, whole
// numbers 0 to length - 1 stored as floats) along `axis`. A repeated index
// picks an element twice, and its gradients add.
Expr index_select(Expr x, Expr indices, std::int64_t axis, std::string name = {});
// NumPy's pad(x, ((before_0, after_0), ...), constant_values=value), with
// `pads` flattened: before_0, after_0, before_1, after_1, ...
Expr pad(Expr x, std::vector<std::int64_t> pads, double value = 0.0, std::string name = {});
// NumPy's broadcast_to; the gradient is summed back to x's shape.
Expr broadcast_to(Expr x, std::vector<std::int64_t> shape, std::string name = {});
// A new axis of length 1 at `axis` (-rank-1 to rank), and the removal of an
// axis of length 1 (any other length is an error), as NumPy.
Expr expand_dims(Expr x, std::int64_t axis, std::string name = {});
Expr squeeze(Expr x, std::int64_t axis, std::string name = {});
// (end of structure)
// ---- conv (issue 11) ----
// Images are NCHW (batch, channels, height, width); sizes are [height, width]
// pairs, as PyTorch's.
struct Conv2dOptions {
  std::array<std::int64_t, 2> stride{1, 1};
  std::array<std::int64_t, 2> padding{0, 0};   // zeros on both sides
  std::array<std::int64_t, 2> dilation{1, 1};
  std::int64_t groups = 1;
};
// PyTorch's F.conv2d (a cross-correlation): x (N, C, H, W), w (O, C/groups,
// kh, kw), optional bias b (O,); y (N, O, out_h, out_w).
Expr conv2d(Expr x, Expr w, std::optional<Expr> b = std::nullopt, Conv2dOptions options = {}, std::string name = {});
// Maximum / mean over each kernel window; stride {0, 0} means the kernel
// (PyTorch's default). max_pool2d pads with -inf and sends the gradient to
// the first maximum of a window (row-major order), as PyTorch; avg_pool2d
// pads with zeros that count in the mean (count_include_pad, PyTorch's
// default).
Expr max_pool2d(Expr x, std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride = {0, 0},
                std::array<std::int64_t, 2> padding = {0, 0}, std::string name = {});
Expr avg_pool2d(Expr x, std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride = {0, 0},
                std::array<std::int64_t, 2> padding = {0, 0}, std::string name = {});
// Mean over each image plane: (N, C, H, W) -> (N, C, 1, 1), as ONNX's
// GlobalAveragePool.
Expr global_avg_pool(Expr x, std::string name = {});
// (end of conv)
// ---- recurrent (issue 11) ----
// Rows of a (vocab, dim) table picked by indices of any shape (whole
// numbers stored as floats, checked in forward): output indices' shape +
// (dim,). PyTorch's F.embedding; the table's gradient adds up repeated rows.
Expr embedding(Expr table, Expr indices, std::string name = {});
// One LSTM layer over a sequence, PyTorch's nn.LSTM equations and layout
// (gates i, f, g, o): x (seq, batch, in), h0 and c0 (batch, hidden),
// weight_ih (4 hidden, in), weight_hh (4 hidden, hidden), bias_ih and
// bias_hh (4 hidden). Returns every hidden state, (seq, batch, hidden); the
// final cell state is not an output.
Expr lstm(Expr x, Expr h0, Expr c0, Expr weight_ih, Expr weight_hh, Expr bias_ih, Expr bias_hh,
          std::string name = {});
// One GRU layer, PyTorch's nn.GRU (gates r, z, n; b_hn inside r * (...)):
// as lstm without c0, with 3 hidden rows of weights per gate block.
Expr gru(Expr x, Expr h0, Expr weight_ih, Expr weight_hh, Expr bias_ih, Expr bias_hh, std::string name = {});
// (end of recurrent)
// ---- normalization (issue 11) ----
// Inverted dropout, PyTorch's F.dropout: in training mode (Graph::set_training)
// each element is zeroed with probability p and the others scaled by
// 1 / (1 - p); in evaluation mode the identity. The node's own generator,
// seeded with `seed`, draws a new mask at each training-mode forward run, so
// a seed and a run count fix every mask (ops/dropout.cpp; the "redraw"
// attribute false keeps the first mask). p in [0, 1].
Expr dropout(Expr x, double p = 0.5, std::int64_t seed = 0, std::string name = {});
// PyTorch's F.layer_norm over the last axis (normalized_shape = x's last
// dimension D): (x - mean) / sqrt(var + eps) * weight + bias, the variance
// biased; weight and bias (D,).
Expr layer_norm(Expr x, Expr weight, Expr bias, double eps = 1e-5, std::string name = {});
// PyTorch's F.batch_norm for x (N, C) or (N, C, H, W), per channel (axis 1);
// weight, bias, running_mean and running_var (C,). Training mode normalizes
// with the batch's statistics and updates running_mean and running_var in
// place (running = (1 - momentum) running + momentum batch; the variance
// unbiased): they must be leaves (inputs, as BatchNorm makes them), which
// get no gradient. Evaluation mode normalizes with the running statistics.
Expr batch_norm(Expr x, Expr weight, Expr bias, Expr running_mean, Expr running_var, double momentum = 0.1,
                double eps = 1e-5, std::string name = {});
// (end of normalization)

// C++ operators build the same nodes; a double becomes a rank-0 constant.
Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);
Expr operator-(Expr x);
Expr operator+(Expr a, double b);
Expr operator+(double a, Expr b);
Expr operator-(Expr a, double b);
Expr operator-(double a, Expr b);
Expr operator*(Expr a, double b);
Expr operator*(double a, Expr b);
Expr operator/(Expr a, double b);
Expr operator/(double a, Expr b);

}  // namespace dagrad

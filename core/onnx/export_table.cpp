// dagrad op -> ONNX (opset 17): the whole export mapping, one entry per op.
//
// Plain ops become the one ONNX operator with the same semantics (NumPy
// broadcasting is ONNX's multidirectional broadcasting). Composites become
// small subgraphs of standard operators computing the same formula as the
// op's file in ops/; import recognises them by a metadata marker and gives
// back the single dagrad op. An op missing here cannot be exported, and
// export says so naming the node and op.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dagrad/im2col.hpp"
#include "dagrad/structure.hpp"
#include "onnx_mapping.hpp"
#include "export_elementwise.hpp"

namespace dagrad::onnx_mapping {
namespace {

// A rule for an op whose ONNX operator has the same inputs, in order, and
// no attributes.
ExportRule same_operator(std::string_view op_type) {
  return {.composite = false, .emit = [op_type](ExportContext& c) {
            std::vector<std::string> inputs;
            for (std::size_t i = 0; i < c.node().inputs().size(); ++i) inputs.push_back(c.input(int(i)));
            c.emit_output(op_type, inputs);
          }};
}

// sum and mean: {"axis": k, "keepdims": b}; no axis reduces every element.
// In opset 17 ReduceSum takes its axes as an input, ReduceMean as an
// attribute. No axes and keepdims=0 reduce everything to rank 0, as dagrad.
void emit_reduction(ExportContext& c, std::string_view op_type, bool axes_as_input) {
  const std::int64_t keepdims = c.attrs().get_bool(c.node().op_name(), "keepdims", false) ? 1 : 0;
  std::vector<OnnxAttribute> attributes{{"keepdims", keepdims}};
  std::vector<std::string> inputs{c.input(0)};
  if (c.attrs().has("axis")) {
    const std::int64_t axis = c.attrs().get_int(c.node().op_name(), "axis");
    if (axes_as_input) {
      inputs.push_back(c.int64s("axes", {axis}));
    } else {
      attributes.push_back({"axes", std::vector<std::int64_t>{axis}});
    }
  }
  c.emit_output(op_type, inputs, attributes);
}

// Rows or columns [begin, end) of a rank-2 tensor.
std::string rows_or_columns(ExportContext& c, const std::string& t, std::int64_t axis, std::int64_t begin,
                            std::int64_t end) {
  return c.emit("Slice", {t, c.int64s("starts", {begin}), c.int64s("ends", {end}), c.int64s("axes", {axis})});
}

// dagrad's lstm / gru (inputs x, h0, [c0], weight_ih, weight_hh, bias_ih,
// bias_hh) unrolled over its sequence length, which the graph fixes, in
// plain operators with the op file's own formulas and order of sums (ONNX
// Runtime's LSTM and GRU kernels are float32 only, so ONNX's LSTM/GRU nodes
// would not run a float64 model): the input projections of all steps as one
// MatMul, then per step the recurrent MatMul and the gates. Output (seq,
// batch, hidden) from the steps' h concatenated.
void emit_recurrent(ExportContext& c, bool lstm) {
  const Shape& x = c.input_shape(0);
  const std::int64_t seq = x[0], batch = x[1], hidden = c.input_shape(1)[1];
  const int weights = lstm ? 3 : 2;
  const std::vector<std::int64_t> swap{1, 0};
  const std::string w_ih = c.emit("Transpose", {c.input(weights)}, {{"perm", swap}});
  const std::string w_hh = c.emit("Transpose", {c.input(weights + 1)}, {{"perm", swap}});
  const std::string bias = lstm ? c.emit("Add", {c.input(weights + 2), c.input(weights + 3)}) : c.input(weights + 2);
  const std::string rows = c.emit("Reshape", {c.input(0), c.int64s("rows", {seq * batch, x[2]})});
  const std::string projected = c.emit("Add", {c.emit("MatMul", {rows, w_ih}), bias});
  std::string h = c.input(1), cell = lstm ? c.input(2) : std::string();
  std::vector<std::string> states;
  auto gate = [&](const std::string& t, int k) { return rows_or_columns(c, t, 1, k * hidden, (k + 1) * hidden); };
  for (std::int64_t t = 0; t < seq; ++t) {
    const std::string step = rows_or_columns(c, projected, 0, t * batch, (t + 1) * batch);
    if (lstm) {  // gates i, f, g, o
      const std::string gates = c.emit("Add", {step, c.emit("MatMul", {h, w_hh})});
      const std::string i = c.emit("Sigmoid", {gate(gates, 0)}), f = c.emit("Sigmoid", {gate(gates, 1)});
      const std::string g = c.emit("Tanh", {gate(gates, 2)}), o = c.emit("Sigmoid", {gate(gates, 3)});
      cell = c.emit("Add", {c.emit("Mul", {f, cell}), c.emit("Mul", {i, g})});
      h = c.emit("Mul", {o, c.emit("Tanh", {cell})});
    } else {  // gates r, z, n; b_hn inside r * (...)
      const std::string recurrent = c.emit("Add", {c.emit("MatMul", {h, w_hh}), c.input(weights + 3)});
      const std::string r = c.emit("Sigmoid", {c.emit("Add", {gate(step, 0), gate(recurrent, 0)})});
      const std::string z = c.emit("Sigmoid", {c.emit("Add", {gate(step, 1), gate(recurrent, 1)})});
      const std::string n = c.emit("Tanh", {c.emit("Add", {gate(step, 2), c.emit("Mul", {r, gate(recurrent, 2)})})});
      h = c.emit("Add", {n, c.emit("Mul", {z, c.emit("Sub", {h, n})})});
    }
    states.push_back(h);
  }
  const std::string all = c.emit("Concat", states, {{"axis", std::int64_t{0}}});
  c.emit_output("Reshape", {all, c.int64s("shape", {seq, batch, hidden})});
}

// var and std (reductions family): {"axis", "keepdims", "correction"}.
void emit_variance(ExportContext& c, bool root) {
  const std::string_view op = c.node().op_name();
  const Shape& shape = c.input_shape(0);
  std::vector<OnnxAttribute> keep{{"keepdims", std::int64_t{1}}};
  std::int64_t count = shape.elements();
  std::vector<std::int64_t> axes;
  if (c.attrs().has("axis")) {
    std::int64_t axis = c.attrs().get_int(op, "axis");
    if (axis < 0) axis += shape.rank();
    axes = {axis};
    count = shape[int(axis)];
  } else {
    for (int k = 0; k < shape.rank(); ++k) axes.push_back(k);
  }
  keep.push_back({"axes", axes});
  const std::string mean = c.emit("ReduceMean", {c.input(0)}, keep);
  const std::string deviation = c.emit("Sub", {c.input(0), mean});
  const std::string squares = c.emit("Mul", {deviation, deviation});
  const std::int64_t keepdims = c.attrs().get_bool(op, "keepdims", false) ? 1 : 0;
  const std::string total = c.emit("ReduceSum", {squares, c.int64s("axes", axes)}, {{"keepdims", keepdims}});
  const double divisor = double(count - c.attrs().get_int(op, "correction", 1));
  if (!root) {
    c.emit_output("Div", {total, c.scalar("divisor", divisor)});
    return;
  }
  c.emit_output("Sqrt", {c.emit("Div", {total, c.scalar("divisor", divisor)})});
}

std::vector<std::int64_t> reversed_axes(int rank) {
  std::vector<std::int64_t> perm;
  for (int axis = rank - 1; axis >= 0; --axis) perm.push_back(axis);
  return perm;
}

// slice: NumPy's indices resolved at the input's shape into ONNX Slice's
// (they clamp differently: ONNX clamps a negative step's start into the
// axis, where NumPy gives an empty slice). An empty range is 0:0:1; a
// negative step that runs past index 0 ends at -dim - 1 (ONNX reads -1 as
// the last index).
void emit_slice(ExportContext& c) {
  const std::vector<std::int64_t> begin = c.attrs().get_ints("slice", "begin"), end = c.attrs().get_ints("slice", "end"),
                                  step = c.attrs().get_ints("slice", "step");
  std::vector<std::int64_t> starts, ends, axes, steps;
  for (std::size_t a = 0; a < begin.size(); ++a) {
    const std::int64_t length = c.input_shape(0)[int(a)];
    const SliceRange range = slice_range(begin[a], end[a], step[a], length);
    const std::int64_t stop = range.start + range.count * step[a];  // one step past the last picked index
    axes.push_back(std::int64_t(a));
    starts.push_back(range.count == 0 ? 0 : range.start);
    ends.push_back(range.count == 0 ? 0 : stop < 0 ? -length - 1 : stop);
    steps.push_back(range.count == 0 ? 1 : step[a]);
  }
  c.emit_output("Slice", {c.input(0), c.int64s("starts", starts), c.int64s("ends", ends), c.int64s("axes", axes),
                          c.int64s("steps", steps)});
}
// ---- conv (issue 11 op family) ----
// conv2d and the pools: kernel_shape, strides and pads.
std::vector<OnnxAttribute> window_attributes(ExportContext& c, std::vector<std::int64_t> kernel) {
  const std::vector<std::int64_t> padding = c.attrs().get_ints(c.node().op_name(), "padding");
  return {{"kernel_shape", std::move(kernel)},
          {"strides", c.attrs().get_ints(c.node().op_name(), "stride")},
          {"pads", std::vector<std::int64_t>{padding[0], padding[1], padding[0], padding[1]}}};
}
// (end of conv)

// im2col / col2im (higher-order helpers): for every tap (i, j) of every
// window (p, q), the flat index of the pixel it reads in an image padded by
// the window's padding, (p s_h + i d_h) (W + 2 pad_w) + q s_w + j d_w, in
// im2col's row order (taps, windows). Gathering these (and scattering back
// through their one-hot matrix) copies values exactly in any dtype, where
// ONNX Runtime's Conv and ConvTranspose take float32 only.
std::vector<std::int64_t> unfold_indices(const Window2d& window, std::int64_t height, std::int64_t width) {
  const std::int64_t out_h = window.output_size(0, height), out_w = window.output_size(1, width);
  const std::int64_t padded_width = width + 2 * window.padding[1];
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < window.kernel[0]; ++i) {
    for (std::int64_t j = 0; j < window.kernel[1]; ++j) {
      for (std::int64_t p = 0; p < out_h; ++p) {
        for (std::int64_t q = 0; q < out_w; ++q) {
          indices.push_back((p * window.stride[0] + i * window.dilation[0]) * padded_width + q * window.stride[1] +
                            j * window.dilation[1]);
        }
      }
    }
  }
  return indices;
}

}  // namespace

const std::map<std::string, ExportRule, std::less<>>& export_rules() {
  static const std::map<std::string, ExportRule, std::less<>> rules{
      {"sigmoid", same_operator("Sigmoid")},
      {"tanh", same_operator("Tanh")},
      {"relu", same_operator("Relu")},
      {"exp", same_operator("Exp")},
      {"log", same_operator("Log")},
      {"sqrt", same_operator("Sqrt")},
      {"neg", same_operator("Neg")},
      {"add", same_operator("Add")},
      {"sub", same_operator("Sub")},
      {"mul", same_operator("Mul")},
      {"div", same_operator("Div")},
      // dagrad's matmul is rank 2 only, where MatMul is the plain product.
      {"matmul", same_operator("MatMul")},
      // x * x, bit for bit what square computes (Pow(x, 2) need not be).
      {"square",
       {.composite = false,
        .emit = [](ExportContext& c) { c.emit_output("Mul", {c.input(0), c.input(0)}); }}},
      {"transpose",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              c.emit_output("Transpose", {c.input(0)}, {{"perm", reversed_axes(c.input_shape(0).rank())}});
            }}},
      // NumPy's reshape: one -1 is inferred, as in ONNX. A 0 in dagrad's
      // shape means an empty dimension, which ONNX spells allowzero=1 (where
      // 0 would otherwise copy the input's dimension).
      {"reshape",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              const std::vector<std::int64_t> shape = c.attrs().get_ints("reshape", "shape");
              std::vector<OnnxAttribute> attributes;
              if (std::find(shape.begin(), shape.end(), 0) != shape.end()) attributes.push_back({"allowzero", 1});
              c.emit_output("Reshape", {c.input(0), c.int64s("shape", shape)}, attributes);
            }}},
      {"sum",
       {.composite = false,
        .emit = [](ExportContext& c) { emit_reduction(c, "ReduceSum", /*axes_as_input=*/true); }}},
      {"mean",
       {.composite = false,
        .emit = [](ExportContext& c) { emit_reduction(c, "ReduceMean", /*axes_as_input=*/false); }}},
      {"softmax",
       {.composite = false,
        .emit = [](ExportContext& c) { c.emit_output("Softmax", {c.input(0)}, {{"axis", std::int64_t{-1}}}); }}},
      {"log_softmax",
       {.composite = false,
        .emit = [](ExportContext& c) { c.emit_output("LogSoftmax", {c.input(0)}, {{"axis", std::int64_t{-1}}}); }}},

      // Cast between float32 and float64 (to FLOAT everywhere in a float32
      // export).
      {"cast",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              const DType target = parse_dtype(c.attrs().get_string("cast", "dtype"));
              c.emit_output("Cast", {c.input(0)}, {{"to", std::int64_t{export_float_type(target, c.options())}}});
            }}},

      // ---- composites: small subgraphs with the op's own formula ----

      // y = x / max(sqrt(sum(x^2, last axis)), 1e-12), PyTorch's F.normalize.
      {"normalize_rows",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string squares = c.emit("Mul", {c.input(0), c.input(0)});
              const std::string sum =
                  c.emit("ReduceSum", {squares, c.int64s("axes", {-1})}, {{"keepdims", std::int64_t{1}}});
              const std::string norm = c.emit("Sqrt", {sum});
              const std::string clamped = c.emit("Max", {norm, c.scalar("epsilon", 1e-12)});
              c.emit_output("Div", {c.input(0), clamped});
            }}},
      // L = sum(|y - yhat|)
      {"l1",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string difference = c.emit("Sub", {c.input(1), c.input(0)});
              const std::string magnitude = c.emit("Abs", {difference});
              c.emit_output("ReduceSum", {magnitude}, {{"keepdims", std::int64_t{0}}});
            }}},
      // L = sum((y - yhat)^2)
      {"l2",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string difference = c.emit("Sub", {c.input(1), c.input(0)});
              const std::string squares = c.emit("Mul", {difference, difference});
              c.emit_output("ReduceSum", {squares}, {{"keepdims", std::int64_t{0}}});
            }}},
      // L = -mean over rows of log_softmax(z)[label]: labels are class
      // indices stored as floats, (batch) or (batch, 1).
      {"softmax_cross_entropy",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string log_probabilities = c.emit("LogSoftmax", {c.input(0)}, {{"axis", std::int64_t{-1}}});
              const std::string labels = c.emit("Cast", {c.input(1)}, {{"to", std::int64_t{onnx::TensorProto::INT64}}});
              const std::string column = c.emit("Reshape", {labels, c.int64s("column", {-1, 1})});
              const std::string picked = c.emit("GatherElements", {log_probabilities, column}, {{"axis", std::int64_t{1}}});
              const std::string mean = c.emit("ReduceMean", {picked}, {{"keepdims", std::int64_t{0}}});
              c.emit_output("Neg", {mean});
            }}},
      // L = mean(max(z, 0) - z t + log(1 + e^-|z|)): e^-|z| never overflows.
      // ONNX has no log1p, so the last term is Log(1 + e^-|z|), which differs
      // from dagrad's log1p by the rounding of 1 + e^-|z| (at most 1.2e-16
      // absolute per element): within 1e-12 relative of the loss unless the
      // loss is itself below about 1e-4.
      {"bce_with_logits",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string& z = c.input(0);
              const std::string positive_part = c.emit("Max", {z, c.scalar("zero", 0.0)});
              const std::string product = c.emit("Mul", {z, c.input(1)});
              const std::string linear = c.emit("Sub", {positive_part, product});
              const std::string negative_magnitude = c.emit("Neg", {c.emit("Abs", {z})});
              const std::string softplus =
                  c.emit("Log", {c.emit("Add", {c.scalar("one", 1.0), c.emit("Exp", {negative_magnitude})})});
              const std::string elementwise = c.emit("Add", {linear, softplus});
              c.emit_output("ReduceMean", {elementwise}, {{"keepdims", std::int64_t{0}}});
            }}},

      // ---- elementwise (issue 11 op family) ----
      {"abs", same_operator("Abs")},
      // Max and Min of two inputs: ties give the same value either way.
      {"maximum", same_operator("Max")},
      {"minimum", same_operator("Min")},
      // Clip's bounds are inputs (from opset 11): float64 bounds stay exact.
      {"clip",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              c.emit_output("Clip", {c.input(0), c.scalar("min", c.attrs().get_double("clip", "min", 0.0)),
                                     c.scalar("max", c.attrs().get_double("clip", "max", 0.0))});
            }}},
      // The exponent as a tensor of the export type; Pow computes std::pow.
      {"pow",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              c.emit_output("Pow", {c.input(0), c.scalar("exponent", c.attrs().get_double("pow", "exponent", 1.0))});
            }}},
      // Comparisons give BOOL in ONNX; dagrad's 1/0 are the value type.
      {"greater", compare("Greater")},
      {"less", compare("Less")},
      {"equal", compare("Equal")},
      // A non-zero condition selects a: Cast to BOOL is x != 0.
      {"where",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string condition = c.emit("Cast", {c.input(0)}, {{"to", std::int64_t{onnx::TensorProto::BOOL}}});
              c.emit_output("Where", {condition, c.input(1), c.input(2)});
            }}},
      // ONNX's LeakyRelu and Elu take float attributes (and ONNX Runtime runs
      // them in float only): written with Where to keep float64 parameters.
      {"leaky_relu",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string& x = c.input(0);
              const std::string positive = c.emit("Greater", {x, c.scalar("zero", 0.0)});
              const double slope = c.attrs().get_double("leaky_relu", "negative_slope", 0.01);
              c.emit_output("Where", {positive, x, c.emit("Mul", {x, c.scalar("negative_slope", slope)})});
            }}},
      // alpha (e^x - 1) for x <= 0: ONNX has no expm1, so small |x| differ by
      // the rounding of e^x - 1.
      {"elu",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string& x = c.input(0);
              const std::string positive = c.emit("Greater", {x, c.scalar("zero", 0.0)});
              const std::string decay = c.emit("Sub", {c.emit("Exp", {x}), c.scalar("one", 1.0)});
              const double alpha = c.attrs().get_double("elu", "alpha", 1.0);
              c.emit_output("Where", {positive, x, c.emit("Mul", {decay, c.scalar("alpha", alpha)})});
            }}},
      // x/2 (1 + erf(x/sqrt(2))), PyTorch's formula. ONNX Runtime's CPU Erf
      // is float only: it runs a float32 export of gelu, not a float64 one.
      {"gelu",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string& x = c.input(0);
              const std::string scaled = c.emit("Mul", {x, c.scalar("inverse_sqrt2", 0.70710678118654752440)});
              const std::string cdf2 = c.emit("Add", {c.scalar("one", 1.0), c.emit("Erf", {scaled})});
              c.emit_output("Mul", {c.emit("Mul", {x, c.scalar("half", 0.5)}), cdf2});
            }}},
      // (max(z, 0) + log(1 + e^-|z|)) / beta with z = beta x, or x where
      // z > threshold; Log(1 + .) where the op has log1p (see bce_with_logits).
      {"softplus",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string& x = c.input(0);
              const std::string beta = c.scalar("beta", c.attrs().get_double("softplus", "beta", 1.0));
              const std::string z = c.emit("Mul", {x, beta});
              const std::string smooth = c.emit("Add", {c.emit("Max", {z, c.scalar("zero", 0.0)}), log1p_exp_minus_abs(c, z)});
              const double threshold = c.attrs().get_double("softplus", "threshold", 20.0);
              const std::string linear = c.emit("Greater", {z, c.scalar("threshold", threshold)});
              c.emit_output("Where", {linear, x, c.emit("Div", {smooth, beta})});
            }}},
      // min(x, 0) - log(1 + e^-|x|)
      {"log_sigmoid",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string& x = c.input(0);
              c.emit_output("Sub", {c.emit("Min", {x, c.scalar("zero", 0.0)}), log1p_exp_minus_abs(c, x)});
            }}},
      // ONNX Runtime's CPU Erf is float only, as for gelu.
      {"erf", same_operator("Erf")},
      // (end of elementwise)
      // ---- reductions (issue 11 op family) ----
      // In opset 17 ReduceMax, ReduceMin and ReduceLogSumExp take their axes
      // as an attribute (an input from opset 18).
      {"max",
       {.composite = false,
        .emit = [](ExportContext& c) { emit_reduction(c, "ReduceMax", /*axes_as_input=*/false); }}},
      {"min",
       {.composite = false,
        .emit = [](ExportContext& c) { emit_reduction(c, "ReduceMin", /*axes_as_input=*/false); }}},
      {"logsumexp",
       {.composite = false,
        .emit = [](ExportContext& c) { emit_reduction(c, "ReduceLogSumExp", /*axes_as_input=*/false); }}},
      // var = ReduceSum((x - mean)^2) / (n - correction), the mean kept for
      // broadcasting, as the op's two passes; std = Sqrt(var). ONNX has no
      // variance operator.
      {"var", {.composite = true, .emit = [](ExportContext& c) { emit_variance(c, /*root=*/false); }}},
      {"std", {.composite = true, .emit = [](ExportContext& c) { emit_variance(c, /*root=*/true); }}},
      // ArgMax (first index on ties: select_last_index 0) gives int64 indices,
      // cast to the float type dagrad stores them in; no axis indexes the
      // flattened input, reshaped to ones for keepdims.
      {"argmax",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const bool has_axis = c.attrs().has("axis");
              const bool keepdims = c.attrs().get_bool("argmax", "keepdims", false);
              std::string input = c.input(0);
              if (!has_axis) input = c.emit("Reshape", {input, c.int64s("flat", {-1})});
              std::string index = c.emit("ArgMax", {input},
                                         {{"axis", has_axis ? c.attrs().get_int("argmax", "axis") : std::int64_t{0}},
                                          {"keepdims", std::int64_t{has_axis && keepdims ? 1 : 0}}});
              if (!has_axis && keepdims) {
                const std::vector<std::int64_t> ones(std::size_t(c.input_shape(0).rank()), 1);
                index = c.emit("Reshape", {index, c.int64s("ones", ones)});
              }
              c.emit_output("Cast", {index}, {{"to", std::int64_t{export_float_type(c.node().dtype(), c.options())}}});
            }}},
      // (end of reductions)
      // ---- structure (issue 11 op family) ----
      // NumPy's concatenate is Concat; a negative axis counts from the end in both.
      {"concat",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              std::vector<std::string> inputs;
              for (std::size_t i = 0; i < c.node().inputs().size(); ++i) inputs.push_back(c.input(int(i)));
              c.emit_output("Concat", inputs, {{"axis", c.attrs().get_int("concat", "axis")}});
            }}},
      // Each input gains the new axis (Unsqueeze), then Concat joins them
      // along it; both count the axis in the output's rank, as stack does.
      {"stack",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::int64_t axis = c.attrs().get_int("stack", "axis");
              std::vector<std::string> expanded;
              for (std::size_t i = 0; i < c.node().inputs().size(); ++i) {
                expanded.push_back(c.emit("Unsqueeze", {c.input(int(i)), c.int64s("axes", {axis})}));
              }
              c.emit_output("Concat", expanded, {{"axis", axis}});
            }}},
      {"slice", {.composite = false, .emit = emit_slice}},
      // Gather takes integer indices: the float indices are cast to INT64
      // and made rank 1 (index_select keeps the axis for a rank-0 index,
      // where Gather would drop it).
      {"index_select",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string indices = c.emit("Cast", {c.input(1)}, {{"to", std::int64_t{onnx::TensorProto::INT64}}});
              const std::string row = c.emit("Reshape", {indices, c.int64s("rank1", {-1})});
              c.emit_output("Gather", {c.input(0), row}, {{"axis", c.attrs().get_int("index_select", "axis")}});
            }}},
      // ONNX lists every axis' before, then every axis' after.
      {"pad",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              const std::vector<std::int64_t> pads = c.attrs().get_ints("pad", "pads");
              std::vector<std::int64_t> onnx_pads;
              for (std::size_t a = 0; a < pads.size(); a += 2) onnx_pads.push_back(pads[a]);
              for (std::size_t a = 1; a < pads.size(); a += 2) onnx_pads.push_back(pads[a]);
              const double value = c.attrs().get_double("pad", "value", 0.0);
              c.emit_output("Pad", {c.input(0), c.int64s("pads", onnx_pads), c.scalar("value", value)});
            }}},
      {"broadcast_to",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              c.emit_output("Expand", {c.input(0), c.int64s("shape", c.attrs().get_ints("broadcast_to", "shape"))});
            }}},
      {"expand_dims",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              c.emit_output("Unsqueeze", {c.input(0), c.int64s("axes", {c.attrs().get_int("expand_dims", "axis")})});
            }}},
      {"squeeze",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              c.emit_output("Squeeze", {c.input(0), c.int64s("axes", {c.attrs().get_int("squeeze", "axis")})});
            }}},
      // (end of structure)
      // ---- conv (issue 11 op family) ----
      // Sizes are dagrad's [height, width] pairs; ONNX's pads list the
      // starts, then the ends: [top, left, bottom, right].
      {"conv2d",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              const Shape& w = c.input_shape(1);
              std::vector<std::string> inputs{c.input(0), c.input(1)};
              if (c.node().inputs().size() == 3) inputs.push_back(c.input(2));
              std::vector<OnnxAttribute> attributes = window_attributes(c, {w[2], w[3]});
              attributes.push_back({"dilations", c.attrs().get_ints("conv2d", "dilation")});
              attributes.push_back({"group", c.attrs().get_int("conv2d", "groups")});
              c.emit_output("Conv", inputs, attributes);
            }}},
      {"max_pool2d",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              c.emit_output("MaxPool", {c.input(0)}, window_attributes(c, c.attrs().get_ints("max_pool2d", "kernel")));
            }}},
      // dagrad counts the padding in every mean (PyTorch's default); ONNX's
      // default is not to.
      {"avg_pool2d",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              std::vector<OnnxAttribute> attributes =
                  window_attributes(c, c.attrs().get_ints("avg_pool2d", "kernel"));
              attributes.push_back({"count_include_pad", std::int64_t{1}});
              c.emit_output("AveragePool", {c.input(0)}, attributes);
            }}},
      {"global_avg_pool", same_operator("GlobalAveragePool")},
      // (end of conv)
      // ---- recurrent (issue 11 op family) ----
      // F.embedding is Gather of rows, with the float indices cast to int64.
      {"embedding",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string indices = c.emit("Cast", {c.input(1)}, {{"to", std::int64_t{onnx::TensorProto::INT64}}});
              c.emit_output("Gather", {c.input(0), indices}, {{"axis", std::int64_t{0}}});
            }}},
      {"lstm", {.composite = true, .emit = [](ExportContext& c) { emit_recurrent(c, /*lstm=*/true); }}},
      {"gru", {.composite = true, .emit = [](ExportContext& c) { emit_recurrent(c, /*lstm=*/false); }}},
      // (end of recurrent)
      // ---- normalization (issue 11 op family) ----
      // ONNX's Dropout without training_mode is the identity, as dagrad's
      // dropout in evaluation mode (or at p = 0). A training-mode dropout's
      // masks are dagrad's generator's, which no ONNX runtime reproduces:
      // export in evaluation mode, as PyTorch's exporter does by default.
      {"dropout",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              const double p = c.attrs().get_double("dropout", "p", 0.5);
              if (c.graph().training() && p > 0.0) {
                throw Error(fmt::format("cannot export node \"{}\" (dropout, p = {}) in training mode: its random masks "
                                        "cannot be reproduced in ONNX; call Graph::set_training(false) first",
                                        c.node().name(), p));
              }
              c.emit_output("Dropout", {c.input(0), c.scalar("ratio", p)},
                            {{"seed", c.attrs().get_int("dropout", "seed", 0)}});
            }}},
      // LayerNormalization (opset 17) over the last axis. ONNX's epsilon is a
      // float attribute: an eps float cannot hold (1e-5) reaches ONNX Runtime
      // rounded, which moves outputs by about 1e-12 relative; import reads it
      // back as the shortest decimal (1e-05), so dagrad round-trips exactly.
      {"layer_norm",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              c.emit_output("LayerNormalization", {c.input(0), c.input(1), c.input(2)},
                            {{"axis", std::int64_t{-1}}, {"epsilon", float(c.attrs().get_double("layer_norm", "eps", 1e-5))}});
            }}},
      // Evaluation mode: ONNX's BatchNormalization (inference form, the
      // running statistics as inputs 3 and 4). Training mode: the batch
      // statistics as a composite (the running-statistics update is state,
      // not an output, and is not exported); import rebuilds batch_norm
      // with the default momentum and eps, so only those export.
      {"batch_norm",
       {.composite = false,
        .emit =
            [](ExportContext& c) {
              const double momentum = c.attrs().get_double("batch_norm", "momentum", 0.1);
              const double eps = c.attrs().get_double("batch_norm", "eps", 1e-5);
              if (!c.graph().training()) {
                c.emit_output("BatchNormalization", {c.input(0), c.input(1), c.input(2), c.input(3), c.input(4)},
                              {{"epsilon", float(eps)}, {"momentum", float(1.0 - momentum)}});
                return;
              }
              throw Error(fmt::format("cannot export node \"{}\" (batch_norm) in training mode: call "
                                      "Graph::set_training(false) first, as for inference", c.node().name()));
            }}},
      // (end of normalization)
      // ---- higher-order helpers (issue 15) ----
      // The gradient ops that symbolic backwards build (relu, l1,
      // softmax_cross_entropy), so that a graph holding a gradient exports.
      // y = g where x > 0, else 0
      {"mask_positive",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::string positive = c.emit("Greater", {c.input(1), c.scalar("zero", 0.0)});
              c.emit_output("Where", {positive, c.input(0), c.scalar("zero", 0.0)});
            }}},
      // y = g * sign(x): multiplying by -1, 0 or 1 is exact, as dagrad's select.
      {"mul_sign",
       {.composite = true,
        .emit = [](ExportContext& c) { c.emit_output("Mul", {c.input(0), c.emit("Sign", {c.input(1)})}); }}},
      // y = p - onehot(labels): labels (as int64, one per row) compared with
      // the class numbers 0..classes-1 give the one-hot rows.
      {"sub_one_hot",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const std::int64_t classes = c.input_shape(0)[1];
              std::vector<std::int64_t> class_numbers;
              for (std::int64_t k = 0; k < classes; ++k) class_numbers.push_back(k);
              const std::string labels = c.emit("Cast", {c.input(1)}, {{"to", std::int64_t{onnx::TensorProto::INT64}}});
              const std::string column = c.emit("Reshape", {labels, c.int64s("column", {-1, 1})});
              const std::string hit = c.emit("Equal", {column, c.int64s("classes", class_numbers)});
              const std::string one_hot = c.emit("Where", {hit, c.scalar("one", 1.0), c.scalar("zero", 0.0)});
              c.emit_output("Sub", {c.input(0), one_hot});
            }}},
      // y = zeros, y[:, indices[k], :] += g[:, k, :] (index_select's adjoint): the one-hot matrix M
      // (length, count), M[i, k] = (indices[k] == i), times g seen as (outer, count, inner); MatMul
      // broadcasts M over outer. Every sum adds g's entries times 0 or 1, so only their order differs.
      {"index_add",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const Shape& g = c.input_shape(0);
              const AxisSplit split = split_at_axis(g, normalize_axis(c.attrs().get_int("index_add", "axis"), g.rank(), g));
              std::vector<std::int64_t> positions;
              for (std::int64_t i = 0; i < c.attrs().get_int("index_add", "length"); ++i) positions.push_back(i);
              const std::string indices = c.emit("Cast", {c.input(1)}, {{"to", std::int64_t{onnx::TensorProto::INT64}}});
              const std::string row = c.emit("Reshape", {indices, c.int64s("row", {1, -1})});
              const std::string column = c.emit("Reshape", {c.int64s("positions", positions), c.int64s("column", {-1, 1})});
              const std::string hit = c.emit("Equal", {column, row});
              const std::string one_hot = c.emit("Where", {hit, c.scalar("one", 1.0), c.scalar("zero", 0.0)});
              const std::string blocks = c.emit("Reshape", {c.input(0), c.int64s("blocks", {split.outer, split.length, split.inner})});
              const std::vector<std::int64_t> shape(c.node().shape().dims().begin(), c.node().shape().dims().end());
              c.emit_output("Reshape", {c.emit("MatMul", {one_hot, blocks}), c.int64s("shape", shape)});
            }}},
      // x padded with zeros, each image plane flattened, the taps gathered.
      {"im2col",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const Shape& x = c.input_shape(0);
              const Window2d window = window_from_attrs("im2col", c.attrs(), WindowKind::pooling, {"dilation"});
              const auto [pad_h, pad_w] = window.padding;
              const std::string padded =
                  c.emit("Pad", {c.input(0), c.int64s("pads", {0, 0, pad_h, pad_w, 0, 0, pad_h, pad_w}), c.scalar("zero", 0.0)});
              const std::int64_t planes = (x[2] + 2 * pad_h) * (x[3] + 2 * pad_w);
              const std::string flat = c.emit("Reshape", {padded, c.int64s("planes", {x[0], x[1], planes})});
              const std::string taps = c.emit("Gather", {flat, c.int64s("taps", unfold_indices(window, x[2], x[3]))}, {{"axis", std::int64_t{2}}});
              const std::vector<std::int64_t> shape(c.node().shape().dims().begin(), c.node().shape().dims().end());
              c.emit_output("Reshape", {taps, c.int64s("shape", shape)});
            }}},
      // The adjoint: the columns times the one-hot matrix of those indices
      // (tap and window, padded pixel), so overlapping taps add up, then the
      // padding sliced off.
      {"col2im",
       {.composite = true,
        .emit =
            [](ExportContext& c) {
              const Shape& y = c.node().shape();
              const Window2d window = window_from_attrs("col2im", c.attrs(), WindowKind::pooling, {"dilation", "size"});
              const auto [pad_h, pad_w] = window.padding;
              const std::int64_t padded_h = y[2] + 2 * pad_h, padded_w = y[3] + 2 * pad_w;
              std::vector<std::int64_t> pixels;
              for (std::int64_t k = 0; k < padded_h * padded_w; ++k) pixels.push_back(k);
              const std::vector<std::int64_t> indices = unfold_indices(window, y[2], y[3]);
              const std::string column =
                  c.emit("Reshape", {c.int64s("taps", indices), c.int64s("column", {-1, 1})});
              const std::string hit = c.emit("Equal", {column, c.int64s("pixels", pixels)});
              const std::string one_hot = c.emit("Where", {hit, c.scalar("one", 1.0), c.scalar("zero", 0.0)});
              const std::string rows =
                  c.emit("Reshape", {c.input(0), c.int64s("rows", {y[0], y[1], std::int64_t(indices.size())})});
              const std::string planes = c.emit("Reshape", {c.emit("MatMul", {rows, one_hot}), c.int64s("planes", {y[0], y[1], padded_h, padded_w})});
              c.emit_output("Slice", {planes, c.int64s("starts", {pad_h, pad_w}), c.int64s("ends", {pad_h + y[2], pad_w + y[3]}),
                                      c.int64s("axes", {2, 3})});
            }}},
      // (end of higher-order helpers)
  };
  return rules;
}

}  // namespace dagrad::onnx_mapping

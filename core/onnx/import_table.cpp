// ONNX -> dagrad: the whole import mapping, one entry per ONNX op_type of the
// default domain. Each rule returns the dagrad expression of the ONNX
// node's output. The composites export writes come back through their
// metadata marker (onnx_import.cpp), not through this table; an op_type
// missing here stops the import with an error naming the node.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"
#include "onnx_mapping.hpp"

namespace dagrad::onnx_mapping {
namespace {

// ONNX stores epsilon and momentum as float attributes: read back as the
// shortest decimal that gives the same float (1e-05 for the float nearest
// 1e-5), which is what a user wrote in the first place.
double decimal_of(float value) { return std::stod(fmt::format("{}", value)); }

// Inference-form BatchNormalization and Dropout make the imported graph an
// inference graph: dagrad's batch_norm and dropout compute those forms in
// evaluation mode (Graph::set_training(false)).
void expect_inference_form(ImportContext& c) {
  if (c.int_attribute("training_mode", 0) != 0) c.fail("has training_mode=1; dagrad imports inference models only");
  c.graph().set_training(false);
}

ImportRule same_op(std::string_view dagrad_op, int arity) {
  return [dagrad_op, arity](ImportContext& c) {
    c.expect_inputs(arity, arity);
    std::vector<Expr> inputs;
    for (int i = 0; i < c.input_count(); ++i) inputs.push_back(c.input(i));
    return c.graph().apply(dagrad_op, inputs, {}, c.output_name());
  };
}

// ReduceSum and ReduceMean: the axes come as an input (ReduceSum from opset
// 13, ReduceMean from 18) or as an attribute (before). dagrad reduces one
// axis or all of them; ONNX's keepdims defaults to 1.
ImportRule reduction(std::string_view dagrad_op) {
  return [dagrad_op](ImportContext& c) {
    c.expect_inputs(1, 2);
    std::optional<std::vector<std::int64_t>> axes = c.ints_attribute("axes");
    if (c.input_count() > 1) axes = c.constant_ints(1);
    const bool keepdims = c.int_attribute("keepdims", 1) != 0;
    Attrs attrs;
    if (keepdims) attrs.set("keepdims", true);
    if (axes && !axes->empty()) {
      if (axes->size() > 1) {
        c.fail(fmt::format("reduces axes [{}] at once; dagrad's {} reduces one axis or all of them",
                           fmt::join(*axes, ", "), dagrad_op));
      }
      attrs.set("axis", axes->front());
    } else if (c.int_attribute("noop_with_empty_axes", 0) != 0) {
      c.fail("has noop_with_empty_axes=1 and no axes (an identity), which dagrad does not import");
    }
    return c.graph().apply(dagrad_op, {c.input(0)}, attrs, c.output_name());
  };
}

// Softmax and LogSoftmax over the last axis, the only axis dagrad's ops
// take. Before opset 13 the default axis was 1 and the input was flattened
// there, which over the last axis is the same thing.
ImportRule last_axis(std::string_view dagrad_op) {
  return [dagrad_op](ImportContext& c) {
    c.expect_inputs(1, 1);
    Expr x = c.input(0);
    const std::int64_t rank = x.shape().rank();
    std::int64_t axis = c.int_attribute("axis", c.opset() >= 13 ? -1 : 1);
    if (axis < 0) axis += rank;
    if (axis != rank - 1) {
      c.fail(fmt::format("works over axis {} of a rank-{} input; dagrad's {} works over the last axis", axis, rank,
                         dagrad_op));
    }
    return c.graph().apply(dagrad_op, {x}, {}, c.output_name());
  };
}

// Y = alpha A' B' + beta C, A' = A^T if transA, B' = B^T if transB.
Expr import_gemm(ImportContext& c) {
  c.expect_inputs(2, 3);
  const std::string& name = c.output_name();
  Expr a = c.input(0), b = c.input(1);
  if (c.int_attribute("transA", 0) != 0) a = transpose(a, name + "/transpose_a");
  if (c.int_attribute("transB", 0) != 0) b = transpose(b, name + "/transpose_b");
  const double alpha = c.float_attribute("alpha", 1.0f), beta = c.float_attribute("beta", 1.0f);
  const bool has_c = c.input_count() > 2 && !c.node().input(2).empty();
  Expr product = matmul(a, b, has_c || alpha != 1.0 ? name + "/matmul" : name);
  if (alpha != 1.0) product = mul(product, c.scalar(alpha, a.dtype(), "alpha"), has_c ? name + "/scaled" : name);
  if (!has_c) return product;
  Expr bias = c.input(2);
  if (beta != 1.0) bias = mul(bias, c.scalar(beta, bias.dtype(), "beta"), name + "/scaled_bias");
  return add(product, bias, name);
}

Expr import_transpose(ImportContext& c) {
  c.expect_inputs(1, 1);
  Expr x = c.input(0);
  if (auto perm = c.ints_attribute("perm")) {
    std::vector<std::int64_t> reversed;
    for (std::int64_t axis = x.shape().rank() - 1; axis >= 0; --axis) reversed.push_back(axis);
    if (*perm != reversed) {
      c.fail(fmt::format("has perm [{}]; dagrad's transpose reverses the axes ([{}]) and nothing else",
                         fmt::join(*perm, ", "), fmt::join(reversed, ", ")));
    }
  }
  return transpose(x, c.output_name());
}

// ONNX's 0 copies the input's dimension unless allowzero=1, where it means
// an empty dimension as in dagrad (and NumPy).
Expr import_reshape(ImportContext& c) {
  c.expect_inputs(2, 2);
  Expr x = c.input(0);
  std::vector<std::int64_t> shape = c.constant_ints(1);
  if (c.int_attribute("allowzero", 0) == 0) {
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      if (shape[axis] != 0) continue;
      if (int(axis) >= x.shape().rank()) c.fail(fmt::format("copies dimension {} of a rank-{} input", axis, x.shape().rank()));
      shape[axis] = x.shape()[int(axis)];
    }
  }
  return reshape(x, shape, c.output_name());
}

// Flatten to (product of the dimensions before axis, product of the rest),
// written with -1 for the leading part so the batch may change.
Expr import_flatten(ImportContext& c) {
  c.expect_inputs(1, 1);
  Expr x = c.input(0);
  const std::int64_t rank = x.shape().rank();
  std::int64_t axis = c.int_attribute("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) c.fail(fmt::format("has axis {} for a rank-{} input", axis, rank));
  std::int64_t trailing = 1;
  for (std::int64_t k = axis; k < rank; ++k) trailing *= x.shape()[int(k)];
  return reshape(x, axis == 0 ? std::vector<std::int64_t>{1, -1} : std::vector<std::int64_t>{-1, trailing},
                 c.output_name());
}

// x^2 and x^0.5 (PyTorch writes x ** 2 as Pow); other exponents have no
// dagrad op.
Expr import_pow(ImportContext& c) {
  c.expect_inputs(2, 2);
  const std::optional<double> exponent = c.constant_scalar(1);
  if (exponent == 2.0) return square(c.input(0), c.output_name());
  if (exponent == 0.5) return sqrt(c.input(0), c.output_name());
  c.fail(exponent ? fmt::format("raises to the power {}; dagrad imports Pow with the exponent 2 (square) or 0.5 (sqrt)",
                                *exponent)
                  : std::string("has a computed exponent; dagrad imports Pow with a constant 2 or 0.5"));
}

// Cast between FLOAT and DOUBLE; dagrad's values have no other types.
Expr import_cast(ImportContext& c) {
  c.expect_inputs(1, 1);
  const std::int64_t to = c.int_attribute("to", 0);
  if (to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::DOUBLE) {
    c.fail(fmt::format("casts to type {}; dagrad casts between FLOAT and DOUBLE only", to));
  }
  return cast(c.input(0), to == onnx::TensorProto::FLOAT ? DType::float32 : DType::float64, c.output_name());
}

// mul(x, x) is what export writes for square; mapping it back to square
// gives the same bits and the same node.
Expr import_mul(ImportContext& c) {
  c.expect_inputs(2, 2);
  if (c.node().input(0) == c.node().input(1)) return square(c.input(0), c.output_name());
  return mul(c.input(0), c.input(1), c.output_name());
}

Expr import_concat(ImportContext& c) {
  if (c.input_count() < 1) c.fail("has no inputs");
  std::vector<Expr> inputs;
  for (int i = 0; i < c.input_count(); ++i) inputs.push_back(c.input(i));
  if (!c.attribute("axis")) c.fail("has no axis");
  return concat(inputs, c.int_attribute("axis", 0), c.output_name());
}

// ONNX's Slice resolved at the input's shape into NumPy's indices: ONNX
// clamps a negative step's start into [0, dim - 1] and its end into
// [-1, dim - 1], where -1 means "past index 0" (NumPy's INT64_MIN).
Expr import_slice(ImportContext& c) {
  c.expect_inputs(3, 5);
  Expr x = c.input(0);
  const int rank = x.shape().rank();
  const std::vector<std::int64_t> starts = c.constant_ints(1), ends = c.constant_ints(2);
  std::vector<std::int64_t> axes, steps(starts.size(), 1);
  for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(std::int64_t(i));
  if (c.input_count() > 3 && !c.node().input(3).empty()) axes = c.constant_ints(3);
  if (c.input_count() > 4 && !c.node().input(4).empty()) steps = c.constant_ints(4);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    c.fail("has starts, ends, axes and steps of different lengths");
  }
  std::vector<std::int64_t> begin(std::size_t(rank), 0), end(std::size_t(rank), INT64_MAX), step(std::size_t(rank), 1);
  int sliced = 0;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank) c.fail(fmt::format("slices axis {} of a rank-{} input", axes[i], rank));
    if (steps[i] == 0) c.fail("has a step of 0");
    const std::int64_t length = x.shape()[int(axis)];
    auto resolve = [&](std::int64_t index, std::int64_t low, std::int64_t high) {
      if (index < 0) index = index < -length ? -length - 1 : index + length;  // INT64_MIN + length stays in range
      return std::clamp(index, low, high);
    };
    const auto a = std::size_t(axis);
    step[a] = steps[i];
    if (length == 0) {
      begin[a] = 0, end[a] = 0;  // an empty axis stays empty (and [0, length - 1] is no range)
    } else if (steps[i] > 0) {
      begin[a] = resolve(starts[i], 0, length), end[a] = resolve(ends[i], 0, length);
    } else {
      begin[a] = resolve(starts[i], 0, length - 1), end[a] = resolve(ends[i], -1, length - 1);
      if (end[a] == -1) end[a] = INT64_MIN;
    }
    sliced = std::max(sliced, int(axis) + 1);
  }
  begin.resize(std::size_t(sliced)), end.resize(std::size_t(sliced)), step.resize(std::size_t(sliced));
  return slice(x, begin, end, step, c.output_name());
}

// Constant padding only, of every axis (opset 18's axes input is refused).
Expr import_pad(ImportContext& c) {
  c.expect_inputs(2, 3);
  const onnx::AttributeProto* mode = c.attribute("mode");
  if (mode && mode->s() != "constant") c.fail(fmt::format("pads in mode \"{}\"; dagrad's pad is constant", mode->s()));
  Expr x = c.input(0);
  const std::vector<std::int64_t> onnx_pads = c.constant_ints(1);
  const std::size_t rank = std::size_t(x.shape().rank());
  if (onnx_pads.size() != 2 * rank) c.fail(fmt::format("has {} pads for a rank-{} input", onnx_pads.size(), rank));
  std::vector<std::int64_t> pads;
  for (std::size_t a = 0; a < rank; ++a) {
    if (onnx_pads[a] < 0 || onnx_pads[a + rank] < 0) c.fail("has negative pads (cropping), which dagrad's pad refuses");
    pads.push_back(onnx_pads[a]), pads.push_back(onnx_pads[a + rank]);
  }
  double value = 0.0;
  if (c.input_count() > 2 && !c.node().input(2).empty()) {
    const std::optional<double> constant = c.constant_scalar(2);
    if (!constant) c.fail("has a computed padding value; dagrad pads with a constant");
    value = *constant;
  }
  return pad(x, pads, value, c.output_name());
}

// ONNX's Expand broadcasts both ways: the target is the broadcast of x's
// shape and the given one.
Expr import_expand(ImportContext& c) {
  c.expect_inputs(2, 2);
  Expr x = c.input(0);
  const std::vector<std::int64_t> given = c.constant_ints(1);
  const Shape target = broadcast_shapes(x.shape(), Shape(std::span<const std::int64_t>(given.data(), given.size())));
  return broadcast_to(x, std::vector<std::int64_t>(target.dims().begin(), target.dims().end()), c.output_name());
}

// The axes as an input (opset 13 on) or an attribute (before).
std::optional<std::vector<std::int64_t>> axes_of(ImportContext& c) {
  if (c.input_count() > 1 && !c.node().input(1).empty()) return c.constant_ints(1);
  return c.ints_attribute("axes");
}

// Several axes become one expand_dims each, lowest output axis first (each
// then sits at its final place).
Expr import_unsqueeze(ImportContext& c) {
  c.expect_inputs(1, 2);
  Expr x = c.input(0);
  std::vector<std::int64_t> axes = axes_of(c).value_or(std::vector<std::int64_t>{});
  if (axes.empty()) c.fail("has no axes");
  const std::int64_t rank = x.shape().rank() + std::int64_t(axes.size());
  for (std::int64_t& axis : axes) axis = axis < 0 ? axis + rank : axis;
  std::sort(axes.begin(), axes.end());
  for (std::size_t i = 0; i < axes.size(); ++i) {
    x = expand_dims(x, axes[i], i + 1 == axes.size() ? c.output_name() : fmt::format("{}/{}", c.output_name(), i));
  }
  return x;
}

// Several axes (or, with none, every axis of length 1) become one squeeze
// each, highest axis first.
Expr import_squeeze(ImportContext& c) {
  c.expect_inputs(1, 2);
  Expr x = c.input(0);
  const std::int64_t rank = x.shape().rank();
  std::vector<std::int64_t> axes = axes_of(c).value_or(std::vector<std::int64_t>{});
  if (axes.empty()) {
    for (std::int64_t axis = 0; axis < rank; ++axis) {
      if (x.shape()[int(axis)] == 1) axes.push_back(axis);
    }
    if (axes.empty()) return x;
  }
  for (std::int64_t& axis : axes) axis = axis < 0 ? axis + rank : axis;
  std::sort(axes.rbegin(), axes.rend());
  for (std::size_t i = 0; i < axes.size(); ++i) {
    x = squeeze(x, axes[i], i + 1 == axes.size() ? c.output_name() : fmt::format("{}/{}", c.output_name(), i));
  }
  return x;
}
// ---- conv (issue 11 op family) ----
// A 2-d window's pair attribute (strides, dilations), [1, 1] when absent.
std::vector<std::int64_t> window_pair(ImportContext& c, std::string_view name) {
  const std::vector<std::int64_t> values = c.ints_attribute(name).value_or(std::vector<std::int64_t>{1, 1});
  if (values.size() != 2) c.fail(fmt::format("has {} [{}]; dagrad's windows are 2-d", name, fmt::join(values, ", ")));
  return values;
}

// Symmetric explicit padding only: pads [top, left, bottom, right] with
// top = bottom and left = right, and no auto_pad.
Attrs window_attrs_of(ImportContext& c) {
  if (const auto* auto_pad = c.attribute("auto_pad"); auto_pad && auto_pad->s() != "NOTSET") {
    c.fail(fmt::format("has auto_pad {}; dagrad imports explicit pads only", auto_pad->s()));
  }
  const std::vector<std::int64_t> pads = c.ints_attribute("pads").value_or(std::vector<std::int64_t>{0, 0, 0, 0});
  if (pads.size() != 4 || pads[0] != pads[2] || pads[1] != pads[3]) {
    c.fail(fmt::format("has pads [{}]; dagrad pads both sides of a 2-d image alike", fmt::join(pads, ", ")));
  }
  return {{"stride", window_pair(c, "strides")}, {"padding", std::vector<std::int64_t>{pads[0], pads[1]}}};
}

Expr import_conv(ImportContext& c) {
  c.expect_inputs(2, 3);
  Attrs attrs = window_attrs_of(c);
  attrs.set("dilation", window_pair(c, "dilations"));
  attrs.set("groups", c.int_attribute("group", 1));
  std::vector<Expr> inputs{c.input(0), c.input(1)};
  if (c.input_count() == 3 && !c.node().input(2).empty()) inputs.push_back(c.input(2));
  return c.graph().apply("conv2d", inputs, attrs, c.output_name());
}

Expr import_pool(ImportContext& c, std::string_view dagrad_op) {
  c.expect_inputs(1, 1);
  if (c.node().output_size() > 1) c.fail("has an Indices output, which dagrad's max_pool2d does not give");
  if (c.int_attribute("ceil_mode", 0) != 0) c.fail("has ceil_mode=1; dagrad's pools round the output size down");
  if (window_pair(c, "dilations") != std::vector<std::int64_t>{1, 1}) c.fail("has dilations; dagrad's pools have none");
  Attrs attrs = window_attrs_of(c);
  const std::vector<std::int64_t> padding = attrs.get_ints(dagrad_op, "padding");
  if (dagrad_op == "avg_pool2d" && c.int_attribute("count_include_pad", 0) == 0 && padding != std::vector<std::int64_t>{0, 0}) {
    c.fail("has count_include_pad=0 with padding; dagrad's avg_pool2d counts the padding in the mean, as PyTorch");
  }
  attrs.set("kernel", c.ints_attribute("kernel_shape").value_or(std::vector<std::int64_t>{}));
  return c.graph().apply(dagrad_op, {c.input(0)}, attrs, c.output_name());
}
// (end of conv)

}  // namespace

const std::map<std::string, ImportRule, std::less<>>& import_rules() {
  static const std::map<std::string, ImportRule, std::less<>> rules{
      {"Sigmoid", same_op("sigmoid", 1)},
      {"Tanh", same_op("tanh", 1)},
      {"Relu", same_op("relu", 1)},
      {"Exp", same_op("exp", 1)},
      {"Log", same_op("log", 1)},
      {"Sqrt", same_op("sqrt", 1)},
      {"Neg", same_op("neg", 1)},
      {"Add", same_op("add", 2)},
      {"Sub", same_op("sub", 2)},
      {"Mul", import_mul},
      {"Pow", import_pow},
      {"Cast", import_cast},
      {"Div", same_op("div", 2)},
      {"MatMul", same_op("matmul", 2)},
      {"Gemm", import_gemm},
      {"Transpose", import_transpose},
      {"Reshape", import_reshape},
      {"Flatten", import_flatten},
      {"ReduceSum", reduction("sum")},
      {"ReduceMean", reduction("mean")},
      {"Softmax", last_axis("softmax")},
      {"LogSoftmax", last_axis("log_softmax")},
      // ---- elementwise (issue 11 op family) ----
      {"Abs", same_op("abs", 1)},
      // Max and Min of exactly two inputs (they take any number in ONNX).
      {"Max", same_op("maximum", 2)},
      {"Min", same_op("minimum", 2)},
      // Clip with both bounds constant (as PyTorch exports clamp); a missing
      // bound has no dagrad clip.
      {"Clip",
       [](ImportContext& c) {
         c.expect_inputs(3, 3);
         const std::optional<double> low = c.constant_scalar(1), high = c.constant_scalar(2);
         if (!low || !high) c.fail("has a missing or computed bound; dagrad imports Clip with constant min and max");
         return clip(c.input(0), *low, *high, c.output_name());
       }},
      {"Erf", same_op("erf", 1)},
      // (end of elementwise)
      // ---- reductions (issue 11 op family) ----
      {"ReduceMax", reduction("max")},
      {"ReduceMin", reduction("min")},
      {"ReduceLogSumExp", reduction("logsumexp")},
      // (end of reductions)
      // ---- structure (issue 11 op family) ----
      {"Concat", import_concat},
      {"Slice", import_slice},
      {"Pad", import_pad},
      {"Expand", import_expand},
      {"Unsqueeze", import_unsqueeze},
      {"Squeeze", import_squeeze},
      // (end of structure)
      // ---- conv (issue 11 op family) ----
      {"Conv", import_conv},
      {"MaxPool", [](ImportContext& c) { return import_pool(c, "max_pool2d"); }},
      {"AveragePool", [](ImportContext& c) { return import_pool(c, "avg_pool2d"); }},
      {"GlobalAveragePool", same_op("global_avg_pool", 1)},
      // (end of conv)
      // ---- recurrent (issue 11 op family) ----
      // (end of recurrent)
      // ---- normalization (issue 11 op family) ----
      {"Dropout",
       [](ImportContext& c) {
         c.expect_inputs(1, 2);  // a training_mode input (the third) is not imported
         const std::optional<double> ratio = c.input_count() > 1 ? c.constant_scalar(1) : std::optional<double>(0.5);
         if (!ratio) c.fail("has a computed ratio; dagrad's dropout takes a constant p");
         expect_inference_form(c);
         return dropout(c.input(0), *ratio, c.int_attribute("seed", 0), c.output_name());
       }},
      {"LayerNormalization",
       [](ImportContext& c) {
         c.expect_inputs(3, 3);
         const std::int64_t axis = c.int_attribute("axis", -1);
         const int rank = c.input(0).shape().rank();
         if (axis != -1 && axis != rank - 1) c.fail(fmt::format("normalizes from axis {}; dagrad's layer_norm normalizes the last axis", axis));
         return layer_norm(c.input(0), c.input(1), c.input(2), decimal_of(c.float_attribute("epsilon", 1e-5f)),
                           c.output_name());
       }},
      {"BatchNormalization",
       [](ImportContext& c) {
         c.expect_inputs(5, 5);
         expect_inference_form(c);
         // ONNX's momentum weighs the old running value: PyTorch's (and dagrad's) is 1 minus it.
         const double momentum = std::stod(fmt::format("{:.7g}", 1.0 - decimal_of(c.float_attribute("momentum", 0.9f))));
         return batch_norm(c.input(0), c.input(1), c.input(2), c.input(3), c.input(4), momentum,
                           decimal_of(c.float_attribute("epsilon", 1e-5f)), c.output_name());
       }},
      // (end of normalization)
      // No dagrad node: the output is another name for the input.
      {"Identity",
       [](ImportContext& c) {
         c.expect_inputs(1, 1);
         return c.input(0);
       }},
  };
  return rules;
}

}  // namespace dagrad::onnx_mapping

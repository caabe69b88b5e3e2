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

#include "onnx_mapping.hpp"

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

std::vector<std::int64_t> reversed_axes(int rank) {
  std::vector<std::int64_t> perm;
  for (int axis = rank - 1; axis >= 0; --axis) perm.push_back(axis);
  return perm;
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
      // (end of elementwise)
      // ---- reductions (issue 11 op family) ----
      // (end of reductions)
      // ---- structure (issue 11 op family) ----
      // (end of structure)
      // ---- conv (issue 11 op family) ----
      // (end of conv)
      // ---- recurrent (issue 11 op family) ----
      // (end of recurrent)
      // ---- normalization (issue 11 op family) ----
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
      // (end of higher-order helpers)
  };
  return rules;
}

}  // namespace dagrad::onnx_mapping

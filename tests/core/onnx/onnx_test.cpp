// ONNX export and import (core/onnx), checked by the real consumers: every
// exported model passes the ONNX project's checker (full_check) and runs in
// ONNX Runtime with outputs within 1e-12 relative of dagrad's (float64), and
// export then import gives dagrad's outputs back bit for bit.
#include <onnx/onnx_pb.h>

#include "dagrad/im2col.hpp"
#include "onnx_support.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::agree_to_relative;
using testing_support::error_message;
using testing_support::identical_bits;
using testing_support::input_values;
using testing_support::run_onnx_checker;
using testing_support::run_onnxruntime;

// float64 export: ONNX Runtime evaluates the same formulas, in its own
// order of summation.
constexpr double float64_tolerance = 1e-12;

class OnnxTest : public testing_support::ScratchDirectoryTest {
 protected:
  // Exports `outputs`, runs the checker and ONNX Runtime on the model with
  // `feeds` (default: the graph's own input values) and compares with
  // dagrad's forward run on the same values; then imports the model and
  // compares its outputs with dagrad's bit for bit.
  void verify(Graph& graph, const std::vector<Expr>& outputs, const OnnxExportOptions& options = {},
              std::map<std::string, Tensor> feeds = {}) {
    if (feeds.empty()) feeds = input_values(graph);
    for (const auto& [name, value] : feeds) graph.set_value(graph.find(name), value);
    graph.forward(outputs);

    const std::string model = path("model.onnx");
    save_onnx(graph, outputs, model, options);
    testing_support::CommandResult checked = run_onnx_checker(model, dir_);
    EXPECT_EQ(checked.status, 0) << checked.out << checked.err;

    auto runtime = run_onnxruntime(model, feeds, dir_);
    for (Expr output : outputs) {
      ASSERT_TRUE(runtime.count(output.name())) << "ONNX Runtime gave no output \"" << output.name() << "\"";
      const auto& computed = runtime.at(output.name());
      // dagrad's float64 run against a float32 export: float32's precision.
      // A float32 node against ONNX Runtime's float32 kernels: an ulp or so.
      const bool float32 = options.float32 || output.dtype() == DType::float32;
      bool computed_in_float32 = float32;  // a float64 output cast from float32 nodes carries their rounding
      for (int id = 0; id < graph.size(); ++id) computed_in_float32 |= graph.node(id).dtype() == DType::float32;
      const double tolerance = options.float32 ? 1e-5 : computed_in_float32 ? 1e-6 : float64_tolerance;
      EXPECT_EQ(computed.type, float32 ? "float32" : "float64");
      EXPECT_EQ(computed.shape,
                std::vector<std::int64_t>(output.shape().dims().begin(), output.shape().dims().end()))
          << output.name();
      EXPECT_TRUE(agree_to_relative(output.value(), computed.values, tolerance)) << "output " << output.name();
    }
    if (!options.float32) verify_round_trip(model, outputs, feeds);
  }

  void verify_round_trip(const std::string& model, const std::vector<Expr>& outputs,
                         const std::map<std::string, Tensor>& feeds) {
    LoadedGraph imported = load_onnx(model);
    ASSERT_EQ(imported.outputs.size(), outputs.size());
    for (const auto& [name, value] : feeds) {
      if (auto input = imported.graph->try_find(name)) imported.graph->set_value(*input, value);
    }
    imported.graph->forward(imported.outputs);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      EXPECT_EQ(imported.outputs[i].name(), outputs[i].name());
      EXPECT_TRUE(identical_bits(outputs[i].value(), imported.outputs[i].value())) << "output " << outputs[i].name();
    }
  }
};

// ---- one small graph per op: every mapping, checked by both consumers ----

struct OpCase {
  std::string name;  // test name
  std::string op;    // the dagrad op it covers
  std::function<std::vector<Expr>(Graph&)> build;
};

// gtest prints a parameter in test listings; the case's name says it all.
void PrintTo(const OpCase& test_case, std::ostream* out) { *out << test_case.name; }

Tensor values(const Shape& shape, std::uint64_t seed, double low = -2.0, double high = 2.0) {
  Rng rng(seed);
  return random_uniform(shape, rng, low, high);
}

// ---- conv (issue 11 op family) ----
// float32 values that are multiples of 1/4 in [-2, 2].
Tensor quarters(const Shape& shape, std::uint64_t seed) {
  Tensor t = values(shape, seed);
  for (double& v : t) v = std::round(v * 4.0) / 4.0;
  return t.to(DType::float32);
}
// (end of conv)

std::vector<OpCase> op_cases() {
  auto unary = [](std::string op, Expr (*builder)(Expr, std::string), double low = -3.0, double high = 3.0) {
    return OpCase{op, op, [=](Graph& g) {
                    return std::vector<Expr>{builder(g.input("x", values(Shape{2, 3, 4}, 1, low, high)), "y")};
                  }};
  };
  auto binary = [](std::string op, Expr (*builder)(Expr, Expr, std::string), Shape a_shape, Shape b_shape,
                   double b_low = -2.0) {
    return OpCase{op, op, [=](Graph& g) {
                    Expr a = g.input("a", values(a_shape, 2));
                    Expr b = g.input("b", values(b_shape, 3, b_low, 2.0));
                    return std::vector<Expr>{builder(a, b, "y")};
                  }};
  };
  auto reduction = [](std::string name, std::string op, std::optional<std::int64_t> axis, bool keepdims) {
    return OpCase{name, op, [=](Graph& g) {
                    Expr x = g.input("x", values(Shape{3, 4, 5}, 4));
                    Attrs attrs;
                    if (axis) attrs.set("axis", *axis);
                    if (keepdims) attrs.set("keepdims", true);
                    return std::vector<Expr>{g.apply(op, {x}, attrs, "y")};
                  }};
  };
  return {
      unary("sigmoid", sigmoid),
      unary("tanh", tanh),
      unary("relu", relu),
      unary("exp", exp),
      unary("log", log, 0.01, 5.0),
      unary("sqrt", sqrt, 0.0, 5.0),
      unary("neg", neg),
      unary("square", square),
      unary("softmax", softmax),
      unary("log_softmax", log_softmax),
      binary("add", add, Shape{2, 3}, Shape{3}),
      binary("sub", sub, Shape{2, 3}, Shape{2, 1}),
      binary("mul", mul, Shape{2, 1, 3}, Shape{4, 1}),
      binary("div", div, Shape{2, 3}, Shape{1, 3}, 0.5),
      binary("matmul", matmul, Shape{2, 3}, Shape{3, 4}),
      {"transpose", "transpose",
       [](Graph& g) { return std::vector<Expr>{transpose(g.input("x", values(Shape{2, 3, 4}, 5)), "y")}; }},
      {"transpose_rank2", "transpose",
       [](Graph& g) { return std::vector<Expr>{transpose(g.input("x", values(Shape{2, 3}, 5)), "y")}; }},
      {"reshape", "reshape",
       [](Graph& g) { return std::vector<Expr>{reshape(g.input("x", values(Shape{2, 3, 2}, 6)), {3, -1}, "y")}; }},
      {"image2vector", "reshape",
       [](Graph& g) { return std::vector<Expr>{reshape(g.input("x", values(Shape{3, 3, 2}, 6)), {-1, 1}, "y")}; }},
      reduction("sum_all", "sum", std::nullopt, false),
      reduction("sum_axis", "sum", 1, false),
      reduction("sum_negative_axis_keepdims", "sum", -1, true),
      reduction("sum_all_keepdims", "sum", std::nullopt, true),
      reduction("mean_all", "mean", std::nullopt, false),
      reduction("mean_axis_keepdims", "mean", 0, true),
      reduction("mean_negative_axis", "mean", -2, false),
      {"cast_to_float32", "cast",
       [](Graph& g) { return std::vector<Expr>{cast(g.input("x", values(Shape{2, 3}, 11)), DType::float32, "y")}; }},
      {"float32_graph_cast_back", "cast",
       [](Graph& g) {
         // A float32 model feeding a float64 loss.
         Expr x = g.input("x", values(Shape{3, 4}, 12).to(DType::float32));
         Expr w = g.parameter("w", values(Shape{4, 2}, 13).to(DType::float32));
         // A float32 model cast back to float64, as it would feed a float64 loss.
         return std::vector<Expr>{cast(tanh(matmul(x, w)), DType::float64, "logits64")};
       }},
      {"normalize_rows", "normalize_rows",
       [](Graph& g) {
         // The middle row is zero: max(norm, 1e-12) gives zeros, not NaN.
         Expr x = g.input("x", Tensor{{0.0, 3.0, 4.0}, {0.0, 0.0, 0.0}, {1.0, -2.0, 2.0}});
         return std::vector<Expr>{normalize_rows(x, "y")};
       }},
      {"normalize_rows_tiny", "normalize_rows",
       [](Graph& g) {
         // A norm below the clamp divides by 1e-12.
         Expr x = g.input("x", Tensor{{3e-14, 4e-14}, {1.0, 1.0}});
         return std::vector<Expr>{normalize_rows(x, "y")};
       }},
      {"l1", "l1",
       [](Graph& g) {
         return std::vector<Expr>{l1(g.input("yhat", values(Shape{2, 5}, 7)), g.input("target", values(Shape{2, 5}, 8)), "loss")};
       }},
      {"l2", "l2",
       [](Graph& g) {
         return std::vector<Expr>{l2(g.input("yhat", values(Shape{2, 5}, 7)), g.input("target", values(Shape{2, 5}, 8)), "loss")};
       }},
      {"softmax_cross_entropy", "softmax_cross_entropy",
       [](Graph& g) {
         Expr logits = g.input("logits", values(Shape{4, 3}, 9, -5.0, 5.0));
         Expr labels = g.input("labels", Tensor{2.0, 0.0, 1.0, 2.0});
         return std::vector<Expr>{softmax_cross_entropy(logits, labels, "loss")};
       }},
      {"softmax_cross_entropy_column_labels", "softmax_cross_entropy",
       [](Graph& g) {
         Expr logits = g.input("logits", values(Shape{3, 4}, 10, -5.0, 5.0));
         Expr labels = g.constant(Tensor(Shape{3, 1}, {3.0, 0.0, 1.0}), "labels");
         return std::vector<Expr>{softmax_cross_entropy(logits, labels, "loss")};
       }},
      {"bce_with_logits", "bce_with_logits",
       [](Graph& g) {
         // Large |z| too: e^-|z| must not overflow.
         Expr logits = g.input("logits", Tensor(Shape{6, 1}, {-800.0, -3.0, -0.5, 0.0, 2.0, 750.0}));
         Expr targets = g.input("targets", Tensor(Shape{6, 1}, {0.0, 1.0, 0.0, 1.0, 1.0, 0.0}));
         return std::vector<Expr>{bce_with_logits(logits, targets, "loss")};
       }},

      // ---- elementwise (issue 11 op family) ----
      unary("abs", abs),
      unary("log_sigmoid", log_sigmoid),
      {"pow", "pow",
       [](Graph& g) { return std::vector<Expr>{pow(g.input("x", values(Shape{2, 3}, 21, 0.5, 3.0)), 2.5, "y")}; }},
      {"pow_integer_negative_base", "pow",
       [](Graph& g) { return std::vector<Expr>{pow(g.input("x", values(Shape{2, 3}, 22)), -3.0, "y")}; }},
      {"clip", "clip",
       [](Graph& g) { return std::vector<Expr>{clip(g.input("x", values(Shape{3, 4}, 23)), -0.5, 1.25, "y")}; }},
      binary("maximum", maximum, Shape{2, 3}, Shape{3}),
      binary("minimum", minimum, Shape{2, 1, 3}, Shape{4, 1}),
      {"maximum_ties", "maximum",
       [](Graph& g) {
         return std::vector<Expr>{maximum(g.input("a", Tensor{{1.0, -2.0, 3.0}}), g.input("b", Tensor{{1.0, 0.5, 3.0}}), "y")};
       }},
      binary("greater", greater, Shape{2, 3}, Shape{3}),
      binary("less", less, Shape{2, 1, 3}, Shape{4, 1}),
      {"equal", "equal",
       [](Graph& g) {
         return std::vector<Expr>{equal(g.input("a", Tensor{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}), g.input("b", Tensor{{1.0, 0.0, 6.0}}), "y")};
       }},
      {"where", "where",
       [](Graph& g) {
         // The condition from a comparison, broadcast against a row and a column.
         Expr a = g.input("a", values(Shape{2, 3}, 24)), b = g.input("b", values(Shape{2, 1}, 25));
         Expr row = g.input("row", values(Shape{3}, 26));
         return std::vector<Expr>{where(greater(a, row, "mask"), a, b, "y")};
       }},
      {"where_nonbinary_condition", "where",
       [](Graph& g) {
         // Any non-zero value selects a, negative ones included.
         Expr condition = g.input("condition", Tensor{{0.0, -0.5, 2.0}});
         return std::vector<Expr>{where(condition, g.input("a", values(Shape{2, 3}, 27)), g.input("b", values(Shape{}, 28)), "y")};
       }},
      {"leaky_relu", "leaky_relu",
       [](Graph& g) { return std::vector<Expr>{leaky_relu(g.input("x", values(Shape{2, 3, 4}, 29)), 0.2, "y")}; }},
      {"leaky_relu_default", "leaky_relu",
       [](Graph& g) { return std::vector<Expr>{leaky_relu(g.input("x", values(Shape{2, 3}, 30)), 0.01, "y")}; }},
      {"elu", "elu",
       [](Graph& g) { return std::vector<Expr>{elu(g.input("x", values(Shape{2, 3, 4}, 31, -4.0, 2.0)), 0.5, "y")}; }},
      {"gelu_float32", "gelu",
       [](Graph& g) {
         // ONNX Runtime's Erf is float only. Left of about -0.5 the float32
         // rounding of 1 + erf(x/sqrt(2)) nears the 1e-6 tolerance.
         return std::vector<Expr>{gelu(g.input("x", values(Shape{2, 3, 4}, 32, -0.5, 3.0).to(DType::float32)), "y")};
       }},
      {"softplus", "softplus",
       [](Graph& g) { return std::vector<Expr>{softplus(g.input("x", values(Shape{2, 3, 4}, 33, -5.0, 5.0)), 1.0, 20.0, "y")}; }},
      {"softplus_threshold", "softplus",
       [](Graph& g) {
         // beta 2, threshold 3: x above 1.5 takes the identity branch.
         return std::vector<Expr>{softplus(g.input("x", values(Shape{2, 3, 4}, 34, -3.0, 3.0)), 2.0, 3.0, "y")};
       }},
      {"erf_float32", "erf",
       [](Graph& g) {
         // ONNX Runtime's Erf is float only.
         return std::vector<Expr>{erf(g.input("x", values(Shape{2, 3, 4}, 35, -3.0, 3.0).to(DType::float32)), "y")};
       }},
      // (end of elementwise)
      // ---- reductions (issue 11 op family) ----
      reduction("max_all", "max", std::nullopt, false),
      reduction("max_axis_keepdims", "max", 1, true),
      reduction("min_negative_axis", "min", -1, false),
      reduction("min_all_keepdims", "min", std::nullopt, true),
      reduction("logsumexp_all", "logsumexp", std::nullopt, false),
      reduction("logsumexp_axis", "logsumexp", 0, false),
      reduction("var_axis", "var", 1, false),
      reduction("var_all_keepdims", "var", std::nullopt, true),
      reduction("std_negative_axis_keepdims", "std", -1, true),
      reduction("std_all", "std", std::nullopt, false),
      reduction("argmax_axis", "argmax", 1, false),
      reduction("argmax_negative_axis_keepdims", "argmax", -1, true),
      reduction("argmax_all", "argmax", std::nullopt, false),
      reduction("argmax_all_keepdims", "argmax", std::nullopt, true),
      {"argmax_ties", "argmax",
       [](Graph& g) { return std::vector<Expr>{argmax(g.input("x", Tensor{{1, 3, 3}, {2, 2, -1}}), 1, false, "y")}; }},
      {"max_ties", "max",
       [](Graph& g) { return std::vector<Expr>{max(g.input("x", Tensor{{1, 3, 3}, {2, 2, -1}}), 1, false, "y")}; }},
      {"logsumexp_large", "logsumexp",
       [](Graph& g) {
         return std::vector<Expr>{logsumexp(g.input("x", Tensor{{1000, 999, 1000}, {-5, 0, 3}}), -1, true, "y")};
       }},
      {"var_correction_0", "var",
       [](Graph& g) { return std::vector<Expr>{var(g.input("x", values(Shape{4, 3}, 14)), 0, false, 0, "y")}; }},
      {"std_correction_2", "std",
       [](Graph& g) { return std::vector<Expr>{std(g.input("x", values(Shape{2, 5}, 15)), 1, false, 2, "y")}; }},
      // (end of reductions)
      // ---- structure (issue 11 op family) ----
      {"concat", "concat",
       [](Graph& g) {
         Expr a = g.input("a", values(Shape{2, 3}, 20)), b = g.input("b", values(Shape{2, 1}, 21));
         return std::vector<Expr>{concat({a, b, a}, -1, "y")};
       }},
      {"stack", "stack",
       [](Graph& g) {
         Expr a = g.input("a", values(Shape{2, 3}, 22)), b = g.input("b", values(Shape{2, 3}, 23));
         return std::vector<Expr>{stack({a, b}, 1, "y")};
       }},
      {"slice", "slice",
       [](Graph& g) {
         return std::vector<Expr>{slice(g.input("x", values(Shape{4, 5, 3}, 24)), {-1, 1}, {-10, INT64_MAX}, {-2, 2}, "y")};
       }},
      {"slice_reversed_to_start", "slice",
       [](Graph& g) { return std::vector<Expr>{slice(g.input("x", values(Shape{6}, 25)), {4}, {INT64_MIN}, {-1}, "y")}; }},
      {"slice_clamped", "slice",
       [](Graph& g) {
         return std::vector<Expr>{slice(g.input("x", values(Shape{3, 4}, 26)), {-7, 2}, {9, -1}, {1, 1}, "y")};
       }},
      {"slice_negative_step_start_before_the_axis", "slice",
       [](Graph& g) {
         // NumPy gives nothing where ONNX's clamping would give x[0]: export
         // writes an empty range.
         return std::vector<Expr>{slice(g.input("x", values(Shape{5, 2}, 27)), {-10}, {INT64_MIN}, {-1}, "y")};
       }},
      {"index_select", "index_select",
       [](Graph& g) {
         Expr x = g.input("x", values(Shape{3, 4}, 28));
         return std::vector<Expr>{index_select(x, g.input("indices", Tensor{3.0, 0.0, 3.0}), 1, "y")};
       }},
      {"index_select_rank0_index", "index_select",
       [](Graph& g) {
         Expr x = g.input("x", values(Shape{3, 2, 2}, 29));
         return std::vector<Expr>{index_select(x, g.constant(Tensor::scalar(2.0), "index"), 0, "y")};
       }},
      {"pad", "pad",
       [](Graph& g) { return std::vector<Expr>{pad(g.input("x", values(Shape{2, 3}, 30)), {1, 0, 2, 3}, -1.5, "y")}; }},
      {"broadcast_to", "broadcast_to",
       [](Graph& g) { return std::vector<Expr>{broadcast_to(g.input("x", values(Shape{3, 1}, 31)), {2, 3, 4}, "y")}; }},
      {"expand_dims", "expand_dims",
       [](Graph& g) { return std::vector<Expr>{expand_dims(g.input("x", values(Shape{2, 3}, 32)), -2, "y")}; }},
      {"squeeze", "squeeze",
       [](Graph& g) { return std::vector<Expr>{squeeze(g.input("x", values(Shape{2, 1, 3}, 33)), 1, "y")}; }},
      // (end of structure)
      // ---- conv (issue 11 op family) ----
      // ONNX Runtime's CPU Conv, AveragePool and GlobalAveragePool take
      // float32 only: those cases build float32 graphs, from multiples of
      // 1/4 so that every sum is exact in any order.
      {"conv2d", "conv2d",
       [](Graph& g) {
         Expr x = g.input("x", quarters(Shape{2, 3, 6, 5}, 21));
         Expr w = g.parameter("w", quarters(Shape{4, 3, 3, 2}, 22));
         Expr b = g.parameter("b", quarters(Shape{4}, 23));
         return std::vector<Expr>{conv2d(x, w, b, {.stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}}, "y")};
       }},
      {"conv2d_groups_no_bias", "conv2d",
       [](Graph& g) {
         Expr x = g.input("x", quarters(Shape{1, 4, 5, 5}, 24));
         Expr w = g.parameter("w", quarters(Shape{6, 2, 3, 3}, 25));
         return std::vector<Expr>{conv2d(x, w, std::nullopt, {.groups = 2}, "y")};
       }},
      {"max_pool2d", "max_pool2d",
       [](Graph& g) {
         return std::vector<Expr>{max_pool2d(g.input("x", values(Shape{2, 3, 6, 7}, 26)), {3, 3}, {2, 2}, {1, 1}, "y")};
       }},
      {"max_pool2d_float32", "max_pool2d",
       [](Graph& g) {
         Expr x = g.input("x", values(Shape{2, 2, 4, 6}, 27).to(DType::float32));
         return std::vector<Expr>{max_pool2d(x, {2, 3}, {}, {}, "y")};
       }},
      {"avg_pool2d", "avg_pool2d",
       [](Graph& g) {
         return std::vector<Expr>{avg_pool2d(g.input("x", quarters(Shape{2, 3, 6, 7}, 28)), {3, 3}, {2, 2}, {1, 1}, "y")};
       }},
      {"global_avg_pool", "global_avg_pool",
       [](Graph& g) { return std::vector<Expr>{global_avg_pool(g.input("x", quarters(Shape{2, 3, 4, 5}, 29)), "y")}; }},
      // (end of conv)
      // ---- recurrent (issue 11 op family) ----
      {"embedding", "embedding",
       [](Graph& g) {
         Expr table = g.input("table", values(Shape{4, 3}, 14));
         Expr indices = g.input("indices", Tensor{{3.0, 0.0, 3.0}, {1.0, 2.0, 0.0}});
         return std::vector<Expr>{embedding(table, indices, "y")};
       }},
      {"lstm", "lstm",
       [](Graph& g) {
         // seq 3, batch 2, input 4, hidden 3, unrolled into plain operators.
         std::vector<Expr> inputs{g.input("x", values(Shape{3, 2, 4}, 15)), g.input("h0", values(Shape{2, 3}, 16)),
                                  g.input("c0", values(Shape{2, 3}, 17)),
                                  g.parameter("weight_ih", values(Shape{12, 4}, 18, -0.7, 0.7)),
                                  g.parameter("weight_hh", values(Shape{12, 3}, 19, -0.7, 0.7)),
                                  g.parameter("bias_ih", values(Shape{12}, 20, -0.5, 0.5)),
                                  g.parameter("bias_hh", values(Shape{12}, 21, -0.5, 0.5))};
         return std::vector<Expr>{g.apply("lstm", inputs, {}, "y")};
       }},
      {"gru", "gru",
       [](Graph& g) {
         std::vector<Expr> inputs{g.input("x", values(Shape{3, 2, 4}, 22)), g.input("h0", values(Shape{2, 3}, 23)),
                                  g.parameter("weight_ih", values(Shape{9, 4}, 24, -0.7, 0.7)),
                                  g.parameter("weight_hh", values(Shape{9, 3}, 25, -0.7, 0.7)),
                                  g.parameter("bias_ih", values(Shape{9}, 26, -0.5, 0.5)),
                                  g.parameter("bias_hh", values(Shape{9}, 27, -0.5, 0.5))};
         return std::vector<Expr>{g.apply("gru", inputs, {}, "y")};
       }},
      // (end of recurrent)
      // ---- normalization (issue 11 op family) ----
      // Inference models (evaluation mode), which import back as such. ONNX
      // stores epsilon as a float: eps = 1/64 is exact in float (1e-5 is not,
      // and ONNX Runtime's results then differ by about 1e-12 relative).
      {"dropout_evaluation", "dropout",
       [](Graph& g) {
         g.set_training(false);
         return std::vector<Expr>{dropout(g.input("x", values(Shape{3, 4}, 14)), 0.3, 5, "y")};
       }},
      {"layer_norm", "layer_norm",
       [](Graph& g) {
         Expr x = g.input("x", values(Shape{2, 3, 5}, 15, -3.0, 3.0));
         return std::vector<Expr>{layer_norm(x, g.parameter("w", values(Shape{5}, 16)), g.parameter("b", values(Shape{5}, 17)), 1.0 / 64, "y")};
       }},
      {"batch_norm_evaluation", "batch_norm",
       [](Graph& g) {
         g.set_training(false);
         Expr x = g.input("x", values(Shape{2, 3, 2, 2}, 18));
         Expr w = g.parameter("w", values(Shape{3}, 19)), b = g.parameter("b", values(Shape{3}, 20));
         Expr mean = g.input("running_mean", values(Shape{3}, 21)), var = g.input("running_var", values(Shape{3}, 22, 0.5, 2.0));
         return std::vector<Expr>{batch_norm(x, w, b, mean, var, 0.1, 1.0 / 64, "y")};
       }},
      {"batch_norm_rank2_evaluation", "batch_norm",
       [](Graph& g) {
         g.set_training(false);
         Expr x = g.input("x", values(Shape{4, 3}, 23));
         Expr w = g.parameter("w", values(Shape{3}, 24)), b = g.parameter("b", values(Shape{3}, 25));
         Expr mean = g.input("running_mean", values(Shape{3}, 26)), var = g.input("running_var", values(Shape{3}, 27, 0.5, 2.0));
         return std::vector<Expr>{batch_norm(x, w, b, mean, var, 0.2, 1.0 / 64, "y")};
       }},
      // (end of normalization)
      // ---- higher-order helpers (issue 15) ----
      {"mask_positive", "mask_positive",
       [](Graph& g) {
         Expr gradient = g.input("g", values(Shape{2, 3, 4}, 14));
         Expr x = g.input("x", values(Shape{2, 3, 4}, 15));
         return std::vector<Expr>{g.apply("mask_positive", {gradient, x}, {}, "y")};
       }},
      {"mul_sign", "mul_sign",
       [](Graph& g) {
         Expr gradient = g.input("g", values(Shape{3, 4}, 16));
         Expr x = g.input("x", Tensor{{1.0, -2.0, 0.0, 3.0}, {-0.5, 0.0, 2.0, -1.0}, {0.25, 4.0, -3.0, 0.0}});
         return std::vector<Expr>{g.apply("mul_sign", {gradient, x}, {}, "y")};
       }},
      {"sub_one_hot", "sub_one_hot",
       [](Graph& g) {
         Expr p = g.input("p", values(Shape{4, 3}, 17));
         Expr labels = g.input("labels", Tensor{2.0, 0.0, 1.0, 2.0});
         return std::vector<Expr>{g.apply("sub_one_hot", {p, labels}, {}, "y")};
       }},
      {"sub_one_hot_column_labels", "sub_one_hot",
       [](Graph& g) {
         Expr p = g.input("p", values(Shape{3, 4}, 18));
         Expr labels = g.constant(Tensor(Shape{3, 1}, {3.0, 0.0, 1.0}), "labels");
         return std::vector<Expr>{g.apply("sub_one_hot", {p, labels}, {}, "y")};
       }},
      {"index_add", "index_add",
       [](Graph& g) {
         Expr updates = g.input("g", values(Shape{2, 3, 2}, 19));
         Expr indices = g.input("indices", Tensor{3.0, 0.0, 3.0});
         return std::vector<Expr>{g.apply("index_add", {updates, indices}, {{"axis", std::int64_t{1}}, {"length", std::int64_t{4}}}, "y")};
       }},
      {"index_add_rank0_index", "index_add",
       [](Graph& g) {
         Expr updates = g.input("g", values(Shape{1, 3}, 20));
         return std::vector<Expr>{g.apply("index_add", {updates, g.constant(Tensor::scalar(1.0), "index")},
                                          {{"axis", std::int64_t{0}}, {"length", std::int64_t{2}}}, "y")};
       }},
      {"im2col", "im2col",
       [](Graph& g) {
         const Window2d window{.kernel = {2, 3}, .stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}};
         return std::vector<Expr>{g.apply("im2col", {g.input("x", values(Shape{2, 3, 5, 6}, 21))}, unfold_attrs(window), "y")};
       }},
      {"col2im", "col2im",
       [](Graph& g) {
         // 3 channels of 2x3 taps; 5x6 images give 3x4 windows.
         const Window2d window{.kernel = {2, 3}, .stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}};
         return std::vector<Expr>{g.apply("col2im", {g.input("cols", values(Shape{2, 18, 12}, 22))}, fold_attrs(window, 5, 6), "y")};
       }},
      // (end of higher-order helpers)
  };
}

class OnnxOpTest : public OnnxTest, public ::testing::WithParamInterface<OpCase> {};

TEST_P(OnnxOpTest, ExportPassesCheckerAgreesWithOnnxRuntimeAndImportsBitForBit) {
  Graph graph;
  std::vector<Expr> outputs = GetParam().build(graph);
  ASSERT_EQ(graph.node(outputs.front()).op_name(), GetParam().op);
  verify(graph, outputs);
}

INSTANTIATE_TEST_SUITE_P(EveryMapping, OnnxOpTest, ::testing::ValuesIn(op_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(OnnxMapping, EveryBuiltInOpHasAnExportMappingAndATestCase) {
  std::set<std::string> exportable;
  for (const std::string& op : onnx_exportable_ops()) exportable.insert(op);
  std::set<std::string> tested;
  for (const OpCase& test_case : op_cases()) tested.insert(test_case.op);
  for (const std::string& op : OpRegistry::global().names()) {
    EXPECT_TRUE(exportable.count(op)) << "op \"" << op << "\" has no ONNX export mapping: add one to "
                                      << "core/onnx/export_table.cpp (and import_table.cpp)";
  }
  for (const std::string& op : exportable) {
    EXPECT_TRUE(tested.count(op)) << "the ONNX mapping of \"" << op << "\" has no case in op_cases()";
  }
}

// ---- whole graphs ----

TEST_F(OnnxTest, CourseGraphExportsAndRoundTrips) {
  LoadedGraph loaded = load_graph(DAGRAD_SOURCE_DIR "/tools/graphs/course.json");
  std::vector<Expr> outputs = loaded.outputs;
  outputs.push_back(loaded.graph->find("v"));  // image2vector's reshape, not on the loss's path
  verify(*loaded.graph, outputs);
}

TEST_F(OnnxTest, LossesGraphExportsAndRoundTrips) {
  LoadedGraph loaded = load_graph(DAGRAD_SOURCE_DIR "/tools/graphs/losses.json");
  verify(*loaded.graph, loaded.outputs);
}

TEST_F(OnnxTest, Float32ExportPassesCheckerAndAgreesToFloat32Precision) {
  LoadedGraph loaded = load_graph(DAGRAD_SOURCE_DIR "/tools/graphs/course.json");
  verify(*loaded.graph, loaded.outputs, OnnxExportOptions{.float32 = true});

  // Initializers and inputs are FLOAT.
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(onnx_model_bytes(*loaded.graph, loaded.outputs, {.float32 = true})));
  for (const auto& initializer : model.graph().initializer()) {
    if (initializer.data_type() != onnx::TensorProto::INT64) EXPECT_EQ(initializer.data_type(), onnx::TensorProto::FLOAT);
  }
  EXPECT_EQ(model.graph().input(0).type().tensor_type().elem_type(), onnx::TensorProto::FLOAT);
}

// The MLP `dagrad train --save` writes, rebuilt from its model file the way
// a user serving it would: standardize, the MLP, probabilities.
TEST_F(OnnxTest, TrainedMlpExportsWithSymbolicBatch) {
  const std::string model_file = path("mlp.json");
  auto trained = testing_support::run_command(
      fmt::format("{} train --data planar --hidden 5 --activation tanh --epochs 3 --save '{}'", DAGRAD_CLI, model_file),
      dir_);
  ASSERT_EQ(trained.status, 0) << trained.err;
  Model saved = load_model(model_file);
  ASSERT_TRUE(saved.metadata.standardizer);
  const std::vector<std::int64_t> sizes{2, 5, 1};
  ASSERT_EQ(saved.graph->find("layer1/W").shape(), (Shape{2, 5}));
  ASSERT_EQ(saved.graph->find("layer2/W").shape(), (Shape{5, 1}));

  Graph graph;
  Rng rng(0);
  Expr x = graph.input("x", Tensor(Shape{1, sizes.front()}));
  Expr standardized = div(sub(x, graph.constant(saved.metadata.standardizer->mean, "input/mean"), "centered"),
                          graph.constant(saved.metadata.standardizer->scale, "input/scale"), "standardized");
  MLP model(graph, sizes, Activation::tanh, rng);
  for (Expr parameter : model.parameters()) graph.set_value(parameter, saved.graph->find(parameter.name()).value());
  Expr logits = model(standardized);
  Expr probability = sigmoid(logits, "probability");

  // Seven points through a model whose graph was built for one: the batch
  // dimension is symbolic.
  Dataset data = planar_flower();
  Tensor batch(Shape{7, 2});
  for (int i = 0; i < 14; ++i) batch.data()[i] = data.x.data()[i];
  verify(graph, {logits, probability}, OnnxExportOptions{.batch_dimension = "batch"}, {{"x", batch}});

  onnx::ModelProto exported;
  ASSERT_TRUE(exported.ParseFromString(onnx_model_bytes(graph, std::vector<Expr>{logits}, {.batch_dimension = "batch"})));
  EXPECT_EQ(exported.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
}

TEST_F(OnnxTest, SoftmaxClassifierWithSharedNodesRoundTrips) {
  Graph graph;
  Rng rng(3);
  Expr x = graph.input("x", random_normal(Shape{5, 4}, rng));
  Expr labels = graph.input("labels", Tensor{0.0, 2.0, 1.0, 1.0, 0.0});
  MLP model(graph, {4, 6, 3}, Activation::relu, rng);
  Expr logits = model(x);
  Expr loss = add(softmax_cross_entropy(logits, labels, "cross_entropy"), sum(square(logits)) * 1e-3, "loss");
  verify(graph, {loss, softmax(logits, "probabilities")});
}

// ---- parameters, constants and inputs ----

TEST_F(OnnxTest, LeavesBecomeGraphInputsOrInitializersAndKeepTheirKindOnImport) {
  Graph graph;
  Expr x = graph.input("x", Tensor{{1.0, 2.0}});
  Expr w = graph.parameter("w", Tensor(Shape{2, 1}, {0.5, -1.5}));
  Expr c = graph.constant(Tensor{3.0}, "c");
  Expr y = add(matmul(x, w), c, "y");
  graph.forward(y);

  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(onnx_model_bytes(graph, std::vector<Expr>{y})));
  ASSERT_EQ(model.graph().input_size(), 1);
  EXPECT_EQ(model.graph().input(0).name(), "x");
  EXPECT_EQ(model.graph().input(0).type().tensor_type().elem_type(), onnx::TensorProto::DOUBLE);
  std::map<std::string, std::string> initializers;
  for (const auto& initializer : model.graph().initializer()) initializers[initializer.name()] = initializer.doc_string();
  EXPECT_EQ(initializers, (std::map<std::string, std::string>{{"w", "dagrad parameter"}, {"c", "dagrad constant"}}));
  EXPECT_EQ(model.opset_import(0).version(), 17);

  const std::string file = path("model.onnx");
  save_onnx(graph, std::vector<Expr>{y}, file);
  LoadedGraph imported = load_onnx(file);
  Graph& g = *imported.graph;
  EXPECT_EQ(g.node(g.find("x")).kind(), NodeKind::input);
  EXPECT_EQ(g.node(g.find("w")).kind(), NodeKind::parameter);
  EXPECT_EQ(g.node(g.find("c")).kind(), NodeKind::constant);
  // Inputs hold zeros of the declared shape until set.
  EXPECT_EQ(to_string(g.find("x").shape()), "(1, 2)");
  EXPECT_EQ(g.find("x").value().data()[0], 0.0);
}

// ---- errors ----

// A user's op, registered nowhere and mapped nowhere.
class Cube : public Op {
 public:
  std::string_view name() const override { return "cube"; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    for (std::int64_t i = 0; i < output.size(); ++i) output.data()[i] = std::pow(inputs[0].data()[i], 3);
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView&, std::span<GradientSlot>) override {}
};

TEST_F(OnnxTest, OpWithoutMappingFailsNamingNodeAndOp) {
  Graph graph;
  Expr x = graph.input("x", Tensor{1.0, 2.0});
  Expr cubed = graph.add_op(std::make_unique<Cube>(), {x}, "cubed");
  Expr y = sigmoid(cubed, "y");
  const std::string message = error_message([&] { save_onnx(graph, std::vector<Expr>{y}, path("model.onnx")); });
  EXPECT_NE(message.find("cannot export node \"cubed\" to ONNX: op \"cube\" has no ONNX mapping"), std::string::npos)
      << message;
  EXPECT_FALSE(std::filesystem::exists(path("model.onnx")));
}

TEST_F(OnnxTest, LeafOutputIsRejectedByName) {
  Graph graph;
  Expr x = graph.input("x", Tensor{1.0});
  EXPECT_EQ(error_message([&] { (void)onnx_model_bytes(graph, std::vector<Expr>{x}); }),
            "cannot export output \"x\": it is a leaf (input), and an ONNX output must be computed by a node");
}

// A model with an operator dagrad lacks (Sin), after one it has.
std::string model_with_unsupported_op() {
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("foreign");
  auto* input = graph.add_input();
  input->set_name("x");
  input->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::DOUBLE);
  input->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(3);
  auto* relu = graph.add_node();
  relu->set_name("activation");
  relu->set_op_type("Relu");
  relu->add_input("x");
  relu->add_output("r");
  auto* sine = graph.add_node();
  sine->set_name("wave");
  sine->set_op_type("Sin");
  sine->add_input("r");
  sine->add_output("y");
  auto* output = graph.add_output();
  output->set_name("y");
  output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::DOUBLE);
  output->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(3);
  std::string bytes;
  model.SerializeToString(&bytes);
  return bytes;
}

TEST_F(OnnxTest, UnsupportedOperatorFailsNamingNodeAndOpType) {
  const std::string file = write("foreign.onnx", model_with_unsupported_op());
  // The model is valid ONNX: only dagrad lacks the operator.
  auto checked = run_onnx_checker(file, dir_);
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
  const std::string message = error_message<FileError>([&] { (void)load_onnx(file); });
  EXPECT_NE(message.find(file + ": node \"wave\" (Sin) has no dagrad equivalent (dagrad imports: "),
            std::string::npos)
      << message;
}

TEST_F(OnnxTest, NotAnOnnxFileFailsNamingIt) {
  const std::string file = write("notes.onnx", "this is text, not protobuf");
  EXPECT_EQ(error_message<FileError>([&] { (void)load_onnx(file); }),
            file + ": not an ONNX model (the protobuf data does not parse as a ModelProto)");
  EXPECT_EQ(error_message<FileError>([&] { (void)load_onnx(path("missing.onnx")); }),
            path("missing.onnx") + ": cannot open the file");
}

TEST_F(OnnxTest, ForeignTransposeWithOtherPermutationFailsNamingIt) {
  Graph graph;
  Expr y = transpose(graph.input("x", values(Shape{2, 3, 4}, 1)), "y");
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(onnx_model_bytes(graph, std::vector<Expr>{y})));
  auto* perm = model.mutable_graph()->mutable_node(0)->mutable_attribute(0);
  perm->clear_ints();
  for (std::int64_t axis : {0, 2, 1}) perm->add_ints(axis);
  std::string bytes;
  model.SerializeToString(&bytes);
  EXPECT_EQ(error_message<FileError>([&] { (void)parse_onnx(bytes, "model.onnx"); }),
            "model.onnx: node \"y\" (Transpose) has perm [0, 2, 1]; dagrad's transpose reverses the axes ([2, 1, 0]) "
            "and nothing else");
}

// Damaged models fail with the tensor or node named, never a crash.
TEST_F(OnnxTest, DamagedModelsFailNamingWhatIsWrong) {
  Graph graph;
  Expr x = graph.input("x", Tensor{1.0, 2.0});
  Expr y = add(x, graph.parameter("w", Tensor{0.5, 0.25}), "y");
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(onnx_model_bytes(graph, std::vector<Expr>{y})));
  auto parse = [](const onnx::ModelProto& damaged) {
    std::string bytes;
    damaged.SerializeToString(&bytes);
    return error_message<FileError>([&] { (void)parse_onnx(bytes, "damaged.onnx"); });
  };

  onnx::ModelProto short_weights = model;
  short_weights.mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(8);
  EXPECT_EQ(parse(short_weights), "damaged.onnx: node \"y\" (Add) reads a bad initializer: tensor \"w\" has 1 values for shape (2,)");

  onnx::ModelProto unknown_input = model;
  unknown_input.mutable_graph()->mutable_node(0)->set_input(1, "v");
  EXPECT_EQ(parse(unknown_input),
            "damaged.onnx: node \"y\" (Add) uses \"v\" before any node computes it (ONNX nodes must be in "
            "topological order)");

  onnx::ModelProto one_input_add = model;
  one_input_add.mutable_graph()->mutable_node(0)->mutable_input()->RemoveLast();
  EXPECT_EQ(parse(one_input_add), "damaged.onnx: node \"y\" (Add) has 1 inputs; it takes 2");

  onnx::ModelProto integer_input = model;
  integer_input.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::INT64);
  EXPECT_EQ(parse(integer_input),
            "damaged.onnx: graph input \"x\" holds INT64; dagrad's inputs are floating-point (FLOAT or DOUBLE)");

  onnx::ModelProto bad_shapes = model;
  bad_shapes.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)
      ->set_dim_value(3);
  const std::string shape_message = parse(bad_shapes);
  onnx::ModelProto negative_dimension = model;
  negative_dimension.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_value(-2);
  EXPECT_EQ(parse(negative_dimension), "damaged.onnx: graph input \"x\" declares the dimension -2");
  EXPECT_TRUE(shape_message.starts_with("damaged.onnx: node \"y\" (Add) cannot be built in dagrad: ")) << shape_message;

  Expr loss = l2(y, graph.constant(Tensor{0.0, 0.0}, "target"), "loss");
  onnx::ModelProto bad_marker;
  ASSERT_TRUE(bad_marker.ParseFromString(onnx_model_bytes(graph, std::vector<Expr>{loss})));
  ASSERT_EQ(bad_marker.metadata_props_size(), 1);
  bad_marker.mutable_metadata_props(0)->set_value(R"({"op": "l2", "inputs": [1, 2], "nodes": []})");
  EXPECT_EQ(parse(bad_marker),
            "damaged.onnx: the metadata entry \"dagrad.composite:loss\" is not a dagrad composite marker "
            "({\"op\": name, \"inputs\": [names], \"nodes\": [names]})");

  onnx::ModelProto missing_output = model;
  missing_output.mutable_graph()->mutable_output(0)->set_name("z");
  EXPECT_EQ(parse(missing_output), "damaged.onnx: graph output \"z\" is not computed by any node dagrad imported");
}

// A foreign classifier layer as PyTorch exports it: Gemm with transB=1.
TEST_F(OnnxTest, GemmImportsAsMatmulAndAdd) {
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("linear");
  auto* input = graph.add_input();
  input->set_name("x");
  input->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  shape->add_dim()->set_dim_value(2);
  auto add_float = [&](std::string name, std::vector<std::int64_t> dims, std::vector<float> values) {
    auto* tensor = graph.add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) tensor->add_dims(d);
    for (float v : values) tensor->add_float_data(v);
  };
  add_float("weight", {3, 2}, {1, 2, 3, 4, 5, 6});
  add_float("bias", {3}, {0.5, -0.5, 0.25});
  auto* gemm = graph.add_node();
  gemm->set_name("fc");
  gemm->set_op_type("Gemm");
  for (const char* name : {"x", "weight", "bias"}) gemm->add_input(name);
  gemm->add_output("logits");
  auto* trans_b = gemm->add_attribute();
  trans_b->set_name("transB");
  trans_b->set_type(onnx::AttributeProto::INT);
  trans_b->set_i(1);
  graph.add_output()->set_name("logits");
  std::string bytes;
  model.SerializeToString(&bytes);

  LoadedGraph imported = parse_onnx(bytes, "linear.onnx");
  Graph& g = *imported.graph;
  EXPECT_EQ(g.node(g.find("weight")).kind(), NodeKind::parameter);  // foreign weights are trainable
  g.set_value(g.find("x"), Tensor{{1.0, -1.0}, {2.0, 0.5}});
  // FLOAT tensors import as float32.
  EXPECT_EQ(g.find("weight").dtype(), DType::float32);
  const TensorView& logits = g.forward(imported.outputs.front());
  EXPECT_EQ(logits.dtype(), DType::float32);
  const std::vector<double> expected{-0.5, -1.5, -0.75, 3.5, 7.5, 13.25};
  ASSERT_EQ(logits.size(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(logits.get(i), expected[std::size_t(i)]) << i;
}


// A small foreign model (as another exporter writes one: Flatten, Gemm,
// Constant, Pow, Identity) imports and computes what ONNX Runtime computes.
TEST_F(OnnxTest, ForeignModelImportsAndAgreesWithOnnxRuntime) {
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("foreign");
  auto declare = [](onnx::ValueInfoProto* info, std::string name, std::vector<std::int64_t> dims) {
    info->set_name(name);
    auto* type = info->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::DOUBLE);
    type->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : dims) type->mutable_shape()->add_dim()->set_dim_value(d);
  };
  declare(graph.add_input(), "image", {2, 2});
  declare(graph.add_output(), "scores", {3});
  auto add_double = [](onnx::TensorProto* tensor, std::string name, std::vector<std::int64_t> dims,
                       std::vector<double> values) {
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::DOUBLE);
    for (auto d : dims) tensor->add_dims(d);
    for (double v : values) tensor->add_double_data(v);
  };
  add_double(graph.add_initializer(), "fc.weight", {3, 4}, {0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1.0, -1.1, 1.2});
  add_double(graph.add_initializer(), "fc.bias", {3}, {0.05, -0.05, 0.5});
  auto add_node = [&](std::string op_type, std::vector<std::string> inputs, std::string output) {
    auto* node = graph.add_node();
    node->set_name(output + "_node");
    node->set_op_type(op_type);
    for (const auto& input : inputs) node->add_input(input);
    node->add_output(output);
    return node;
  };
  add_node("Flatten", {"image"}, "flat");
  auto* gemm = add_node("Gemm", {"flat", "fc.weight", "fc.bias"}, "fc");
  auto* trans_b = gemm->add_attribute();
  trans_b->set_name("transB");
  trans_b->set_type(onnx::AttributeProto::INT);
  trans_b->set_i(1);
  add_node("Relu", {"fc"}, "activated");
  auto* constant = add_node("Constant", {}, "half");
  auto* value = constant->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  add_double(value->mutable_t(), "", {}, {0.5});
  add_node("Mul", {"activated", "half"}, "scaled");
  add_double(graph.add_initializer(), "two", {}, {2.0});
  add_node("Pow", {"scaled", "two"}, "squared");
  add_node("Identity", {"squared"}, "scores");
  std::string bytes;
  model.SerializeToString(&bytes);
  const std::string file = write("foreign.onnx", bytes);
  auto checked = run_onnx_checker(file, dir_);
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;

  const Tensor image(Shape{2, 2, 2}, {1.0, 2.0, -3.0, 4.0, 0.5, -0.25, 2.0, 1.5});
  auto runtime = run_onnxruntime(file, {{"image", image}}, dir_);
  LoadedGraph imported = load_onnx(file);
  Graph& g = *imported.graph;
  EXPECT_EQ(g.node(g.find("half")).kind(), NodeKind::constant);
  EXPECT_EQ(g.node(g.find("squared")).op_name(), "square");
  g.set_value(g.find("image"), image);
  g.forward(imported.outputs);
  ASSERT_TRUE(runtime.count("scores"));
  EXPECT_EQ(runtime.at("scores").shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(agree_to_relative(imported.outputs.front().value(), runtime.at("scores").values, float64_tolerance));
}

}  // namespace
}  // namespace dagrad

// What the two mapping tables (export_table.cpp, import_table.cpp) see of
// the ONNX model being written or read. The tables hold the per-op
// knowledge; onnx_export.cpp and onnx_import.cpp hold the machinery.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <onnx/onnx_pb.h>

#include "dagrad/error.hpp"
#include "dagrad/graph.hpp"
#include "dagrad/onnx.hpp"

namespace dagrad::onnx_mapping {

inline constexpr std::int64_t opset_version = 17;

// ---- export: one dagrad node becomes one or more ONNX nodes ----

using OnnxAttributeValue = std::variant<std::int64_t, float, std::vector<std::int64_t>>;
struct OnnxAttribute {
  std::string name;
  OnnxAttributeValue value;
};

class ExportContext {
 public:
  ExportContext(const Graph& graph, const Node& node, std::vector<std::string> inputs, onnx::GraphProto& onnx_graph,
                onnx::TensorProto::DataType float_type, const OnnxExportOptions& options);

  const Node& node() const { return node_; }
  const Graph& graph() const { return graph_; }
  // ONNX tensor name of the node's input i, and its shape in dagrad.
  const std::string& input(int i) const { return inputs_.at(std::size_t(i)); }
  const Shape& input_shape(int i) const;
  const Attrs& attrs() const { return attrs_; }
  const OnnxExportOptions& options() const { return options_; }

  // Adds an ONNX node computing the dagrad node's output.
  void emit_output(std::string_view op_type, std::vector<std::string> inputs,
                   std::vector<OnnxAttribute> attributes = {});
  // Adds an ONNX node computing an intermediate tensor of a composite's
  // subgraph; returns the tensor's name ("node/OpType", made unique).
  std::string emit(std::string_view op_type, std::vector<std::string> inputs,
                   std::vector<OnnxAttribute> attributes = {});
  // A rank-0 floating-point constant (an initializer of the export type).
  std::string scalar(std::string_view label, double value);
  // A rank-1 int64 constant (shapes and axes).
  std::string int64s(std::string_view label, const std::vector<std::int64_t>& values);

  // ONNX node names this dagrad node became (the composite marker lists them).
  const std::vector<std::string>& onnx_node_names() const { return onnx_node_names_; }

 private:
  std::string unique_name(std::string_view label);
  void add_node(std::string_view op_type, std::vector<std::string> inputs, const std::string& output,
                const std::string& name, std::vector<OnnxAttribute> attributes);

  const OnnxExportOptions& options_;
  const Graph& graph_;
  const Node& node_;
  Attrs attrs_;
  std::vector<std::string> inputs_;
  onnx::GraphProto& onnx_graph_;
  onnx::TensorProto::DataType float_type_;
  std::map<std::string, int> label_counts_;
  std::vector<std::string> onnx_node_names_;
};

struct ExportRule {
  // A composite becomes a subgraph that import recognises by a marker in the
  // model's metadata; a plain op becomes one ONNX operator that any ONNX
  // model may contain, so import maps it back without a marker.
  bool composite = false;
  std::function<void(ExportContext&)> emit;
};

// The ONNX type of a value of `dtype` (FLOAT for all with options.float32).
onnx::TensorProto::DataType export_float_type(DType dtype, const OnnxExportOptions& options);

// dagrad op name -> rule (export_table.cpp).
const std::map<std::string, ExportRule, std::less<>>& export_rules();

// ---- import: one ONNX node becomes one or more dagrad nodes ----

class ImportContext {
 public:
  virtual ~ImportContext() = default;
  virtual const onnx::NodeProto& node() const = 0;
  virtual Graph& graph() = 0;
  // The dagrad node name for the ONNX node's first output.
  virtual const std::string& output_name() const = 0;
  virtual int input_count() const = 0;
  // The dagrad expression of input i (an initializer becomes a leaf on
  // first use).
  virtual Expr input(int i) = 0;
  // Input i as constant integers (an int64 initializer or Constant output);
  // throws naming the node when it is not constant.
  virtual std::vector<std::int64_t> constant_ints(int i) = 0;
  // Input i as one constant number (a one-element floating-point
  // initializer or Constant output), or nothing when it is computed.
  virtual std::optional<double> constant_scalar(int i) = 0;
  // The ONNX default opset version of the model (semantics changed across
  // versions for Softmax and the reductions).
  virtual std::int64_t opset() const = 0;
  // A rank-0 constant leaf.
  virtual Expr scalar(double value, DType dtype, std::string_view label) = 0;

  // Attributes, with ONNX's defaults.
  // nullptr when the node does not set it.
  const onnx::AttributeProto* attribute(std::string_view name) const;
  std::int64_t int_attribute(std::string_view name, std::int64_t fallback) const;
  float float_attribute(std::string_view name, float fallback) const;
  std::optional<std::vector<std::int64_t>> ints_attribute(std::string_view name) const;
  // Fails unless the node has between `least` and `most` inputs.
  void expect_inputs(int least, int most) const;
  // Throws FileError-ready text: `node "n" (OpType): what`.
  [[noreturn]] void fail(std::string_view what) const;
};

// ONNX op_type (default domain) -> the dagrad expression of its output.
using ImportRule = std::function<Expr(ImportContext&)>;
const std::map<std::string, ImportRule, std::less<>>& import_rules();

// The metadata key marking a composite: "dagrad.composite:<node name>", its
// value JSON {"op": ..., "inputs": [...], "nodes": [...]}.
inline constexpr std::string_view composite_key_prefix = "dagrad.composite:";
// Initializer doc_strings telling import a leaf's kind.
inline constexpr std::string_view parameter_marker = "dagrad parameter";
inline constexpr std::string_view constant_marker = "dagrad constant";

// An error raised inside a mapping rule; the caller adds the file name.
class MappingError : public Error {
 public:
  using Error::Error;
};

}  // namespace dagrad::onnx_mapping

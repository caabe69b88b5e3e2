// save_onnx: walks the nodes the outputs need in the executor's order and
// writes each through its rule in export_table.cpp. Leaves become graph
// inputs (inputs) or initializers (parameters, constants).
#include <algorithm>
#include <bit>
#include <cstring>
#include <set>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "dagrad/error.hpp"
#include "dagrad/onnx.hpp"
#include "onnx_mapping.hpp"

#ifndef DAGRAD_VERSION
#define DAGRAD_VERSION "unknown"
#endif

namespace dagrad {
namespace onnx_mapping {
namespace {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");

}  // namespace

// The ONNX type written for a value of `dtype`: its own, or FLOAT for every
// value when float32 export was asked for.
onnx::TensorProto::DataType export_float_type(DType dtype, const OnnxExportOptions& options) {
  return options.float32 || dtype == DType::float32 ? onnx::TensorProto::FLOAT : onnx::TensorProto::DOUBLE;
}

namespace {

// Values converted to the export type, as raw little-endian bytes.
std::string float_bytes(std::span<const double> values, onnx::TensorProto::DataType type) {
  std::string bytes;
  if (type == onnx::TensorProto::DOUBLE) {
    bytes.resize(values.size() * sizeof(double));
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  } else {
    std::vector<float> narrowed(values.begin(), values.end());
    bytes.resize(narrowed.size() * sizeof(float));
    if (!narrowed.empty()) std::memcpy(bytes.data(), narrowed.data(), bytes.size());
  }
  return bytes;
}

void set_float_tensor(onnx::TensorProto& tensor, const std::string& name, const Shape& shape,
                      std::span<const double> values, onnx::TensorProto::DataType type) {
  tensor.set_name(name);
  tensor.set_data_type(type);
  for (std::int64_t dim : shape.dims()) tensor.add_dims(dim);
  tensor.set_raw_data(float_bytes(values, type));
}

void set_attribute(onnx::AttributeProto& attribute, const OnnxAttribute& source) {
  attribute.set_name(source.name);
  if (const auto* i = std::get_if<std::int64_t>(&source.value)) {
    attribute.set_type(onnx::AttributeProto::INT);
    attribute.set_i(*i);
  } else if (const auto* f = std::get_if<float>(&source.value)) {
    attribute.set_type(onnx::AttributeProto::FLOAT);
    attribute.set_f(*f);
  } else {
    attribute.set_type(onnx::AttributeProto::INTS);
    for (std::int64_t v : std::get<std::vector<std::int64_t>>(source.value)) attribute.add_ints(v);
  }
}

// How a value's dimensions are declared: all fixed, the first one named
// (graph inputs with a symbolic batch) or none known (outputs with a
// symbolic batch: the batch may flow into any of their dimensions, and
// ONNX's shape inference works out which).
enum class Dimensions { fixed, first_symbolic, unknown };

void set_value_info(onnx::ValueInfoProto& info, const std::string& name, onnx::TensorProto::DataType type,
                    const Shape& shape, Dimensions dimensions, const std::string& batch_dimension) {
  info.set_name(name);
  auto* tensor_type = info.mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(type);
  auto* onnx_shape = tensor_type->mutable_shape();
  for (int axis = 0; axis < shape.rank(); ++axis) {
    auto* dim = onnx_shape->add_dim();
    if (dimensions == Dimensions::fixed || (dimensions == Dimensions::first_symbolic && axis > 0)) {
      dim->set_dim_value(shape[axis]);
    } else if (dimensions == Dimensions::first_symbolic) {
      dim->set_dim_param(batch_dimension);
    }
  }
}

}  // namespace

// ---- ExportContext ----

ExportContext::ExportContext(const Graph& graph, const Node& node, std::vector<std::string> inputs,
                             onnx::GraphProto& onnx_graph, onnx::TensorProto::DataType float_type,
                             const OnnxExportOptions& options)
    : options_(options),
      graph_(graph),
      node_(node),
      attrs_(node.op()->attrs()),
      inputs_(std::move(inputs)),
      onnx_graph_(onnx_graph),
      float_type_(float_type) {}

const Shape& ExportContext::input_shape(int i) const {
  return graph_.node(node_.inputs()[std::size_t(i)]).shape();
}

std::string ExportContext::unique_name(std::string_view label) {
  const int count = ++label_counts_[std::string(label)];
  return count == 1 ? fmt::format("{}/{}", node_.name(), label) : fmt::format("{}/{}_{}", node_.name(), label, count);
}

void ExportContext::add_node(std::string_view op_type, std::vector<std::string> inputs, const std::string& output,
                             const std::string& name, std::vector<OnnxAttribute> attributes) {
  onnx::NodeProto& onnx_node = *onnx_graph_.add_node();
  onnx_node.set_name(name);
  onnx_node.set_op_type(std::string(op_type));
  for (const std::string& input : inputs) onnx_node.add_input(input);
  onnx_node.add_output(output);
  for (const OnnxAttribute& attribute : attributes) set_attribute(*onnx_node.add_attribute(), attribute);
  onnx_node_names_.push_back(name);
}

void ExportContext::emit_output(std::string_view op_type, std::vector<std::string> inputs,
                                std::vector<OnnxAttribute> attributes) {
  // A one-operator op keeps the dagrad node's name; the last operator of a
  // composite is named "node/OpType" like the others.
  const std::string name = onnx_node_names_.empty() ? node_.name() : unique_name(op_type);
  add_node(op_type, std::move(inputs), node_.name(), name, std::move(attributes));
}

std::string ExportContext::emit(std::string_view op_type, std::vector<std::string> inputs,
                                std::vector<OnnxAttribute> attributes) {
  const std::string output = unique_name(op_type);
  add_node(op_type, std::move(inputs), output, output, std::move(attributes));
  return output;
}

std::string ExportContext::scalar(std::string_view label, double value) {
  const std::string name = unique_name(label);
  onnx::TensorProto& tensor = *onnx_graph_.add_initializer();
  set_float_tensor(tensor, name, Shape{}, std::span<const double>(&value, 1), float_type_);
  return name;
}

std::string ExportContext::int64s(std::string_view label, const std::vector<std::int64_t>& values) {
  const std::string name = unique_name(label);
  onnx::TensorProto& tensor = *onnx_graph_.add_initializer();
  tensor.set_name(name);
  tensor.set_data_type(onnx::TensorProto::INT64);
  tensor.add_dims(std::int64_t(values.size()));
  for (std::int64_t v : values) tensor.add_int64_data(v);
  return name;
}

}  // namespace onnx_mapping

namespace {

using namespace onnx_mapping;

std::string leaf_marker(NodeKind kind) {
  return std::string(kind == NodeKind::parameter ? parameter_marker : constant_marker);
}

onnx::ModelProto build_model(const Graph& graph, std::span<const Expr> outputs, const OnnxExportOptions& options) {
  if (outputs.empty()) throw Error("ONNX export needs at least one output node");
  const bool symbolic = !options.batch_dimension.empty();

  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.set_producer_name("dagrad");
  model.set_producer_version(DAGRAD_VERSION);
  onnx::OperatorSetIdProto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(opset_version);
  onnx::GraphProto& onnx_graph = *model.mutable_graph();
  onnx_graph.set_name("dagrad");

  std::vector<int> output_ids;
  for (Expr output : outputs) {
    if (&output.graph() != &graph) throw Error(fmt::format("output \"{}\" belongs to another graph", output.name()));
    output_ids.push_back(output.id());
  }
  const auto& rules = export_rules();
  for (int id : graph.topological_order(output_ids)) {
    const Node& node = graph.node(id);
    if (node.is_leaf()) {
      const TensorView& value = node.value();
      // Widened to float64 (exact for float32), then written in the export type.
      std::vector<double> values(std::size_t(value.size()));
      for (std::int64_t i = 0; i < value.size(); ++i) values[std::size_t(i)] = value.get(i);
      const onnx::TensorProto::DataType float_type = export_float_type(node.dtype(), options);
      if (node.kind() == NodeKind::input) {
        set_value_info(*onnx_graph.add_input(), node.name(), float_type, node.shape(),
                       symbolic ? Dimensions::first_symbolic : Dimensions::fixed, options.batch_dimension);
      } else {
        onnx::TensorProto& tensor = *onnx_graph.add_initializer();
        set_float_tensor(tensor, node.name(), node.shape(), values, float_type);
        tensor.set_doc_string(leaf_marker(node.kind()));
      }
      continue;
    }
    const auto rule = rules.find(node.op_name());
    if (rule == rules.end()) {
      std::vector<std::string> known;
      for (const auto& [name, unused] : rules) known.push_back(name);
      throw Error(fmt::format("cannot export node \"{}\" to ONNX: op \"{}\" has no ONNX mapping (ops with one: {})",
                              node.name(), node.op_name(), fmt::join(known, ", ")));
    }
    std::vector<std::string> input_names;
    for (int input : node.inputs()) input_names.push_back(graph.node(input).name());
    ExportContext context(graph, node, input_names, onnx_graph, export_float_type(node.dtype(), options), options);
    rule->second.emit(context);
    if (rule->second.composite) {
      nlohmann::json marker{{"op", node.op_name()}, {"inputs", input_names}, {"nodes", context.onnx_node_names()}};
      // The op's attributes (pow's exponent, ...), for import to rebuild it.
      const Attrs attrs = node.op()->attrs();
      if (!attrs.empty()) {
        nlohmann::json& saved = marker["attrs"] = nlohmann::json::object();
        for (const auto& entry : attrs.values()) std::visit([&](const auto& v) { saved[entry.first] = v; }, entry.second);
      }
      onnx::StringStringEntryProto& entry = *model.add_metadata_props();
      entry.set_key(fmt::format("{}{}", composite_key_prefix, node.name()));
      entry.set_value(marker.dump());
    }
  }

  std::set<std::string> output_names;
  for (Expr output : outputs) {
    const Node& node = graph.node(output.id());
    if (node.is_leaf()) {
      throw Error(fmt::format("cannot export output \"{}\": it is a leaf ({}), and an ONNX output must be computed by a node",
                              node.name(), to_string(node.kind())));
    }
    if (!output_names.insert(node.name()).second) continue;
    set_value_info(*onnx_graph.add_output(), node.name(), export_float_type(node.dtype(), options), node.shape(),
                   symbolic ? Dimensions::unknown : Dimensions::fixed, "");
  }

  // Every tensor name must be produced once: a dagrad name that collides
  // with a composite's "node/OpType" name would make an invalid model.
  std::set<std::string> produced;
  auto produce = [&](const std::string& name) {
    if (!produced.insert(name).second) {
      throw Error(fmt::format("cannot export to ONNX: the tensor name \"{}\" is used twice (rename the node)", name));
    }
  };
  for (const auto& input : onnx_graph.input()) produce(input.name());
  for (const auto& initializer : onnx_graph.initializer()) produce(initializer.name());
  for (const auto& onnx_node : onnx_graph.node()) {
    for (const auto& output : onnx_node.output()) produce(output);
  }
  return model;
}

}  // namespace

std::string onnx_model_bytes(const Graph& graph, std::span<const Expr> outputs, const OnnxExportOptions& options) {
  std::string bytes;
  if (!build_model(graph, outputs, options).SerializeToString(&bytes)) {
    throw Error("the ONNX model could not be serialized (over protobuf's 2 GiB limit?)");
  }
  return bytes;
}

void save_onnx(const Graph& graph, std::span<const Expr> outputs, const std::string& path,
               const OnnxExportOptions& options) {
  write_file_atomically(path, onnx_model_bytes(graph, outputs, options));
}

std::vector<std::string> onnx_exportable_ops() {
  std::vector<std::string> names;
  for (const auto& [name, unused] : export_rules()) names.push_back(name);
  return names;
}

}  // namespace dagrad

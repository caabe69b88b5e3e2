// load_onnx: reads a ModelProto and builds the dagrad graph node by node, in
// the model's (topological) order, through the rules in import_table.cpp.
// Initializers become leaves when a node first uses them as data, so the
// int64 shapes and axes that ONNX passes as tensors never become nodes.
#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "dagrad/error.hpp"
#include "dagrad/onnx.hpp"
#include "onnx_mapping.hpp"

namespace dagrad {
namespace onnx_mapping {

const onnx::AttributeProto* ImportContext::attribute(std::string_view name) const {
  for (const onnx::AttributeProto& attribute : node().attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

std::int64_t ImportContext::int_attribute(std::string_view name, std::int64_t fallback) const {
  const onnx::AttributeProto* found = attribute(name);
  if (found == nullptr) return fallback;
  if (found->type() != onnx::AttributeProto::INT) fail(fmt::format("attribute \"{}\" is not an integer", name));
  return found->i();
}

float ImportContext::float_attribute(std::string_view name, float fallback) const {
  const onnx::AttributeProto* found = attribute(name);
  if (found == nullptr) return fallback;
  if (found->type() != onnx::AttributeProto::FLOAT) fail(fmt::format("attribute \"{}\" is not a float", name));
  return found->f();
}

std::optional<std::vector<std::int64_t>> ImportContext::ints_attribute(std::string_view name) const {
  const onnx::AttributeProto* found = attribute(name);
  if (found == nullptr) return std::nullopt;
  if (found->type() != onnx::AttributeProto::INTS) {
    fail(fmt::format("attribute \"{}\" is not a list of integers", name));
  }
  return std::vector<std::int64_t>(found->ints().begin(), found->ints().end());
}

void ImportContext::expect_inputs(int least, int most) const {
  const int count = node().input_size();
  if (count < least || count > most) {
    fail(least == most ? fmt::format("has {} inputs; it takes {}", count, least)
                       : fmt::format("has {} inputs; it takes {} to {}", count, least, most));
  }
}

void ImportContext::fail(std::string_view what) const {
  throw MappingError(fmt::format("node \"{}\" ({}) {}", node().name(), node().op_type(), what));
}

}  // namespace onnx_mapping

namespace {

using namespace onnx_mapping;

std::string_view type_name(int type) {
  return onnx::TensorProto::DataType_IsValid(type)
             ? std::string_view(onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(type)))
             : std::string_view("an unknown type");
}

template <class T>
std::vector<T> raw_values(const onnx::TensorProto& tensor) {
  const std::string& raw = tensor.raw_data();
  if (raw.size() % sizeof(T) != 0) {
    throw MappingError(fmt::format("tensor \"{}\" has {} bytes of raw data, not a whole number of {}-byte values",
                                   tensor.name(), raw.size(), sizeof(T)));
  }
  std::vector<T> values(raw.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), raw.data(), raw.size());
  return values;
}

Shape tensor_shape(const onnx::TensorProto& tensor) {
  std::vector<std::int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  if (dims.size() > std::size_t(Shape::max_rank)) {
    throw MappingError(fmt::format("tensor \"{}\" has rank {}; dagrad's tensors have rank {} at most", tensor.name(),
                                   dims.size(), Shape::max_rank));
  }
  return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
}

void check_located_inline(const onnx::TensorProto& tensor) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    throw MappingError(fmt::format("tensor \"{}\" keeps its data in an external file, which dagrad does not read",
                                   tensor.name()));
  }
}

template <class T>
Tensor shaped(const onnx::TensorProto& tensor, std::vector<T> values) {
  const Shape shape = tensor_shape(tensor);
  if (std::int64_t(values.size()) != shape.elements()) {
    throw MappingError(fmt::format("tensor \"{}\" has {} values for shape {}", tensor.name(), values.size(), shape));
  }
  return Tensor(shape, std::move(values));
}

// A DOUBLE tensor becomes float64, a FLOAT tensor float32.
Tensor float_tensor(const onnx::TensorProto& tensor) {
  check_located_inline(tensor);
  if (tensor.data_type() == onnx::TensorProto::DOUBLE) {
    return shaped(tensor, tensor.has_raw_data()
                              ? raw_values<double>(tensor)
                              : std::vector<double>(tensor.double_data().begin(), tensor.double_data().end()));
  }
  if (tensor.data_type() == onnx::TensorProto::FLOAT) {
    return shaped(tensor, tensor.has_raw_data()
                              ? raw_values<float>(tensor)
                              : std::vector<float>(tensor.float_data().begin(), tensor.float_data().end()));
  }
  throw MappingError(fmt::format("tensor \"{}\" holds {}; dagrad's values are floating-point (FLOAT or DOUBLE)",
                                 tensor.name(), type_name(tensor.data_type())));
}

std::vector<std::int64_t> int_tensor(const onnx::TensorProto& tensor) {
  check_located_inline(tensor);
  if (tensor.data_type() == onnx::TensorProto::INT64) {
    return tensor.has_raw_data() ? raw_values<std::int64_t>(tensor)
                                 : std::vector<std::int64_t>(tensor.int64_data().begin(), tensor.int64_data().end());
  }
  if (tensor.data_type() == onnx::TensorProto::INT32) {
    std::vector<std::int32_t> ints = tensor.has_raw_data()
                                         ? raw_values<std::int32_t>(tensor)
                                         : std::vector<std::int32_t>(tensor.int32_data().begin(), tensor.int32_data().end());
    return {ints.begin(), ints.end()};
  }
  throw MappingError(fmt::format("tensor \"{}\" holds {}, not integers", tensor.name(), type_name(tensor.data_type())));
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

struct Composite {
  std::string op;
  std::vector<std::string> inputs;
  Attrs attrs;
};

// A composite marker's "attrs" object (as export writes it from Op::attrs()).
Attrs read_composite_attrs(const nlohmann::json& marker) {
  Attrs attrs;
  const auto saved = marker.find("attrs");
  if (saved == marker.end()) return attrs;
  for (const auto& [key, value] : saved->items()) {
    if (value.is_boolean()) {
      attrs.set(key, value.get<bool>());
    } else if (value.is_number_integer()) {
      attrs.set(key, value.get<std::int64_t>());
    } else if (value.is_number_float()) {
      attrs.set(key, value.get<double>());
    } else if (value.is_string()) {
      attrs.set(key, value.get<std::string>());
    } else {
      attrs.set(key, value.get<std::vector<std::int64_t>>());
    }
  }
  return attrs;
}

class Importer final : public ImportContext {
 public:
  Importer(const onnx::ModelProto& model, std::string source) : model_(model), source_(std::move(source)) {}

  LoadedGraph run() {
    read_opset();
    read_composites();
    const onnx::GraphProto& onnx_graph = model_.graph();
    for (const onnx::TensorProto& initializer : onnx_graph.initializer()) {
      constant_tensors_[initializer.name()] = &initializer;
    }
    for (const onnx::ValueInfoProto& input : onnx_graph.input()) {
      // Before IR version 4 initializers were listed as inputs too.
      if (!constant_tensors_.count(input.name())) add_input(input);
    }
    for (const onnx::NodeProto& onnx_node : onnx_graph.node()) import_node(onnx_node);

    LoadedGraph loaded;
    for (const onnx::ValueInfoProto& output : onnx_graph.output()) {
      auto found = exprs_.find(output.name());
      if (found == exprs_.end()) {
        current_ = nullptr;
        throw MappingError(fmt::format("graph output \"{}\" is not computed by any node dagrad imported",
                                       output.name()));
      }
      loaded.outputs.push_back(found->second);
    }
    loaded.graph = std::move(graph_);
    return loaded;
  }

  // ---- ImportContext ----
  const onnx::NodeProto& node() const override { return *current_; }
  Graph& graph() override { return *graph_; }
  const std::string& output_name() const override { return current_->output(0); }
  int input_count() const override { return current_->input_size(); }
  std::int64_t opset() const override { return opset_; }

  Expr input(int i) override {
    if (i >= current_->input_size() || current_->input(i).empty()) fail(fmt::format("has no input {}", i));
    return expr_of(current_->input(i));
  }

  std::vector<std::int64_t> constant_ints(int i) override {
    if (i >= current_->input_size()) fail(fmt::format("has no input {}", i));
    const std::string& name = current_->input(i);
    auto found = constant_tensors_.find(name);
    if (found == constant_tensors_.end()) {
      fail(fmt::format("takes input {} (\"{}\") as computed data; dagrad needs it to be a constant", i, name));
    }
    try {
      return int_tensor(*found->second);
    } catch (const MappingError& e) {
      fail(fmt::format("needs integers as input {}: {}", i, e.what()));
    }
  }

  std::optional<double> constant_scalar(int i) override {
    if (i >= current_->input_size()) fail(fmt::format("has no input {}", i));
    auto found = constant_tensors_.find(current_->input(i));
    if (found == constant_tensors_.end()) return std::nullopt;
    const int type = found->second->data_type();
    if (type != onnx::TensorProto::DOUBLE && type != onnx::TensorProto::FLOAT) return std::nullopt;
    try {
      Tensor value = float_tensor(*found->second);
      if (value.size() != 1) return std::nullopt;
      return value.get(0);
    } catch (const MappingError& e) {
      fail(fmt::format("reads a bad initializer: {}", e.what()));
    }
  }

  Expr scalar(double value, DType dtype, std::string_view label) override {
    return graph_->constant(Tensor::scalar(value, dtype), fmt::format("{}/{}", output_name(), label));
  }

 private:
  void read_opset() {
    for (const onnx::OperatorSetIdProto& opset : model_.opset_import()) {
      if (is_default_domain(opset.domain())) opset_ = opset.version();
    }
  }

  void read_composites() {
    for (const onnx::StringStringEntryProto& entry : model_.metadata_props()) {
      if (!entry.key().starts_with(composite_key_prefix)) continue;
      const std::string name = entry.key().substr(composite_key_prefix.size());
      try {
        const nlohmann::json marker = nlohmann::json::parse(entry.value());
        composites_[name] = {marker.at("op").get<std::string>(), marker.at("inputs").get<std::vector<std::string>>(),
                             read_composite_attrs(marker)};
        for (const std::string& node_name : marker.at("nodes").get<std::vector<std::string>>()) {
          composite_nodes_.insert(node_name);
        }
      } catch (const nlohmann::json::exception&) {
        throw MappingError(fmt::format("the metadata entry \"{}\" is not a dagrad composite marker "
                                       "({{\"op\": name, \"inputs\": [names], \"nodes\": [names]}})",
                                       entry.key()));
      }
    }
  }

  void add_input(const onnx::ValueInfoProto& input) {
    const auto& type = input.type();
    if (!type.has_tensor_type()) throw MappingError(fmt::format("graph input \"{}\" is not a tensor", input.name()));
    const int element_type = type.tensor_type().elem_type();
    if (element_type != onnx::TensorProto::DOUBLE && element_type != onnx::TensorProto::FLOAT) {
      throw MappingError(fmt::format("graph input \"{}\" holds {}; dagrad's inputs are floating-point (FLOAT or DOUBLE)",
                                     input.name(), type_name(element_type)));
    }
    if (!type.tensor_type().has_shape()) {
      throw MappingError(fmt::format("graph input \"{}\" has no declared shape; dagrad needs its rank", input.name()));
    }
    std::vector<std::int64_t> dims;
    for (const auto& dim : type.tensor_type().shape().dim()) {
      // A symbolic dimension (a batch) starts at 1 until set_value.
      dims.push_back(dim.has_dim_value() ? dim.dim_value() : 1);
      if (dims.back() < 0) {
        throw MappingError(fmt::format("graph input \"{}\" declares the dimension {}", input.name(), dims.back()));
      }
    }
    if (dims.size() > std::size_t(Shape::max_rank)) {
      throw MappingError(fmt::format("graph input \"{}\" has rank {}; dagrad's tensors have rank {} at most",
                                     input.name(), dims.size(), Shape::max_rank));
    }
    const DType dtype = element_type == onnx::TensorProto::FLOAT ? DType::float32 : DType::float64;
    exprs_[input.name()] =
        graph_->input(input.name(), Tensor(Shape(std::span<const std::int64_t>(dims.data(), dims.size())), dtype));
  }

  // The expression of a tensor name: computed by an earlier node, a graph
  // input, or an initializer that becomes a leaf now.
  Expr expr_of(const std::string& name) {
    if (auto found = exprs_.find(name); found != exprs_.end()) return found->second;
    auto constant = constant_tensors_.find(name);
    if (constant == constant_tensors_.end()) {
      fail(fmt::format("uses \"{}\" before any node computes it (ONNX nodes must be in topological order)", name));
    }
    const onnx::TensorProto& tensor = *constant->second;
    Tensor value = [&] {
      try {
        return float_tensor(tensor);
      } catch (const MappingError& e) {
        fail(fmt::format("reads a bad initializer: {}", e.what()));
      }
    }();
    // Initializers dagrad wrote say what they were; any other floating-point
    // weight becomes a parameter, so an imported model can be fine-tuned.
    const bool is_constant = tensor.doc_string() == constant_marker || is_node_constant_.count(name) != 0;
    Expr leaf = is_constant ? graph_->constant(std::move(value), name) : graph_->parameter(name, std::move(value));
    exprs_[name] = leaf;
    return leaf;
  }

  void import_node(const onnx::NodeProto& onnx_node) {
    current_ = &onnx_node;
    if (onnx_node.output_size() < 1 || onnx_node.output(0).empty()) fail("has no output");
    // A node of a composite export wrote: the last one stands for the whole
    // dagrad op, the others are skipped.
    if (composite_nodes_.count(onnx_node.name())) {
      auto composite = composites_.find(onnx_node.output(0));
      if (composite == composites_.end()) return;
      std::vector<Expr> inputs;
      for (const std::string& name : composite->second.inputs) inputs.push_back(expr_of(name));
      define(checked([&] { return graph_->apply(composite->second.op, inputs, composite->second.attrs, output_name()); }));
      return;
    }
    if (!is_default_domain(onnx_node.domain())) {
      fail(fmt::format("is in domain \"{}\"; dagrad imports the default ONNX domain only", onnx_node.domain()));
    }
    if (onnx_node.op_type() == "Constant") {
      import_constant(onnx_node);
      return;
    }
    if (onnx_node.output_size() > 1) {
      for (int i = 1; i < onnx_node.output_size(); ++i) {
        if (!onnx_node.output(i).empty()) fail("has more than one output; dagrad's ops have one");
      }
    }
    const auto& rules = import_rules();
    auto rule = rules.find(onnx_node.op_type());
    if (rule == rules.end()) {
      std::vector<std::string> known{"Constant"};
      for (const auto& [op_type, unused] : rules) known.push_back(op_type);
      std::sort(known.begin(), known.end());
      fail(fmt::format("has no dagrad equivalent (dagrad imports: {})", fmt::join(known, ", ")));
    }
    define(checked([&] { return rule->second(*this); }));
  }

  // Runs a rule; an error of dagrad's (an op rejecting the shapes it was
  // given) is reported against the ONNX node.
  template <class Build>
  Expr checked(Build build) {
    try {
      return build();
    } catch (const MappingError&) {
      throw;
    } catch (const Error& e) {
      fail(fmt::format("cannot be built in dagrad: {}", e.what()));
    }
  }

  // A Constant node's tensor is an initializer by another name.
  void import_constant(const onnx::NodeProto& onnx_node) {
    const onnx::AttributeProto* value = attribute("value");
    if (value == nullptr || value->type() != onnx::AttributeProto::TENSOR) {
      fail("has no \"value\" tensor (dagrad imports only tensor-valued Constant nodes)");
    }
    onnx::TensorProto& tensor = node_constants_.emplace_back(value->t());
    tensor.set_name(onnx_node.output(0));
    constant_tensors_[tensor.name()] = &tensor;
    is_node_constant_.insert(tensor.name());
  }

  void define(Expr expr) {
    const std::string& name = output_name();
    if (!exprs_.emplace(name, expr).second) fail(fmt::format("computes \"{}\", which is already defined", name));
  }

  const onnx::ModelProto& model_;
  std::string source_;
  std::unique_ptr<Graph> graph_ = std::make_unique<Graph>();
  const onnx::NodeProto* current_ = nullptr;
  std::int64_t opset_ = 1;
  std::map<std::string, Expr> exprs_;
  std::map<std::string, const onnx::TensorProto*> constant_tensors_;
  std::deque<onnx::TensorProto> node_constants_;  // a deque keeps the pointers above valid
  std::set<std::string> is_node_constant_;
  std::map<std::string, Composite> composites_;
  std::set<std::string> composite_nodes_;
};

}  // namespace

LoadedGraph parse_onnx(std::string_view model_bytes, const std::string& source_name) {
  onnx::ModelProto model;
  if (!model.ParseFromArray(model_bytes.data(), int(model_bytes.size()))) {
    throw FileError(fmt::format("{}: not an ONNX model (the protobuf data does not parse as a ModelProto)", source_name));
  }
  if (!model.has_graph()) throw FileError(fmt::format("{}: the ONNX model has no graph", source_name));
  try {
    return Importer(model, source_name).run();
  } catch (const MappingError& e) {
    throw FileError(fmt::format("{}: {}", source_name, e.what()));
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    // A dagrad op rejected what the ONNX node gave it (shapes, attributes).
    throw FileError(fmt::format("{}: {}", source_name, e.what()));
  }
}

LoadedGraph load_onnx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(fmt::format("{}: cannot open the file", path));
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_onnx(bytes, path);
}

std::vector<std::string> onnx_importable_op_types() {
  std::vector<std::string> names{"Constant"};
  for (const auto& [name, unused] : import_rules()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace dagrad

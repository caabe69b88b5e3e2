// Graph files: JSON in, JSON out.
//
// Reading goes through nlohmann-json, then checks everything a graph needs
// before building a node, so every problem is reported as a FileError that
// names the file and the node. Writing is done by hand, one node per line in
// topological order, so the output is deterministic (save, load, save gives
// the same bytes) and each double is written in its shortest form that reads
// back to the same bits.
//
// NaN and infinities have no JSON spelling; they are written as the strings
// "NaN", "Infinity" and "-Infinity" (JavaScript's names) and read back as
// such. A NaN's sign and payload are not kept.
//
// Dtypes: a float32 node says so ("dtype": "float32") and its values are
// written in float32's own shortest form; float64 is the default and is not
// written, so files from before dtypes load unchanged and a float64 graph
// saves to the same bytes as then. A leaf's "dtype" is its tensor's; an op
// node's follows from its inputs (the op's rule), so on an op node the
// field is a check, not a choice.
#include "dagrad/graph_file.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "io/graph_document.hpp"
#include "io/io.hpp"
#include "io/json.hpp"

namespace dagrad {
namespace {

using Json = nlohmann::json;

constexpr int format_version = 1;
constexpr std::string_view leaf_kinds[] = {"input", "parameter", "constant"};

bool is_leaf_kind(std::string_view op) {
  return std::find(std::begin(leaf_kinds), std::end(leaf_kinds), op) != std::end(leaf_kinds);
}

// Thrown while reading; turned into a FileError naming the file.
struct FormatError {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw FormatError{std::move(message)}; }

std::string describe(const Json& value) { return io::describe_json(value); }

// ---- numbers ----

double read_number(const Json& value, const std::string& what) {
  if (auto number = io::json_number(value)) return *number;
  fail(fmt::format("{} must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {}", what, describe(value)));
}

std::string quoted(const std::string& s) { return io::json_string(s); }

// ---- attributes ----

std::string attr_text(const std::string& node, const std::string& key, const AttrValue& value) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return fmt::format("{}", v);
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v)) {
            throw Error(fmt::format("node \"{}\": attribute \"{}\" is {}; graph files store only finite attribute "
                                    "numbers", node, key, v));
          }
          // Always with a point or exponent, so it reads back as a double
          // attribute and not an integer one.
          std::string text = io::format_number(v);
          if (text.find_first_of(".e") == std::string::npos) text += ".0";
          return text;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return quoted(v);
        } else {
          return fmt::format("[{}]", fmt::join(v, ", "));
        }
      },
      value);
}

AttrValue read_attr(const std::string& key, const Json& value) {
  switch (value.type()) {
    case Json::value_t::boolean: return value.get<bool>();
    case Json::value_t::number_integer: return value.get<std::int64_t>();
    case Json::value_t::number_unsigned:
      if (value.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) break;
      return value.get<std::int64_t>();
    case Json::value_t::number_float: return value.get<double>();
    case Json::value_t::string: return value.get<std::string>();
    case Json::value_t::array: {
      std::vector<std::int64_t> ints;
      for (const Json& item : value) {
        if (!item.is_number_integer() ||
            (item.is_number_unsigned() && item.get<std::uint64_t>() > std::uint64_t(INT64_MAX))) {
          fail(fmt::format("attribute \"{}\" must be a list of integers, but it holds {}", key, describe(item)));
        }
        ints.push_back(item.get<std::int64_t>());
      }
      return ints;
    }
    default: break;
  }
  fail(fmt::format("attribute \"{}\" must be a boolean, a number, a string or a list of integers, got {}", key,
                   describe(value)));
}

// ---- reading ----

// One entry of "nodes", checked.
struct NodeSpec {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  Attrs attrs;
  Shape shape;
  DType dtype = DType::float64;
  bool has_dtype = false;
  std::vector<double> values;          // float64 leaves
  std::vector<float> float32_values;   // float32 leaves
  bool requires_grad = false;
};

// A deque: a million nodes are read without moving the ones read before.
using NodeSpecs = std::deque<NodeSpec>;

std::string node_context(const NodeSpec& spec, std::size_t index) {
  if (spec.name.empty()) return fmt::format("nodes[{}]", index);
  return fmt::format("node \"{}\" (nodes[{}])", spec.name, index);
}

const Json& require(const Json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) fail(fmt::format("{}: missing \"{}\"", where, key));
  return *it;
}

NodeSpec read_node(const Json& json, std::size_t index) {
  NodeSpec spec;
  std::string where = fmt::format("nodes[{}]", index);
  if (!json.is_object()) fail(fmt::format("{} must be an object, got {}", where, describe(json)));
  const Json& name = require(json, "name", where);
  if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
    fail(fmt::format("{}: \"name\" must be a non-empty string, got {}", where, describe(name)));
  }
  spec.name = name.get<std::string>();
  where = node_context(spec, index);
  const Json& op = require(json, "op", where);
  if (!op.is_string()) fail(fmt::format("{}: \"op\" must be a string, got {}", where, describe(op)));
  spec.op = op.get<std::string>();
  bool leaf = is_leaf_kind(spec.op);
  if (!leaf && !OpRegistry::global().contains(spec.op)) {
    fail(fmt::format("{}: unknown op \"{}\" (known: input, parameter, constant, {})", where, spec.op,
                     fmt::join(OpRegistry::global().names(), ", ")));
  }

  for (const auto& [key, value] : json.items()) {
    constexpr std::string_view known[] = {"name", "op", "dtype", "shape", "value", "requires_grad", "inputs", "attrs"};
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      fail(fmt::format("{}: unknown key \"{}\" (a node has {})", where, key, fmt::join(known, ", ")));
    }
    if (leaf && (key == "inputs" || key == "attrs")) fail(fmt::format("{}: a {} has no \"{}\"", where, spec.op, key));
    if (!leaf && (key == "shape" || key == "value" || key == "requires_grad")) {
      fail(fmt::format("{}: \"{}\" belongs to leaves (input, parameter, constant); an op node's shape is "
                       "inferred from its inputs", where, key));
    }
  }

  if (auto dtype = json.find("dtype"); dtype != json.end()) {
    if (!dtype->is_string()) {
      fail(fmt::format("{}: \"dtype\" must be \"float32\" or \"float64\", got {}", where, describe(*dtype)));
    }
    try {
      spec.dtype = parse_dtype(dtype->get_ref<const std::string&>());
    } catch (const Error& e) {
      fail(fmt::format("{}: {}", where, e.what()));
    }
    spec.has_dtype = true;
  }

  if (leaf) {
    spec.shape = io::json_shape(require(json, "shape", where), where);
    const Json& values = require(json, "value", where);
    if (!values.is_array()) fail(fmt::format("{}: \"value\" must be a flat list of numbers, got {}", where, describe(values)));
    if (std::int64_t(values.size()) != spec.shape.elements()) {
      fail(fmt::format("{}: \"value\" holds {} numbers but shape {} needs {}", where, values.size(), spec.shape,
                       spec.shape.elements()));
    }
    if (spec.dtype == DType::float32) {
      spec.float32_values.reserve(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string what = fmt::format("{}: value[{}]", where, i);
        const double value = read_number(values[i], what);
        std::optional<float> narrowed = io::narrow_to_float32(value);
        if (!narrowed) {
          fail(fmt::format("{} is {}, which does not fit float32 (largest {})", what, io::format_number(value),
                           std::numeric_limits<float>::max()));
        }
        spec.float32_values.push_back(*narrowed);
      }
    } else {
      spec.values.reserve(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) {
        spec.values.push_back(read_number(values[i], fmt::format("{}: value[{}]", where, i)));
      }
    }
    if (auto rg = json.find("requires_grad"); rg != json.end()) {
      if (!rg->is_boolean()) fail(fmt::format("{}: \"requires_grad\" must be true or false, got {}", where, describe(*rg)));
      spec.requires_grad = rg->get<bool>();
      if (spec.op == "constant" && spec.requires_grad) {
        fail(fmt::format("{}: a constant never takes a gradient; make it an input or a parameter", where));
      }
      if (spec.op == "parameter" && !spec.requires_grad) {
        fail(fmt::format("{}: a parameter always takes a gradient; make it a constant or an input", where));
      }
    }
  } else {
    if (auto inputs = json.find("inputs"); inputs != json.end()) {
      if (!inputs->is_array()) fail(fmt::format("{}: \"inputs\" must be a list of node names, got {}", where, describe(*inputs)));
      for (const Json& input : *inputs) {
        if (!input.is_string()) fail(fmt::format("{}: \"inputs\" must hold node names, got {}", where, describe(input)));
        spec.inputs.push_back(input.get<std::string>());
      }
    }
    if (auto attrs = json.find("attrs"); attrs != json.end()) {
      if (!attrs->is_object()) fail(fmt::format("{}: \"attrs\" must be an object, got {}", where, describe(*attrs)));
      for (const auto& [key, value] : attrs->items()) {
        try {
          spec.attrs.set(key, read_attr(key, value));
        } catch (const FormatError& e) {
          fail(fmt::format("{}: {}", where, e.message));
        }
      }
    }
  }
  return spec;
}

// Indices of `specs` with every node after its inputs. Depth-first from each
// node in file order, so a file already in topological order keeps its
// order. Iterative: a 100000-node chain must not overflow the stack.
std::vector<std::size_t> topological_order(const NodeSpecs& specs,
                                           const std::vector<std::vector<std::size_t>>& inputs) {
  enum State : char { unvisited, on_path, done };
  std::vector<State> state(specs.size(), unvisited);
  std::vector<std::size_t> order;
  order.reserve(specs.size());
  std::vector<std::pair<std::size_t, std::size_t>> path;  // (node, next input to visit)
  for (std::size_t root = 0; root < specs.size(); ++root) {
    if (state[root] != unvisited) continue;
    path.push_back({root, 0});
    state[root] = on_path;
    while (!path.empty()) {
      auto& [node, next] = path.back();
      if (next == inputs[node].size()) {
        state[node] = done;
        order.push_back(node);
        path.pop_back();
        continue;
      }
      std::size_t input = inputs[node][next++];
      if (state[input] == done) continue;
      if (state[input] == on_path) {
        // path = [..., input, a, b, ..., node]: each consumes the next, and
        // node consumes input. In data-flow order: input -> node -> ... -> a -> input.
        std::vector<std::string> cycle{quoted(specs[input].name)};
        for (auto it = path.rbegin(); it != path.rend() && it->first != input; ++it) {
          cycle.push_back(quoted(specs[it->first].name));
        }
        cycle.push_back(quoted(specs[input].name));
        fail(fmt::format("the graph has a cycle through node \"{}\" (each node is an input of the next): {}",
                         specs[input].name, fmt::join(cycle, " -> ")));
      }
      state[input] = on_path;
      path.push_back({input, 0});
    }
  }
  return order;
}

// Reads a graph file's JSON without ever holding the whole document: each
// entry of "nodes" is built as a small JSON value (by nlohmann's own
// builder), checked into a NodeSpec at once and dropped. A whole document
// costs about 1 KB of JSON values per node, so a 1,000,000-node file would
// need a gigabyte before a single node is built. Every other top-level value
// is kept as JSON. Errors are thrown as FormatError (checks) or FileError
// (syntax, with line and column).
class GraphFileReader {
 public:
  GraphFileReader(std::string_view text, const std::string& source_name) : text_(text), source_name_(source_name) {}

  Json top_level = Json::object();  // every key of the document but "nodes"
  NodeSpecs specs;
  bool has_nodes = false;

  // ---- nlohmann's SAX interface ----
  bool null() { return scalar([](Builder& b) { return b.null(); }); }
  bool boolean(bool v) { return scalar([&](Builder& b) { return b.boolean(v); }); }
  bool number_integer(Json::number_integer_t v) { return scalar([&](Builder& b) { return b.number_integer(v); }); }
  bool number_unsigned(Json::number_unsigned_t v) { return scalar([&](Builder& b) { return b.number_unsigned(v); }); }
  bool number_float(Json::number_float_t v, const std::string& s) {
    return scalar([&](Builder& b) { return b.number_float(v, s); });
  }
  bool string(std::string& v) { return scalar([&](Builder& b) { return b.string(v); }); }
  bool binary(Json::binary_t& v) { return scalar([&](Builder& b) { return b.binary(v); }); }
  bool key(std::string& k) {
    if (builder_) return builder_->key(k);
    key_ = k;
    return true;
  }
  bool start_object(std::size_t n) {
    if (!builder_ && depth_ == 0) {
      depth_ = 1;  // the document itself
      return true;
    }
    return open([&](Builder& b) { return b.start_object(n); });
  }
  bool end_object() {
    if (!builder_) {
      depth_ = 0;
      return true;
    }
    return close([](Builder& b) { return b.end_object(); });
  }
  bool start_array(std::size_t n) {
    if (!builder_ && depth_ == 1 && key_ == "nodes") {
      if (has_nodes) fail("\"nodes\" appears twice");
      has_nodes = true;
      depth_ = 2;
      return true;
    }
    return open([&](Builder& b) { return b.start_array(n); });
  }
  bool end_array() {
    if (!builder_) {
      depth_ = 1;  // the end of "nodes"
      return true;
    }
    return close([](Builder& b) { return b.end_array(); });
  }
  template <class Exception>
  bool parse_error(std::size_t offset, const std::string&, const Exception& error) {
    io::throw_json_error(text_, offset, error.what(), source_name_);
  }

 private:
  using Builder = nlohmann::detail::json_sax_dom_parser<Json>;

  template <class Event>
  bool scalar(Event event) {
    if (builder_) return event(*builder_);
    begin();
    event(*builder_);
    finish();
    return true;
  }
  template <class Event>
  bool open(Event event) {
    if (!builder_) begin();
    ++nesting_;
    return event(*builder_);
  }
  template <class Event>
  bool close(Event event) {
    event(*builder_);
    if (--nesting_ == 0) finish();
    return true;
  }
  void begin() {
    value_ = Json();
    builder_.emplace(value_, /*allow_exceptions=*/false);
  }
  // A whole value has been read: a node, a top-level value, or (depth 0) a
  // document that is not an object.
  void finish() {
    builder_.reset();
    if (depth_ == 2) {
      specs.push_back(read_node(value_, specs.size()));
    } else if (depth_ == 1) {
      top_level[key_] = std::move(value_);
    } else {
      fail(fmt::format("a graph file holds one JSON object, got {}", describe(value_)));
    }
  }

  std::string_view text_;
  const std::string& source_name_;
  int depth_ = 0;    // 0 outside the document, 1 in it, 2 in "nodes"
  int nesting_ = 0;  // open objects and arrays of the value being built
  std::string key_;  // the current top-level key
  Json value_;
  std::optional<Builder> builder_;
};

// `document` holds every top-level value but the list of nodes, which was
// read into `specs` if there was one.
LoadedGraph build(const Json& document, bool has_nodes, NodeSpecs specs, std::string_view extra_key) {
  for (const auto& [key, value] : document.items()) {
    if (key != "dagrad" && key != "nodes" && key != "outputs" && (extra_key.empty() || key != extra_key)) {
      fail(extra_key.empty()
               ? fmt::format("unknown key \"{}\" (a graph file has \"dagrad\", \"nodes\" and \"outputs\")", key)
               : fmt::format("unknown key \"{}\" (this file has \"dagrad\", \"{}\", \"nodes\" and \"outputs\")",
                             key, extra_key));
    }
  }
  auto version = document.find("dagrad");
  if (version == document.end()) fail("missing \"dagrad\": 1 (the format version); is this a dagrad graph file?");
  if (!version->is_number_integer() || version->get<std::int64_t>() != format_version) {
    fail(fmt::format("format version {} is not supported (this dagrad reads version {})", version->dump(),
                     format_version));
  }
  if (auto nodes = document.find("nodes"); nodes != document.end()) {
    fail(fmt::format("\"nodes\" must be a list, got {}", describe(*nodes)));
  }
  if (!has_nodes) fail("the file: missing \"nodes\"");

  // Names point into `specs`, whose elements never move.
  std::unordered_map<std::string_view, std::size_t> index_of;
  index_of.reserve(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto [it, inserted] = index_of.emplace(specs[i].name, i);
    if (!inserted) fail(fmt::format("duplicate node name \"{}\" (nodes[{}] and nodes[{}])", specs[i].name, it->second, i));
  }
  std::vector<std::vector<std::size_t>> inputs(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (const std::string& name : specs[i].inputs) {
      auto it = index_of.find(name);
      if (it == index_of.end()) {
        fail(fmt::format("{}: input \"{}\" is not the name of any node", node_context(specs[i], i), name));
      }
      inputs[i].push_back(it->second);
    }
  }
  std::vector<std::size_t> output_indices;
  if (auto outputs = document.find("outputs"); outputs != document.end()) {
    if (!outputs->is_array()) fail(fmt::format("\"outputs\" must be a list of node names, got {}", describe(*outputs)));
    for (const Json& output : *outputs) {
      if (!output.is_string()) fail(fmt::format("\"outputs\" must hold node names, got {}", describe(output)));
      auto it = index_of.find(std::string_view(output.get_ref<const std::string&>()));
      if (it == index_of.end()) fail(fmt::format("output \"{}\" is not the name of any node", output.get<std::string>()));
      output_indices.push_back(it->second);
    }
  }

  LoadedGraph loaded;
  loaded.graph = std::make_unique<Graph>();
  Graph& graph = *loaded.graph;
  std::vector<Expr> built(specs.size());
  for (std::size_t i : topological_order(specs, inputs)) {
    NodeSpec& spec = specs[i];
    // (Tensors only for leaves: an op node's would be an allocation wasted.)
    auto leaf_value = [&] {
      if (spec.dtype == DType::float32) return Tensor(spec.shape, std::move(spec.float32_values));
      return Tensor(spec.shape, std::move(spec.values));
    };
    if (spec.op == "input") {
      built[i] = graph.input(spec.name, leaf_value(), spec.requires_grad);
    } else if (spec.op == "parameter") {
      built[i] = graph.parameter(spec.name, leaf_value());
    } else if (spec.op == "constant") {
      built[i] = graph.constant(leaf_value(), spec.name);
    } else {
      std::vector<Expr> args;
      for (std::size_t input : inputs[i]) args.push_back(built[input]);
      try {
        built[i] = graph.apply(spec.op, std::move(args), spec.attrs, spec.name);
      } catch (const ShapeError&) {
        throw;  // already `op "name": ...`, as the C++ API says it
      } catch (const Error& e) {
        // Attribute problems: the op's factory names the op, not the node.
        fail(fmt::format("{}: {}", node_context(spec, i), e.what()));
      }
      if (spec.has_dtype && built[i].dtype() != spec.dtype) {
        fail(fmt::format("{}: \"dtype\" says {} but op \"{}\" gives {} from its inputs' dtypes (convert with a "
                         "cast node)", node_context(spec, i), spec.dtype, spec.op, built[i].dtype()));
      }
    }
  }
  for (std::size_t i : output_indices) loaded.outputs.push_back(built[i]);
  return loaded;
}

}  // namespace

LoadedGraph parse_graph(const std::string& json_text, const std::string& source_name) {
  Json unused;
  return io::parse_graph_document(json_text, source_name, {}, unused);
}

LoadedGraph io::parse_graph_document(const std::string& json_text, const std::string& source_name,
                                     std::string_view extra_key, nlohmann::json& extra) {
  try {
    GraphFileReader reader(json_text, source_name);
    Json::sax_parse(json_text, &reader);
    if (!extra_key.empty()) {
      auto it = reader.top_level.find(extra_key);
      extra = it == reader.top_level.end() ? Json() : *it;
    }
    return build(reader.top_level, reader.has_nodes, std::move(reader.specs), extra_key);
  } catch (const FormatError& e) {
    throw FileError(fmt::format("{}: {}", source_name, e.message));
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(fmt::format("{}: {}", source_name, e.what()));
  }
}

LoadedGraph load_graph(const std::string& path) { return parse_graph(io::read_file(path), path); }

std::string graph_to_json(const Graph& graph, std::span<const Expr> outputs) {
  return io::graph_document_json(graph, outputs, {}, {});
}

std::string io::graph_document_json(const Graph& graph, std::span<const Expr> outputs, std::string_view extra_key,
                                    std::string_view extra_json) {
  std::vector<int> output_ids;
  for (const Expr& output : outputs) {
    if (!output.valid() || &output.graph() != &graph) {
      throw Error("graph_to_json: an output is empty or belongs to another graph");
    }
    output_ids.push_back(output.id());
  }
  std::vector<int> order;
  if (output_ids.empty()) {
    for (int id = 0; id < graph.size(); ++id) order.push_back(id);
  } else {
    order = graph.topological_order(output_ids);
  }

  std::string out = fmt::format("{{\n  \"dagrad\": {},\n", format_version);
  if (!extra_key.empty()) out += fmt::format("  {}: {},\n", quoted(std::string(extra_key)), extra_json);
  out += "  \"nodes\": [";
  const char* separator = "\n";
  for (int id : order) {
    const Node& node = graph.node(id);
    out += separator;
    separator = ",\n";
    out += fmt::format("    {{\"name\": {}, \"op\": {}", quoted(node.name()), quoted(std::string(node.op_name())));
    if (node.dtype() != DType::float64) out += fmt::format(", \"dtype\": \"{}\"", node.dtype());
    if (node.is_leaf()) {
      if (node.kind() == NodeKind::input && node.requires_grad()) out += ", \"requires_grad\": true";
      out += fmt::format(", \"shape\": [{}], \"value\": [", fmt::join(node.shape().dims(), ", "));
      const TensorView& value = node.value();
      for (std::int64_t i = 0; i < value.size(); ++i) {
        if (i != 0) out += ", ";
        out += io::format_element(value, i);
      }
      out += "]";
    } else {
      std::vector<std::string> names;
      for (int input : node.inputs()) names.push_back(quoted(graph.node(input).name()));
      out += fmt::format(", \"inputs\": [{}]", fmt::join(names, ", "));
      Attrs attrs = node.op()->attrs();
      if (!attrs.empty()) {
        std::vector<std::string> items;
        for (const auto& [key, value] : attrs.values()) {
          items.push_back(fmt::format("{}: {}", quoted(key), attr_text(node.name(), key, value)));
        }
        out += fmt::format(", \"attrs\": {{{}}}", fmt::join(items, ", "));
      }
    }
    out += "}";
  }
  std::vector<std::string> names;
  for (int id : output_ids) names.push_back(quoted(graph.node(id).name()));
  out += fmt::format("\n  ],\n  \"outputs\": [{}]\n}}\n", fmt::join(names, ", "));
  return out;
}

void save_graph(const Graph& graph, std::span<const Expr> outputs, const std::string& path) {
  write_file_atomically(path, graph_to_json(graph, outputs));
}

void write_file_atomically(const std::string& path, const std::string& content) {
  io::write_file_atomically(path, content);
}

}  // namespace dagrad

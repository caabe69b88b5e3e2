// The interactive graph view (include/dagrad/view.hpp): Graphviz layouts of
// every cluster level as SVG, the nodes' data as JSON, and the page's script
// (view_script.inc), in one HTML file.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dagrad/gradcheck.hpp"
#include "dagrad/view.hpp"
#include "dot/collapse.hpp"
#include "dot/graphviz.hpp"
#include "dot/html_page.hpp"

namespace dagrad {
namespace {

using namespace dot;
using Json = nlohmann::json;

// Tensors up to this many elements carry every value in the page (the panel
// shows them as a table up to a few hundred, behind a toggle beyond); larger
// ones only their statistics and histogram. So does any tensor once the page
// holds page_elements numbers (about 20 bytes each), in topological order:
// a page stays small enough to open.
constexpr std::int64_t embedded_elements = 4096;
constexpr std::int64_t page_elements = 500'000;
constexpr int histogram_bins = 24;
// The panel shows tensors up to this many elements as a table, larger ones
// as statistics and a histogram (keep in step with view_script.inc).
constexpr std::int64_t table_elements = 256;

// JSON has no NaN or Inf: they travel as strings the script turns back.
Json number_json(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

// `budget`: how many more numbers the page may carry; what this tensor embeds is taken from it.
Json tensor_json(const TensorView& t, std::int64_t& budget) {
  const bool embedded = t.size() <= embedded_elements && t.size() <= budget;
  Json out;
  out["shape"] = std::vector<std::int64_t>(t.shape().dims().begin(), t.shape().dims().end());
  out["size"] = t.size();
  const auto [low, high, sum, finite] = finite_summary(t);
  NonFinite bad = count_non_finite(t);
  out["nan"] = bad.nan;
  out["inf"] = bad.inf;
  if (finite > 0) {
    out["min"] = low;
    out["max"] = high;
    out["mean"] = sum / double(finite);
  }
  if (finite > 0 && (t.size() > table_elements || !embedded)) {
    std::vector<std::int64_t> counts(histogram_bins, 0);
    double width = (high - low) / histogram_bins;
    for (std::int64_t i = 0; i < t.size(); ++i) {
    double v = t.get(i);
      if (!std::isfinite(v)) continue;
      int bin = width > 0 ? int((v - low) / width) : 0;
      ++counts[std::size_t(std::clamp(bin, 0, histogram_bins - 1))];
    }
    out["histogram"] = counts;
  }
  if (embedded) {
    budget -= t.size();
    Json data = Json::array();
    for (std::int64_t i = 0; i < t.size(); ++i) data.push_back(number_json(t.get(i)));
    out["data"] = std::move(data);
  }
  return out;
}

Json attr_json(const AttrValue& value) {
  return std::visit([](const auto& v) { return Json(v); }, value);
}

Json comparison_json(const GradientComparison& result) {
  return {{"passed", result.passed},
          {"max_abs_error", number_json(result.max_abs_error)},
          {"max_rel_error", number_json(result.max_rel_error)},
          {"relative_difference", number_json(result.relative_difference)},
          {"worst_index", result.worst_index},
          {"worst_analytic", number_json(result.worst_analytic)},
          {"worst_numeric", number_json(result.worst_numeric)},
          {"checked", result.checked},
          {"note", result.note}};
}

// The cluster path of a node ("layer1/attn" for "layer1/attn/W"; "" at the top).
std::string cluster_of(const Node& node) { return prefix_of(node.name()); }

// The item that stands for node `id` in the layout of `scope`: the node
// itself, the box of the child cluster it lies in, or none (outside).
std::string item_in_scope(const std::string& scope, const std::string& cluster, int id,
                          const std::map<std::string, int>& cluster_index) {
  if (cluster == scope) return fmt::format("n{}", id);
  std::string inside;
  if (scope.empty()) {
    inside = cluster;
  } else if (cluster.starts_with(scope + "/")) {
    inside = cluster.substr(scope.size() + 1);
  } else {
    return {};
  }
  std::string child =
      scope.empty() ? inside.substr(0, inside.find('/')) : scope + "/" + inside.substr(0, inside.find('/'));
  return fmt::format("c{}", cluster_index.at(child));
}

// The inside of Graphviz's <g id="graph0" ...> element: the drawing without
// the <svg> wrapper, in Graphviz's coordinates (y grows downwards from 0 at
// the bottom edge, so most y are negative). The script places it. What the
// page's style sheet already says (the font, the usual size, centred text)
// and Graphviz's comments are left out: a 3000-node view is a third smaller.
std::string svg_body(const std::string& svg) {
  auto open = svg.find("<g id=\"graph0\"");
  auto open_end = open == std::string::npos ? open : svg.find('>', open);
  auto close = svg.rfind("</g>");
  if (open_end == std::string::npos || close == std::string::npos || close < open_end) {
    throw Error("Graphviz produced SVG without the expected graph element");
  }
  std::string_view body(svg.data() + open_end + 1, close - open_end - 1);
  std::string out;
  out.reserve(body.size());
  static constexpr std::string_view defaults[] = {" font-family=\"Helvetica,sans-Serif\"", " font-size=\"10.00\"",
                                                  " text-anchor=\"middle\""};
  for (std::size_t i = 0; i < body.size();) {
    if (body.substr(i, 4) == "<!--") {
      auto end = body.find("-->", i);
      i = end == std::string_view::npos ? body.size() : end + 3;
      if (i < body.size() && body[i] == '\n') ++i;
      continue;
    }
    bool skipped = false;
    for (std::string_view attribute : defaults) {
      if (body.substr(i, attribute.size()) == attribute) {
        i += attribute.size();
        skipped = true;
        break;
      }
    }
    if (!skipped) out += body[i++];
  }
  // Graphviz writes "<" in text as "&lt;": no "</script" can end the
  // element that holds this drawing early.
  if (out.find("</script") != std::string::npos) throw Error("Graphviz produced SVG containing \"</script\"");
  return out;
}

struct Cluster {
  std::string path, parent;
  std::vector<int> members;  // every node inside, sub-clusters included
  std::vector<std::string> children;
  int failing = 0, non_finite = 0;
};

class ViewBuilder {
 public:
  ViewBuilder(const Graph& graph, const std::vector<Expr>& outputs, const ViewOptions& options)
      : graph_(graph), options_(options), dot_options_(make_dot_options(outputs, options)), plan_(graph, dot_options_) {
    find_clusters();
  }

  std::string page() {
    Json data;
    data["title"] = options_.title.empty() ? std::string("dagrad graph") : options_.title;
    data["nodes"] = nodes_json();
    // Each cluster's drawing waits in a script element of its own, outside
    // the JSON, until the cluster is opened: the page parses only the top level.
    Json clusters = Json::array();
    std::string drawings;
    for (std::size_t i = 0; i < clusters_.size(); ++i) {
      const Cluster& cluster = clusters_[i];
      clusters.push_back({{"path", cluster.path},
                          {"parent", cluster.parent},
                          {"size", cluster.members.size()},
                          {"failing", cluster.failing},
                          {"non_finite", cluster.non_finite}});
      drawings +=
          fmt::format("<script type=\"text/x-dagrad-svg\" id=\"svg-c{}\">{}</script>\n", i, layout(cluster.path));
    }
    data["table_elements"] = table_elements;
    data["embedded_elements"] = embedded_elements;
    data["page_elements"] = page_elements;
    data["clusters"] = std::move(clusters);
    data["root"] = layout("");
    data["open_expanded"] = int(plan_.nodes().size()) <= options_.open_expanded_up_to;
    if (options_.gradcheck != nullptr) {
      data["gradcheck"] = {{"output", options_.gradcheck->output}, {"passed", options_.gradcheck->passed()}};
    }
    return html_page(data["title"].get<std::string>(), "graph", data.dump(), drawings);
  }

 private:
  static DotOptions make_dot_options(const std::vector<Expr>& outputs, const ViewOptions& options) {
    DotOptions dot_options;
    dot_options.outputs = outputs;
    dot_options.values = true;
    dot_options.grads = true;
    dot_options.gradcheck = options.gradcheck;
    return dot_options;
  }

  void find_clusters() {
    for (int id : plan_.nodes()) {
      std::string path = cluster_of(graph_.node(id));
      bool failing = !plan_.failures(id).empty();
      bool non_finite = plan_.non_finite_value(id).any() || plan_.non_finite_grad(id).any();
      while (!path.empty()) {
        auto [it, inserted] = cluster_index_.emplace(path, int(clusters_.size()));
        if (inserted) clusters_.push_back(Cluster{path, prefix_of(path), {}, {}, 0, 0});
        Cluster& cluster = clusters_[std::size_t(it->second)];
        cluster.members.push_back(id);
        cluster.failing += failing;
        cluster.non_finite += non_finite;
        path = cluster.parent;
      }
    }
    for (const Cluster& cluster : clusters_) {
      if (!cluster.parent.empty())
        clusters_[std::size_t(cluster_index_.at(cluster.parent))].children.push_back(cluster.path);
      else
        top_clusters_.push_back(cluster.path);
    }
  }

  Json nodes_json() {
    std::vector<std::vector<int>> consumers(std::size_t(graph_.size()));
    for (int id : plan_.nodes()) {
      for (int input : graph_.node(id).inputs()) {
        auto& list = consumers[std::size_t(input)];
        if (list.empty() || list.back() != id) list.push_back(id);
      }
    }
    std::map<int, Json> checks;
    if (options_.gradcheck != nullptr) {
      for (const NodeCheck& check : options_.gradcheck->nodes) {
        Json entry = comparison_json(check.result);
        entry["what"] = fmt::format("backward of {} for input {} of shape {}", check.op, check.input_index,
                                    to_string(check.input_shape));
        checks[check.node_id].push_back(std::move(entry));
      }
      for (const LeafCheck& check : options_.gradcheck->leaves) {
        auto leaf = std::find_if(plan_.nodes().begin(), plan_.nodes().end(),
                                 [&](int id) { return graph_.node(id).name() == check.name; });
        if (leaf == plan_.nodes().end()) continue;
        Json entry = comparison_json(check.result);
        entry["what"] = fmt::format("gradient of {} with respect to {}", options_.gradcheck->output, check.name);
        checks[*leaf].push_back(std::move(entry));
      }
    }
    Json nodes = Json::array();
    std::int64_t budget = page_elements;
    for (int id : plan_.nodes()) {
      const Node& node = graph_.node(id);
      Json entry;
      entry["id"] = id;
      entry["name"] = node.name();
      entry["kind"] = std::string(to_string(node.kind()));
      entry["op"] = std::string(node.op_name());
      entry["label"] = node.is_leaf() ? std::string(node.op_name()) : node.op()->label();
      Json attrs = Json::object();
      if (!node.is_leaf()) {
        Attrs op_attrs = node.op()->attrs();
        for (const auto& [key, value] : op_attrs.values()) attrs[key] = attr_json(value);
      }
      entry["attrs"] = std::move(attrs);
      entry["shape"] = to_string(node.shape());
      entry["dtype"] = std::string(to_string(node.dtype()));
      entry["cluster"] = cluster_of(node);
      entry["inputs"] = std::vector<int>(node.inputs().begin(), node.inputs().end());
      entry["consumers"] = consumers[std::size_t(id)];
      entry["output"] = plan_.is_output(id);
      entry["requires_grad"] = node.requires_grad();
      if (node.has_value()) entry["value"] = tensor_json(node.value(), budget);
      if (node.has_grad()) {
        entry["grad"] = tensor_json(node.grad(), budget);
        entry["grad_fresh"] = !gradient_is_stale(node, graph_);
      }
      entry["failures"] = plan_.failures(id);
      entry["non_finite"] = plan_.non_finite_value(id).any() || plan_.non_finite_grad(id).any();
      if (auto it = checks.find(id); it != checks.end()) entry["checks"] = std::move(it->second);
      nodes.push_back(std::move(entry));
    }
    return nodes;
  }

  // The SVG of one level: the nodes directly in `scope` and one collapsed box
  // per child cluster, with the edges between them. Edges from outside the
  // scope are drawn at the level that holds both ends (to the cluster's box).
  std::string layout(const std::string& scope) {
    GraphHandle g = new_diagram();
    if (!scope.empty()) {
      set(g.get(), "label", escape_label(scope + "/"));
      set(g.get(), "labeljust", "l");
      set(g.get(), "labelloc", "t");
      set(g.get(), "bgcolor", color::cluster_fill);
      set(g.get(), "pad", "0.15");
    }
    // Only the nodes inside the scope can be drawn in it (all of them at the top).
    const std::vector<int>& inside =
        scope.empty() ? plan_.nodes() : clusters_[std::size_t(cluster_index_.at(scope))].members;
    std::map<std::string, Agnode_t*> items;
    for (int id : inside) {
      const Node& node = graph_.node(id);
      if (cluster_of(node) != scope) continue;
      std::string key = fmt::format("n{}", id);
      Agnode_t* n = agnode(g.get(), text(key), 1);
      set(n, "id", key);
      set(n, "label", node_label(plan_, dot_options_, id, /*short_name=*/true));
      style_node(n, plan_, id);
      items[key] = n;
    }
    const std::vector<std::string>& children =
        scope.empty() ? top_clusters_ : clusters_[std::size_t(cluster_index_.at(scope))].children;
    for (const std::string& child : children) {
      const Cluster& cluster = clusters_[std::size_t(cluster_index_.at(child))];
      std::string key = fmt::format("c{}", cluster_index_.at(child));
      Agnode_t* n = agnode(g.get(), text(key), 1);
      set(n, "id", key);
      Item item{cluster.members, true, true, {child.substr(child.rfind('/') + 1)}};
      std::string label = summary_label(plan_, item);
      style_summary(n);
      if (cluster.failing > 0) {
        label += fmt::format("\\n{} failing gradient check", cluster.failing);
        set(n, "color", color::failing_border);
        set(n, "fontcolor", color::failing_border);
        set(n, "fillcolor", color::failing_fill);
        set(n, "penwidth", "2.5");
      }
      if (cluster.non_finite > 0) {
        label += fmt::format("\\n{} with NaN or Inf", cluster.non_finite);
        set(n, "color", color::non_finite_border);
        set(n, "penwidth", "3");
      }
      set(n, "label", label);
      items[key] = n;
    }
    std::set<std::pair<std::string, std::string>> edges;
    for (int id : inside) {
      const Node& node = graph_.node(id);
      std::string to = item_in_scope(scope, cluster_of(node), id, cluster_index_);
      if (to.empty()) continue;
      for (int input : node.inputs()) {
        std::string from = item_in_scope(scope, cluster_of(graph_.node(input)), input, cluster_index_);
        if (from.empty() || from == to) continue;
        edges.insert({from, to});
      }
    }
    for (const auto& [from, to] : edges) agedge(g.get(), items.at(from), items.at(to), nullptr, 1);
    GVC_t* gvc = context();
    return svg_body(with_layout(gvc, g.get(), [&] { return render_data(gvc, g.get(), "svg"); }));
  }

  const Graph& graph_;
  const ViewOptions& options_;
  DotOptions dot_options_;
  Plan plan_;
  std::vector<Cluster> clusters_;
  std::map<std::string, int> cluster_index_;
  std::vector<std::string> top_clusters_;
};

}  // namespace

std::string to_html(const Graph& graph, const std::vector<Expr>& outputs, const ViewOptions& options) {
  auto lock = graphviz_lock();
  return ViewBuilder(graph, outputs, options).page();
}

}  // namespace dagrad

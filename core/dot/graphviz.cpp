#include "dot/graphviz.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace dagrad::dot {

void set(void* object, const std::string& name, const std::string& value) {
  agsafeset(object, text(name), text(value), text(""));
}

GraphHandle new_diagram() {
  GraphHandle g(agopen(text("dagrad"), Agdirected, nullptr));
  set(g.get(), "rankdir", "TB");
  set(g.get(), "nodesep", "0.3");
  set(g.get(), "ranksep", "0.35");
  set(g.get(), "fontname", "Helvetica");
  set(g.get(), "fontsize", "11");
  agattr(g.get(), AGNODE, text("shape"), text("box"));
  agattr(g.get(), AGNODE, text("fontname"), text("Helvetica"));
  agattr(g.get(), AGNODE, text("fontsize"), text("10"));
  agattr(g.get(), AGNODE, text("margin"), text("0.12,0.05"));
  agattr(g.get(), AGEDGE, text("color"), text("#555555"));
  agattr(g.get(), AGEDGE, text("arrowsize"), text("0.7"));
  return g;
}

std::string node_label(const Plan& plan, const DotOptions& options, int id, bool short_name) {
  const Node& node = plan.graph().node(id);
  // Inside a cluster box the prefix is its label: "layer1/W" shows as "W".
  std::string name = short_name ? node.name().substr(node.name().rfind('/') + 1) : node.name();
  if (name.empty()) name = node.name();  // "a/" keeps its full name
  std::vector<std::string> lines{escape_label(name)};
  lines.push_back(escape_label(node.is_leaf() ? std::string(to_string(node.kind())) : node.op()->label()));
  // float64 is the default and goes unsaid (as in graph files); any other dtype follows the shape.
  lines.push_back(node.dtype() == DType::float64 ? to_string(node.shape())
                                                 : fmt::format("{} {}", to_string(node.shape()), to_string(node.dtype())));
  if (options.values && node.has_value()) lines.push_back("value " + tensor_text(node.value()));
  if (options.grads && node.has_grad()) {
    bool stale = gradient_is_stale(node, plan.graph());
    lines.push_back((stale ? "stale grad " : "grad ") + tensor_text(node.grad()));
  }
  NonFinite value = plan.non_finite_value(id), grad = plan.non_finite_grad(id);
  if (value.any()) lines.push_back(value.nan ? "NaN in value" : "Inf in value");
  if (grad.any()) lines.push_back(grad.nan ? "NaN in grad" : "Inf in grad");
  for (const std::string& failure : plan.failures(id)) lines.push_back(failure);
  return fmt::format("{}", fmt::join(lines, "\\n"));
}

std::string summary_label(const Plan& plan, const Item& item) {
  std::map<std::string, std::int64_t> counts;
  for (int id : item.members) ++counts[std::string(plan.graph().node(id).op_name())];
  std::vector<std::pair<std::string, std::int64_t>> ordered(counts.begin(), counts.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> lines;
  if (item.titles.size() == 1) {
    lines.push_back(escape_label(item.titles[0]) + "/ (collapsed)");
  } else if (item.titles.size() > 1) {
    lines.push_back(fmt::format("{}/ ... {}/ ({} clusters collapsed)", escape_label(item.titles.front()),
                                escape_label(item.titles.back()), item.titles.size()));
  }
  if (ordered.size() == 1) {
    lines.push_back(fmt::format("... {} {} nodes ...", item.members.size(), ordered[0].first));
  } else {
    lines.push_back(fmt::format("... {} nodes ...", item.members.size()));
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < ordered.size() && i < 4; ++i) {
      parts.push_back(fmt::format("{} {}", ordered[i].second, ordered[i].first));
    }
    if (ordered.size() > 4) parts.push_back(fmt::format("{} more ops", ordered.size() - 4));
    lines.push_back(fmt::format("{}", fmt::join(parts, ", ")));
  }
  return fmt::format("{}", fmt::join(lines, "\\n"));
}

void style_summary(Agnode_t* gv_node) {
  set(gv_node, "style", "rounded,filled,dashed");
  set(gv_node, "fillcolor", color::summary_fill);
  set(gv_node, "fontcolor", "#444444");
}

void style_node(Agnode_t* gv_node, const Plan& plan, int id) {
  const Node& node = plan.graph().node(id);
  std::string fill = color::op_fill, style = "rounded,filled";
  switch (node.kind()) {
    case NodeKind::input: fill = color::input_fill; style = "filled"; break;
    case NodeKind::parameter: fill = color::parameter_fill; style = "filled,bold"; break;
    case NodeKind::constant: fill = color::constant_fill; style = "filled,dashed"; break;
    case NodeKind::op: break;
  }
  if (plan.is_output(id)) {
    fill = color::output_fill;
    style += ",bold";
    set(gv_node, "peripheries", "2");
  }
  if (!plan.failures(id).empty()) {
    fill = color::failing_fill;
    set(gv_node, "color", color::failing_border);
    set(gv_node, "fontcolor", color::failing_border);
    set(gv_node, "penwidth", "2.5");
  }
  // NaN and Inf get an orange border even on a failing (red-filled) node.
  if (plan.non_finite_value(id).any() || plan.non_finite_grad(id).any()) {
    set(gv_node, "color", color::non_finite_border);
    set(gv_node, "penwidth", "3");
  }
  set(gv_node, "style", style);
  set(gv_node, "fillcolor", fill);
}

std::string render_data(GVC_t* gvc, Agraph_t* g, const char* format) {
  char* data = nullptr;
  unsigned int length = 0;
  if (gvRenderData(gvc, g, format, &data, &length) != 0) {
    if (data != nullptr) gvFreeRenderData(data);
    throw Error(fmt::format("Graphviz could not render the diagram as {} (are graphviz's plugins installed?)", format));
  }
  std::string result(data, length);
  gvFreeRenderData(data);
  return result;
}

// Never freed: Graphviz 2.42's pango plugin keeps a pointer to the last font
// name it measured, which lives in the context's font cache, so freeing a
// context and laying out in a new one reads freed memory (AddressSanitizer
// reports it in textspan_size).
GVC_t* context() {
  static GVC_t* gvc = [] {
    agseterr(AGERR);  // Graphviz's warnings are not the user's business; errors are
    return gvContext();
  }();
  if (gvc == nullptr) throw Error("Graphviz could not be initialised");
  return gvc;
}

std::unique_lock<std::mutex> graphviz_lock() {
  static std::mutex mutex;
  return std::unique_lock<std::mutex>(mutex);
}

}  // namespace dagrad::dot

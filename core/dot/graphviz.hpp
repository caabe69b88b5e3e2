// The Graphviz calls behind every diagram: one process-wide context, graphs
// built with cgraph (never as hand-written DOT text), node labels and
// styles, layout and rendering to memory.
#pragma once

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <memory>
#include <mutex>
#include <string>

#include "dot/collapse.hpp"

namespace dagrad::dot {

namespace color {
inline constexpr const char* op_fill = "#ffffff";
inline constexpr const char* input_fill = "#d6e9f8";
inline constexpr const char* parameter_fill = "#d9f2d0";
inline constexpr const char* constant_fill = "#eeeeee";
inline constexpr const char* output_fill = "#fff2a8";
inline constexpr const char* summary_fill = "#f3f3f3";
inline constexpr const char* cluster_fill = "#f7f9fb";
inline constexpr const char* cluster_border = "#9aa5b1";
inline constexpr const char* failing_fill = "#ffd4d4";
inline constexpr const char* failing_border = "#d00000";
inline constexpr const char* non_finite_border = "#ff8c00";
inline constexpr const char* stale_text = "#8a8a8a";
inline constexpr const char* backward_edge = "#c0392b";
}  // namespace color

// cgraph takes char* for strings it only reads.
inline char* text(const std::string& s) { return const_cast<char*>(s.c_str()); }
// Sets an attribute of a graph, node or edge (declaring it with an empty default).
void set(void* object, const std::string& name, const std::string& value);

struct GraphCloser {
  void operator()(Agraph_t* g) const { agclose(g); }
};
using GraphHandle = std::unique_ptr<Agraph_t, GraphCloser>;

// A directed graph with the diagrams' fonts, spacing and default node and edge styles.
GraphHandle new_diagram();

// The label and colours of one graph node (its kind, output mark, failing
// checks, NaN/Inf); `short_name` drops the cluster prefix the box shows.
std::string node_label(const Plan& plan, const DotOptions& options, int id, bool short_name);
void style_node(Agnode_t* gv_node, const Plan& plan, int id);
// "layer1/ (collapsed)" and the ops inside, by count.
std::string summary_label(const Plan& plan, const Item& item);
// The style of a collapsed group of nodes.
void style_summary(Agnode_t* gv_node);

// One Graphviz context for the whole process. Graphviz is not thread-safe:
// every use holds graphviz_lock().
GVC_t* context();
std::unique_lock<std::mutex> graphviz_lock();

// The laid-out graph rendered as `format` ("svg", "png", "canon", ...).
std::string render_data(GVC_t* gvc, Agraph_t* g, const char* format);

// Lays the graph out with dot, runs `body`, and frees the layout.
template <class Body>
auto with_layout(GVC_t* gvc, Agraph_t* g, Body body) {
  if (gvLayout(gvc, g, "dot") != 0) throw Error("Graphviz could not lay out the diagram");
  struct Free {
    GVC_t* gvc;
    Agraph_t* g;
    ~Free() { gvFreeLayout(gvc, g); }
  } free_layout{gvc, g};
  return body();
}

}  // namespace dagrad::dot

// Builds the course's pipeline in C++, saves it as a graph file, loads it
// back, and draws it with values and gradients: the README's example.
//     save_and_draw [DIRECTORY]   writes course.json and course.svg there
#include <string>

#include <fmt/format.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/dot.hpp"
#include "dagrad/graph_file.hpp"

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : ".";
  dagrad::Graph g;
  dagrad::Expr x = g.input("x", dagrad::Tensor{{1, 2, 3}, {4, 5, 6}}, /*requires_grad=*/true);
  dagrad::Expr y = g.constant(dagrad::Tensor{{0, 0, 1}, {0, 1, 0}}, "y");
  dagrad::Expr loss = dagrad::l2(dagrad::softmax(dagrad::sigmoid(x, "s"), "p"), y, "loss");

  dagrad::Expr outputs[] = {loss};
  dagrad::save_graph(g, outputs, dir + "/course.json");  // exact: every double bit for bit

  dagrad::LoadedGraph loaded = dagrad::load_graph(dir + "/course.json");
  dagrad::Graph& h = *loaded.graph;
  h.forward(loaded.outputs[0]);
  h.backward(loaded.outputs[0], {.retain_grads = true});  // keep every node's gradient for the diagram
  fmt::print("loss = {}\ndloss/dx = {}\n", loaded.outputs[0].value().item(), h.find("x").grad());

  dagrad::DotOptions options;
  options.outputs = loaded.outputs;
  options.values = options.grads = options.backward = true;
  dagrad::render(h, dir + "/course.svg", options);  // .svg, .png, .pdf or .dot
}

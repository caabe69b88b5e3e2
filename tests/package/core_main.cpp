// Built against an installed dagrad asking for the core component only: the
// engine and the ops, without nn, diagrams or graph files.
#include <dagrad/graph.hpp>
#include <dagrad/ops.hpp>

int main() {
  dagrad::Graph g;
  dagrad::Expr x = g.input("x", dagrad::Tensor{1.0, 2.0, 3.0}, true);
  dagrad::Expr loss = dagrad::l2(dagrad::softmax(x), g.constant(dagrad::Tensor{0.0, 0.0, 1.0}));
  g.forward(loss);
  g.backward(loss);
  fmt::print("loss {:.6f} grad {}\n", loss.value().item(), x.grad());
  // Exit status is the test: the registry must hold the built-in ops.
  return dagrad::OpRegistry::global().contains("sigmoid") ? 0 : 1;
}

// Built against an installed dagrad: a graph, forward and backward.
#include <dagrad/dagrad.hpp>

int main() {
  dagrad::Graph g;
  dagrad::Expr x = g.input("x", dagrad::Tensor{1.0, 2.0, 3.0}, true);
  dagrad::Expr loss = dagrad::l2(dagrad::sigmoid(x), g.constant(dagrad::Tensor{0.0, 0.0, 0.0}));
  g.forward(loss);
  g.backward(loss);
  fmt::print("loss {:.6f} grad {}\n", loss.value().item(), x.grad());
  // Exit status is the test: the registry must hold the built-in ops.
  return dagrad::OpRegistry::global().contains("softmax") ? 0 : 1;
}

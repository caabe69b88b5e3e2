// The course's planar classifier: a 2-layer network with 4 tanh hidden units
// learns the flower data set that logistic regression cannot (about 0.90
// against 0.47; see logistic_regression.cpp).
#include <dagrad/dagrad.hpp>
#include <fmt/format.h>

int main() {
  using namespace dagrad;
  Dataset data = planar_flower();  // 400 points (x1, x2), labels 0 and 1

  Graph g;
  Rng rng(1);
  Expr x = g.input("x", data.x);
  Expr y = g.input("y", data.y);
  MLP model(g, {2, 4, 1}, Activation::tanh, rng);  // parameters layer1/W, layer1/b, layer2/W, layer2/b
  Expr logits = model(x);
  Expr loss = bce_with_logits(logits, y, "loss");
  Adam optimizer(model.parameters(), 0.05);

  for (int epoch = 1; epoch <= 1500; ++epoch) {
    g.forward(loss);
    g.backward(loss);
    optimizer.step();
    if (epoch % 300 == 0) fmt::print("epoch {:4}  loss {:.4f}\n", epoch, loss.value().item());
  }
  g.forward(logits);
  fmt::print("train accuracy: {:.4f}\n", accuracy(logits.value(), data.y));
}

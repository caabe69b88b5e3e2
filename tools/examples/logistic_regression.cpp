// Logistic regression on the course's planar flower: one linear unit and a
// sigmoid (inside bce_with_logits) can only draw a straight line, so it gets
// about half of the points right, as the course shows (47%).
#include <dagrad/dagrad.hpp>
#include <fmt/format.h>

int main() {
  using namespace dagrad;
  Dataset data = planar_flower();

  Graph g;
  Rng rng(1);
  Expr x = g.input("x", data.x);
  Expr y = g.input("y", data.y);
  Linear model(g, 2, 1, rng, "logistic");  // p(y = 1 | x) = sigmoid(x W + b)
  Expr logits = model(x);
  Expr loss = bce_with_logits(logits, y, "loss");
  SGD optimizer(model.parameters(), 0.1);

  for (int step = 1; step <= 1000; ++step) {
    g.forward(loss);
    g.backward(loss);
    optimizer.step();
  }
  g.forward(logits);
  fmt::print("W = {}, b = {}\n", model.weight().value(), model.bias().value());
  fmt::print("loss {:.4f}\n", loss.value().item());
  fmt::print("train accuracy: {:.4f}\n", accuracy(logits.value(), data.y));
}

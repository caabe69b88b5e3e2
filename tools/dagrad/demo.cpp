// `dagrad demo`: the course's NumPy exercises, each run through a graph with
// its forward and backward pass, printed the way the notebook shows them.
#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"

namespace dagrad::cli {
namespace {

void section(std::string_view title) { fmt::print("\n== {}\n", title); }

int run_demo() {
  fmt::print("dagrad demo: the course's exercises as expression graphs\n");

  section("Exercise 2: basic_sigmoid");
  fmt::print("basic_sigmoid(1) = {}\n", sigmoid(1.0));

  section("Exercise 3 and 4: sigmoid and sigmoid_derivative");
  {
    Graph g;
    Expr x = g.input("x", Tensor{1, 2, 3}, /*requires_grad=*/true);
    Expr s = sigmoid(x, "s");
    g.forward(s);
    // Seeding backward with ones gives the elementwise derivative s * (1 - s).
    g.backward(s, Tensor(s.shape(), 1.0));
    fmt::print("x = {}\n", x.value());
    fmt::print("sigmoid(x) = {}\n", s.value());
    fmt::print("sigmoid_derivative(x) = {}\n", x.grad());
    fmt::print("  full precision: [{}]\n", fmt::join(x.grad(), ", "));
  }

  section("Exercise 5: image2vector");
  {
    Graph g;
    Tensor image{{{0.67826139, 0.29380381}, {0.90714982, 0.52835647}, {0.4215251, 0.45017551}},
                 {{0.92814219, 0.96677647}, {0.85304703, 0.52351845}, {0.19981397, 0.27417313}},
                 {{0.60659855, 0.00533165}, {0.10820313, 0.49978937}, {0.34144279, 0.94630077}}};
    Expr img = g.input("image", image);
    Expr v = reshape(img, {-1, 1}, "v");
    g.forward(v);
    fmt::print("image shape {} -> image2vector(image) shape {}\n", img.shape(), v.shape());
    fmt::print("image2vector(image) = {}\n", v.value());
  }

  section("Exercise 6: normalize_rows");
  {
    Graph g;
    Expr x = g.input("x", Tensor{{0, 3, 4}, {1, 6, 4}});
    Expr n = normalize_rows(x, "normalized");
    fmt::print("x = {}\n", x.value());
    fmt::print("normalize_rows(x) = {}\n", g.forward(n));
  }

  section("Exercise 7: softmax");
  {
    Graph g;
    Expr x = g.input("x", Tensor{{9, 2, 5, 0, 0}, {7, 5, 0, 0, 0}});
    Expr p = softmax(x, "p");
    fmt::print("x = {}\n", x.value());
    fmt::print("softmax(x) = {}\n", g.forward(p));
    Graph big;
    Expr y = softmax(big.input("y", Tensor{{1000, 0}}));
    fmt::print("softmax([[1000, 0]]) = {}   (the naive formula gives nan)\n", big.forward(y));
  }

  section("Exercises 8 and 9: L1 and L2 loss, with their gradients");
  {
    Graph g;
    Expr yhat = g.input("yhat", Tensor{.9, 0.2, 0.1, .4, .9}, /*requires_grad=*/true);
    Expr y = g.constant(Tensor{1, 0, 0, 1, 1}, "y");
    Expr loss1 = l1(yhat, y, "L1");
    Expr loss2 = l2(yhat, y, "L2");
    g.forward(loss1);
    g.backward(loss1);
    fmt::print("L1 = {}\n", loss1.value().item());
    fmt::print("dL1/dyhat = {}\n", yhat.grad());
    g.forward(loss2);
    g.backward(loss2);
    fmt::print("L2 = {}\n", loss2.value().item());
    fmt::print("dL2/dyhat = {}\n", yhat.grad());
  }

  section("Training: the course's planar flower, 400 points in two classes");
  {
    Dataset data = planar_flower();
    // Full-batch training with Adam; the course's figures are 47% for
    // logistic regression and about 90% for 4 tanh hidden units.
    auto train = [&](std::vector<std::int64_t> sizes, int epochs) {
      Graph g;
      Rng rng(1);
      Expr x = g.input("x", data.x);
      Expr y = g.input("y", data.y);
      MLP model(g, sizes, Activation::tanh, rng);
      Expr logits = model(x);
      Expr loss = bce_with_logits(logits, y, "loss");
      Adam optimizer(model.parameters(), 0.05);
      for (int epoch = 1; epoch <= epochs; ++epoch) {
        g.forward(loss);
        g.backward(loss);
        optimizer.step();
      }
      g.forward(logits);
      fmt::print("MLP {:<6} {} epochs: loss {:.4f}, train accuracy {:.4f}\n", fmt::format("{}", fmt::join(sizes, "-")),
                 epochs, loss.value().item(), accuracy(logits.value(), data.y));
    };
    train({2, 1}, 1000);     // logistic regression: a straight line
    train({2, 4, 1}, 1500);  // 4 tanh hidden units: the flower's petals
    fmt::print("(dagrad train --data planar --hidden 4 trains it from the command line)\n");
  }
  return exit_ok;
}

const CommandRegistration registration{
    "demo", "Run the course's exercises through graphs and print their values and gradients",
    [](CLI::App&) { return [] { return run_demo(); }; }};

}  // namespace
}  // namespace dagrad::cli

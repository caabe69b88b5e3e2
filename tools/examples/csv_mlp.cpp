// An MLP on your own CSV file: a header row, numeric feature columns and a
// column named "label" (numbers or names), in minibatches with Adam.
//   csv_mlp TRAIN.csv [TEST.csv]
//   csv_mlp tools/data/spirals_train.csv tools/data/spirals_test.csv
#include <cstdio>
#include <optional>

#include <dagrad/dagrad.hpp>
#include <fmt/format.h>

int main(int argc, char** argv) {
  using namespace dagrad;
  if (argc < 2 || argc > 3) {
    fmt::print(stderr, "usage: {} TRAIN.csv [TEST.csv]\n", argv[0]);
    return 2;
  }
  try {
    Dataset train = load_csv(argv[1]);
    std::optional<Dataset> test;
    if (argc == 3) test = load_csv(argv[2], {"label", train.classes});
    // Features on a common scale, with the training set's statistics.
    Standardizer standardizer = Standardizer::fit(train.x);
    standardizer.apply(train.x);
    if (test) standardizer.apply(test->x);

    Graph g;
    Rng rng(1);
    Expr x = g.input("x", Tensor(Shape{1, train.features()}));  // reshaped by each batch
    Expr y = g.input("y", Tensor(Shape{1, 1}));
    MLP model(g, {train.features(), 32, train.class_count()}, Activation::relu, rng);
    Expr logits = model(x);
    Expr loss = softmax_cross_entropy(logits, y, "loss");
    Adam optimizer(model.parameters(), 0.01);

    const int epochs = 300;
    Minibatches batches(train, 32, rng);
    ProgressBar progress(epochs);  // on a terminal only
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      for (const Batch& batch : batches) {
        g.set_value(x, batch.x);
        g.set_value(y, batch.y);
        g.forward(loss);
        g.backward(loss);
        optimizer.step();
      }
      progress.update(epoch, loss.value().item(), accuracy(logits.value(), y.value()));
    }
    progress.finish();

    g.set_value(x, train.x);
    fmt::print("classes: {}\n", fmt::join(train.classes, ", "));
    fmt::print("train accuracy: {:.4f}\n", accuracy(g.forward(logits), train.y));
    if (test) {
      g.set_value(x, test->x);
      fmt::print("test accuracy: {:.4f}\n", accuracy(g.forward(logits), test->y));
    }
  } catch (const Error& e) {
    fmt::print(stderr, "csv_mlp: {}\n", e.what());
    return 2;
  }
}

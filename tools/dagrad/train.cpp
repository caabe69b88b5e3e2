// `dagrad train`: trains an MLP classifier on a built-in data set or the
// user's CSV files and reports its accuracy.
//
// Loss: two classes use one output and bce_with_logits (the course's
// sigmoid output unit); three or more use one output per class and
// softmax_cross_entropy. Features are standardized with the training set's
// mean and standard deviation (also applied to the test set, and saved with
// the model), so CSV columns of any scale train with the same defaults.
//
// --dtype float32 trains the same model (the same initial draws) in single
// precision: the data and its standardization stay float64 and are
// converted as each batch enters the graph. --save writes a model file
// (dagrad/model.hpp) that `dagrad predict` runs.
//
// A run whose loss or parameters become NaN or infinite has diverged: it
// stops, names the epoch, saves nothing (unless --save-non-finite) and exits
// with status 1.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/data.hpp"
#include "dagrad/model.hpp"
#include "dagrad/nn.hpp"
#include "dagrad/optim.hpp"
#include "dagrad/train.hpp"
#include "train_report.hpp"

namespace dagrad::cli {
namespace {

struct TrainFlags {
  std::string data = "planar";
  std::string test;
  std::string label = "label";
  std::string hidden = "8";
  std::string activation = "tanh";
  std::int64_t epochs = 1000;
  std::int64_t batch = 32;
  double learning_rate = 0.02;
  std::string optimizer = "adam";
  std::uint64_t seed = 1;
  std::string save;
  bool save_non_finite = false;
  bool check_finite = false;
  std::string report;
  std::string dtype = "float64";
};

// "4" -> {4}; "32,16" -> {32, 16}; "0" -> {} (no hidden layer: logistic
// regression, or softmax regression).
std::vector<std::int64_t> parse_hidden(const std::string& text) {
  if (text == "0") return {};
  std::vector<std::int64_t> sizes;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t used = 0;
    long long size = 0;
    try {
      size = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || size < 1) {
      throw Error(fmt::format("\"{}\" is not a list of positive layer sizes such as 4 or 32,16 "
                              "(or 0 for no hidden layer)", text));
    }
    sizes.push_back(size);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return sizes;
}

Dataset load_training_data(const TrainFlags& flags) {
  if (flags.data == "planar") return planar_flower(400, std::uint32_t(1));
  if (flags.data == "moons") return two_moons(400, 0.15, 1);
  return load_csv(flags.data, {flags.label, {}, /*label_required=*/true});
}

std::unique_ptr<Optimizer> make_optimizer(const TrainFlags& flags, std::vector<Expr> parameters) {
  if (flags.optimizer == "sgd") return std::make_unique<SGD>(std::move(parameters), flags.learning_rate);
  if (flags.optimizer == "momentum") return std::make_unique<SGD>(std::move(parameters), flags.learning_rate, 0.9);
  return std::make_unique<Adam>(std::move(parameters), flags.learning_rate);
}

// Refuses a model this machine cannot hold before allocating any of it:
// parameters with their gradients and Adam's two moments, and the
// activations (value and gradient of a few nodes per layer) of the largest
// batch, which is the whole data set when accuracy is measured.
void check_model_fits(const std::vector<std::int64_t>& sizes, std::int64_t largest_batch, const TrainFlags& flags) {
  double parameters = 0, widths = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    widths += double(sizes[i]);
    if (i + 1 < sizes.size()) parameters += double(sizes[i]) * double(sizes[i + 1]) + double(sizes[i + 1]);
  }
  const double bytes = double(size_of(parse_dtype(flags.dtype))) * (4.0 * parameters + 8.0 * double(largest_batch) * widths);
  const double memory = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGESIZE));
  if (bytes > memory) {
    throw Error(fmt::format("--hidden {}: the model ({:.0f} parameters, layers {}) needs about {:.3g} GB, more than this "
                            "machine's {:.3g} GB of memory; choose smaller hidden layers",
                            flags.hidden, parameters, fmt::join(sizes, "-"), bytes / 1e9, memory / 1e9));
  }
}

// The first parameter holding NaN or an infinity, if any.
std::optional<std::string> non_finite_parameter(const std::vector<Expr>& parameters) {
  for (const Expr& p : parameters) {
    const TensorView& value = p.value();
    for (std::int64_t i = 0; i < value.size(); ++i) {
      if (!std::isfinite(value.get(i))) return fmt::format("parameter \"{}\" holds {}", p.name(), value.get(i));
    }
  }
  return std::nullopt;
}

// The accuracy of the model on a whole data set.
double evaluate(Graph& graph, Expr x, Expr logits, const Dataset& data) {
  graph.set_value(x, data.x);
  return accuracy(graph.forward(logits), data.y);
}

int run_train(const TrainFlags& flags) {
  const std::vector<std::int64_t> hidden = parse_hidden(flags.hidden);
  const Activation activation = parse_activation(flags.activation);
  const DType dtype = parse_dtype(flags.dtype);

  Dataset train = load_training_data(flags);
  if (train.class_count() < 2) {
    throw Error(fmt::format("{}: the label column \"{}\" holds a single class ({}); a classifier needs two or more",
                            flags.data, train.label_name, fmt::join(train.classes, ", ")));
  }
  std::optional<Dataset> test;
  if (!flags.test.empty()) {
    test = load_csv(flags.test, {flags.label, train.classes, /*label_required=*/true});
    if (test->feature_names != train.feature_names) {
      throw FileError(fmt::format("{}: the feature columns ({}) differ from the training data's ({})", flags.test,
                                  fmt::join(test->feature_names, ", "), fmt::join(train.feature_names, ", ")));
    }
  }
  Standardizer standardizer = Standardizer::fit(train.x);
  standardizer.apply(train.x);
  if (test) standardizer.apply(test->x);

  const bool binary = train.class_count() == 2;
  std::vector<std::int64_t> sizes{train.features()};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(binary ? 1 : train.class_count());
  check_model_fits(sizes, std::max({flags.batch, train.size(), test ? test->size() : 0}), flags);

  Graph graph;
  Rng rng(flags.seed);
  Expr x = graph.input("x", Tensor(Shape{1, train.features()}, dtype));
  Expr y = graph.input("y", Tensor(Shape{1, 1}, dtype));
  MLP model(graph, sizes, activation, rng, {}, dtype);
  Expr logits = model(x);
  Expr loss = binary ? bce_with_logits(logits, y, "loss") : softmax_cross_entropy(logits, y, "loss");
  std::unique_ptr<Optimizer> optimizer = make_optimizer(flags, model.parameters());

  fmt::print("training an MLP {} ({}) on {}: {} examples, {} features, {} classes\n", fmt::join(sizes, "-"),
             hidden.empty() ? std::string("no hidden layer") : std::string(to_string(activation)), flags.data,
             train.size(), train.features(), train.class_count());
  fmt::print("{} with learning rate {}, batch {}, {} epochs, seed {}{}\n", flags.optimizer, flags.learning_rate,
             flags.batch, flags.epochs, flags.seed, dtype == DType::float64 ? "" : ", in float32");
  std::fflush(stdout);

  Minibatches batches(train, flags.batch, rng);
  std::optional<TrainingRecorder> recorder;
  if (!flags.report.empty()) recorder.emplace(graph, x, y, logits, loss, test);
  ProgressBar progress(flags.epochs);
  std::optional<std::string> divergence;  // what went non-finite, if training diverged
  std::int64_t diverged_at = 0;  // the last epoch run: where it diverged, if it did
  for (std::int64_t epoch = 1; epoch <= flags.epochs && !divergence; ++epoch) {
    diverged_at = epoch;
    double loss_sum = 0, correct = 0;
    try {
      for (const Batch& batch : batches) {
        graph.set_value(x, batch.x);
        graph.set_value(y, batch.y);
        graph.forward(loss, ForwardOptions{.check_finite = flags.check_finite});
        graph.backward(loss, BackwardOptions{.check_finite = flags.check_finite});
        optimizer->step();
        double rows = double(batch.y.size());
        loss_sum += loss.value().item() * rows;
        correct += accuracy(logits.value(), batch.y) * rows;
      }
    } catch (const NonFiniteError& e) {
      divergence = e.what();  // names the node (--check-finite)
      break;
    }
    progress.update(epoch, loss_sum / double(train.size()), correct / double(train.size()));
    // The loss can stay finite while a step sends a parameter to NaN.
    if (!std::isfinite(loss_sum)) {
      divergence = fmt::format("the loss is {}", loss_sum / double(train.size()));
    } else {
      divergence = non_finite_parameter(model.parameters());
    }
    if (recorder) recorder->end_epoch(epoch, loss_sum / double(train.size()), correct / double(train.size()));
  }
  progress.finish();

  // The model file: the graph up to the logits (the loss is left out), its
  // parameters, and the standardization; the input holds one row of zeros
  // rather than the last data it saw.
  auto save = [&] {
    graph.set_value(x, Tensor(Shape{1, train.features()}, dtype));
    save_model(flags.save, graph, x, std::span<const Expr>(&logits, 1),
               ModelMetadata{train.feature_names, train.label_name, train.classes, standardizer});
    fmt::print("saved the model to {}\n", flags.save);
  };
  if (divergence) {
    // Non-finite parameters are saved only when asked for (to inspect them).
    if (flags.save_non_finite && !flags.save.empty()) save();
    fmt::print(stderr, "dagrad train: training diverged at epoch {}: {} (learning rate {}; try a smaller --lr)\n",
               diverged_at, *divergence, flags.learning_rate);
    return exit_failed;
  }

  const double train_accuracy = evaluate(graph, x, logits, train);
  const double test_accuracy = test ? evaluate(graph, x, logits, *test) : 0.0;
  if (!flags.save.empty()) save();
  if (recorder) {
    std::vector<std::string> summary{
        fmt::format("data: {} ({} examples, {} features, {} classes)", flags.data, train.size(), train.features(),
                    train.class_count()),
        fmt::format("model: MLP {} ({}), {} with learning rate {}, batch {}, {} epochs, seed {}", fmt::join(sizes, "-"),
                    hidden.empty() ? std::string("no hidden layer") : std::string(to_string(activation)),
                    flags.optimizer, flags.learning_rate, flags.batch, flags.epochs, flags.seed),
        test ? fmt::format("train accuracy {:.4f}, test accuracy {:.4f}", train_accuracy, test_accuracy)
             : fmt::format("train accuracy {:.4f}", train_accuracy)};
    recorder->write(flags.report, "dagrad train on " + flags.data, summary, train, standardizer);
    fmt::print("wrote the training report to {}\n", flags.report);
  }
  fmt::print("train accuracy: {:.4f}\n", train_accuracy);
  if (test) fmt::print("test accuracy: {:.4f}\n", test_accuracy);
  return exit_ok;
}

const CommandRegistration registration{
    "train", "Train an MLP classifier on a built-in data set (planar, moons) or a CSV file",
    [](CLI::App& app) {
      auto flags = std::make_shared<TrainFlags>();
      app.add_option("--data", flags->data, "planar (the course's flower), moons, or a CSV file")
          ->capture_default_str();
      app.add_option("--test", flags->test, "A held-out CSV file with the same columns, for the test accuracy");
      app.add_option("--label", flags->label, "The CSV label column's name")->capture_default_str();
      app.add_option("--hidden", flags->hidden, "Hidden layer sizes: 4, or 32,16 for two layers; 0 for none")
          ->check(CLI::Validator(
              [](std::string& text) {
                try {
                  parse_hidden(text);
                  return std::string();
                } catch (const Error& e) {
                  return std::string(e.what());
                }
              },
              "SIZES"))
          ->capture_default_str();
      app.add_option("--activation", flags->activation, "Hidden activation")
          ->check(CLI::IsMember({"tanh", "relu"}))
          ->capture_default_str();
      app.add_option("--epochs", flags->epochs, "Passes over the training data")
          ->check(CLI::Range(std::int64_t(1), std::int64_t(10'000'000)))
          ->capture_default_str();
      app.add_option("--batch", flags->batch, "Minibatch size (larger than the data: full batch)")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      app.add_option("--lr", flags->learning_rate, "Learning rate")->check(CLI::PositiveNumber)->capture_default_str();
      app.add_option("--optimizer", flags->optimizer, "sgd, momentum (SGD with momentum 0.9) or adam")
          ->check(CLI::IsMember({"sgd", "momentum", "adam"}))
          ->capture_default_str();
      app.add_option("--seed", flags->seed, "Seed of the initial weights and the batch order")->capture_default_str();
      app.add_option("--save", flags->save,
                     "Write the trained model (graph, parameters, standardization) to this model file, for "
                     "`dagrad predict`");
      app.add_option("--dtype", flags->dtype, "Train in float64 or float32")
          ->check(CLI::IsMember({"float64", "float32"}))
          ->capture_default_str();
      app.add_flag("--check-finite", flags->check_finite,
                   "Check every value and gradient while training: a diverging run names the first node that "
                   "became NaN or infinite, its op and its inputs' ranges");
      app.add_flag("--save-non-finite", flags->save_non_finite,
                   "When training diverges (exit status 1), still save the non-finite parameters to --save "
                   "(otherwise nothing is saved)");
      app.add_option("--report", flags->report,
                     "Write a training report here (run.html: loss and accuracy per epoch, the decision boundary of "
                     "two-feature data) and its charts beside it (run-loss.svg, ...)");
      app.footer("Two classes train one output with bce_with_logits; more train one output per class with "
                 "softmax_cross_entropy. Ends with `train accuracy: ...` (and `test accuracy: ...`).");
      return [flags] { return run_train(*flags); };
    }};

}  // namespace
}  // namespace dagrad::cli

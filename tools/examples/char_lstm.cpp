// A character-level LSTM language model: it reads a text (the shipped
// tools/data/alice_chapter1.txt, the opening of Lewis Carroll's "Alice's
// Adventures in Wonderland", 1865, public domain), learns to predict each
// next character from the ones before, reports its loss in nats per
// character (ln(vocabulary) for guessing uniformly) and samples new text.
//
//   char_lstm TEXT_FILE [--float32]
//
// Model: Embedding(vocab, 16) -> LSTM(16, 128) -> Linear(128, vocab) over
// windows of 32 characters, 16 windows per batch, Adam.
#include <dagrad/dagrad.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  using namespace dagrad;
  if (argc < 2) {
    fmt::print(stderr, "usage: char_lstm TEXT_FILE [--float32]\n");
    return 2;
  }
  std::ifstream file(argv[1]);
  if (!file) {
    fmt::print(stderr, "char_lstm: cannot open \"{}\": {}\n", argv[1], std::strerror(errno));
    return 2;
  }
  const DType dtype = argc > 2 && std::string(argv[2]) == "--float32" ? DType::float32 : DType::float64;
  std::stringstream contents;
  contents << file.rdbuf();
  const std::string text = contents.str();

  // The vocabulary: every distinct character, in byte order.
  std::map<char, int> index;
  for (char ch : text) index.emplace(ch, 0);
  std::string characters;
  for (auto& [ch, i] : index) {
    i = int(characters.size());
    characters.push_back(ch);
  }
  const std::int64_t vocab = std::int64_t(characters.size()), seq = 32, batch = 16, hidden = 128;
  if (std::int64_t(text.size()) < seq + 2) {
    fmt::print(stderr, "char_lstm: \"{}\" is too short: it needs at least {} characters\n", argv[1], seq + 2);
    return 2;
  }

  Graph g;
  Rng rng(1);
  Embedding embed(g, vocab, 16, rng, "embed", dtype);
  LSTM lstm(g, 16, hidden, rng, "lstm", dtype);
  Linear readout(g, hidden, vocab, rng, "readout", init::Method::xavier_uniform, dtype);
  auto model = [&](Expr chars, std::int64_t length, std::int64_t windows) {
    return readout(reshape(lstm(embed(chars)), {length * windows, hidden}));  // (length * windows, vocab) logits
  };
  Expr chars = g.input("chars", Tensor(Shape{seq, batch}));  // character indices, (time, window)
  Expr next_chars = g.input("next_chars", Tensor(Shape{seq * batch}, dtype));
  Expr loss = softmax_cross_entropy(model(chars, seq, batch), next_chars, "loss");
  Adam optimizer(g.parameters(), 0.01);

  // Each step: 16 windows at random places in the text.
  std::uniform_int_distribution<std::size_t> start(0, text.size() - std::size_t(seq) - 1);
  Tensor window_chars(Shape{seq, batch}), window_next(Shape{seq * batch});
  const int steps = 500, report_every = 100;
  double recent = 0;
  for (int step = 1; step <= steps; ++step) {
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::size_t s = start(rng);
      for (std::int64_t t = 0; t < seq; ++t) {
        window_chars.set(t * batch + b, index[text[s + std::size_t(t)]]);
        window_next.set(t * batch + b, index[text[s + std::size_t(t) + 1]]);
      }
    }
    g.set_value(chars, window_chars);
    g.set_value(next_chars, window_next.to(dtype));
    recent += g.forward(loss).get(0);
    g.backward(loss);
    optimizer.step();
    if (step % report_every == 0) {
      fmt::print("step {:4}  loss {:.4f}\n", step, recent / report_every);
      if (step < steps) recent = 0;
    }
  }
  fmt::print("vocabulary: {} characters, uniform guessing: {:.4f} nats per character\n", vocab,
             std::log(double(vocab)));
  fmt::print("final loss: {:.4f} nats per character (mean of the last {} steps)\n", recent / report_every,
             report_every);

  // Sampling: the same layers on a window of the last 32 characters, one
  // sequence; the next character is drawn from softmax(logits / 0.7) of the
  // window's last step.
  Expr prompt = g.input("prompt", Tensor(Shape{seq, 1}));
  Expr prompt_logits = model(prompt, seq, 1);
  std::string sample = text.substr(0, std::size_t(seq));
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int n = 0; n < 300; ++n) {
    Tensor window(Shape{seq, 1});
    for (std::int64_t t = 0; t < seq; ++t) window.set(t, index[sample[sample.size() - std::size_t(seq - t)]]);
    g.set_value(prompt, window);
    const TensorView& logits = g.forward(prompt_logits);
    std::vector<double> weights(static_cast<std::size_t>(vocab));
    double total = 0, largest = -INFINITY;
    for (std::int64_t v = 0; v < vocab; ++v) largest = std::max(largest, logits.get((seq - 1) * vocab + v));
    for (std::int64_t v = 0; v < vocab; ++v) {
      total += weights[std::size_t(v)] = std::exp((logits.get((seq - 1) * vocab + v) - largest) / 0.7);
    }
    double pick = uniform(rng) * total;
    std::size_t chosen = 0;
    while (chosen + 1 < weights.size() && pick >= weights[chosen]) pick -= weights[chosen++];
    sample.push_back(characters[chosen]);
  }
  fmt::print("sample:\n{}\n", sample);
}

// lstm_step/seq32 in64 h128 b16 (and its f32 twin), as WORKLOADS.md
// defines it: an LSTM layer over 32 steps of batch 16, input 64, hidden 128,
// zero initial state; dense 10 on the last hidden state; mean softmax
// cross-entropy; backward; SGD lr 0.1 on every parameter.
#include "model_step.hpp"

namespace {
using namespace dagrad;

constexpr std::int64_t seq = 32, batch = 16, in = 64, hidden = 128, classes = 10;

class LstmStep : public bench::ModelStep {
 public:
  explicit LstmStep(DType dtype) {
    Rng rng(0);
    Expr x = graph.input("x", random_normal({seq, batch, in}, rng).to(dtype));
    Expr labels = graph.input("labels", random_labels(batch, classes, rng, dtype));
    LSTM lstm(graph, in, hidden, rng, "lstm", dtype);
    Expr states = lstm(x);  // (seq, batch, hidden)
    // The last hidden state, states[seq - 1] (PyTorch's select(0, 31)): a
    // one-hot row times the steps as rows, until a slice op exists.
    Tensor last_step(Shape{1, seq});
    last_step.set(seq - 1, 1.0);
    Expr last = reshape(matmul(graph.constant(last_step.to(dtype), "last_step"), reshape(states, {seq, batch * hidden})),
                        {batch, hidden});
    Linear dense(graph, hidden, classes, rng, "dense", init::Method::xavier_uniform, dtype);
    finish(softmax_cross_entropy(dense(last), labels));
  }
};

// WORKLOADS.md's count: 2 * seq * batch * 4 hidden * (in + hidden) per pass
// of the LSTM's products, three passes (forward, and backward to inputs and
// weights), plus the dense layer's.
constexpr double flops = 3.0 * 2 * seq * batch * 4 * hidden * (in + hidden) + 3.0 * 2 * batch * hidden * classes;

const bool registered =
    bench::register_model_step("lstm_step/seq32 in64 h128 b16", flops,
                               [] { return std::make_unique<LstmStep>(DType::float64); }) &&
    bench::register_model_step("lstm_step/seq32 in64 h128 b16 f32", flops,
                               [] { return std::make_unique<LstmStep>(DType::float32); });
}  // namespace

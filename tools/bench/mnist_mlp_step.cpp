// mnist_mlp_step/784-256-10 b128 (and its f32 twin), as WORKLOADS.md
// defines it: batch 128 of 784 features, relu hidden layer of 256 with
// bias, 10 logits with bias, mean softmax cross-entropy, backward, SGD lr
// 0.1 on every parameter.
#include "model_step.hpp"

namespace {
using namespace dagrad;

constexpr std::int64_t batch = 128, features = 784, hidden = 256, classes = 10;

class MnistMlpStep : public bench::ModelStep {
 public:
  explicit MnistMlpStep(DType dtype) {
    Rng rng(0);
    Expr x = graph.input("x", random_normal({batch, features}, rng).to(dtype));
    Expr labels = graph.input("labels", random_labels(batch, classes, rng, dtype));
    MLP mlp(graph, {features, hidden, classes}, Activation::relu, rng, "mlp", dtype);
    finish(softmax_cross_entropy(mlp(x), labels));
  }
};

// WORKLOADS.md's count: the forward products, the weight gradients of both
// layers and the hidden layer's input gradient (the data takes none).
constexpr double flops = 2.0 * batch * (features * hidden + hidden * classes) * 2 + 2.0 * batch * hidden * classes;

const bool registered =
    bench::register_model_step("mnist_mlp_step/784-256-10 b128", flops,
                               [] { return std::make_unique<MnistMlpStep>(DType::float64); }) &&
    bench::register_model_step("mnist_mlp_step/784-256-10 b128 f32", flops,
                               [] { return std::make_unique<MnistMlpStep>(DType::float32); });
}  // namespace

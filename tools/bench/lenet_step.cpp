// lenet_step/1x28x28 b32 (and its f32 twin), as WORKLOADS.md defines it: batch 32 of 1x28x28 images (NCHW);
// conv 6@5x5 + bias, relu, 2x2 max pool; conv 16@5x5 + bias, relu, 2x2 max pool; flatten to 256; dense 120
// relu; dense 84 relu; dense 10; mean softmax cross-entropy, backward, SGD lr 0.1 on every parameter. Written
// with nn's layers (Conv2d, MaxPool2d, flatten, Linear) as a user would.
#include "model_step.hpp"

namespace {
using namespace dagrad;

constexpr std::int64_t batch = 32, classes = 10;

class LenetStep : public bench::ModelStep {
 public:
  explicit LenetStep(DType dtype) {
    Rng rng(0);
    Expr x = graph.input("x", random_normal({batch, 1, 28, 28}, rng).to(dtype));
    Expr labels = graph.input("labels", random_labels(batch, classes, rng, dtype));
    Conv2d conv1(graph, 1, 6, {5, 5}, rng, "conv1", {}, true, dtype);
    Conv2d conv2(graph, 6, 16, {5, 5}, rng, "conv2", {}, true, dtype);
    Linear fc1(graph, 256, 120, rng, "fc1", init::Method::he_uniform, dtype);
    Linear fc2(graph, 120, 84, rng, "fc2", init::Method::he_uniform, dtype);
    Linear fc3(graph, 84, classes, rng, "fc3", init::Method::xavier_uniform, dtype);
    MaxPool2d pool({2, 2});
    Expr h = flatten(pool(relu(conv2(pool(relu(conv1(x)))))));
    finish(softmax_cross_entropy(fc3(relu(fc2(relu(fc1(h))))), labels));
  }
};

// WORKLOADS.md's count (convolutions and matrix products only): about 48 MFLOP.
constexpr double flops = 48e6;

const bool registered =
    bench::register_model_step("lenet_step/1x28x28 b32", flops,
                               [] { return std::make_unique<LenetStep>(DType::float64); }) &&
    bench::register_model_step("lenet_step/1x28x28 b32 f32", flops,
                               [] { return std::make_unique<LenetStep>(DType::float32); });
}  // namespace

// Two user ops in a plugin: my_cube (correct) and my_square_wrong (its
// backward is 2.2 x where it should be 2 x, for the checker to find).
#include <dagrad/plugin.hpp>

namespace {
using namespace dagrad;

// y = x^3; dx = dy * 3 x^2
class MyCube final : public Op {
 public:
  std::string_view name() const override { return "my_cube"; }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> in, TensorView out) override {
    for (std::int64_t k = 0; k < out.size(); ++k) out[k] = in[0][k] * in[0][k] * in[0][k];
  }
  void backward(std::span<const TensorView> in, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (std::int64_t k = 0; k < dy.size(); ++k) {
      double g = dy[k] * 3 * in[0][k] * in[0][k];
      grads[0].grad[k] = grads[0].accumulate ? grads[0].grad[k] + g : g;
    }
  }
};

// y = x^2; the backward is deliberately wrong: dx = dy * 2.2 x.
class MySquareWrong final : public Op {
 public:
  std::string_view name() const override { return "my_square_wrong"; }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  void forward(std::span<const TensorView> in, TensorView out) override {
    for (std::int64_t k = 0; k < out.size(); ++k) out[k] = in[0][k] * in[0][k];
  }
  void backward(std::span<const TensorView> in, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (std::int64_t k = 0; k < dy.size(); ++k) {
      double g = dy[k] * 2.2 * in[0][k];
      grads[0].grad[k] = grads[0].accumulate ? grads[0].grad[k] + g : g;
    }
  }
};
}  // namespace

DAGRAD_PLUGIN(registry) {
  registry.add<MyCube>("my_cube");
  registry.add<MySquareWrong>("my_square_wrong");
}

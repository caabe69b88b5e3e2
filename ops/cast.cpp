// y = x converted to another dtype (float32 <-> float64); dx = dy converted back
//
// Ops refuse to mix dtypes; cast is the explicit conversion, and it is
// differentiable, so a float32 model can feed a float64 loss and back.
// Attribute {"dtype": "float32" | "float64"}.
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Cast final : public Op {
 public:
  explicit Cast(const Attrs& attrs) {
    attrs.expect_only("cast", {"dtype"});
    dtype_ = attrs.has("dtype") ? parse_dtype(attrs.get_string("cast", "dtype")) : DType::float64;
  }
  explicit Cast(DType dtype) : dtype_(dtype) {}

  std::string_view name() const override { return "cast"; }
  Attrs attrs() const override { return {{"dtype", std::string(to_string(dtype_))}}; }
  std::string label() const override { return fmt::format("cast {}", dtype_); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  DType infer_dtype(std::span<const DType>) const override { return dtype_; }
  void forward(std::span<const TensorView> inputs, TensorView output) override { output.copy_from(inputs[0]); }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    GradientSlot& slot = grads[0];
    visit_dtype(slot.grad.dtype(), [&]<class To>() {
      visit_dtype(dy.dtype(), [&]<class From>() {
        write_gradient(slot, flat<From>(dy).template cast<To>());
      });
    });
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {cast(dy, x[0].dtype())};
  }

  // Normal inputs cast to float64 (gradient checks run in float64).
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases = same_shape_examples(rng, 1);
    for (OpExample& example : cases) example.attrs = {{"dtype", std::string("float64")}};
    return cases;
  }

 private:
  DType dtype_;
};
}  // namespace

namespace dagrad {
Expr cast(Expr x, DType dtype, std::string name) {
  return x.graph().add_op(std::make_unique<Cast>(dtype), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(cast, Cast)

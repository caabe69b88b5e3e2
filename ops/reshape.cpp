// y = x viewed in shape s (C order, NumPy's reshape; one -1 is inferred); dx = dy viewed in x's shape
#include <algorithm>
#include <cstring>

#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Reshape final : public Op {
 public:
  explicit Reshape(const Attrs& attrs) {
    attrs.expect_only("reshape", {"shape"});
    target_ = attrs.get_ints("reshape", "shape");
    if (target_.size() > std::size_t(Shape::max_rank)) {
      throw ShapeError(fmt::format("reshape: a shape has at most {} dimensions, got {}", Shape::max_rank, target_.size()));
    }
    if (std::count(target_.begin(), target_.end(), -1) > 1) {
      throw ShapeError(fmt::format("reshape: at most one dimension may be -1, got ({})", fmt::join(target_, ", ")));
    }
    for (auto d : target_) {
      if (d < -1) throw ShapeError(fmt::format("reshape: dimension {} in ({}) is negative", d, fmt::join(target_, ", ")));
    }
  }

  std::string_view name() const override { return "reshape"; }
  Attrs attrs() const override { return {{"shape", target_}}; }
  std::string label() const override { return fmt::format("reshape ({})", fmt::join(target_, ", ")); }

  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    std::vector<std::int64_t> dims = target_;
    std::int64_t known = 1;
    for (auto d : dims) known *= d == -1 ? 1 : d;
    auto inferred = std::find(dims.begin(), dims.end(), -1);
    std::int64_t elements = inputs[0].elements();
    if (inferred != dims.end() && known != 0 && elements % known == 0) *inferred = elements / known;
    Shape result(std::span<const std::int64_t>(dims.data(), dims.size()));
    if ((inferred != dims.end() && (known == 0 || elements % known != 0)) || result.elements() != elements) {
      throw ShapeError(fmt::format("cannot reshape shape {} ({} elements) into ({})", inputs[0], elements,
                                   fmt::join(target_, ", ")));
    }
    return result;
  }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    flat(output) = flat(inputs[0]);
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    write_gradient(grads[0], flat(dy));
  }

  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (const Shape& shape : standard_shapes(rng)) {
      cases.push_back({{random_normal(shape, rng)}, {{"shape", std::vector<std::int64_t>{-1, 1}}}, {}});
    }
    // The course's image2vector: (3, 3, 2) -> (18, 1); and a non-trivial target.
    cases.push_back({{random_normal(Shape{3, 3, 2}, rng)}, {{"shape", std::vector<std::int64_t>{-1, 1}}}, {}});
    cases.push_back({{random_normal(Shape{2, 6}, rng)}, {{"shape", std::vector<std::int64_t>{3, -1, 2}}}, {}});
    return cases;
  }

 private:
  std::vector<std::int64_t> target_;
};
}  // namespace

namespace dagrad {
Expr reshape(Expr x, const Shape& shape, std::string name) {
  std::vector<std::int64_t> dims(shape.dims().begin(), shape.dims().end());
  return x.graph().add(std::make_unique<Reshape>(Attrs{{"shape", dims}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(reshape, Reshape)

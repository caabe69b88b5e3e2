// y = x viewed in shape s (C order, NumPy's reshape; one -1 is inferred); dx = dy viewed in x's shape
#include <algorithm>
#include <cstring>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class Reshape final : public ElementOrderOp<Reshape> {
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
    std::vector<std::int64_t> dims = target_;
    std::vector<std::int64_t> given;  // the dimensions other than -1, multiplied without overflow
    for (auto d : dims) {
      if (d != -1) given.push_back(d);
    }
    const std::int64_t known = checked_elements(given);
    auto inferred = std::find(dims.begin(), dims.end(), -1);
    const std::int64_t elements = inputs[0].elements();
    const bool fits = inferred != dims.end() ? known != 0 && elements % known == 0 : known == elements;
    if (!fits) {
      throw ShapeError(fmt::format("cannot reshape shape {} ({} elements) into ({})", inputs[0], elements,
                                   fmt::join(target_, ", ")));
    }
    if (inferred != dims.end()) *inferred = elements / known;
    Shape result(std::span<const std::int64_t>(dims.data(), dims.size()));
    return result;
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
Expr reshape(Expr x, std::vector<std::int64_t> shape, std::string name) {
  return x.graph().add_op(std::make_unique<Reshape>(Attrs{{"shape", std::move(shape)}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(reshape, Reshape)

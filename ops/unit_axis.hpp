// What expand_dims.cpp and squeeze.cpp share: an op that adds or removes
// one axis of length 1, given by the attribute {"axis": k}. The elements
// keep their order (ElementOrderOp: zero-copy forward, dy as the gradient
// in x's shape). Each op adds its shape rule and its examples.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace dagrad::unit_axis {

// Derived names itself in `static constexpr std::string_view op_name`.
template <class Derived>
class UnitAxisOp : public ElementOrderOp<Derived> {
 public:
  explicit UnitAxisOp(const Attrs& attrs) {
    attrs.expect_only(Derived::op_name, {"axis"});
    axis_ = attrs.get_int(Derived::op_name, "axis");
  }

  std::string_view name() const override { return Derived::op_name; }
  Attrs attrs() const override { return {{"axis", axis_}}; }
  std::string label() const override { return fmt::format("{} axis={}", Derived::op_name, axis_); }
  // The builders' node.
  static Expr add_to(Expr x, std::int64_t axis, std::string name) {
    return x.graph().add_op(std::make_unique<Derived>(Attrs{{"axis", axis}}), {x}, std::move(name));
  }

 protected:
  std::int64_t axis_ = 0;
};

}  // namespace dagrad::unit_axis

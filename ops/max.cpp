// y = max of x over every element or over one axis; dx = dy / t at the t elements equal to y, 0 elsewhere
//
// PyTorch's amax(x, dim, keepdim): tied maxima share the gradient evenly
// (max([1, 3, 3]) sends dy / 2 to each 3), and a NaN in the lane gives NaN.
// Attributes {"axis": k, "keepdims": bool} as sum's; no axis reduces every
// element. A non-empty result over an empty axis is an error (NumPy and
// PyTorch refuse it too). Kinks: where an element ties the largest of the
// others (dagrad/reduction.hpp's extreme_kink_offset), skipped by checks.
// The op class is extreme.hpp's ExtremeOp, shared by max.cpp and min.cpp.
#include "extreme.hpp"

namespace {
using Max = dagrad::extreme::ExtremeOp</*Largest=*/true>;
}  // namespace

namespace dagrad {
Expr max(Expr x, std::string name) { return Max::add_to(x, std::nullopt, std::move(name)); }
Expr max(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return Max::add_to(x, AxisReduction(axis, keepdims), std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(max, Max)

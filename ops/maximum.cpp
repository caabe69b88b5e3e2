// y = max(a, b) elementwise (NumPy broadcasting); da = dy where a > b, db = dy where b > a, each summed to its input's shape
//
// Ties split the gradient as PyTorch's maximum does: where a == b each input
// gets dy / 2 (the kink is at a == b). A NaN in either input gives NaN, and
// then both inputs get dy (PyTorch masks only where a < b or a > b).
// The op class is tie_splitting.hpp's TieSplittingOp, shared by maximum.cpp
// and minimum.cpp.
#include "tie_splitting.hpp"

namespace {
using Maximum = dagrad::tie_splitting::TieSplittingOp</*Largest=*/true>;
}  // namespace

namespace dagrad {
Expr maximum(Expr a, Expr b, std::string name) { return Maximum::add_to(a, b, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(maximum, Maximum)

// Helpers for elementwise ops written with broadcast_apply: a scalar
// function of two values lifted to the operands broadcast_apply passes (Eigen
// arrays on its fast paths, plain scalars on its index loop), for functions
// that arithmetic operators cannot spell (comparisons, selections, maximum).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <type_traits>

#include "dagrad/broadcast.hpp"

namespace dagrad {

// The shape rule of an op over two inputs of one shape (no broadcasting):
// throws ShapeError "input shapes (2, 3) and (3, 2) differ".
inline const Shape& equal_shapes(std::span<const Shape> inputs) {
  if (inputs[0] != inputs[1]) throw ShapeError(fmt::format("input shapes {} and {} differ", inputs[0], inputs[1]));
  return inputs[0];
}

// pairwise([](T a, T b) { return a > b ? a : b; }) is a function that
// broadcast_apply<T> can call with either kind of operand.
template <class Function>
auto pairwise(Function f) {
  return [f](const auto& a, const auto& b) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(a)>>) {
      return f(a, b);
    } else {
      return a.binaryExpr(b, f);
    }
  };
}

// The index loop of an op with N broadcast operands (where has three): calls
// visit(i, offsets) for each element i of the result `shape` in row-major
// order, offsets[k] being the element of operand k that broadcasts to it.
// One odometer over the result, each operand's offset advanced by its
// broadcast strides.
template <std::size_t N, class Visit>
void for_each_broadcast(const std::array<Shape, N>& operands, const Shape& shape, Visit visit) {
  std::array<std::array<std::int64_t, Shape::max_rank>, N> strides;
  for (std::size_t k = 0; k < N; ++k) strides[k] = broadcast_strides(operands[k], shape);
  std::array<std::int64_t, Shape::max_rank> index{};
  std::array<std::int64_t, N> offsets{};
  for (std::int64_t i = 0; i < shape.elements(); ++i) {
    visit(i, offsets);
    for (int axis = shape.rank() - 1; axis >= 0; --axis) {
      for (std::size_t k = 0; k < N; ++k) offsets[k] += strides[k][axis];
      if (++index[axis] < shape[axis]) break;
      for (std::size_t k = 0; k < N; ++k) offsets[k] -= strides[k][axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

// The kink offset of a tie-breaking op of two broadcast operands (maximum,
// minimum): element `element` of `a` meets one or more elements of `b` in
// the broadcast result; of those meetings, the signed a - b nearest to the
// tie a == b. Its sign changes when a perturbation moves a across any b it
// meets.
inline double nearest_tie_offset(const TensorView& a, const TensorView& b, std::int64_t element) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  const auto stride_a = broadcast_strides(a.shape(), shape), stride_b = broadcast_strides(b.shape(), shape);
  double nearest = INFINITY;
  for (std::int64_t i = 0; i < shape.elements(); ++i) {
    std::int64_t offset_a = 0, offset_b = 0, rest = i;
    for (int axis = shape.rank() - 1; axis >= 0; --axis) {
      const std::int64_t index = rest % shape[axis];
      rest /= shape[axis];
      offset_a += index * stride_a[axis];
      offset_b += index * stride_b[axis];
    }
    const double difference = a.get(offset_a) - b.get(offset_b);
    if (offset_a == element && std::abs(difference) < std::abs(nearest)) nearest = difference;
  }
  return nearest;
}

// Operands for gradient checks of a tie-breaking op: broadcast pairs whose
// every two values differ by at least 0.1 (a near an integer, b near a half
// integer), so no check meets a tie.
inline std::vector<OpExample> untied_broadcast_examples(Rng& rng) {
  std::vector<OpExample> cases;
  std::uniform_int_distribution<int> whole(-3, 3);
  auto near = [&](const Shape& shape, double shift) {
    Tensor t = random_uniform(shape, rng, -0.2, 0.2);
    for (double& v : t) v += whole(rng) + shift;
    return t;
  };
  for (const auto& [a, b] : broadcast_example_shapes(rng)) cases.push_back({{near(a, 0.0), near(b, 0.5)}, {}, {}});
  return cases;
}

}  // namespace dagrad

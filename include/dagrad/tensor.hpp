// Shape, TensorView and Tensor: N-dimensional float64 data, contiguous and
// row-major (C order) like NumPy, so that reshape has NumPy's meaning.
//
// TensorView is a non-owning window (a shape plus a data pointer); it is what
// ops read and write. Tensor is a TensorView that owns its buffer.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dagrad/error.hpp"

namespace dagrad {

// Dimensions of a tensor, rank 0 (a scalar) up to Shape::max_rank. Stored
// inline, so copying a shape never allocates.
class Shape {
 public:
  static constexpr int max_rank = 8;

  Shape() = default;  // rank 0: a scalar
  Shape(std::initializer_list<std::int64_t> dims);
  explicit Shape(std::span<const std::int64_t> dims);

  int rank() const { return rank_; }
  // Number of elements: the product of the dimensions (1 for a scalar).
  // Inline: every kernel asks for it, and per-node overhead counts.
  std::int64_t elements() const {
    std::int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[i];
    return n;
  }
  std::int64_t operator[](int axis) const { return dims_[axis]; }
  std::int64_t& operator[](int axis) { return dims_[axis]; }
  std::span<const std::int64_t> dims() const { return {dims_.data(), std::size_t(rank_)}; }
  // Size of the last axis (1 for a scalar); rows() * last() == elements().
  std::int64_t last() const { return rank_ == 0 ? 1 : dims_[rank_ - 1]; }
  std::int64_t rows() const;
  bool is_scalar() const { return elements() == 1 && rank_ == 0; }

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<std::int64_t, max_rank> dims_{};
  int rank_ = 0;
};

// "(3, 4)"; a rank-1 shape prints as "(5,)" and a scalar as "()", as in NumPy.
std::string to_string(const Shape& shape);

// A non-owning, contiguous row-major view of float64 data.
class TensorView {
 public:
  TensorView() = default;
  TensorView(const Shape& shape, double* data) : shape_(shape), data_(data) {}

  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  std::int64_t size() const { return shape_.elements(); }
  double* data() { return data_; }
  const double* data() const { return data_; }
  double& operator[](std::int64_t flat_index) { return data_[flat_index]; }
  double operator[](std::int64_t flat_index) const { return data_[flat_index]; }
  double* begin() { return data_; }
  double* end() { return data_ + size(); }
  const double* begin() const { return data_; }
  const double* end() const { return data_ + size(); }

  // Element at a multi-dimensional index; throws on a wrong rank or an index
  // out of range.
  double& at(std::initializer_list<std::int64_t> index);
  double at(std::initializer_list<std::int64_t> index) const;
  // The value of a one-element tensor; throws otherwise.
  double item() const;
  // Flat (row-major) index of a multi-dimensional index and back.
  std::int64_t flat_index(std::span<const std::int64_t> index) const;
  std::vector<std::int64_t> unravel(std::int64_t flat_index) const;

  void fill(double value);
  void copy_from(const TensorView& other);  // shapes must have equal element counts

 protected:
  Shape shape_;
  double* data_ = nullptr;
};

// Allocates on 64-byte boundaries (a cache line, one AVX-512 vector). Eigen's
// vectorized loops then start on an aligned element with no scalar head; on a
// small tensor that head (a scalar exp per element, say) costs more than the
// vector body.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t alignment{64};
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
  void deallocate(T* p, std::size_t n) noexcept { ::operator delete(p, n * sizeof(T), alignment); }
  template <class U>
  friend bool operator==(const AlignedAllocator&, const AlignedAllocator<U>&) { return true; }
};

// The buffer a Tensor owns.
using TensorStorage = std::vector<double, AlignedAllocator<double>>;

// A tensor that owns its values. Copies copy the data.
class Tensor : public TensorView {
 public:
  Tensor() : Tensor(Shape{}) {}                        // scalar 0
  explicit Tensor(const Shape& shape);                 // zeros of a shape
  Tensor(const Shape& shape, std::vector<double> values);  // throws ShapeError on a count mismatch
  Tensor(const Shape& shape, double fill_value);
  static Tensor scalar(double value);
  static Tensor from(const TensorView& view);          // a copy of a view

  // Nested lists, as NumPy's array([...]); ragged lists throw ShapeError.
  Tensor(std::initializer_list<double> values);
  Tensor(std::initializer_list<std::initializer_list<double>> rows);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> blocks);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<double>>>> blocks);

  Tensor(const Tensor& other);
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(const Tensor& other);
  Tensor& operator=(Tensor&& other) noexcept;

  // Gives the tensor a new shape; keeps the buffer when the element count is
  // unchanged (no allocation), otherwise reallocates and zero-fills.
  void resize(const Shape& shape);
  // Same data, new shape with the same element count (a -1 is not allowed here).
  Tensor reshaped(const Shape& shape) const;
  const TensorStorage& values() const { return storage_; }

 private:
  TensorStorage storage_;
};

// Exact element-wise equality of shape and values (NaN != NaN).
bool operator==(const TensorView& a, const TensorView& b);

}  // namespace dagrad

// fmt::format("{}", shape) -> "(3, 4)".
template <>
struct fmt::formatter<dagrad::Shape> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const dagrad::Shape& shape, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(dagrad::to_string(shape), ctx);
  }
};

namespace dagrad {
// NumPy's repr: "array([[0.73105858, 0.88079708]])", with 8 digits of
// precision, scientific notation when magnitudes differ widely, and "..."
// for tensors of more than 1000 elements.
std::string to_string(const TensorView& tensor);
}  // namespace dagrad

template <>
struct fmt::formatter<dagrad::TensorView> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const dagrad::TensorView& tensor, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(dagrad::to_string(tensor), ctx);
  }
};
template <>
struct fmt::formatter<dagrad::Tensor> : fmt::formatter<dagrad::TensorView> {};

// Shape, TensorView and Tensor: N-dimensional float32 or float64 data,
// contiguous and row-major (C order) like NumPy, so that reshape has NumPy's
// meaning.
//
// TensorView is a non-owning window (a shape, a dtype and a data pointer); it
// is what ops read and write. Tensor owns its buffer and contains a view of
// it. The rule for values held by a graph: they are written, never
// re-pointed (see graph.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "dagrad/error.hpp"

namespace dagrad {

// Element types. float64 is the default everywhere; float32 trains small
// models at half the memory and about twice the FLOP rate. Room for more.
enum class DType : std::uint8_t { float32, float64 };
// "float32" / "float64".
std::string_view to_string(DType dtype);
// Parses "float32" / "float64" (also "f32", "f64"); throws Error otherwise.
DType parse_dtype(std::string_view text);
// Bytes per element.
std::size_t size_of(DType dtype);
template <class T>
inline constexpr DType dtype_of = std::is_same_v<T, float> ? DType::float32 : DType::float64;

// Calls f.template operator()<T>() with T the scalar type of `dtype`: how
// code written once as a template runs for every dtype.
template <class F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  if (dtype == DType::float32) return f.template operator()<float>();
  return f.template operator()<double>();
}

// Dimensions of a tensor, rank 0 (a scalar) up to Shape::max_rank. Stored
// inline, so copying a shape never allocates. Every Shape is valid: the
// constructors reject negative dimensions and element counts above
// max_elements (checked without overflow), so elements() cannot wrap.
class Shape {
 public:
  static constexpr int max_rank = 8;
  // The largest tensor dagrad builds: 2^31 - 1 elements (16 GiB of float64).
  // Larger shapes throw ShapeError when they are made, before anything is
  // allocated, whether they come from code, a file or a shape rule.
  static constexpr std::int64_t max_elements = (std::int64_t(1) << 31) - 1;

  Shape() = default;  // rank 0: a scalar
  Shape(std::initializer_list<std::int64_t> dims);
  explicit Shape(std::span<const std::int64_t> dims);

  int rank() const { return rank_; }
  // Number of elements: the product of the dimensions (1 for a scalar).
  // Inline: every kernel asks for it, and per-node overhead counts.
  std::int64_t elements() const { return elements_; }
  std::int64_t operator[](int axis) const { return dims_[axis]; }
  std::span<const std::int64_t> dims() const { return {dims_.data(), std::size_t(rank_)}; }
  // The same shape with dimension `axis` set to `size` (validated again).
  Shape with_dim(int axis, std::int64_t size) const;
  // Size of the last axis (1 for a scalar); rows() * last() == elements().
  std::int64_t last() const { return rank_ == 0 ? 1 : dims_[rank_ - 1]; }
  std::int64_t rows() const;
  bool is_scalar() const { return rank_ == 0; }

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<std::int64_t, max_rank> dims_{};
  std::int64_t elements_ = 1;
  int rank_ = 0;
};

// "(3, 4)"; a rank-1 shape prints as "(5,)" and a scalar as "()", as in NumPy.
std::string to_string(const Shape& shape);

// The product of `dims` if it is a valid shape's element count; throws
// ShapeError naming the dims otherwise (a negative dim, or more than
// Shape::max_elements elements). The one overflow-checked product.
std::int64_t checked_elements(std::span<const std::int64_t> dims);

// A non-owning, contiguous row-major view of float32 or float64 data. Views
// are what ops read and write. A view never owns memory: whoever made it
// (a Tensor, a graph's plan) keeps the memory alive.
class TensorView {
 public:
  TensorView() = default;
  TensorView(const Shape& shape, double* data) : shape_(shape), data_(data), dtype_(DType::float64) {}
  TensorView(const Shape& shape, float* data) : shape_(shape), data_(data), dtype_(DType::float32) {}
  TensorView(const Shape& shape, void* data, DType dtype) : shape_(shape), data_(data), dtype_(dtype) {}

  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  std::int64_t size() const { return shape_.elements(); }
  DType dtype() const { return dtype_; }
  std::size_t bytes() const { return std::size_t(size()) * size_of(dtype_); }
  void* raw() const { return data_; }

  // Typed data; throws Error when the view holds the other dtype.
  template <class T>
  T* data() const {
    if (dtype_ != dtype_of<T>) wrong_dtype(dtype_of<T>);
    return static_cast<T*>(data_);
  }
  // The float64 accessors: data(), [], at() and iteration read and write
  // float64 views and throw for float32 (use data<float>() or get/set).
  double* data() const { return data<double>(); }
  double& operator[](std::int64_t flat_index) const { return data()[flat_index]; }
  double* begin() const { return data(); }
  double* end() const { return data() + size(); }
  // Element at a multi-dimensional index; throws on a wrong rank or an index
  // out of range.
  double& at(std::initializer_list<std::int64_t> index) const;

  // Any dtype, converted to and from double.
  double get(std::int64_t flat_index) const;
  void set(std::int64_t flat_index, double value) const;
  // The value of a one-element tensor (any dtype); throws otherwise.
  double item() const;
  // Flat (row-major) index of a multi-dimensional index and back.
  std::int64_t flat_index(std::span<const std::int64_t> index) const;
  std::vector<std::int64_t> unravel(std::int64_t flat_index) const;

  void fill(double value) const;
  // Copies values (converting dtypes); element counts must be equal.
  void copy_from(const TensorView& other) const;

 private:
  [[noreturn]] void wrong_dtype(DType wanted) const;

  Shape shape_;
  void* data_ = nullptr;
  DType dtype_ = DType::float64;
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
  // The unsized aligned delete: clang before 19 leaves sized deallocation
  // off unless asked (-fsized-deallocation), and a consumer's flags are its own.
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
  template <class U>
  friend bool operator==(const AlignedAllocator&, const AlignedAllocator<U>&) { return true; }
};

// Raw aligned bytes, in 8-byte words so both dtypes are aligned.
using TensorStorage = std::vector<std::uint64_t, AlignedAllocator<std::uint64_t>>;

// A tensor that owns its values: a shape, a dtype and a buffer. Copies copy
// the data. A Tensor *contains* its view rather than being one, so a view
// can never be re-pointed at another buffer through a Tensor: the view a
// Tensor hands out always describes the Tensor's own storage.
class Tensor {
 public:
  Tensor() : Tensor(Shape{}) {}                                     // float64 scalar 0
  explicit Tensor(const Shape& shape, DType dtype = DType::float64);  // zeros
  Tensor(const Shape& shape, std::vector<double> values);           // float64; ShapeError on a count mismatch
  Tensor(const Shape& shape, std::vector<float> values);            // float32
  // A braced list of numbers is float64: Tensor(Shape{2}, {1, 2}).
  Tensor(const Shape& shape, std::initializer_list<double> values) : Tensor(shape, std::vector<double>(values)) {}
  Tensor(const Shape& shape, double fill_value, DType dtype = DType::float64);
  static Tensor scalar(double value, DType dtype = DType::float64);
  static Tensor from(const TensorView& view);  // a copy of a view, same dtype

  // Nested lists, as NumPy's array([...]); ragged lists throw ShapeError.
  Tensor(std::initializer_list<double> values);
  Tensor(std::initializer_list<std::initializer_list<double>> rows);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> blocks);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<double>>>> blocks);

  Tensor(const Tensor& other);
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(const Tensor& other);
  Tensor& operator=(Tensor&& other) noexcept;

  // The tensor as a view. Writes through it change the tensor's values; the
  // view itself is a copy, so it cannot re-point the tensor.
  operator const TensorView&() const { return view_; }
  TensorView view() const { return view_; }

  const Shape& shape() const { return view_.shape(); }
  int rank() const { return view_.rank(); }
  std::int64_t size() const { return view_.size(); }
  DType dtype() const { return view_.dtype(); }
  template <class T>
  T* data() const { return view_.data<T>(); }
  double* data() const { return view_.data(); }
  double& operator[](std::int64_t i) const { return view_[i]; }
  double* begin() const { return view_.begin(); }
  double* end() const { return view_.end(); }
  double& at(std::initializer_list<std::int64_t> index) const { return view_.at(index); }
  double get(std::int64_t i) const { return view_.get(i); }
  void set(std::int64_t i, double value) const { view_.set(i, value); }
  double item() const { return view_.item(); }
  std::int64_t flat_index(std::span<const std::int64_t> index) const { return view_.flat_index(index); }
  std::vector<std::int64_t> unravel(std::int64_t flat_index) const { return view_.unravel(flat_index); }
  void fill(double value) const { view_.fill(value); }
  void copy_from(const TensorView& other) const { view_.copy_from(other); }

  // Gives the tensor a new shape (and dtype); keeps the buffer when the byte
  // count is unchanged (no allocation), otherwise reallocates and zero-fills.
  void resize(const Shape& shape) { resize(shape, dtype()); }
  void resize(const Shape& shape, DType dtype);
  // Same data, new shape with the same element count (a -1 is not allowed here).
  Tensor reshaped(const Shape& shape) const;
  // A copy converted to `dtype` (a plain copy when it already is).
  Tensor to(DType dtype) const;
  // Bytes the buffer holds (its capacity).
  std::int64_t storage_bytes() const { return std::int64_t(storage_.capacity() * sizeof(std::uint64_t)); }

 private:
  void allocate(const Shape& shape, DType dtype);

  TensorStorage storage_;
  TensorView view_;
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
struct fmt::formatter<dagrad::Tensor> : fmt::formatter<dagrad::TensorView> {
  template <class Context>
  auto format(const dagrad::Tensor& tensor, Context& ctx) const {
    return fmt::formatter<dagrad::TensorView>::format(tensor.view(), ctx);
  }
};
template <>
struct fmt::formatter<dagrad::DType> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(dagrad::DType dtype, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(dagrad::to_string(dtype), ctx);
  }
};

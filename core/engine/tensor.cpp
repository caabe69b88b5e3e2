#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "dagrad/tensor.hpp"

namespace dagrad {

// ---- DType ----

std::string_view to_string(DType dtype) { return dtype == DType::float32 ? "float32" : "float64"; }

DType parse_dtype(std::string_view text) {
  if (text == "float32" || text == "f32") return DType::float32;
  if (text == "float64" || text == "f64") return DType::float64;
  throw Error(fmt::format("unknown dtype \"{}\": dagrad has float32 and float64", text));
}

std::size_t size_of(DType dtype) { return dtype == DType::float32 ? sizeof(float) : sizeof(double); }

// ---- Shape ----

std::int64_t checked_elements(std::span<const std::int64_t> dims) {
  std::int64_t n = 1;
  bool too_large = false;
  for (std::int64_t d : dims) {
    if (d < 0) throw ShapeError(fmt::format("shape ({}) has a negative dimension", fmt::join(dims, ", ")));
  }
  // Zero dimensions are left out of the product, so that the product of
  // any subset of dimensions (rows(), a reduction's outer count) fits too.
  bool empty = false;
  for (std::int64_t d : dims) {
    if (d == 0) {
      empty = true;
    } else if (n > Shape::max_elements / d) {
      too_large = true;
    } else {
      n *= d;
    }
  }
  if (too_large || n > Shape::max_elements) {
    throw ShapeError(fmt::format("shape ({}) has more than {} elements, the largest tensor dagrad makes",
                                 fmt::join(dims, ", "), Shape::max_elements));
  }
  return empty ? 0 : n;
}

Shape::Shape(std::initializer_list<std::int64_t> dims) : Shape(std::span(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const std::int64_t> dims) {
  if (dims.size() > std::size_t(max_rank)) {
    throw ShapeError(fmt::format("a shape has at most {} dimensions, got {}", max_rank, dims.size()));
  }
  elements_ = checked_elements(dims);
  rank_ = int(dims.size());
  std::copy(dims.begin(), dims.end(), dims_.begin());
}

Shape Shape::with_dim(int axis, std::int64_t size) const {
  if (axis < 0 || axis >= rank_) throw ShapeError(fmt::format("axis {} is out of range for shape {}", axis, *this));
  std::array<std::int64_t, max_rank> dims = dims_;
  dims[std::size_t(axis)] = size;
  return Shape(std::span<const std::int64_t>(dims.data(), std::size_t(rank_)));
}

std::int64_t Shape::rows() const {
  std::int64_t n = 1;
  for (int i = 0; i + 1 < rank_; ++i) n *= dims_[i];
  return n;
}

bool operator==(const Shape& a, const Shape& b) {
  return a.rank_ == b.rank_ && std::equal(a.dims_.begin(), a.dims_.begin() + a.rank_, b.dims_.begin());
}

std::string to_string(const Shape& shape) {
  if (shape.rank() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape.dims(), ", "));
}

// ---- TensorView ----

void TensorView::wrong_dtype(DType wanted) const {
  throw Error(fmt::format("a tensor of shape {} holds {}, not {}{}", shape_, dtype_, wanted,
                          wanted == DType::float64 ? " (use get/set or data<float>() for float32 tensors)" : ""));
}

std::int64_t TensorView::flat_index(std::span<const std::int64_t> index) const {
  if (int(index.size()) != rank()) {
    throw ShapeError(fmt::format("index of {} dimensions into a tensor of shape {}", index.size(), shape_));
  }
  std::int64_t flat = 0;
  for (int axis = 0; axis < rank(); ++axis) {
    if (index[axis] < 0 || index[axis] >= shape_[axis]) {
      throw ShapeError(fmt::format("index ({}) is out of range for shape {}", fmt::join(index, ", "), shape_));
    }
    flat = flat * shape_[axis] + index[axis];
  }
  return flat;
}

std::vector<std::int64_t> TensorView::unravel(std::int64_t flat) const {
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank()));
  for (int axis = rank() - 1; axis >= 0; --axis) {
    index[axis] = flat % shape_[axis];
    flat /= shape_[axis];
  }
  return index;
}

double& TensorView::at(std::initializer_list<std::int64_t> index) const {
  return data()[flat_index(std::span(index.begin(), index.size()))];
}

double TensorView::get(std::int64_t i) const {
  return dtype_ == DType::float32 ? double(static_cast<const float*>(data_)[i]) : static_cast<const double*>(data_)[i];
}

void TensorView::set(std::int64_t i, double value) const {
  if (dtype_ == DType::float32) static_cast<float*>(data_)[i] = float(value);
  else static_cast<double*>(data_)[i] = value;
}

double TensorView::item() const {
  if (size() != 1) throw ShapeError(fmt::format("item() needs a one-element tensor, got shape {}", shape_));
  return get(0);
}

void TensorView::fill(double value) const {
  visit_dtype(dtype_, [&]<class T>() { std::fill(data<T>(), data<T>() + size(), T(value)); });
}

void TensorView::copy_from(const TensorView& other) const {
  if (other.size() != size()) {
    throw ShapeError(fmt::format("cannot copy a tensor of shape {} into one of shape {}", other.shape(), shape_));
  }
  if (size() == 0) return;
  if (other.dtype() == dtype_) {
    std::memmove(data_, other.raw(), bytes());
    return;
  }
  visit_dtype(dtype_, [&]<class To>() {
    visit_dtype(other.dtype(), [&]<class From>() {
      std::copy(other.data<From>(), other.data<From>() + size(), data<To>());
    });
  });
}

bool operator==(const TensorView& a, const TensorView& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    if (a.get(i) != b.get(i)) return false;
  }
  return true;
}

// ---- Tensor ----

void Tensor::allocate(const Shape& shape, DType dtype) {
  std::size_t bytes = std::size_t(shape.elements()) * size_of(dtype);
  std::size_t words = (bytes + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);
  if (words != storage_.size()) {
    try {
      storage_.assign(words, 0);
    } catch (const std::bad_alloc&) {
      throw LimitError(fmt::format("cannot allocate {} bytes for a {} tensor of shape {}", bytes, dtype, shape));
    }
  } else {
    std::fill(storage_.begin(), storage_.end(), 0);
  }
  view_ = TensorView(shape, storage_.data(), dtype);
}

Tensor::Tensor(const Shape& shape, DType dtype) { allocate(shape, dtype); }

Tensor::Tensor(const Shape& shape, double fill_value, DType dtype) {
  allocate(shape, dtype);
  if (fill_value != 0.0) view_.fill(fill_value);
}

Tensor::Tensor(const Shape& shape, std::vector<double> values) {
  if (std::int64_t(values.size()) != shape.elements()) {
    throw ShapeError(fmt::format("{} values do not fill shape {}, which holds {}", values.size(), shape,
                                 shape.elements()));
  }
  allocate(shape, DType::float64);
  if (!values.empty()) std::memcpy(view_.raw(), values.data(), view_.bytes());
}

Tensor::Tensor(const Shape& shape, std::vector<float> values) {
  if (std::int64_t(values.size()) != shape.elements()) {
    throw ShapeError(fmt::format("{} values do not fill shape {}, which holds {}", values.size(), shape,
                                 shape.elements()));
  }
  allocate(shape, DType::float32);
  if (!values.empty()) std::memcpy(view_.raw(), values.data(), view_.bytes());
}

Tensor Tensor::scalar(double value, DType dtype) { return Tensor(Shape{}, value, dtype); }

Tensor Tensor::from(const TensorView& view) {
  Tensor copy(view.shape(), view.dtype());
  copy.view_.copy_from(view);
  return copy;
}

Tensor Tensor::to(DType dtype) const {
  Tensor copy(shape(), dtype);
  copy.view_.copy_from(view_);
  return copy;
}

Tensor::Tensor(std::initializer_list<double> values)
    : Tensor(Shape{std::int64_t(values.size())}, std::vector<double>(values)) {}

namespace {
// Flattens nested initializer lists, checking that every list at one depth
// has the same length (NumPy rejects ragged nesting too).
template <class List>
void flatten(const List& list, int depth, std::vector<std::int64_t>& dims, std::vector<double>& out) {
  if (int(dims.size()) == depth) {
    dims.push_back(std::int64_t(list.size()));
  } else if (dims[depth] != std::int64_t(list.size())) {
    throw ShapeError(fmt::format("ragged nested list: lists at depth {} have lengths {} and {}", depth, dims[depth],
                                 list.size()));
  }
  for (const auto& item : list) {
    if constexpr (std::is_same_v<std::decay_t<decltype(item)>, double>) {
      out.push_back(item);
    } else {
      flatten(item, depth + 1, dims, out);
    }
  }
}

template <class List>
Tensor from_nested(const List& list) {
  std::vector<std::int64_t> dims;
  std::vector<double> values;
  flatten(list, 0, dims, values);
  // An empty inner list leaves deeper dims unknown; they are zero.
  return Tensor(Shape(std::span<const std::int64_t>(dims)), std::move(values));
}
}  // namespace

Tensor::Tensor(std::initializer_list<std::initializer_list<double>> rows) : Tensor(from_nested(rows)) {}
Tensor::Tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> blocks)
    : Tensor(from_nested(blocks)) {}
Tensor::Tensor(
    std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<double>>>> blocks)
    : Tensor(from_nested(blocks)) {}

Tensor::Tensor(const Tensor& other) : storage_(other.storage_) {
  view_ = TensorView(other.shape(), storage_.data(), other.dtype());
}

Tensor::Tensor(Tensor&& other) noexcept : storage_(std::move(other.storage_)) {
  view_ = TensorView(other.shape(), storage_.data(), other.dtype());
  other.view_ = TensorView(Shape{0}, static_cast<void*>(nullptr), other.dtype());
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) {
    storage_ = other.storage_;
    view_ = TensorView(other.shape(), storage_.data(), other.dtype());
  }
  return *this;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this != &other) {
    storage_ = std::move(other.storage_);
    view_ = TensorView(other.shape(), storage_.data(), other.dtype());
    other.view_ = TensorView(Shape{0}, static_cast<void*>(nullptr), other.dtype());
  }
  return *this;
}

void Tensor::resize(const Shape& shape, DType dtype) {
  std::size_t words = (std::size_t(shape.elements()) * size_of(dtype) + 7) / 8;
  if (words != storage_.size()) {
    allocate(shape, dtype);
  } else {
    view_ = TensorView(shape, storage_.data(), dtype);
  }
}

Tensor Tensor::reshaped(const Shape& shape) const {
  if (shape.elements() != size()) {
    throw ShapeError(fmt::format("cannot reshape a tensor of shape {} into shape {}", this->shape(), shape));
  }
  Tensor copy(*this);
  copy.view_ = TensorView(shape, copy.storage_.data(), copy.dtype());
  return copy;
}

// ---- NumPy-style printing ----

namespace {

// How every element of one tensor is printed, decided once for the whole
// tensor as NumPy does: fixed or scientific, with a shared digit count.
struct NumberStyle {
  bool scientific = false;
  int digits = 0;  // after the decimal point (fixed) or in the mantissa (scientific)
  bool integers = false;
};

// Fewest digits (at most 8) after the point that print v as it rounds at 8.
int fraction_digits(double v, bool scientific) {
  for (int d = 0; d < 8; ++d) {
    std::string shorter = scientific ? fmt::format("{:.{}e}", v, d) : fmt::format("{:.{}f}", v, d);
    std::string full = scientific ? fmt::format("{:.8e}", v) : fmt::format("{:.8f}", v);
    // strtod, not stod: stod throws on subnormal values.
    if (std::strtod(shorter.c_str(), nullptr) == std::strtod(full.c_str(), nullptr)) return d;
  }
  return 8;
}

NumberStyle choose_style(const TensorView& t) {
  NumberStyle style;
  double max_abs = 0, min_abs = std::numeric_limits<double>::infinity();
  bool all_integers = true;
  for (std::int64_t i = 0; i < t.size(); ++i) {
    double v = t.get(i);
    if (!std::isfinite(v)) continue;
    double a = std::abs(v);
    max_abs = std::max(max_abs, a);
    if (a > 0) min_abs = std::min(min_abs, a);
    if (v != std::round(v)) all_integers = false;
  }
  if (max_abs >= 1e16) all_integers = false;
  // NumPy: scientific when max >= 1e8, or min < 1e-4, or max/min > 1e3.
  style.scientific = max_abs >= 1e8 || (min_abs < 1e-4) || (min_abs < 1e300 && max_abs / min_abs > 1e3);
  if (min_abs == std::numeric_limits<double>::infinity()) style.scientific = max_abs >= 1e8;
  if (all_integers && !style.scientific) {
    style.integers = true;
    return style;
  }
  for (std::int64_t i = 0; i < t.size(); ++i) {
    double v = t.get(i);
    if (std::isfinite(v)) style.digits = std::max(style.digits, fraction_digits(v, style.scientific));
  }
  return style;
}

std::string format_number(double v, const NumberStyle& style) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (style.integers) return fmt::format("{:.0f}.", v);
  if (style.scientific) return fmt::format("{:.{}e}", v, style.digits);
  // Fixed: NumPy pads a shorter fraction with spaces, so columns align.
  int own = fraction_digits(v, false);
  std::string s = fmt::format("{:.{}f}", v, own);
  if (own == 0) s += ".";
  return s + std::string(std::size_t(style.digits - own), ' ');
}

constexpr std::int64_t summary_threshold = 1000;
constexpr std::int64_t edge_items = 3;
constexpr std::size_t line_width = 75;

struct Printer {
  const TensorView& t;
  NumberStyle style;
  bool summarize;
  std::size_t width = 0;  // common element width
  std::string out;

  std::string element(std::int64_t flat) const {
    std::string s = format_number(t.get(flat), style);
    return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
  }

  // Prints the sub-array at `axis` starting at flat offset `offset`; `indent`
  // is the column the brackets of this axis start at.
  void print(int axis, std::int64_t offset, std::size_t indent) {
    const Shape& shape = t.shape();
    std::int64_t n = shape[axis];
    std::int64_t stride = 1;
    for (int a = axis + 1; a < shape.rank(); ++a) stride *= shape[a];
    out += '[';
    bool skip = summarize && n > 2 * edge_items;
    if (axis == shape.rank() - 1) {
      std::size_t column = indent + 1;
      for (std::int64_t i = 0; i < n; ++i) {
        if (skip && i == edge_items) {
          out += "..., ";
          column += 5;
          i = n - edge_items;
        }
        std::string item = element(offset + i);
        bool last = i == n - 1;
        if (i > 0 && column + item.size() + (last ? 1 : 2) > line_width) {
          if (!out.empty() && out.back() == ' ') out.pop_back();
          out += '\n' + std::string(indent + 1, ' ');
          column = indent + 1;
        }
        out += item;
        column += item.size();
        if (!last) {
          out += ", ";
          column += 2;
        }
      }
    } else {
      std::string separator = "," + std::string(std::size_t(shape.rank() - axis - 1), '\n') +
                              std::string(indent + 1, ' ');
      for (std::int64_t i = 0; i < n; ++i) {
        if (skip && i == edge_items) {
          out += "..." + separator;
          i = n - edge_items;
        }
        print(axis + 1, offset + i * stride, indent + 1);
        if (i != n - 1) out += separator;
      }
    }
    out += ']';
  }
};

}  // namespace

std::string to_string(const TensorView& t) {
  NumberStyle style = choose_style(t);
  // NumPy names a dtype other than its default float64: array([1.], dtype=float32).
  std::string suffix = t.dtype() == DType::float64 ? "" : fmt::format(", dtype={}", t.dtype());
  if (t.rank() == 0) return fmt::format("array({}{})", format_number(t.get(0), style), suffix);
  if (t.size() == 0) return fmt::format("array([], shape={}{})", t.shape(), suffix);
  Printer printer{t, style, t.size() > summary_threshold, 0, {}};
  for (std::int64_t i = 0; i < t.size(); ++i) {
    printer.width = std::max(printer.width, format_number(t.get(i), style).size());
  }
  printer.out = "array(";
  printer.print(0, 0, 6);
  printer.out += suffix + ')';
  return printer.out;
}

}  // namespace dagrad

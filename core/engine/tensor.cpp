#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "dagrad/tensor.hpp"

namespace dagrad {

// ---- Shape ----

Shape::Shape(std::initializer_list<std::int64_t> dims) : Shape(std::span(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const std::int64_t> dims) {
  if (dims.size() > std::size_t(max_rank)) {
    throw ShapeError(fmt::format("a shape has at most {} dimensions, got {}", max_rank, dims.size()));
  }
  rank_ = int(dims.size());
  std::copy(dims.begin(), dims.end(), dims_.begin());
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

double& TensorView::at(std::initializer_list<std::int64_t> index) {
  return data_[flat_index(std::span(index.begin(), index.size()))];
}

double TensorView::at(std::initializer_list<std::int64_t> index) const {
  return data_[flat_index(std::span(index.begin(), index.size()))];
}

double TensorView::item() const {
  if (size() != 1) throw ShapeError(fmt::format("item() needs a one-element tensor, got shape {}", shape_));
  return data_[0];
}

void TensorView::fill(double value) { std::fill(begin(), end(), value); }

void TensorView::copy_from(const TensorView& other) {
  if (other.size() != size()) {
    throw ShapeError(fmt::format("cannot copy a tensor of shape {} into one of shape {}", other.shape(), shape_));
  }
  if (size() > 0) std::memcpy(data_, other.data(), std::size_t(size()) * sizeof(double));
}

bool operator==(const TensorView& a, const TensorView& b) {
  return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

// ---- Tensor ----

namespace {
void check_dims(const Shape& shape) {
  for (auto d : shape.dims()) {
    if (d < 0) throw ShapeError(fmt::format("shape {} has a negative dimension", shape));
  }
}
}  // namespace

Tensor::Tensor(const Shape& shape) : Tensor(shape, 0.0) {}

Tensor::Tensor(const Shape& shape, double fill_value) {
  check_dims(shape);
  shape_ = shape;
  storage_.assign(std::size_t(shape.elements()), fill_value);
  data_ = storage_.data();
}

Tensor::Tensor(const Shape& shape, std::vector<double> values) {
  check_dims(shape);
  if (std::int64_t(values.size()) != shape.elements()) {
    throw ShapeError(fmt::format("{} values do not fill shape {}, which holds {}", values.size(), shape,
                                 shape.elements()));
  }
  shape_ = shape;
  storage_.assign(values.begin(), values.end());
  data_ = storage_.data();
}

Tensor Tensor::scalar(double value) { return Tensor(Shape{}, std::vector<double>{value}); }

Tensor Tensor::from(const TensorView& view) {
  Tensor copy;
  copy.shape_ = view.shape();
  copy.storage_.assign(view.begin(), view.end());
  copy.data_ = copy.storage_.data();
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

Tensor::Tensor(const Tensor& other) : TensorView(other), storage_(other.storage_) { data_ = storage_.data(); }

Tensor::Tensor(Tensor&& other) noexcept : TensorView(other), storage_(std::move(other.storage_)) {
  data_ = storage_.data();
  other.data_ = nullptr;
  other.shape_ = Shape{0};
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) {
    shape_ = other.shape_;
    storage_ = other.storage_;
    data_ = storage_.data();
  }
  return *this;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this != &other) {
    shape_ = other.shape_;
    storage_ = std::move(other.storage_);
    data_ = storage_.data();
    other.data_ = nullptr;
    other.shape_ = Shape{0};
  }
  return *this;
}

void Tensor::resize(const Shape& shape) {
  check_dims(shape);
  if (shape.elements() != std::int64_t(storage_.size())) storage_.assign(std::size_t(shape.elements()), 0.0);
  shape_ = shape;
  data_ = storage_.data();
}

Tensor Tensor::reshaped(const Shape& shape) const {
  if (shape.elements() != size()) {
    throw ShapeError(fmt::format("cannot reshape a tensor of shape {} into shape {}", shape_, shape));
  }
  Tensor copy(*this);
  copy.shape_ = shape;
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
  for (double v : t) {
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
  for (double v : t) {
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
    std::string s = format_number(t[flat], style);
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
  if (t.rank() == 0) return fmt::format("array({})", format_number(t[0], style));
  if (t.size() == 0) return fmt::format("array([], shape={})", t.shape());
  Printer printer{t, style, t.size() > summary_threshold, 0, {}};
  for (double v : t) printer.width = std::max(printer.width, format_number(v, style).size());
  printer.out = "array(";
  printer.print(0, 0, 6);
  printer.out += ')';
  return printer.out;
}

}  // namespace dagrad

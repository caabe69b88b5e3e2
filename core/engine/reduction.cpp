#include "dagrad/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dagrad/autodiff.hpp"
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

AxisReduction AxisReduction::from_attrs(std::string_view op, const Attrs& attrs) {
  attrs.expect_only(op, {"axis", "keepdims"});
  return read_attrs(op, attrs);
}

AxisReduction AxisReduction::read_attrs(std::string_view op, const Attrs& attrs) {
  std::optional<std::int64_t> axis;
  if (attrs.has("axis")) axis = attrs.get_int(op, "axis");
  return AxisReduction(axis, attrs.get_bool(op, "keepdims", false));
}

Attrs AxisReduction::attrs() const {
  Attrs result;
  if (axis_) result.set("axis", *axis_);
  if (keepdims_) result.set("keepdims", true);
  return result;
}

std::string AxisReduction::label(std::string_view op) const {
  std::string text(op);
  if (axis_) text += fmt::format(" axis={}", *axis_);
  if (keepdims_) text += " keepdims";
  return text;
}

namespace {
int resolve_axis(std::int64_t axis, const Shape& input) {
  const std::int64_t rank = input.rank();
  if (axis < -rank || axis >= rank) {
    throw ShapeError(fmt::format("axis {} is out of range for shape {} (rank {})", axis, input, rank));
  }
  return int(axis < 0 ? axis + rank : axis);
}
}  // namespace

Shape AxisReduction::result_shape(const Shape& input) const {
  std::vector<std::int64_t> dims;
  if (!axis_) {
    if (keepdims_) dims.assign(std::size_t(input.rank()), 1);
  } else {
    const int axis = resolve_axis(*axis_, input);
    for (int k = 0; k < input.rank(); ++k) {
      if (k != axis) dims.push_back(input[k]);
      else if (keepdims_) dims.push_back(1);
    }
  }
  return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
}

Shape AxisReduction::kept_shape(const Shape& input) const {
  return AxisReduction(axis_, true).result_shape(input);
}

AxisReduction::Split AxisReduction::split(const Shape& input) const {
  Split s;
  if (!axis_) {
    s.length = input.elements();
    return s;
  }
  const int axis = resolve_axis(*axis_, input);
  for (int k = 0; k < input.rank(); ++k) {
    if (k < axis) s.outer *= input[k];
    else if (k == axis) s.length = input[k];
    else s.inner *= input[k];
  }
  return s;
}

std::int64_t AxisReduction::count(const Shape& input) const { return split(input).length; }

void AxisReduction::expect_elements(std::string_view what, const Shape& input) const {
  if (count(input) > 0 || result_shape(input).elements() == 0) return;
  throw ShapeError(fmt::format("the {} of input shape {}{} reduces no elements", what, input,
                               axis_ ? fmt::format(" over axis {}", *axis_) : std::string()));
}

void AxisReduction::sum(const TensorView& x, const TensorView& output, double scale) const {
  if (x.shape().elements() == 0) {
    // Sums over nothing are 0 (NumPy, PyTorch), and Eigen's partial sums over
    // an empty matrix offset its null data pointer, which is undefined.
    output.fill(0.0);
    return;
  }
  const Split s = split(x.shape());
  visit_dtype(x.dtype(), [&]<class T>() {
    if (s.inner == 1) {
      // The last axis (or everything): one sum per row of an (outer, length) matrix.
      Eigen::Map<const RowMajorArray<T>> matrix(x.data<T>(), s.outer, s.length);
      Eigen::Map<FlatArray<T>>(output.data<T>(), s.outer) = T(scale) * matrix.rowwise().sum();
      return;
    }
    // An inner axis: per outer block, the column sums of a (length, inner)
    // row-major matrix, which Eigen vectorizes along the rows.
    for (std::int64_t o = 0; o < s.outer; ++o) {
      Eigen::Map<const RowMajorArray<T>> block(x.data<T>() + o * s.length * s.inner, s.length, s.inner);
      Eigen::Map<Eigen::Array<T, 1, Eigen::Dynamic>>(output.data<T>() + o * s.inner, s.inner) =
          T(scale) * block.colwise().sum();
    }
  });
}

void AxisReduction::spread(const TensorView& dy, GradientSlot& slot, double scale) const {
  const Split s = split(slot.grad.shape());
  visit_dtype(dy.dtype(), [&]<class T>() {
    using RowVector = Eigen::Array<T, 1, Eigen::Dynamic>;
    if (s.inner == 1) {
      Eigen::Map<RowMajorArray<T>> dx(slot.grad.data<T>(), s.outer, s.length);
      for (std::int64_t o = 0; o < s.outer; ++o) {
        assign_or_add(dx.row(o), RowVector::Constant(s.length, T(scale) * dy.data<T>()[o]), slot.accumulate);
      }
      return;
    }
    for (std::int64_t o = 0; o < s.outer; ++o) {
      Eigen::Map<RowMajorArray<T>> dx(slot.grad.data<T>() + o * s.length * s.inner, s.length, s.inner);
      Eigen::Map<const RowVector> row(dy.data<T>() + o * s.inner, s.inner);
      assign_or_add(dx, T(scale) * Eigen::Replicate<Eigen::Map<const RowVector>, Eigen::Dynamic, 1>(row, s.length, 1),
                    slot.accumulate);
    }
  });
}

AxisReduction::Lanes AxisReduction::lanes(const Shape& input) const {
  const Split s = split(input);
  return {.count = s.outer * s.inner, .length = s.length, .stride = s.inner};
}

void AxisReduction::extreme(const TensorView& x, const TensorView& output, bool largest) const {
  const Lanes lanes = this->lanes(x.shape());
  visit_dtype(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* out = output.data<T>();
    for (std::int64_t lane = 0; lane < lanes.count; ++lane) {
      const T* first = in + lanes.start(lane);
      T best = first[0];
      for (std::int64_t k = 1; k < lanes.length && !std::isnan(best); ++k) {
        const T v = first[k * lanes.stride];
        if ((largest ? v > best : v < best) || std::isnan(v)) best = v;
      }
      out[lane] = best;
    }
  });
}

void AxisReduction::spread_to_extremes(const TensorView& x, const TensorView& y, const TensorView& dy,
                                       GradientSlot& slot) const {
  const Lanes lanes = this->lanes(x.shape());
  visit_dtype(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* dx = slot.grad.data<T>();
    for (std::int64_t lane = 0; lane < lanes.count; ++lane) {
      const std::int64_t start = lanes.start(lane);
      const T result = y.data<T>()[lane];
      std::int64_t ties = 0;
      for (std::int64_t k = 0; k < lanes.length; ++k) ties += in[start + k * lanes.stride] == result ? 1 : 0;
      const T share = ties == 0 ? T(0) : dy.data<T>()[lane] / T(ties);
      for (std::int64_t k = 0; k < lanes.length; ++k) {
        const std::int64_t e = start + k * lanes.stride;
        const T contribution = in[e] == result ? share : T(0);
        dx[e] = slot.accumulate ? dx[e] + contribution : contribution;
      }
    }
  });
}

double AxisReduction::extreme_kink_offset(const TensorView& x, std::int64_t element, bool largest) const {
  const Lanes lanes = this->lanes(x.shape());
  if (lanes.length < 2) return std::numeric_limits<double>::infinity();
  const std::int64_t start = lanes.start(lanes.lane_of(element));
  double other = largest ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  for (std::int64_t k = 0; k < lanes.length; ++k) {
    const std::int64_t e = start + k * lanes.stride;
    if (e != element) other = largest ? std::max(other, x.get(e)) : std::min(other, x.get(e));
  }
  return largest ? x.get(element) - other : other - x.get(element);
}

Expr AxisReduction::kept(Expr reduced, const Shape& input) const { return reshape_to(reduced, kept_shape(input)); }

Expr AxisReduction::apply_kept(std::string_view op, Expr x) const {
  return kept(x.graph().apply(op, {x}, attrs()), x.shape());
}

Expr AxisReduction::spread_to_extremes(Expr x, Expr y, Expr dy) const {
  // As the kernel: the ties counted per lane, dy / ties where x == y (a NaN
  // result matches nothing, so its lane gets 0, as there).
  const Expr at_extreme = equal(x, kept(y, x.shape()));
  return where_or_zero(at_extreme, kept(dy, x.shape()) / apply_kept("sum", at_extreme));
}

std::vector<OpExample> AxisReduction::examples(Rng& rng) {
  std::vector<OpExample> cases;
  for (const Shape& shape : standard_shapes(rng)) cases.push_back({{random_normal(shape, rng)}, {}, {}});
  std::uniform_int_distribution<std::int64_t> size(2, 5);
  const Shape matrix{size(rng), size(rng)}, cube{size(rng), size(rng), size(rng)};
  cases.push_back({{random_normal(matrix, rng)}, {{"keepdims", true}}, {}});
  for (const Shape& shape : {matrix, cube}) {
    for (std::int64_t axis = -shape.rank(); axis < shape.rank(); ++axis) {
      for (bool keepdims : {false, true}) {
        cases.push_back({{random_normal(shape, rng)}, {{"axis", axis}, {"keepdims", keepdims}}, {}});
      }
    }
  }
  return cases;
}

VarianceReduction::VarianceReduction(std::string_view op, AxisReduction axes, std::int64_t correction)
    : axes_(axes), correction_(correction) {
  if (correction < 0) throw Error(fmt::format("{}: attribute \"correction\" must be >= 0, got {}", op, correction));
}

VarianceReduction VarianceReduction::from_attrs(std::string_view op, const Attrs& attrs) {
  attrs.expect_only(op, {"axis", "keepdims", "correction"});
  return VarianceReduction(op, AxisReduction::read_attrs(op, attrs), attrs.get_int(op, "correction", 1));
}

Attrs VarianceReduction::attrs() const {
  Attrs result = axes_.attrs();
  if (correction_ != 1) result.set("correction", correction_);
  return result;
}

std::string VarianceReduction::label(std::string_view op) const {
  return axes_.label(op) + (correction_ != 1 ? fmt::format(" correction={}", correction_) : std::string());
}

Shape VarianceReduction::result_shape(const Shape& input) const {
  Shape result = axes_.result_shape(input);
  const std::int64_t n = axes_.count(input);
  if (n <= correction_ && result.elements() > 0) {
    throw ShapeError(fmt::format("input shape {} gives {} element(s) per variance, and correction {} divides them "
                                 "by {} - {} <= 0: reduce over more elements or lower the correction",
                                 input, n, correction_, n, correction_));
  }
  return result;
}

void VarianceReduction::variance(const TensorView& x, const TensorView& output) const {
  const AxisReduction::Lanes lanes = axes_.lanes(x.shape());
  visit_dtype(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* out = output.data<T>();
    for (std::int64_t lane = 0; lane < lanes.count; ++lane) {
      const T* first = in + lanes.start(lane);
      T total = 0;
      for (std::int64_t k = 0; k < lanes.length; ++k) total += first[k * lanes.stride];
      const T mean = total / T(lanes.length);
      T squares = 0;
      for (std::int64_t k = 0; k < lanes.length; ++k) {
        const T deviation = first[k * lanes.stride] - mean;
        squares += deviation * deviation;
      }
      out[lane] = squares / T(lanes.length - correction_);
    }
  });
}

double VarianceReduction::lane_variance(const TensorView& x, std::int64_t element) const {
  const AxisReduction::Lanes lanes = axes_.lanes(x.shape());
  const std::int64_t start = lanes.start(lanes.lane_of(element));
  double total = 0, squares = 0;
  for (std::int64_t k = 0; k < lanes.length; ++k) total += x.get(start + k * lanes.stride);
  const double mean = total / double(lanes.length);
  for (std::int64_t k = 0; k < lanes.length; ++k) {
    const double deviation = x.get(start + k * lanes.stride) - mean;
    squares += deviation * deviation;
  }
  return squares / double(lanes.length - correction_);
}

std::vector<OpExample> VarianceReduction::examples(Rng& rng) {
  std::vector<OpExample> cases;
  std::int64_t correction = 0;
  for (OpExample& c : AxisReduction::examples(rng)) {
    if (AxisReduction::from_attrs("var", c.attrs).count(c.inputs[0].shape()) <= correction) continue;
    c.attrs.set("correction", correction);
    correction = (correction + 1) % 3;
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace dagrad

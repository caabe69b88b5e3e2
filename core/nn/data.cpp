// Built-in data sets (planar flower, two moons), the CSV loader and feature
// standardization.
#include "dagrad/data.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "dagrad/error.hpp"
#include "io/io.hpp"

namespace dagrad {

// ---- NumPy's legacy randn ----

NumpyRandn::NumpyRandn(std::uint32_t seed) : engine_(seed) {}

// NumPy's random_double: 53 random bits from two 32-bit draws.
double NumpyRandn::uniform53() {
  std::uint32_t a = std::uint32_t(engine_()) >> 5;
  std::uint32_t b = std::uint32_t(engine_()) >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

// NumPy's legacy_gauss: the polar Box-Muller method, which makes two normals
// per accepted pair; the second is kept for the next call.
double NumpyRandn::operator()() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * uniform53() - 1.0;
    x2 = 2.0 * uniform53() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  double f = std::sqrt(-2.0 * std::log(r2) / r2);
  spare_ = f * x1;
  has_spare_ = true;
  return f * x2;
}

namespace {

// NumPy's linspace(start, stop, n): start + i * step, the last point exactly stop.
double linspace_point(double start, double stop, std::int64_t n, std::int64_t i) {
  if (n == 1) return start;
  if (i == n - 1) return stop;
  return start + double(i) * ((stop - start) / double(n - 1));
}

void check_points(std::string_view what, std::int64_t points) {
  if (points < 2) throw Error(fmt::format("{}: needs at least 2 points (one per class), not {}", what, points));
}

}  // namespace

// ---- planar flower ----

Dataset planar_flower(std::int64_t points, std::uint32_t seed, double petal_ray) {
  check_points("planar_flower", points);
  const std::int64_t per_class = points / 2;  // the course's N = int(m / 2)
  Dataset data;
  data.x = Tensor(Shape{2 * per_class, 2});
  data.y = Tensor(Shape{2 * per_class, 1});
  data.feature_names = {"x1", "x2"};
  data.label_name = std::string("y");  // (a literal here trips GCC 12's false -Wstringop-overflow)
  data.classes = {"0", "1"};
  NumpyRandn randn(seed);
  std::vector<double> t(std::size_t(per_class), 0.0);
  for (int j = 0; j < 2; ++j) {
    // t = linspace(j*3.12, (j+1)*3.12, N) + randn(N)*0.2, drawn as a whole
    // vector before r's noise, in the course's order.
    for (std::int64_t i = 0; i < per_class; ++i) {
      t[std::size_t(i)] = linspace_point(j * 3.12, (j + 1) * 3.12, per_class, i) + randn() * 0.2;
    }
    for (std::int64_t i = 0; i < per_class; ++i) {
      double theta = t[std::size_t(i)];
      double r = petal_ray * std::sin(4 * theta) + randn() * 0.2;
      std::int64_t row = j * per_class + i;
      data.x.at({row, 0}) = r * std::sin(theta);
      data.x.at({row, 1}) = r * std::cos(theta);
      data.y.at({row, 0}) = j;
    }
  }
  return data;
}

// ---- two moons ----

Dataset two_moons(std::int64_t points, double noise, std::uint64_t seed) {
  check_points("two_moons", points);
  if (!(noise >= 0)) throw Error(fmt::format("two_moons: noise must be >= 0, not {}", noise));
  const std::int64_t outer = points / 2;
  const std::int64_t inner = points - outer;
  std::vector<std::array<double, 3>> rows;  // x1, x2, class
  for (std::int64_t i = 0; i < outer; ++i) {
    double angle = linspace_point(0, std::numbers::pi, outer, i);
    rows.push_back({std::cos(angle), std::sin(angle), 0.0});
  }
  for (std::int64_t i = 0; i < inner; ++i) {
    double angle = linspace_point(0, std::numbers::pi, inner, i);
    rows.push_back({1 - std::cos(angle), 1 - std::sin(angle) - 0.5, 1.0});
  }
  Rng rng(seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  std::normal_distribution<double> gaussian(0.0, 1.0);
  Dataset data;
  data.x = Tensor(Shape{points, 2});
  data.y = Tensor(Shape{points, 1});
  data.feature_names = {"x1", "x2"};
  data.label_name = std::string("y");  // (a literal here trips GCC 12's false -Wstringop-overflow)
  data.classes = {"0", "1"};
  for (std::int64_t i = 0; i < points; ++i) {
    const auto& row = rows[std::size_t(i)];
    data.x.at({i, 0}) = row[0] + noise * gaussian(rng);
    data.x.at({i, 1}) = row[1] + noise * gaussian(rng);
    data.y.at({i, 0}) = row[2];
  }
  return data;
}

// ---- CSV ----

namespace {

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// A header name may be quoted ("sepal length").
std::string_view unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') return text.substr(1, text.size() - 2);
  return text;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Labels are the same class when their text is equal, or when both are
// numbers of equal value ("1" and "1.0").
bool same_label(std::string_view a, std::string_view b) {
  if (a == b) return true;
  auto x = parse_number(a);
  auto y = parse_number(b);
  return x && y && *x == *y;
}

}  // namespace

// The lines of a text, one at a time, without copying.
class Lines {
 public:
  explicit Lines(std::string_view text) : rest_(text) {}
  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    std::size_t end = rest_.find('\n');
    line = rest_.substr(0, end);
    rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end + 1);
    return true;
  }

 private:
  std::string_view rest_;
};

// CSV files are read whole, and parsing holds a few times the text's size
// (field views, labels, values): 64 MiB (about a million rows of ten
// columns) keeps that bounded, far above what the small models here train on.
constexpr std::int64_t max_csv_bytes = std::int64_t(64) << 20;

Dataset load_csv(const std::string& path, const CsvOptions& options) {
  const std::string text = io::read_file(path, max_csv_bytes);
  auto bad_row = [&](std::int64_t line, const std::string& reason) {
    return FileError(fmt::format("{}:{}: {}", path, line, reason));
  };

  Lines lines(text);
  std::string_view line;
  std::int64_t line_number = 0;
  std::vector<std::string> columns;
  while (lines.next(line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    for (std::string_view field : split_fields(line)) columns.emplace_back(unquote(field));
    break;
  }
  if (columns.empty()) throw FileError(fmt::format("{}: the file is empty; expected a header row of column names", path));
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].empty()) throw bad_row(line_number, fmt::format("column {} of the header has no name", i + 1));
    for (std::size_t k = 0; k < i; ++k) {
      if (columns[k] == columns[i]) throw bad_row(line_number, fmt::format("column \"{}\" appears twice in the header", columns[i]));
    }
  }
  auto label_it = std::find(columns.begin(), columns.end(), options.label);
  const bool has_label = label_it != columns.end();
  if (!has_label && options.label_required) {
    throw FileError(fmt::format("{}: no label column named \"{}\"; the columns are: {}", path, options.label,
                                fmt::join(columns, ", ")));
  }
  const std::size_t label_column = std::size_t(label_it - columns.begin());  // columns.size(): none
  if (has_label && columns.size() < 2) throw FileError(fmt::format("{}: only the label column \"{}\": no feature columns", path, options.label));

  Dataset data;
  if (has_label) data.label_name = options.label;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i != label_column) data.feature_names.push_back(columns[i]);
  }
  std::vector<double> features;
  std::vector<std::string> labels;
  std::vector<std::int64_t> label_lines;
  std::int64_t rows = 0;
  while (lines.next(line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    ++rows;
    auto fields = split_fields(line);
    if (fields.size() != columns.size()) {
      throw bad_row(line_number, fmt::format("expected {} fields, as in the header, found {}", columns.size(), fields.size()));
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i == label_column) {
        if (fields[i].empty()) throw bad_row(line_number, fmt::format("the label \"{}\" is empty", options.label));
        // A label that reads as a number must be a finite one: NaN equals no
        // class and breaks the sorted class order.
        if (auto number = parse_number(fields[i]); number && !std::isfinite(*number)) {
          throw bad_row(line_number, fmt::format("the label \"{}\" is not a finite number; labels are class "
                                                 "numbers or names", fields[i]));
        }
        labels.emplace_back(fields[i]);
        label_lines.push_back(line_number);
        continue;
      }
      auto value = parse_number(fields[i]);
      if (!value) {
        throw bad_row(line_number, fields[i].empty()
                                       ? fmt::format("column \"{}\" is empty", columns[i])
                                       : fmt::format("column \"{}\": \"{}\" is not a number", columns[i], fields[i]));
      }
      if (!std::isfinite(*value)) {
        throw bad_row(line_number, fmt::format("column \"{}\": \"{}\" is not a finite number", columns[i], fields[i]));
      }
      features.push_back(*value);
    }
  }
  if (rows == 0) throw FileError(fmt::format("{}: a header but no data rows", path));
  if (!has_label) {
    data.x = Tensor(Shape{rows, std::int64_t(data.feature_names.size())}, std::move(features));
    data.y = Tensor(Shape{rows, 0});
    return data;
  }

  // Classes: given, or the distinct labels sorted (by value if all numbers).
  data.classes = options.classes;
  if (data.classes.empty()) {
    bool numeric = std::all_of(labels.begin(), labels.end(), [](const std::string& s) { return parse_number(s).has_value(); });
    for (const std::string& label : labels) {
      bool known = std::any_of(data.classes.begin(), data.classes.end(),
                               [&](const std::string& c) { return numeric ? same_label(c, label) : c == label; });
      if (!known) data.classes.push_back(label);
    }
    if (numeric) {
      std::sort(data.classes.begin(), data.classes.end(),
                [](const std::string& a, const std::string& b) { return *parse_number(a) < *parse_number(b); });
    } else {
      std::sort(data.classes.begin(), data.classes.end());
    }
  }
  data.x = Tensor(Shape{rows, std::int64_t(data.feature_names.size())}, std::move(features));
  data.y = Tensor(Shape{rows, 1});
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::string& label = labels[std::size_t(r)];
    auto it = std::find_if(data.classes.begin(), data.classes.end(), [&](const std::string& c) { return same_label(c, label); });
    if (it == data.classes.end()) {
      throw bad_row(label_lines[std::size_t(r)], fmt::format("label \"{}\" is not one of the known classes ({})", label,
                                                             fmt::join(data.classes, ", ")));
    }
    data.y[r] = double(it - data.classes.begin());
  }
  return data;
}

// ---- standardization ----

Standardizer Standardizer::fit(const TensorView& x) {
  if (x.rank() != 2 || x.shape()[0] < 1) {
    throw ShapeError(fmt::format("Standardizer::fit: expected (examples, features) with examples >= 1, got {}", x.shape()));
  }
  const std::int64_t n = x.shape()[0], d = x.shape()[1];
  Standardizer s{Tensor(Shape{d}), Tensor(Shape{d}, 1.0)};
  for (std::int64_t j = 0; j < d; ++j) {
    double mean = 0;
    for (std::int64_t i = 0; i < n; ++i) mean += x[i * d + j];
    mean /= double(n);
    double variance = 0;
    for (std::int64_t i = 0; i < n; ++i) variance += (x[i * d + j] - mean) * (x[i * d + j] - mean);
    double deviation = std::sqrt(variance / double(n));
    s.mean[j] = mean;
    s.scale[j] = deviation > 0 ? deviation : 1.0;
  }
  return s;
}

void Standardizer::apply(Tensor& x) const {
  const std::int64_t d = mean.size();
  if (x.rank() != 2 || x.shape()[1] != d) {
    throw ShapeError(fmt::format("Standardizer::apply: fitted on {} features, got data of shape {}", d, x.shape()));
  }
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < d; ++j) x[i * d + j] = (x[i * d + j] - mean[j]) / scale[j];
  }
}

}  // namespace dagrad

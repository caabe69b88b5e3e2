// Minibatches, accuracy, the progress bar, and parameter files.
#include "dagrad/train.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dagrad/error.hpp"
#include "io/io.hpp"
#include "io/json.hpp"

namespace dagrad {

// ---- minibatches ----

Minibatches::Minibatches(const Dataset& data, std::int64_t batch_size, Rng& rng, bool shuffle)
    : data_(&data), batch_size_(batch_size), rng_(&rng), shuffle_(shuffle) {
  if (batch_size < 1) throw Error(fmt::format("Minibatches: the batch size must be >= 1, not {}", batch_size));
  if (data.size() < 1) throw Error("Minibatches: the data set is empty");
  if (data.y.size() != data.size()) {
    throw ShapeError(fmt::format("Minibatches: x has {} rows but y has shape {}", data.size(), data.y.shape()));
  }
  batch_size_ = std::min(batch_size, data.size());
  order_.resize(std::size_t(data.size()));
  std::iota(order_.begin(), order_.end(), 0);
  x_buffer_ = Tensor(Shape{batch_size_, data.features()});
  y_buffer_ = Tensor(Shape{batch_size_, 1});
}

std::int64_t Minibatches::batches_per_epoch() const { return (data_->size() + batch_size_ - 1) / batch_size_; }

Minibatches::Iterator Minibatches::begin() {
  if (shuffle_) std::shuffle(order_.begin(), order_.end(), *rng_);
  gather(0);
  return Iterator(this, 0);
}

Minibatches::Iterator Minibatches::end() { return Iterator(this, data_->size()); }

Minibatches::Iterator::Iterator(Minibatches* owner, std::int64_t start) : owner_(owner), start_(start) {}

Minibatches::Iterator& Minibatches::Iterator::operator++() {
  start_ = std::min(start_ + owner_->batch_size_, owner_->data_->size());
  if (start_ < owner_->data_->size()) owner_->gather(start_);
  return *this;
}

void Minibatches::gather(std::int64_t start) {
  const std::int64_t rows = std::min(batch_size_, data_->size() - start);
  const std::int64_t d = data_->features();
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t source = order_[std::size_t(start + r)];
    std::copy_n(data_->x.data() + source * d, d, x_buffer_.data() + r * d);
    y_buffer_[r] = data_->y[source];
  }
  batch_.x = TensorView(Shape{rows, d}, x_buffer_.data());
  batch_.y = TensorView(Shape{rows, 1}, y_buffer_.data());
}

// ---- predictions ----

std::vector<std::int64_t> predicted_classes(const TensorView& logits) {
  const Shape& shape = logits.shape();
  if (shape.rank() > 2) {
    throw ShapeError(fmt::format("predicted_classes: expected logits (rows, classes), got {}", shape));
  }
  const std::int64_t rows = shape.rank() == 0 ? 1 : shape[0];
  const std::int64_t columns = shape.rank() == 2 ? shape[1] : 1;
  std::vector<std::int64_t> classes(static_cast<std::size_t>(rows));
  // Any dtype: float32 logits are compared exactly as they are.
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t first = r * columns;
    std::int64_t best = 0;
    for (std::int64_t c = 1; c < columns; ++c) {
      if (logits.get(first + c) > logits.get(first + best)) best = c;
    }
    classes[std::size_t(r)] = columns == 1 ? (logits.get(first) > 0 ? 1 : 0) : best;
  }
  return classes;
}

double accuracy(const TensorView& logits, const TensorView& labels) {
  auto predicted = predicted_classes(logits);
  if (std::int64_t(predicted.size()) != labels.size()) {
    throw ShapeError(fmt::format("accuracy: {} rows of logits {} but {} labels {}", predicted.size(), logits.shape(),
                                 labels.size(), labels.shape()));
  }
  if (predicted.empty()) return 0.0;
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += double(predicted[i]) == labels.get(std::int64_t(i));
  return double(correct) / double(predicted.size());
}

// ---- progress ----

namespace {
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

ProgressBar::ProgressBar(std::int64_t total_epochs, std::FILE* stream)
    : ProgressBar(total_epochs, stream, stream != nullptr && ::isatty(::fileno(stream))) {}

ProgressBar::ProgressBar(std::int64_t total_epochs, std::FILE* stream, bool enabled)
    : total_(std::max<std::int64_t>(total_epochs, 1)), stream_(stream), enabled_(enabled && stream != nullptr) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::int64_t epoch, double loss, double accuracy) {
  if (!enabled_) return;
  std::int64_t now = now_ns();
  bool last = epoch >= total_;
  if (drawn_ && !last && now - last_draw_ns_ < 50'000'000) return;
  last_draw_ns_ = now;
  constexpr int width = 24;
  int filled = int(double(width) * double(std::min(epoch, total_)) / double(total_));
  std::string bar(std::size_t(filled), '=');
  if (filled < width) bar += '>';
  bar.resize(width, ' ');
  int digits = int(fmt::formatted_size("{}", total_));
  fmt::print(stream_, "\repoch {:>{}}/{} [{}]  loss {:.4f}  accuracy {:.4f}", epoch, digits, total_, bar, loss, accuracy);
  std::fflush(stream_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) {
    fmt::print(stream_, "\n");
    std::fflush(stream_);
  }
  drawn_ = false;
}

// ---- parameter files ----

namespace {

constexpr std::string_view file_format = "dagrad-tensors";

}  // namespace

void save_tensor_file(const std::string& path, const TensorFile& file) {
  // One line per tensor, so the file reads well and diffs well. Values go
  // through io::format_number: exact, and NaN and infinities as strings.
  std::vector<std::string> info;
  for (const auto& [key, value] : file.info) info.push_back(io::json_string(key) + ": " + io::json_string(value));
  std::string text = fmt::format("{{\n \"format\": \"{}\",\n \"version\": 1,\n \"info\": {{{}}},\n \"tensors\": {{",
                                 file_format, fmt::join(info, ", "));
  bool first = true;
  for (const auto& [name, tensor] : file.tensors) {
    // float64, the default, is not written (files from before dtypes read
    // unchanged); float32 values in float32's own shortest form.
    text += fmt::format("{}\n  {}: {{{}\"shape\": [{}], \"values\": [", first ? "" : ",", io::json_string(name),
                        tensor.dtype() == DType::float64 ? "" : fmt::format("\"dtype\": \"{}\", ", tensor.dtype()),
                        fmt::join(tensor.shape().dims(), ","));
    for (std::int64_t i = 0; i < tensor.size(); ++i) {
      if (i != 0) text += ',';
      text += io::format_element(tensor, i);
    }
    text += "]}";
    first = false;
  }
  text += "\n }\n}\n";
  io::write_file_atomically(path, text);
}

TensorFile load_tensor_file(const std::string& path) {
  const nlohmann::json json = io::parse_json(io::read_file(path), path);
  auto fail = [&](const std::string& reason) { return FileError(fmt::format("{}: {}", path, reason)); };
  if (!json.is_object() || !json.contains("format") || json["format"] != file_format) {
    throw fail(fmt::format("not a dagrad tensor file (expected \"format\": \"{}\")", file_format));
  }
  if (!json.contains("version") || json["version"] != 1) throw fail("unsupported version (this dagrad reads version 1)");
  TensorFile file;
  if (auto info = json.find("info"); info != json.end()) {
    if (!info->is_object()) throw fail(fmt::format("\"info\" must be an object, got {}", io::describe_json(*info)));
    for (const auto& [key, value] : info->items()) {
      if (!value.is_string()) {
        throw fail(fmt::format("info \"{}\" must be a string, got {}", key, io::describe_json(value)));
      }
      file.info[key] = value.get<std::string>();
    }
  }
  auto tensors = json.find("tensors");
  if (tensors == json.end() || !tensors->is_object()) throw fail("\"tensors\" must be an object of named tensors");
  for (const auto& [name, entry] : tensors->items()) {
    const std::string where = fmt::format("tensor \"{}\"", name);
    if (!entry.is_object() || !entry.contains("shape") || !entry.contains("values")) {
      throw fail(fmt::format("{} must be an object with \"shape\" and \"values\"", where));
    }
    Shape shape;
    try {
      shape = io::json_shape(entry["shape"], where);
    } catch (const Error& e) {
      throw fail(e.what());
    }
    const nlohmann::json& values = entry["values"];
    if (!values.is_array() || std::int64_t(values.size()) != shape.elements()) {
      throw fail(fmt::format("{}: shape {} needs {} values, found {}", where, shape, shape.elements(),
                             values.is_array() ? fmt::format("{}", values.size()) : io::describe_json(values)));
    }
    DType dtype = DType::float64;
    if (auto text = entry.find("dtype"); text != entry.end()) {
      if (!text->is_string()) {
        throw fail(fmt::format("{}: \"dtype\" must be \"float32\" or \"float64\", got {}", where,
                               io::describe_json(*text)));
      }
      try {
        dtype = parse_dtype(text->get_ref<const std::string&>());
      } catch (const Error& e) {
        throw fail(fmt::format("{}: {}", where, e.what()));
      }
    }
    Tensor tensor(shape, dtype);
    for (std::int64_t i = 0; i < tensor.size(); ++i) {
      std::optional<double> value = io::json_number(values[std::size_t(i)]);
      if (!value) {
        throw fail(fmt::format("{}: value [{}] must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {}",
                               where, i, io::describe_json(values[std::size_t(i)])));
      }
      if (dtype == DType::float32) {
        std::optional<float> narrowed = io::narrow_to_float32(*value);
        if (!narrowed) {
          throw fail(fmt::format("{}: value [{}] is {}, which does not fit float32 (largest {})", where, i,
                                 io::format_number(*value), std::numeric_limits<float>::max()));
        }
        tensor.data<float>()[i] = *narrowed;
      } else {
        tensor.data<double>()[i] = *value;
      }
    }
    file.tensors.emplace(name, std::move(tensor));
  }
  return file;
}

TensorFile parameter_file(std::span<const Expr> parameters) {
  TensorFile file;
  for (const Expr& p : parameters) {
    if (!file.tensors.emplace(p.name(), Tensor::from(p.value())).second) {
      throw Error(fmt::format("save_parameters: two parameters are named \"{}\"", p.name()));
    }
  }
  return file;
}

void save_parameters(const std::string& path, std::span<const Expr> parameters,
                     const std::map<std::string, std::string>& info) {
  TensorFile file = parameter_file(parameters);
  file.info = info;
  save_tensor_file(path, file);
}

void set_parameters(const TensorFile& file, std::span<const Expr> parameters, const std::string& path) {
  // Check every parameter first, so a bad file changes nothing.
  for (const Expr& p : parameters) {
    auto it = file.tensors.find(p.name());
    if (it == file.tensors.end()) throw FileError(fmt::format("{}: no tensor for parameter \"{}\"", path, p.name()));
    if (!(it->second.shape() == p.shape())) {
      throw FileError(fmt::format("{}: parameter \"{}\" has shape {} in the file but {} in the model", path, p.name(),
                                  it->second.shape(), p.shape()));
    }
    // Another dtype converts (float32 to float64 exactly, float64 to float32
    // rounding to nearest), except a value too large for float32.
    if (p.dtype() == DType::float32 && it->second.dtype() == DType::float64) {
      for (std::int64_t i = 0; i < it->second.size(); ++i) {
        if (!io::narrow_to_float32(it->second.get(i))) {
          throw FileError(fmt::format("{}: parameter \"{}\" is float32 in the model, but its value [{}] in the file, "
                                      "{}, does not fit float32", path, p.name(), i,
                                      io::format_number(it->second.get(i))));
        }
      }
    }
  }
  for (const Expr& p : parameters) p.graph().set_value(p, file.tensors.at(p.name()));
}

void load_parameters(const std::string& path, std::span<const Expr> parameters) {
  set_parameters(load_tensor_file(path), parameters, path);
}

}  // namespace dagrad

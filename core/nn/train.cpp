// Minibatches, accuracy, the progress bar, and parameter files.
#include "dagrad/train.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dagrad/error.hpp"

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
  for (std::int64_t r = 0; r < rows; ++r) {
    const double* row = logits.data() + r * columns;
    if (columns == 1) {
      classes[std::size_t(r)] = row[0] > 0 ? 1 : 0;
    } else {
      classes[std::size_t(r)] = std::max_element(row, row + columns) - row;
    }
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
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += double(predicted[i]) == labels[std::int64_t(i)];
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

std::string temporary_name(const std::string& path) {
  static std::atomic<int> counter{0};
  return fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter++);
}

}  // namespace

void save_tensor_file(const std::string& path, const TensorFile& file) {
  // One line per tensor, so the file reads well and diffs well.
  nlohmann::ordered_json info = nlohmann::ordered_json::object();
  for (const auto& [key, value] : file.info) info[key] = value;
  std::string text = fmt::format("{{\n \"format\": \"{}\",\n \"version\": 1,\n \"info\": {},\n \"tensors\": {{",
                                 file_format, info.dump());
  bool first = true;
  for (const auto& [name, tensor] : file.tensors) {
    nlohmann::ordered_json entry;
    entry["shape"] = std::vector<std::int64_t>(tensor.shape().dims().begin(), tensor.shape().dims().end());
    entry["values"] = std::vector<double>(tensor.begin(), tensor.end());
    text += fmt::format("{}\n  {}: {}", first ? "" : ",", nlohmann::json(name).dump(), entry.dump());
    first = false;
  }
  text += "\n }\n}\n";

  std::string temporary = temporary_name(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw FileError(fmt::format("cannot write \"{}\": {}", path, std::strerror(errno)));
    out << text;
    out.flush();
    if (!out) {
      int error = errno;
      out.close();
      std::remove(temporary.c_str());
      throw FileError(fmt::format("cannot write \"{}\": {}", path, std::strerror(error)));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temporary.c_str());
    throw FileError(fmt::format("cannot write \"{}\": {}", path, std::strerror(error)));
  }
}

TensorFile load_tensor_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(fmt::format("cannot open \"{}\": {}", path, std::strerror(errno)));
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw FileError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  auto fail = [&](const std::string& reason) { return FileError(fmt::format("{}: {}", path, reason)); };
  if (!json.is_object() || json.value("format", "") != file_format) {
    throw fail(fmt::format("not a dagrad tensor file (expected \"format\": \"{}\")", file_format));
  }
  if (json.value("version", 0) != 1) throw fail("unsupported version (this dagrad reads version 1)");
  TensorFile file;
  try {
    if (json.contains("info")) {
      for (const auto& [key, value] : json.at("info").items()) file.info[key] = value.get<std::string>();
    }
    for (const auto& [name, entry] : json.at("tensors").items()) {
      auto dims = entry.at("shape").get<std::vector<std::int64_t>>();
      auto values = entry.at("values").get<std::vector<double>>();
      if (int(dims.size()) > Shape::max_rank ||
          std::any_of(dims.begin(), dims.end(), [](std::int64_t d) { return d < 0; })) {
        throw fail(fmt::format("tensor \"{}\": bad shape", name));
      }
      const Shape shape{std::span<const std::int64_t>(dims.data(), dims.size())};
      if (shape.elements() != std::int64_t(values.size())) {
        throw fail(fmt::format("tensor \"{}\": shape {} needs {} values, found {}", name, shape, shape.elements(),
                               values.size()));
      }
      file.tensors.emplace(name, Tensor(shape, std::move(values)));
    }
  } catch (const nlohmann::json::exception& e) {
    throw fail(fmt::format("malformed tensor file: {}", e.what()));
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
  }
  for (const Expr& p : parameters) p.graph().set_value(p, file.tensors.at(p.name()));
}

void load_parameters(const std::string& path, std::span<const Expr> parameters) {
  set_parameters(load_tensor_file(path), parameters, path);
}

}  // namespace dagrad

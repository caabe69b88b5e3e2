// Training helpers: minibatches, accuracy, a progress bar, and saving and
// loading trained parameters.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "dagrad/data.hpp"
#include "dagrad/graph.hpp"

namespace dagrad {

// ---- minibatches ----

struct Batch {
  TensorView x;  // (rows, features)
  TensorView y;  // (rows, 1)
};

// A data set in minibatches of `batch_size` rows (the last may be smaller),
// in a fresh random order every epoch (each begin() reshuffles), as
// PyTorch's DataLoader(shuffle=True):
//   for (const Batch& batch : Minibatches(data, 32, rng)) ...
// Batches are views of buffers the Minibatches owns: valid until the next
// batch. Nothing is allocated after construction.
class Minibatches {
 public:
  Minibatches(const Dataset& data, std::int64_t batch_size, Rng& rng, bool shuffle = true);

  class Iterator {
   public:
    const Batch& operator*() const { return owner_->batch_; }
    const Batch* operator->() const { return &owner_->batch_; }
    Iterator& operator++();
    bool operator!=(const Iterator& other) const { return start_ != other.start_; }

   private:
    friend class Minibatches;
    Iterator(Minibatches* owner, std::int64_t start);
    Minibatches* owner_;
    std::int64_t start_;
  };
  Iterator begin();
  Iterator end();
  std::int64_t batches_per_epoch() const;

 private:
  void gather(std::int64_t start);
  const Dataset* data_;
  std::int64_t batch_size_;
  Rng* rng_;
  bool shuffle_;
  std::vector<std::int64_t> order_;
  Tensor x_buffer_;
  Tensor y_buffer_;
  Batch batch_;
};

// ---- predictions ----

// Class of each row of logits: logit > 0 for a single column (bce_with_logits:
// sigmoid(z) > 0.5), the arg max otherwise (first on ties, as NumPy).
std::vector<std::int64_t> predicted_classes(const TensorView& logits);
// Fraction of rows whose predicted class equals the label (class indices, one
// per row); throws ShapeError if the row counts differ.
double accuracy(const TensorView& logits, const TensorView& labels);

// ---- progress ----

// One line, rewritten in place ("\r") on a terminal:
//   epoch  120/1000 [=====>              ]  loss 0.2345  accuracy 0.9100
// at most every 50 ms, and always for the last epoch. When the stream is not
// a terminal (a pipe, a file, a test) it prints nothing.
class ProgressBar {
 public:
  explicit ProgressBar(std::int64_t total_epochs, std::FILE* stream = stderr);
  // Force on or off regardless of the terminal check.
  ProgressBar(std::int64_t total_epochs, std::FILE* stream, bool enabled);
  ~ProgressBar();  // finishes the line
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // epoch counts from 1 to total_epochs.
  void update(std::int64_t epoch, double loss, double accuracy);
  void finish();
  bool enabled() const { return enabled_; }

 private:
  std::int64_t total_;
  std::FILE* stream_;
  bool enabled_;
  bool drawn_ = false;
  std::int64_t last_draw_ns_ = 0;
};

// ---- saving ----

// Named tensors plus free-form text, as one JSON file:
//   {"format": "dagrad-tensors", "version": 1, "info": {...},
//    "tensors": {"layer1/W": {"shape": [2, 4], "values": [...]}, ...}}
// Doubles are written with enough digits to read back bit for bit.
struct TensorFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> info;
};

// Written whole or not at all: to a temporary file in the same folder, then
// renamed over `path`. Throws FileError.
void save_tensor_file(const std::string& path, const TensorFile& file);
// Throws FileError naming the file and what is wrong.
TensorFile load_tensor_file(const std::string& path);

// The parameters' current values, by name.
TensorFile parameter_file(std::span<const Expr> parameters);
void save_parameters(const std::string& path, std::span<const Expr> parameters,
                     const std::map<std::string, std::string>& info = {});
// Sets each parameter from the tensor of its name in the file. Throws
// FileError if one is missing or has another shape; nothing is changed then.
void load_parameters(const std::string& path, std::span<const Expr> parameters);
void set_parameters(const TensorFile& file, std::span<const Expr> parameters, const std::string& path = "model");

}  // namespace dagrad

// Data sets for classification: the course's planar "flower", two moons, and
// the user's own CSV files.
//
// A Dataset holds one example per row: x is (examples, features) and y is
// (examples, 1) holding class indices 0, 1, ... as doubles, the form
// bce_with_logits (two classes) and softmax_cross_entropy take.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dagrad/op.hpp"
#include "dagrad/tensor.hpp"

namespace dagrad {

struct Dataset {
  Tensor x;                                // (examples, features)
  Tensor y;                                // (examples, 1): class indices
  std::vector<std::string> feature_names;  // one per column of x
  std::string label_name;
  // The label each class index stands for, as written in the file ("0",
  // "1"; "setosa", ...): classes[k] is class k.
  std::vector<std::string> classes;

  std::int64_t size() const { return x.shape().rank() == 2 ? x.shape()[0] : 0; }
  std::int64_t features() const { return x.shape().rank() == 2 ? x.shape()[1] : 0; }
  std::int64_t class_count() const { return std::int64_t(classes.size()); }
};

// The course's planar flower (planar_utils.load_planar_dataset): two classes
// of points / 2 each, four petals of ray `petal_ray`. For class j:
//   t = linspace(j * 3.12, (j + 1) * 3.12, N) + 0.2 * randn(N)
//   r = a * sin(4 t) + 0.2 * randn(N)
//   x = (r sin t, r cos t)
// randn is NumPy's legacy generator (Mersenne Twister, polar Box-Muller)
// re-implemented, so seed 1 gives the course's very points (NumPy's
// seed(1); randn() starts 1.6243453636632417, -0.6117564136363821, ...).
// Features "x1", "x2"; label "y".
Dataset planar_flower(std::int64_t points = 400, std::uint32_t seed = 1, double petal_ray = 4.0);

// scikit-learn's make_moons: two interleaving half circles (the outer, class
// 0, and the inner, class 1, shifted by (1, -0.5)), with Gaussian noise of
// standard deviation `noise` on both coordinates, in a shuffled order.
Dataset two_moons(std::int64_t points = 400, double noise = 0.15, std::uint64_t seed = 1);

// NumPy's legacy standard normal generator (RandomState.randn), used by
// planar_flower; exposed for tests and for reproducing NumPy programs.
class NumpyRandn {
 public:
  explicit NumpyRandn(std::uint32_t seed);
  double operator()();

 private:
  double uniform53();
  std::mt19937 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

struct CsvOptions {
  std::string label = "label";  // the label column's name
  // Classes known beforehand (a test set takes its training set's classes);
  // a label outside them is an error. Empty: the file's distinct labels,
  // sorted (by value when they are all numbers).
  std::vector<std::string> classes;
  // False: a file without the label column is read too, every column as a
  // feature, with no labels (y of shape (rows, 0), no classes): data to
  // predict on.
  bool label_required = true;
};

// A CSV file with a header row of column names, then one example per line:
// numeric feature columns and a label column (numbers or names). Fields are
// separated by commas and trimmed of spaces; blank lines are skipped. Throws
// FileError naming the file, and for a bad row the line number and reason
// ("data.csv:7: expected 3 fields, found 2"; "...: column \"x2\": \"abc\" is
// not a number").
Dataset load_csv(const std::string& path, const CsvOptions& options = {});

// Per-feature standardization z = (x - mean) / scale, fitted on training data
// and applied unchanged to test data (scale is the population standard
// deviation; 1 for a constant feature).
struct Standardizer {
  Tensor mean;   // (features,)
  Tensor scale;  // (features,)

  static Standardizer fit(const TensorView& x);
  void apply(Tensor& x) const;
};

}  // namespace dagrad

// The gradient checker's numerics (private to core/gradcheck): step sizes,
// Richardson-extrapolated central differences with an error estimate, and
// the pass rule that compares analytic gradients with them.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "dagrad/gradcheck.hpp"

namespace dagrad::gradcheck_internal {

// The step for an element of value x: eps * max(|x|, 1), at most |x| / 2
// (so no step changes the sign of x: log, sqrt and 1/x stay in their
// domain, and near 0 the step follows the scale of x), and eps at x = 0.
double step_for(double x, double eps);

// A numerical derivative and its estimated absolute error.
struct NumericDerivative {
  double value = 0;
  double error = 0;  // truncation estimate + rounding bound, with their safety factors
};

// Moves the inputs to "base + t * direction", evaluates the function into
// `output`, and returns the t actually reached (for an element step, the
// representable x + t h minus x, divided by h: exact, so the difference
// quotient divides by the step really taken).
using Evaluate = std::function<double(double t, Tensor& output)>;

// d/dt of upstream . F(base + t * direction) at t = 0, by Richardson
// extrapolation of central differences at t = 1, 1/2, 1/4. `plus` and
// `minus` are scratch tensors of F's shape. `crossed` is asked after every
// evaluation whether a kink was crossed; the result is then meaningless and
// `*kink` is set. `evaluation_noise` bounds the rounding error of one
// evaluation of upstream . F beyond the rounding of its output.
NumericDerivative derivative_along(const Evaluate& evaluate, const TensorView& upstream, Tensor& plus, Tensor& minus,
                                   const std::function<bool()>& crossed, bool* kink, double evaluation_noise);

// First-order rounding propagation: a value v rounded with relative error
// float64-epsilon moves the differentiated scalar by about g * v * epsilon,
// g its gradient, and ops that are backward stable compute their result
// exactly for inputs perturbed that much. Summed in quadrature over the
// given values and gradients: the noise of one evaluation.
class NoiseAccumulator {
 public:
  void add(const TensorView& value, const TensorView& gradient);
  double noise() const;

 private:
  double squared_ = 0;
};

// Compares analytic values with numeric ones element by element (skipped
// ones left out) and applies the pass rule of GradcheckOptions.
GradientComparison compare(const std::vector<double>& analytic, const std::vector<NumericDerivative>& numeric,
                           const std::vector<char>& skipped,
                           const std::function<std::vector<std::int64_t>(std::int64_t)>& index_of,
                           const GradcheckOptions& options);

// The course's whole-network figure over flattened leaves (their checked
// elements), with the same waivers as one check.
class NetworkAccumulator {
 public:
  void add(double analytic, const NumericDerivative& numeric);
  NetworkDifference result(const GradcheckOptions& options) const;

 private:
  double difference_squared_ = 0, analytic_squared_ = 0, numeric_squared_ = 0, error_squared_ = 0;
  std::int64_t elements_ = 0;
  bool finite_ = true;
};

}  // namespace dagrad::gradcheck_internal

// Numerical derivatives with an error estimate, and the pass rule.
//
//   D(t) = u . (F(x + t w) - F(x - t w)) / (2 t)       central difference
//   D(t) = f' + c2 t^2 + c4 t^4 + ...                    (f smooth)
//   R(t) = (4 D(t/2) - D(t)) / 3 = f' + O(t^4)           Richardson
//
// The value is R(1/2) (from D(1/2) and D(1/4)); |R(1/2) - R(1)| estimates
// its truncation error generously (R(1)'s own error is 16 times larger) and
// also samples the rounding noise. The rounding bound is one float64
// rounding in each differenced output element, scaled as the quotients
// scale it. Where the steps are w = h e_k with h = eps |x_k|, the quotient is
// a derivative with respect to t and the caller divides by h.
#include "numerics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dagrad::gradcheck_internal {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr double machine_epsilon = std::numeric_limits<double>::epsilon();
// Safety factors on the two parts of the error estimate. The rounding bound
// counts one rounding per output element; an op that cancels large terms
// internally (a sum larger than its result, exp(exp(x))) rounds more, and
// over every op, an MLP and 500 random graphs the actual error stayed below
// 8 times the bound. The truncation estimate is one sample of a difference.
constexpr double rounding_safety = 32;
constexpr double truncation_safety = 2;

struct CentralDifference {
  double value = 0;
  double rounding = 0;
};

// The outputs are differenced element by element before they are summed
// (summing first would cancel two large nearly equal sums and lose digits in
// proportion to the output's size).
CentralDifference central_difference(const TensorView& u, const TensorView& plus, const TensorView& minus,
                                     double span) {
  double total = 0, magnitude = 0;
  for (std::int64_t k = 0; k < u.size(); ++k) {
    if (plus[k] == minus[k]) continue;  // untouched by the step: exactly 0, no rounding
    total += u[k] * (plus[k] - minus[k]);
    double scale = std::abs(u[k]) * (std::abs(plus[k]) + std::abs(minus[k]));
    magnitude += scale * scale;
  }
  // Roundings of different elements are independent: they add in quadrature.
  return {total / span, machine_epsilon * std::sqrt(magnitude) / span};
}

}  // namespace

double step_for(double x, double eps) {
  if (x == 0) return eps;
  return std::min(eps * std::max(std::abs(x), 1.0), std::abs(x) / 2);
}

NumericDerivative derivative_along(const Evaluate& evaluate, const TensorView& upstream, Tensor& plus, Tensor& minus,
                                   const std::function<bool()>& crossed, bool* kink, double evaluation_noise) {
  CentralDifference d[3];
  double t = 1;
  *kink = false;
  for (CentralDifference& level : d) {
    double t_plus = evaluate(t, plus);
    *kink = *kink || crossed();
    double t_minus = evaluate(-t, minus);
    *kink = *kink || crossed();
    level = central_difference(upstream, plus, minus, t_plus - t_minus);
    // Each of the two evaluations carries its own noise.
    level.rounding += 2 * evaluation_noise / (t_plus - t_minus);
    t /= 2;
  }
  double coarse = (4 * d[1].value - d[0].value) / 3;
  double fine = (4 * d[2].value - d[1].value) / 3;
  double rounding = (4 * d[2].rounding + d[1].rounding) / 3;
  return {fine, truncation_safety * std::abs(fine - coarse) + rounding_safety * rounding};
}

void NoiseAccumulator::add(const TensorView& value, const TensorView& gradient) {
  if (value.size() != gradient.size()) return;
  for (std::int64_t k = 0; k < value.size(); ++k) {
    double effect = value[k] * gradient[k];
    if (std::isfinite(effect)) squared_ += effect * effect;
  }
}

double NoiseAccumulator::noise() const { return machine_epsilon * std::sqrt(squared_); }

GradientComparison compare(const std::vector<double>& analytic, const std::vector<NumericDerivative>& numeric,
                           const std::vector<char>& skipped,
                           const std::function<std::vector<std::int64_t>(std::int64_t)>& index_of,
                           const GradcheckOptions& options) {
  GradientComparison result;
  result.eps = options.eps;
  double difference_squared = 0, analytic_squared = 0, numeric_squared = 0, error_squared = 0;
  double worst_score = -1;
  std::int64_t worst = -1;
  bool finite = true;
  for (std::size_t k = 0; k < analytic.size(); ++k) {
    if (skipped[k]) {
      ++result.skipped;
      continue;
    }
    double a = analytic[k], n = numeric[k].value, e = numeric[k].error;
    if (std::isfinite(a) && !(std::isfinite(n) && std::isfinite(e))) {
      // No finite difference quotient: a step left the function's domain or
      // vanished below the spacing of doubles (x near the smallest
      // subnormal). The analytic value cannot be judged here.
      ++result.unmeasured;
      continue;
    }
    ++result.checked;
    double abs_error = infinity, rel_error = infinity, score = infinity;
    if (std::isfinite(a) && std::isfinite(n) && std::isfinite(e)) {
      abs_error = std::abs(a - n);
      rel_error = abs_error / std::max(std::abs(n), options.atol);
      double allowed = options.atol + options.rtol * std::abs(n) + e;
      score = allowed > 0 ? abs_error / allowed : (abs_error > 0 ? infinity : 0.0);
      difference_squared += abs_error * abs_error;
      error_squared += e * e;
      analytic_squared += a * a;
      numeric_squared += n * n;
    } else {
      finite = false;
    }
    result.max_abs_error = std::max(result.max_abs_error, abs_error);
    result.max_rel_error = std::max(result.max_rel_error, rel_error);
    if (score > worst_score) {
      worst_score = score;
      worst = std::int64_t(k);
    }
  }
  result.error_estimate = std::sqrt(error_squared);
  result.analytic_norm = std::sqrt(analytic_squared);
  result.numeric_norm = std::sqrt(numeric_squared);
  result.difference_norm = finite ? std::sqrt(difference_squared) : infinity;
  double norms = result.analytic_norm + result.numeric_norm;
  result.relative_difference = !finite ? infinity : norms == 0 ? 0.0 : result.difference_norm / norms;
  // A difference the numerics' own error can explain is no evidence against
  // the analytic gradient: with a scalar loss averaged over a large batch,
  // per-element gradients shrink like 1/batch while the loss's rounding does
  // not, and the relative difference alone would fail a correct backward.
  bool difference_ok = result.relative_difference < options.threshold ||
                       (finite && result.difference_norm <= result.error_estimate) || (finite && norms <= options.atol);
  result.passed = finite && worst_score <= 1 && difference_ok;
  result.vacuous = result.checked == 0 || (finite && result.analytic_norm == 0 &&
                                           result.numeric_norm <= result.error_estimate);
  if (worst >= 0) {
    result.worst_index = index_of(worst);
    result.worst_analytic = analytic[std::size_t(worst)];
    result.worst_numeric = numeric[std::size_t(worst)].value;
    result.worst_error_estimate = numeric[std::size_t(worst)].error;
  }
  return result;
}

void NetworkAccumulator::add(double analytic, const NumericDerivative& numeric) {
  if (!std::isfinite(analytic)) {
    ++elements_;
    finite_ = false;
    return;
  }
  if (!std::isfinite(numeric.value) || !std::isfinite(numeric.error)) return;  // unmeasured, as in compare()
  ++elements_;
  double difference = analytic - numeric.value;
  difference_squared_ += difference * difference;
  analytic_squared_ += analytic * analytic;
  numeric_squared_ += numeric.value * numeric.value;
  error_squared_ += numeric.error * numeric.error;
}

NetworkDifference NetworkAccumulator::result(const GradcheckOptions& options) const {
  NetworkDifference network;
  network.elements = elements_;
  if (!finite_) {
    network.difference = network.difference_norm = infinity;
    network.passed = false;
    return network;
  }
  network.grad_norm = std::sqrt(analytic_squared_);
  network.gradapprox_norm = std::sqrt(numeric_squared_);
  network.difference_norm = std::sqrt(difference_squared_);
  network.error_estimate = std::sqrt(error_squared_);
  double norms = network.grad_norm + network.gradapprox_norm;
  network.difference = norms == 0 ? 0.0 : network.difference_norm / norms;
  network.passed = network.difference < options.threshold || network.difference_norm <= network.error_estimate ||
                   norms <= options.atol;
  return network;
}

}  // namespace dagrad::gradcheck_internal

namespace dagrad {

void validate(const GradcheckOptions& options) {
  if (!(options.eps > 0) || !(options.eps < 1)) {
    throw Error(fmt::format("gradcheck: eps (the step) must be a number in (0, 1), got {}", options.eps));
  }
  if (!(options.atol >= 0) || !(options.rtol >= 0) || !std::isfinite(options.atol) || !std::isfinite(options.rtol)) {
    throw Error(fmt::format("gradcheck: atol and rtol must be finite numbers >= 0, got atol {} and rtol {}",
                            options.atol, options.rtol));
  }
  if (!(options.threshold > 0)) {
    throw Error(fmt::format("gradcheck: threshold (the course's relative difference) must be > 0, got {}",
                            options.threshold));
  }
  if (options.fast && options.projections < 1) {
    throw Error(fmt::format("gradcheck: fast mode needs at least 1 projection, got {}", options.projections));
  }
}

}  // namespace dagrad

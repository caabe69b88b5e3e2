// Central-difference check of one registered op at every example shape it
// offers: a test-local helper for the op tests (the full checker with
// reports and fault localization is dagrad/gradcheck.hpp).
#pragma once

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad::testing_support {

// The course's relative difference ||a - b|| / (||a|| + ||b||), 0 when both are 0.
inline double relative_difference(const TensorView& a, const TensorView& b) {
  double diff = 0, na = 0, nb = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  double denominator = std::sqrt(na) + std::sqrt(nb);
  return denominator == 0 ? 0 : std::sqrt(diff) / denominator;
}

// Builds graph `out = op(inputs)`, backward with a random seed gradient G so
// the scalar checked is sum(G * out), and compares every differentiable
// input's gradient with central differences (eps 1e-6).
inline void expect_op_gradients(const std::string& op_name, std::uint64_t seed = 7, double tolerance = 1e-7) {
  const OpInfo& info = OpRegistry::global().find(op_name);
  Rng rng(seed);
  for (const OpExample& example : info.examples(rng)) {
    Graph g;
    std::vector<Expr> inputs;
    for (std::size_t i = 0; i < example.inputs.size(); ++i) {
      inputs.push_back(g.input(fmt::format("x{}", i), example.inputs[i]));
    }
    Expr out = g.apply(op_name, inputs, example.attrs, "out");
    const Op& op = *g.node(out).op();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (op.differentiable(int(i))) g.set_requires_grad(inputs[i], true);
    }
    Tensor weights = random_normal(out.shape(), rng);
    auto objective = [&] {
      g.forward(out);
      double total = 0;
      for (std::int64_t k = 0; k < weights.size(); ++k) total += weights[k] * out.value()[k];
      return total;
    };
    objective();
    g.backward(out, weights);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!op.differentiable(int(i))) continue;
      Tensor analytic = Tensor::from(inputs[i].grad());
      Tensor numeric(inputs[i].shape());
      const double eps = 1e-6;
      for (std::int64_t k = 0; k < numeric.size(); ++k) {
        double original = inputs[i].value()[k];
        g.mutable_value(inputs[i])[k] = original + eps;
        double plus = objective();
        g.mutable_value(inputs[i])[k] = original - eps;
        double minus = objective();
        g.mutable_value(inputs[i])[k] = original;
        numeric[k] = (plus - minus) / (2 * eps);
      }
      EXPECT_LT(relative_difference(analytic, numeric), tolerance)
          << op_name << " input " << i << " at shape " << to_string(inputs[i].shape()) << "\nanalytic "
          << to_string(analytic) << "\nnumeric  " << to_string(numeric);
    }
  }
}

}  // namespace dagrad::testing_support

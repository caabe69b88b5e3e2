// Reference values from LibTorch (PyTorch's C++ library) for the reduction
// ops of issue 11 (tests/ops/{max,min,argmax,logsumexp,var,std}_test.cpp,
// tests marked "as PyTorch gives"). PyTorch's amax, amin, argmax,
// logsumexp, var and std are the definitions those ops follow. Not part of
// the build: the values it printed are stored in the tests.
//
// Build and run on Debian 12 (libtorch-dev 1.13.1, `tools/install-deps.sh --bench`):
//   g++ -std=c++17 -O1 tests/ops/reference/reductions_reference.cpp -o /tmp/reductions_reference \
//       -I/usr/include/torch/csrc/api/include -ltorch -ltorch_cpu -lc10
//   /tmp/reductions_reference
#include <torch/torch.h>

#include <cstdio>
#include <functional>
#include <limits>
#include <vector>

void print(const char* what, const torch::Tensor& t) {
  std::printf("%s: shape [", what);
  for (int64_t i = 0; i < t.dim(); ++i) std::printf("%s%lld", i ? ", " : "", (long long)t.size(i));
  std::printf("] values [");
  auto flat = t.contiguous().view(-1);
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf("%s%.17g", i ? ", " : "", flat[i].item<double>());
  std::printf("]\n");
}

// y = f(x), then the gradient of sum(y * seed) with respect to x.
void value_and_gradient(const char* what, torch::Tensor x, const std::function<torch::Tensor(torch::Tensor)>& f,
                        torch::Tensor seed) {
  x = x.clone().requires_grad_(true);
  auto y = f(x);
  (y * seed).sum().backward();
  std::printf("%s\n", what);
  print("  y", y);
  print("  dx", x.grad());
}

// at::var and at::std with an explicit correction (the overloads are ambiguous from braces).
torch::Tensor var_of(const torch::Tensor& x, std::vector<int64_t> dims, int64_t correction, bool keepdim) {
  return at::var(x, at::OptionalIntArrayRef(dims), c10::optional<int64_t>(correction), keepdim);
}
torch::Tensor std_of(const torch::Tensor& x, std::vector<int64_t> dims, int64_t correction, bool keepdim) {
  return at::std(x, at::OptionalIntArrayRef(dims), c10::optional<int64_t>(correction), keepdim);
}

int main() {
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const double inf = std::numeric_limits<double>::infinity();
  auto ties = torch::tensor({{1.0, 3.0, 3.0, 2.0}, {5.0, -1.0, 5.0, 5.0}}, f64);
  auto lows = torch::tensor({{4.0, -2.0, 7.0, -2.0}, {0.5, 0.5, 0.5, 0.5}}, f64);
  auto seed2 = torch::tensor({1.0, 2.0}, f64);
  auto seed4 = torch::tensor({1.0, 2.0, 3.0, 4.0}, f64);

  // max and min: amax and amin split the gradient evenly among tied extrema.
  value_and_gradient("amax ties, dim 1, seed [1, 2]", ties, [](auto x) { return torch::amax(x, {1}); }, seed2);
  value_and_gradient("amax ties, dim 0, seed [1, 2, 3, 4]", ties, [](auto x) { return torch::amax(x, {0}); }, seed4);
  value_and_gradient("amax ties, all, seed 3", ties, [](auto x) { return torch::amax(x, {0, 1}); },
                     torch::tensor(3.0, f64));
  value_and_gradient("amin lows, dim -1 keepdim, seed [[1], [2]]", lows,
                     [](auto x) { return torch::amin(x, {-1}, true); }, seed2.view({2, 1}));
  value_and_gradient("amin lows, all, seed 1", lows, [](auto x) { return torch::amin(x, {0, 1}); },
                     torch::tensor(1.0, f64));

  // argmax: the first index on ties.
  print("argmax ties, dim 1", torch::argmax(ties, 1));
  print("argmax ties, dim 0 keepdim", torch::argmax(ties, 0, true));
  print("argmax ties, all", torch::argmax(ties));
  print("argmax lows, dim 1", torch::argmax(lows, 1));

  // logsumexp: stable for large entries; a row of -inf gives -inf.
  auto big = torch::tensor({{1000.0, 1000.0, 999.0}, {-inf, -inf, -inf}, {0.0, -inf, 1.0}, {1.0, 2.0, 3.0}}, f64);
  print("logsumexp big, dim 1", torch::logsumexp(big, torch::IntArrayRef{1}));
  value_and_gradient("logsumexp finite rows, dim 1, seed [1, 2]", big.index({torch::tensor({0, 3})}),
                     [](auto x) { return torch::logsumexp(x, torch::IntArrayRef{1}); }, seed2);
  value_and_gradient("logsumexp [0, -inf, 1], dim 0, seed 1", torch::tensor({0.0, -inf, 1.0}, f64),
                     [](auto x) { return torch::logsumexp(x, torch::IntArrayRef{0}); }, torch::tensor(1.0, f64));
  value_and_gradient("logsumexp [-inf, -inf], dim 0, seed 1", torch::tensor({-inf, -inf}, f64),
                     [](auto x) { return torch::logsumexp(x, torch::IntArrayRef{0}); }, torch::tensor(1.0, f64));
  value_and_gradient("logsumexp [[1, 2], [3, 4]], all, seed 1", torch::tensor({{1.0, 2.0}, {3.0, 4.0}}, f64),
                     [](auto x) { return torch::logsumexp(x, torch::IntArrayRef{0, 1}); }, torch::tensor(1.0, f64));
  print("logsumexp of shape [2, 0], dim 1", torch::logsumexp(torch::zeros({2, 0}, f64), torch::IntArrayRef{1}));

  // var and std: correction 1 (the unbiased default) and 0; a constant row.
  auto rows = torch::tensor({{1.0, 2.0, 4.0, 7.0}, {2.0, 2.0, 2.0, 2.0}}, f64);
  for (int64_t correction : {1, 0, 2}) {
    std::printf("correction %lld:\n", (long long)correction);
    value_and_gradient("var rows, dim 1, seed [1, 2]", rows,
                       [=](auto x) { return var_of(x, {1}, correction, false); }, seed2);
    value_and_gradient("std rows, dim 1, seed [1, 2]", rows,
                       [=](auto x) { return std_of(x, {1}, correction, false); }, seed2);
  }
  value_and_gradient("var rows, dim 0 keepdim, seed [[1, 2, 3, 4]]", rows,
                     [](auto x) { return var_of(x, {0}, 1, true); }, seed4.view({1, 4}));
  value_and_gradient("std rows, all, seed 1", rows, [](auto x) { return std_of(x, {0, 1}, 1, false); },
                     torch::tensor(1.0, f64));
  print("var of one element, correction 1", var_of(torch::tensor({3.0}, f64), {0}, 1, false));
  print("std of one element, correction 1", std_of(torch::tensor({3.0}, f64), {0}, 1, false));
  return 0;
}

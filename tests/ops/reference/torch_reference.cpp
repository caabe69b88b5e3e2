// Reference values from LibTorch (PyTorch's C++ library) for the numerics
// tests of issue 16 (tests/ops/*_test.cpp, tests marked "as PyTorch gives").
// Not part of the build: the values it printed are stored in the tests.
//
// Build and run on Debian 12 (libtorch-dev 1.13.1, `tools/install-deps.sh --bench`):
//   g++ -std=c++17 -O1 tests/ops/reference/torch_reference.cpp -o /tmp/torch_reference \
//       -I/usr/include/torch/csrc/api/include -ltorch -ltorch_cpu -lc10
//   /tmp/torch_reference
#include <torch/torch.h>

#include <cstdio>
#include <limits>

namespace F = torch::nn::functional;

void print(const char* what, const torch::Tensor& t) {
  std::printf("%s: shape [", what);
  for (int64_t i = 0; i < t.dim(); ++i) std::printf("%s%lld", i ? ", " : "", (long long)t.size(i));
  std::printf("] values [");
  auto flat = t.contiguous().view(-1);
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf("%s%.17g", i ? ", " : "", flat[i].item<double>());
  std::printf("]\n");
}

int main() {
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  // softmax_cross_entropy: F.cross_entropy(logits, labels), mean reduction.
  for (double scale : {1e15, 1e17, 1e300}) {
    auto logits = torch::full({1, 3}, scale, f64).requires_grad_(true);
    auto loss = F::cross_entropy(logits, torch::tensor({0}, torch::kLong));
    loss.backward();
    std::printf("cross_entropy [%g]*3, label 0: ", scale);
    print("loss", loss);
    print("  dlogits", logits.grad());
  }
  {
    auto logits = torch::tensor({{1e17, 0.0, -1e17}, {3.0, 1e16, 2.0}}, f64).requires_grad_(true);
    auto loss = F::cross_entropy(logits, torch::tensor({1, 2}, torch::kLong));
    loss.backward();
    std::printf("cross_entropy [[1e17, 0, -1e17], [3, 1e16, 2]], labels [1, 2]: ");
    print("loss", loss);
    print("  dlogits", logits.grad());
  }

  // normalize_rows: F.normalize(x, p=2, dim=-1) (eps 1e-12) with a NaN row.
  {
    auto x = torch::tensor({{nan, 1.0}, {3.0, 4.0}, {0.0, 0.0}}, f64).requires_grad_(true);
    auto y = F::normalize(x, F::NormalizeFuncOptions().p(2).dim(-1));
    (y * torch::tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, f64)).sum().backward();
    std::printf("normalize [[nan, 1], [3, 4], [0, 0]], seed [[1, 2], [3, 4], [5, 6]]: ");
    print("y", y);
    print("  dx", x.grad());
  }

  // bce_with_logits: F.binary_cross_entropy_with_logits, mean reduction.
  for (auto [z, t] : {std::pair{inf, 0.0}, {inf, 1.0}, {-inf, 0.0}, {-inf, 1.0}, {inf, 0.5}, {1e308, 0.0}}) {
    auto logits = torch::tensor({z}, f64).requires_grad_(true);
    auto targets = torch::tensor({t}, f64).requires_grad_(true);
    auto loss = F::binary_cross_entropy_with_logits(logits, targets);
    loss.backward();
    std::printf("bce_with_logits(%g, %g): ", z, t);
    print("loss", loss);
    print("  dz", logits.grad());
    print("  dt", targets.grad());
  }

  // softmax and log_softmax over an empty last axis; the mean of nothing.
  for (auto shape : {std::vector<int64_t>{0}, std::vector<int64_t>{3, 0}}) {
    auto x = torch::zeros(shape, f64);
    print("softmax of an empty last axis", torch::softmax(x, -1));
    print("log_softmax of an empty last axis", torch::log_softmax(x, -1));
  }
  print("mean of shape [0]", torch::zeros({0}, f64).mean());
  print("cross_entropy of 0 rows",
        F::cross_entropy(torch::zeros({0, 3}, f64), torch::zeros({0}, torch::kLong)));
  return 0;
}

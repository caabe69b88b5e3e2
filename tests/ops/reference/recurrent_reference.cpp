// Reference values from LibTorch (PyTorch's C++ library) for the lstm and
// gru tests (tests/ops/lstm_test.cpp, tests/ops/gru_test.cpp): one layer over
// a short sequence through torch::lstm / torch::gru, then the gradients of
// sum(output * seed). Not part of the build: the values it printed are
// stored in tests/ops/reference/recurrent_reference.hpp.
//
// Build and run on Debian 12 (libtorch-dev 1.13.1, `tools/install-deps.sh --bench`):
//   g++ -std=c++17 -O1 tests/ops/reference/recurrent_reference.cpp -o /tmp/recurrent_reference \
//       -I/usr/include/torch/csrc/api/include -ltorch -ltorch_cpu -lc10
//   /tmp/recurrent_reference > tests/ops/reference/recurrent_reference.hpp
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

// The inputs, as the tests make them: scale * sin(0.7 k + seed) for element k.
torch::Tensor fill(std::vector<int64_t> shape, double seed, double scale) {
  auto t = torch::empty(shape, torch::kFloat64);
  auto flat = t.view(-1);
  for (int64_t k = 0; k < flat.numel(); ++k) flat[k] = scale * std::sin(0.7 * double(k) + seed);
  return t.requires_grad_(true);
}

void print(const std::string& name, const torch::Tensor& t) {
  auto flat = t.contiguous().view(-1);
  std::printf("inline const std::vector<double> %s{", name.c_str());
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf("%s%.17g", i ? ", " : "", flat[i].item<double>());
  std::printf("};\n");
}

int main() {
  const int64_t seq = 3, batch = 2, in = 3, hidden = 2;
  std::printf("// Printed by recurrent_reference.cpp (LibTorch %s): do not edit.\n", TORCH_VERSION);
  std::printf("#pragma once\n#include <vector>\nnamespace dagrad::recurrent_reference {\n");
  for (const int64_t gates : {4, 3}) {
    const std::string op = gates == 4 ? "lstm" : "gru";
    auto x = fill({seq, batch, in}, 1, 1.0), h0 = fill({batch, hidden}, 2, 0.5), c0 = fill({batch, hidden}, 3, 0.5);
    auto w_ih = fill({gates * hidden, in}, 4, 0.6), w_hh = fill({gates * hidden, hidden}, 5, 0.6);
    auto b_ih = fill({gates * hidden}, 6, 0.3), b_hh = fill({gates * hidden}, 7, 0.3);
    torch::Tensor y;
    if (gates == 4) {
      y = std::get<0>(torch::lstm(x, {h0.unsqueeze(0), c0.unsqueeze(0)}, {w_ih, w_hh, b_ih, b_hh}, true, 1, 0.0, false,
                                  false, false));
    } else {
      y = std::get<0>(torch::gru(x, h0.unsqueeze(0), {w_ih, w_hh, b_ih, b_hh}, true, 1, 0.0, false, false, false));
    }
    auto seed = fill({seq, batch, hidden}, 8, 1.0).detach();
    (y * seed).sum().backward();
    print(op + "_output", y);
    print(op + "_dx", x.grad());
    print(op + "_dh0", h0.grad());
    if (gates == 4) print(op + "_dc0", c0.grad());
    print(op + "_dweight_ih", w_ih.grad());
    print(op + "_dweight_hh", w_hh.grad());
    print(op + "_dbias_ih", b_ih.grad());
    print(op + "_dbias_hh", b_hh.grad());
  }
  std::printf("}  // namespace dagrad::recurrent_reference\n");
}

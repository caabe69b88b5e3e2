// libFuzzer target: the NumPy-style tensor printer, on any shape up to rank
// 4 (dimensions 0 to 7) and any bit patterns as values (NaN, infinities,
// subnormals, -0). Nothing may crash or trip a sanitizer.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <dagrad/tensor.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dagrad;
  if (size < 1) return 0;
  const int rank = data[0] % 5;
  if (size < std::size_t(1 + rank)) return 0;
  std::vector<std::int64_t> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(data[1 + i] % 8);
  Tensor tensor{Shape(std::span<const std::int64_t>(dims))};
  const std::uint8_t* bytes = data + 1 + rank;
  const std::size_t available = size - std::size_t(1 + rank);
  for (std::int64_t i = 0; i < tensor.size() && std::size_t(i + 1) * sizeof(double) <= available; ++i) {
    std::memcpy(&tensor[i], bytes + std::size_t(i) * sizeof(double), sizeof(double));
  }
  std::string text = fmt::format("{}", tensor);
  if (text.empty()) __builtin_trap();
  return 0;
}

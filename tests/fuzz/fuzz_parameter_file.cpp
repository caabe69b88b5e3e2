// libFuzzer target: a parameter file (dagrad-tensors JSON), loaded, saved
// and loaded again. Any input may be rejected with a dagrad::Error; nothing
// may crash or trip a sanitizer, and what loads saves and reloads bit for
// bit (a NaN's payload aside).
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include <dagrad/error.hpp>
#include <dagrad/train.hpp>

namespace {
bool same(const dagrad::Tensor& a, const dagrad::Tensor& b) {
  if (!(a.shape() == b.shape())) return false;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const double x = a[i], y = b[i];
    if (std::isnan(x) ? !std::isnan(y) : std::memcmp(&x, &y, sizeof(double)) != 0) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dagrad;
  static const std::string in = "/tmp/dagrad_fuzz_tensors_" + std::to_string(::getpid()) + ".json";
  static const std::string out = "/tmp/dagrad_fuzz_tensors_" + std::to_string(::getpid()) + "_saved.json";
  std::FILE* file = std::fopen(in.c_str(), "wb");
  if (file == nullptr) __builtin_trap();
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  TensorFile loaded;
  try {
    loaded = load_tensor_file(in);
  } catch (const Error&) {
    return 0;
  }
  try {
    save_tensor_file(out, loaded);
  } catch (const Error&) {
    return 0;  // a name that is not valid UTF-8 cannot be written
  }
  TensorFile again = load_tensor_file(out);
  if (again.info != loaded.info || again.tensors.size() != loaded.tensors.size()) __builtin_trap();
  for (const auto& [name, tensor] : loaded.tensors) {
    auto it = again.tensors.find(name);
    if (it == again.tensors.end() || !same(tensor, it->second)) __builtin_trap();
  }
  return 0;
}

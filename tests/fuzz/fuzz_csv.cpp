// libFuzzer target: a CSV data file, loaded as `dagrad train --data` loads
// it, then standardized. Any input may be rejected with a dagrad::Error;
// nothing may crash or trip a sanitizer, and every loaded value is finite.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <dagrad/data.hpp>
#include <dagrad/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dagrad;
  // load_csv reads a file, as the program does: one scratch file per process.
  static const std::string path = "/tmp/dagrad_fuzz_csv_" + std::to_string(::getpid()) + ".csv";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) __builtin_trap();
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  Dataset dataset;
  try {
    dataset = load_csv(path);
  } catch (const Error&) {
    return 0;
  }
  if (dataset.x.shape()[0] != dataset.y.size()) __builtin_trap();
  for (double v : dataset.x) if (!std::isfinite(v)) __builtin_trap();
  for (double v : dataset.y) if (!(v >= 0 && v < double(dataset.class_count()))) __builtin_trap();
  Standardizer standardizer = Standardizer::fit(dataset.x);
  standardizer.apply(dataset.x);
  return 0;
}

// peak_fma f64 / peak_fma f32: this core's multiply-add rate with the
// build's own flags, the denominator of the "fraction of peak" figures in
// README (issue 12 asks for them against the machine's peak, and a figure
// measured here beats one guessed from the CPU's name).
//
// 1 KB of independent accumulators (16 AVX-512 registers) keeps every FMA
// unit busy through the instruction's latency; acc = acc * a + b converges (a < 1), so
// no value overflows or turns subnormal. Each multiply-add counts 2 FLOPs.
#include <benchmark/benchmark.h>

#include <cmath>

namespace {

template <class T>
T multiply_add(T x, T a, T b) {
#ifdef __FMA__
  return std::fma(x, a, b);
#else
  return x * a + b;
#endif
}

template <class T>
void peak_fma(benchmark::State& state) {
  constexpr int accumulators = 1024 / int(sizeof(T));
  constexpr int rounds = 1024;
  alignas(64) T acc[accumulators];
  for (int j = 0; j < accumulators; ++j) acc[j] = T(j);
  const T a = T(0.999), b = T(0.001);
  for (auto _ : state) {
    for (int k = 0; k < rounds; ++k) {
      for (int j = 0; j < accumulators; ++j) acc[j] = multiply_add(acc[j], a, b);
    }
    benchmark::DoNotOptimize(acc);
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * accumulators * rounds, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(peak_fma<double>)->Name("peak_fma f64")->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(peak_fma<float>)->Name("peak_fma f32")->Repetitions(5)->ReportAggregatesOnly(true);

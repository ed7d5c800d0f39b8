// Benchmarks of the knn estimator over n (= m), d and k. Samples are drawn outside the timed
// loop with a fixed seed. Run: build/release/tests/klest_bench --benchmark_filter=knn
// Names read knn/k/d/n; the complexity fit over n is reported per (k, d).

#include <benchmark/benchmark.h>

#include "klest/estimator.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"

namespace {

klest::Samples gaussian(std::uint64_t seed, std::size_t n, std::size_t d, double shift) {
  klest::Rng rng = klest::rng_for(seed);
  klest::Samples s(n, d);
  for (double& v : s.values()) v = klest::standard_normal(rng) + shift;
  return s;
}

void knn(benchmark::State& state) {
  const auto k = std::size_t(state.range(0)), d = std::size_t(state.range(1)),
             n = std::size_t(state.range(2));
  const klest::Samples p = gaussian(1, n, d, 0.0), q = gaussian(2, n, d, 0.5);
  const auto est = klest::make_estimator("knn", {{"k", int(k)}});
  for (auto _ : state) benchmark::DoNotOptimize(est->estimate(p, q).value);
  state.SetComplexityN(std::int64_t(n));
  state.counters["points/s"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
}

void knn_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"k", "d", "n"});
  for (int k : {1, 5})
    for (int d : {1, 2, 5, 10})
      for (int n : {1000, 10000, 100000}) b->Args({k, d, n});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(knn)->Apply(knn_args);

}  // namespace

// Every registered estimator with its default parameters, over n (= m) and d, plus the k-NN
// searches side by side. Names read estimator/<key>/d:<d>/n:<n> and search/<search>/d:<d>/n:<n>;
// the complexity fit over n (the scaling exponent, reported as "BigO" with --benchmark_filter
// selecting one key and d) comes from SetComplexityN. Run for example
//   build/release/tests/klest_bench --benchmark_filter='estimator/knn_adaptive/d:5/'
// Sizes are limited where an estimator's cost makes a case pointless (kde is O(n (n + m) d) at
// most; histogram and perez_cruz accept only small d).

#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"

namespace {

klest::Samples draw(std::uint64_t seed, std::size_t n, std::size_t d, double shift,
                    klest::Support kind) {
  klest::Rng rng = klest::rng_for(seed);
  klest::Samples s(n, d);
  for (double& v : s.values()) {
    const double z = klest::standard_normal(rng) + shift;
    // Discrete estimators get integer data: a rounded Gaussian, about 7 categories per column.
    v = kind == klest::Support::discrete ? std::round(z) : z;
  }
  return s;
}

void run(benchmark::State& state, const std::string& spec, std::size_t d, std::size_t n) {
  const auto est = klest::make_estimator(spec);
  const klest::Support kind = est->requirements().support == klest::Support::discrete
                                  ? klest::Support::discrete
                                  : klest::Support::continuous;
  const klest::Samples p = draw(1, n, d, 0.0, kind), q = draw(2, n, d, 0.5, kind);
  try {
    est->estimate(p, q);  // A case the estimator refuses (too few points for its ranks...).
  } catch (const klest::Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(est->estimate(p, q).value);
  state.SetComplexityN(std::int64_t(n));
  state.counters["points/s"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
}

// The largest n worth timing for an estimator at dimension d.
std::size_t largest_n(const std::string& key, std::size_t d) {
  if (key == "kde") return 10000;
  if (key == "knn_ensemble" || key == "knn_adaptive" || key == "nnr") return d >= 20 ? 10000 : 100000;
  return d >= 20 ? 10000 : 1000000;
}

void register_all() {
  for (const auto* info : klest::estimator_infos()) {
    const auto est = klest::make_estimator(info->name);
    const std::size_t max_dim = est->requirements().max_dim;
    for (std::size_t d : {1, 2, 5, 10, 20, 50}) {
      if (max_dim != 0 && d > max_dim) continue;
      for (std::size_t n : {1000, 10000, 100000, 1000000}) {
        if (n > largest_n(info->name, d) || n * d > 20000000) continue;
        const std::string name =
            "estimator/" + info->name + "/d:" + std::to_string(d) + "/n:" + std::to_string(n);
        benchmark::RegisterBenchmark(name.c_str(), run, info->name, d, n)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->Complexity();
      }
    }
  }
  // The searches on the same data: where the automatic choice switches (src/detail/neighbours).
  for (const char* search : {"kdtree", "brute"}) {
    for (std::size_t d : {2, 5, 8, 10, 20, 50}) {
      for (std::size_t n : {1000, 10000, 100000}) {
        if (std::string(search) == "kdtree" && d >= 20 && n > 10000) continue;
        const std::string name = std::string("search/") + search + "/d:" + std::to_string(d) +
                                 "/n:" + std::to_string(n);
        benchmark::RegisterBenchmark(name.c_str(), run,
                                     std::string("knn(k=5, search=") + search + ")", d, n)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->Complexity();
      }
    }
  }
}

}  // namespace

// Registration needs the estimator registry, which static initialisers of other files fill:
// it happens here, after they have all run.
int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Every registered estimator with its default parameters, over n (= m) and d, plus the k-NN
// searches side by side. Names read estimator/<key>/d:<d>/n:<n> and search/<search>/d:<d>/n:<n>;
// each (key, d) is one family over n, so Google Benchmark fits the scaling in n and reports it
// as the family's _BigO line. Dimensions an estimator refuses are not registered. Run for example
//   build/release/tests/klest_bench --benchmark_filter='estimator/knn_adaptive/d:5/'
// Sizes are limited where an estimator's cost makes a case pointless (kde is O(n (n + m) d) at
// most, near O(n log n) only for the Gaussian kernel in 1-2 dimensions; histogram and perez_cruz
// accept only small d). knn_rank/k:<k>/d:10 times knn at large ranks (knn_ensemble's largest is
// 309 at n = 1e4), each k a family over n.

#include <benchmark/benchmark.h>

#include <algorithm>
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

klest::Support data_kind(const klest::Estimator& est) {
  return est.requirements().support == klest::Support::discrete ? klest::Support::discrete
                                                                  : klest::Support::continuous;
}

// state.range(0) is n.
void run(benchmark::State& state, const std::string& spec, std::size_t d) {
  const auto n = std::size_t(state.range(0));
  const auto est = klest::make_estimator(spec);
  const klest::Samples p = draw(1, n, d, 0.0, data_kind(*est)),
                       q = draw(2, n, d, 0.5, data_kind(*est));
  for (auto _ : state) benchmark::DoNotOptimize(est->estimate(p, q).value);
  state.SetComplexityN(std::int64_t(n));
  state.counters["points/s"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
}

// Whether the estimator takes samples of this dimension at all (some refuse by their
// parameters, e.g. too few ranks for the weights in high dimension): tried once at n = 1000.
bool accepts(const std::string& spec, std::size_t d) {
  const auto est = klest::make_estimator(spec);
  try {
    est->estimate(draw(1, 1000, d, 0.0, data_kind(*est)), draw(2, 1000, d, 0.5, data_kind(*est)));
    return true;
  } catch (const klest::Error&) {
    return false;
  }
}

// The largest n worth timing for an estimator at dimension d.
std::size_t largest_n(const std::string& key, std::size_t d) {
  if (key == "kde") return d <= 2 ? 100000 : 10000;
  if (key == "knn_ensemble" || key == "knn_adaptive" || key == "nnr") return d >= 20 ? 10000 : 100000;
  return d >= 20 ? 10000 : 1000000;
}

void add(const std::string& name, const std::string& spec, std::size_t d, std::size_t largest) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), run, spec, d);
  for (std::size_t n = 1000; n <= largest; n *= 10) b->Arg(std::int64_t(n));
  b->ArgName("n")->Unit(benchmark::kMillisecond)->UseRealTime()->Complexity();
}

void register_all() {
  for (const auto* info : klest::estimator_infos()) {
    const std::size_t max_dim = klest::make_estimator(info->name)->requirements().max_dim;
    for (std::size_t d : {1, 2, 5, 10, 20, 50}) {
      if ((max_dim != 0 && d > max_dim) || !accepts(info->name, d)) continue;
      const std::size_t largest = std::min(largest_n(info->name, d), std::size_t(20000000) / d);
      add("estimator/" + info->name + "/d:" + std::to_string(d), info->name, d, largest);
    }
  }
  for (int k : {5, 50, 150, 309}) {
    add("knn_rank/k:" + std::to_string(k) + "/d:10", "knn(k=" + std::to_string(k) + ")", 10, 10000);
  }
  // The searches on the same data: where the automatic choice switches (src/detail/neighbours).
  for (const std::string search : {"kdtree", "brute"}) {
    for (std::size_t d : {2, 5, 8, 10, 20, 50}) {
      add("search/" + search + "/d:" + std::to_string(d), "knn(k=5, search=" + search + ")", d,
          search == "kdtree" && d >= 20 ? 10000 : 100000);
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

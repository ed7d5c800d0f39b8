// Benchmarks of the knn estimator over n (= m), d and k, and of the neighbour searches behind it.
// Samples are drawn outside the timed loop with a fixed seed.
// Run: build/release/tests/klest_bench --benchmark_filter=knn
// Names read knn/k/d/n; the complexity fit over n is reported per (k, d).

#include <vector>

#include <omp.h>

#include <benchmark/benchmark.h>

#include "detail/box_tree.hpp"
#include "detail/kdtree.hpp"
#include "detail/neighbours.hpp"
#include "detail/product_screen.hpp"

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

// klest's k-d tree against nanoflann's, side by side on one thread: every point's k = 5 nearest
// other points within one sample of N(0, I) (the self search of the knn estimator, whose cross
// search costs the same). Both trees are built inside the timed loop and both answer the
// queries in the same spatially sorted order (leaf order of klest's tree, computed outside the
// loop), so the ratio of the two times is the ratio of the searches themselves.
// Run: build/release/tests/klest_bench --benchmark_filter=tree/
void tree_klest(benchmark::State& state) {
  const auto d = std::size_t(state.range(0)), n = std::size_t(state.range(1));
  const klest::Samples x = gaussian(3, n, d, 0.0);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const klest::detail::NeighbourQuery q{.k = 5, .search = klest::detail::Search::kdtree};
  for (auto _ : state) {
    benchmark::DoNotOptimize(klest::detail::nearest_neighbours_self(x, q).scaled.data());
  }
  omp_set_num_threads(threads);
  state.counters["queries/s"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
}

void tree_nanoflann(benchmark::State& state) {
  const auto d = std::size_t(state.range(0)), n = std::size_t(state.range(1));
  const klest::Samples x = gaussian(3, n, d, 0.0);
  const klest::detail::BoxTree order(x, 32);
  std::vector<std::size_t> index(6);
  std::vector<double> dist_sq(6), kth(n);
  for (auto _ : state) {
    const klest::detail::KdTree tree(x);
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t i = order.row(p);
      tree.nearest(x.row(i).data(), 6, index.data(), dist_sq.data());  // itself and 5 others
      kth[i] = dist_sq[5];
    }
    benchmark::DoNotOptimize(kth.data());
  }
  state.counters["queries/s"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
}

void tree_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"d", "n"});
  for (int d : {2, 3, 5, 8})
    for (int n : {1000, 100000}) b->Args({d, n});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(tree_klest)->Name("tree/klest")->Apply(tree_args);
BENCHMARK(tree_nanoflann)->Name("tree/nanoflann")->Apply(tree_args);

// The Euclidean brute-force search (one sample's all-kNN, k = 5, on the default threads) in
// floating-point operations per second, counting the 2 n^2 d of its products, beside the vector
// units' multiply-add limit on as many threads (peak/multiply_add: independent multiply-adds in
// registers, 2 operations each). Their ratio is the search's fraction of the machine's limit.
// Run: build/release/tests/klest_bench --benchmark_filter='brute/|peak/'
void brute(benchmark::State& state) {
  const auto d = std::size_t(state.range(0)), n = std::size_t(state.range(1));
  const klest::Samples x = gaussian(4, n, d, 0.0);
  const klest::detail::NeighbourQuery q{.k = 5, .search = klest::detail::Search::brute};
  for (auto _ : state) {
    benchmark::DoNotOptimize(klest::detail::nearest_neighbours_self(x, q).scaled.data());
  }
  state.counters["flop/s"] = benchmark::Counter(2.0 * double(n) * double(n) * double(d),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

void brute_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"d", "n"});
  for (int d : {10, 20, 50})
    for (int n : {1000, 20000, 100000}) b->Args({d, n});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(brute)->Name("brute")->Apply(brute_args);

void peak_multiply_add(benchmark::State& state) {
  namespace ps = klest::detail::product_screen;
  constexpr std::size_t rounds = 1 << 22;
  const int threads = omp_get_max_threads();
  std::vector<float> sink(std::size_t(threads), 0.0f);
  for (auto _ : state) {
#pragma omp parallel num_threads(threads)
    sink[std::size_t(omp_get_thread_num())] += ps::multiply_add_probe(rounds);
  }
  benchmark::DoNotOptimize(sink.data());
  state.counters["flop/s"] =
      benchmark::Counter(2.0 * double(rounds) * double(ps::multiply_adds_per_round()) * threads,
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

BENCHMARK(peak_multiply_add)->Name("peak/multiply_add")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

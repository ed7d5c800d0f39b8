// The neighbour search behind every k-NN estimator: each search (sorted, k-d tree, brute force)
// against a direct evaluation of every pair, for both metrics, within one sample (excluding the
// point itself by index) and across two, with repeated points and at extreme magnitudes.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>

#include "detail/neighbours.hpp"
#include "testing.hpp"

namespace {

using klest::detail::Metric;
using klest::detail::NeighbourQuery;
using klest::detail::NeighbourTable;
using klest::detail::Search;

// The k smallest distances from query row i, by a direct loop over every reference row.
std::vector<double> direct(klest::SampleView ref, klest::SampleView queries, std::size_t i,
                           std::size_t k, Metric metric, bool self) {
  std::vector<double> all;
  for (std::size_t r = 0; r < ref.rows(); ++r) {
    if (self && r == i) continue;
    double s = 0;
    for (std::size_t j = 0; j < ref.dim(); ++j) {
      const double t = std::abs(queries.row(i)[j] - ref.row(r)[j]);
      s = metric == Metric::euclidean ? s + t * t : std::max(s, t);
    }
    all.push_back(metric == Metric::euclidean ? std::sqrt(s) : s);
  }
  std::sort(all.begin(), all.end());
  all.resize(k);
  return all;
}

// Rounded coordinates make repeated points and tied distances common.
klest::Samples grid_points(klest::Rng& rng, std::size_t n, std::size_t d) {
  klest::Samples s = klest::testing::gauss(rng, n, d);
  for (double& v : s.values()) v = std::round(v * 4) / 4;
  return s;
}

using Case = std::tuple<std::size_t /*d*/, Metric, Search>;

class EverySearch : public ::testing::TestWithParam<Case> {};

TEST_P(EverySearch, MatchesEveryPairEvaluation) {
  const auto [d, metric, search] = GetParam();
  klest::Rng rng = klest::rng_for(41, {std::uint32_t(d)});
  for (bool ties : {false, true}) {
    const klest::Samples x = ties ? grid_points(rng, 300, d) : klest::testing::gauss(rng, 300, d);
    const klest::Samples y = ties ? grid_points(rng, 200, d) : klest::testing::gauss(rng, 200, d, 0.5);
    const NeighbourQuery q{.k = 4, .metric = metric, .search = search, .with_index = true};
    const NeighbourTable self = klest::detail::nearest_neighbours_self(x, q);
    const NeighbourTable cross = klest::detail::nearest_neighbours(y, x, q);
    for (std::size_t i = 0; i < x.rows(); ++i) {
      const auto want_self = direct(x, x, i, 4, metric, true);
      const auto want_cross = direct(y, x, i, 4, metric, false);
      for (std::size_t j = 1; j <= 4; ++j) {
        // The same distance up to the rounding of one distance computation.
        EXPECT_NEAR(self.distance(i, j), want_self[j - 1], 1e-14 * (1 + want_self[j - 1]))
            << "row " << i << " rank " << j << " ties " << ties;
        EXPECT_NEAR(cross.distance(i, j), want_cross[j - 1], 1e-14 * (1 + want_cross[j - 1]))
            << "row " << i << " rank " << j << " ties " << ties;
        EXPECT_NE(self.neighbour(i, j), i);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Neighbours, EverySearch,
    ::testing::Combine(::testing::Values(std::size_t(1), std::size_t(2), std::size_t(5),
                                         std::size_t(12)),
                       ::testing::Values(Metric::euclidean, Metric::maximum),
                       ::testing::Values(Search::automatic, Search::kdtree, Search::brute)),
    [](const auto& info) {
      std::ostringstream name;
      name << 'd' << std::get<0>(info.param) << '_' << klest::detail::to_string(std::get<1>(info.param))
           << '_' << klest::detail::to_string(std::get<2>(info.param));
      return name.str();
    });

// Ties go by row index in every search, so on data full of repeated points and tied distances
// the searches agree on the neighbours themselves, not just their distances; and the combined
// search of the two-sample estimators gives exactly the tables of the two separate ones. The
// sizes take the trees through single leaves, uneven leaves and several levels.
TEST(Neighbours, SearchesAgreeOnNeighboursAndTheCombinedSearchOnBothTables) {
  klest::Rng rng = klest::rng_for(47);
  for (std::size_t d : {1, 2, 3, 7, 9}) {
    for (std::size_t n : {2, 3, 17, 64, 65, 1000, 3001}) {
      const klest::Samples x = grid_points(rng, n, d);
      const klest::Samples y = grid_points(rng, n / 2 + 1, d);
      // Every neighbour for the small samples, a few for the large ones.
      const std::size_t k_self = n <= 65 ? n - 1 : 5, k_cross = n <= 65 ? y.rows() : 7;
      for (Metric metric : {Metric::euclidean, Metric::maximum}) {
        NeighbourQuery q{.metric = metric, .search = Search::brute, .with_index = true};
        const auto [want_self, want_cross] =
            klest::detail::nearest_neighbours_both(x, y, k_self, k_cross, q);
        for (Search search : {Search::automatic, Search::kdtree}) {
          q.search = search;
          const auto [self, cross] = klest::detail::nearest_neighbours_both(x, y, k_self, k_cross, q);
          const std::string what = "d " + std::to_string(d) + " n " + std::to_string(n) + " " +
                                   std::string(klest::detail::to_string(metric)) + " " +
                                   std::string(klest::detail::to_string(search));
          EXPECT_EQ(self.scaled, want_self.scaled) << what;
          EXPECT_EQ(self.index, want_self.index) << what;
          EXPECT_EQ(cross.scaled, want_cross.scaled) << what;
          EXPECT_EQ(cross.index, want_cross.index) << what;
          q.k = k_self;
          const NeighbourTable alone_self = klest::detail::nearest_neighbours_self(x, q);
          q.k = k_cross;
          const NeighbourTable alone_cross = klest::detail::nearest_neighbours(y, x, q);
          EXPECT_EQ(self.scaled, alone_self.scaled) << what;
          EXPECT_EQ(self.index, alone_self.index) << what;
          EXPECT_EQ(cross.scaled, alone_cross.scaled) << what;
          EXPECT_EQ(cross.index, alone_cross.index) << what;
        }
      }
    }
  }
}

// Ranks in the hundreds (knn_ensemble's largest rank at n = 1e4 is 309): the searches keep their
// k best in heaps and tighten their bounds in batches there, which small k barely exercises.
// Every search against the direct evaluation, and on tied data against each other, neighbours
// included.
TEST(Neighbours, LargeRanksMatchEveryPairEvaluation) {
  klest::Rng rng = klest::rng_for(53);
  for (std::size_t d : {2, 10}) {
    for (bool ties : {false, true}) {
      const klest::Samples x = ties ? grid_points(rng, 700, d) : klest::testing::gauss(rng, 700, d);
      const klest::Samples y = ties ? grid_points(rng, 500, d) : klest::testing::gauss(rng, 500, d, 0.5);
      const std::size_t k = 300;
      NeighbourQuery q{.k = k, .search = Search::brute, .with_index = true};
      const NeighbourTable want_self = klest::detail::nearest_neighbours_self(x, q);
      const NeighbourTable want_cross = klest::detail::nearest_neighbours(y, x, q);
      for (std::size_t i = 0; i < x.rows(); i += 7) {
        const auto direct_self = direct(x, x, i, k, Metric::euclidean, true);
        const auto direct_cross = direct(y, x, i, k, Metric::euclidean, false);
        for (std::size_t j = 1; j <= k; ++j) {
          EXPECT_NEAR(want_self.distance(i, j), direct_self[j - 1], 1e-14 * (1 + direct_self[j - 1]))
              << "d " << d << " row " << i << " rank " << j;
          EXPECT_NEAR(want_cross.distance(i, j), direct_cross[j - 1],
                      1e-14 * (1 + direct_cross[j - 1]))
              << "d " << d << " row " << i << " rank " << j;
        }
      }
      for (Search search : {Search::kdtree, Search::automatic}) {
        q.search = search;
        const auto [self, cross] = klest::detail::nearest_neighbours_both(x, y, k, k, q);
        EXPECT_EQ(self.scaled, want_self.scaled) << "d " << d << " ties " << ties;
        EXPECT_EQ(self.index, want_self.index) << "d " << d << " ties " << ties;
        EXPECT_EQ(cross.scaled, want_cross.scaled) << "d " << d << " ties " << ties;
        EXPECT_EQ(cross.index, want_cross.index) << "d " << d << " ties " << ties;
      }
    }
  }
}

// Within a SearchReuse scope the trees and sorted copies are kept and reused for the same values;
// a sample changed in place (same address, new values) must not be served from the kept tree.
TEST(Neighbours, ReusedTreesGiveTheSameTablesAndAreNotFooledByAddresses) {
  klest::Rng rng = klest::rng_for(53);
  for (std::size_t d : {1, 3}) {
    klest::Samples x = klest::testing::gauss(rng, 500, d);
    const klest::Samples y = klest::testing::gauss(rng, 400, d, 0.5);
    const NeighbourQuery q{.search = Search::automatic, .with_index = true};
    const auto fresh = klest::detail::nearest_neighbours_both(x, y, 3, 4, q);
    const klest::detail::SearchReuse reuse;
    for (int pass = 0; pass < 2; ++pass) {  // builds, then reuses
      const auto kept = klest::detail::nearest_neighbours_both(x, y, 3, 4, q);
      EXPECT_EQ(kept.first.scaled, fresh.first.scaled);
      EXPECT_EQ(kept.first.index, fresh.first.index);
      EXPECT_EQ(kept.second.scaled, fresh.second.scaled);
      EXPECT_EQ(kept.second.index, fresh.second.index);
    }
    for (double& v : x.values()) v = -2 * v;  // same storage, other points
    const auto changed = klest::detail::nearest_neighbours_both(x, y, 3, 4, q);
    const klest::detail::SearchReuse inner;  // nested scopes share the outer store
    const auto again = klest::detail::nearest_neighbours_both(x, y, 3, 4, q);
    for (std::size_t i = 0; i < x.rows(); ++i) {
      const auto want = direct(y, x, i, 4, Metric::euclidean, false);
      EXPECT_NEAR(changed.second.distance(i, 4), want[3], 1e-14 * (1 + want[3])) << "row " << i;
      EXPECT_EQ(again.second.distance(i, 4), changed.second.distance(i, 4)) << "row " << i;
    }
  }
}

// At 1e+-200 squared distances would overflow or underflow: the search scales by a power of two
// and reports the exponent, so log distances shift by exactly log(2^e).
TEST(Neighbours, ExtremeMagnitudesKeepTheirLogDistances) {
  klest::Rng rng = klest::rng_for(43);
  const klest::Samples x = klest::testing::gauss(rng, 200, 3);
  const NeighbourQuery q{.k = 3};
  const NeighbourTable base = klest::detail::nearest_neighbours_self(x, q);
  for (int e : {-700, 700}) {
    klest::Samples s = x;
    for (double& v : s.values()) v = std::ldexp(v, e);
    const NeighbourTable t = klest::detail::nearest_neighbours_self(s, q);
    for (std::size_t i = 0; i < x.rows(); ++i) {
      EXPECT_NEAR(t.log_distance(i, 3), base.log_distance(i, 3) + e * std::numbers::ln2, 1e-12);
      EXPECT_TRUE(std::isfinite(t.log_distance(i, 3)));
    }
  }
}

TEST(Neighbours, RepeatedPointsGiveZeroDistancesToOtherRows) {
  const klest::Samples x = klest::testing::rows({1, 1, 1, 2, 5}, 1);
  const NeighbourTable t =
      klest::detail::nearest_neighbours_self(x, {.k = 2, .with_index = true});
  EXPECT_EQ(t.distance(0, 1), 0);
  EXPECT_EQ(t.distance(0, 2), 0);
  EXPECT_EQ(t.distance(3, 1), 1);
  EXPECT_EQ(t.distance(4, 1), 3);
  EXPECT_EQ(t.distance(4, 2), 4);
  EXPECT_EQ(t.log_distance(0, 1), -std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NE(t.neighbour(i, 1), i);
    EXPECT_NE(t.neighbour(i, 2), i);
  }
}

// Unit balls by hand: the interval [-1, 1], the disc, the 3-ball 4 pi / 3, and the cube 2^d.
TEST(Neighbours, UnitBallVolumes) {
  using klest::detail::log_unit_ball_volume;
  EXPECT_NEAR(log_unit_ball_volume(1, Metric::euclidean), std::log(2.0), 1e-15);
  EXPECT_NEAR(log_unit_ball_volume(2, Metric::euclidean), std::log(std::numbers::pi), 1e-15);
  EXPECT_NEAR(log_unit_ball_volume(3, Metric::euclidean), std::log(4 * std::numbers::pi / 3),
              1e-15);
  EXPECT_NEAR(log_unit_ball_volume(4, Metric::euclidean),
              std::log(std::numbers::pi * std::numbers::pi / 2), 1e-15);
  EXPECT_NEAR(log_unit_ball_volume(5, Metric::maximum), 5 * std::log(2.0), 1e-15);
}

}  // namespace

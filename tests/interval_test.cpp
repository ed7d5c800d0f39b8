// Tests of klest::confidence_interval (include/klest/interval.hpp): the type-7 quantile by
// hand, coverage of the bootstrap and subsampling intervals on a Gaussian pair, the estimated
// convergence rate, determinism across thread counts, failed and infinite replicates counted
// and never hidden, and bad options.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/interval.hpp"
#include "testing.hpp"

namespace {

using klest::IntervalMethod;
using klest::IntervalOptions;
using klest::Samples;
using klest::testing::gauss;
using klest::testing::rows;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr double inf = std::numeric_limits<double>::infinity();

// P = N(0, 1), Q = N(1, 2^2): KL = log 2 + (1 + 1)/8 - 1/2.
const double truth_1d = std::log(2.0) - 0.25;

IntervalOptions options(IntervalMethod method, std::size_t replicates, std::uint64_t seed) {
  IntervalOptions o;
  o.method = method;
  o.replicates = replicates;
  o.seed = seed;
  return o;
}

klest::ConfidenceInterval interval(const klest::Estimator& est, const Samples& p, const Samples& q,
                                   const IntervalOptions& o) {
  return klest::confidence_interval(est, p, q, est.estimate(p, q).value, o);
}

// x[i] + h (x[i + 1] - x[i]) with h = (N - 1) prob, worked by hand.
TEST(Interval, QuantileIsType7) {
  const std::vector<double> x{1, 2, 4, 8};
  EXPECT_EQ(klest::quantile_sorted(x, 0), 1);
  EXPECT_EQ(klest::quantile_sorted(x, 1), 8);
  EXPECT_EQ(klest::quantile_sorted(x, 0.5), 3);           // h = 1.5: 2 + 0.5 (4 - 2)
  EXPECT_DOUBLE_EQ(klest::quantile_sorted(x, 0.9), 6.8);  // h = 2.7: 4 + 0.7 (8 - 4)
  EXPECT_EQ(klest::quantile_sorted({5}, 0.3), 5);
  // Infinite neighbours with positive weight win; between -inf and +inf the nearer one.
  EXPECT_EQ(klest::quantile_sorted({1, inf}, 0.5), inf);
  EXPECT_EQ(klest::quantile_sorted({1, inf}, 0), 1);
  EXPECT_EQ(klest::quantile_sorted({-inf, 1}, 0.5), -inf);
  EXPECT_EQ(klest::quantile_sorted({-inf, inf}, 0.25), -inf);
  EXPECT_EQ(klest::quantile_sorted({-inf, inf}, 0.75), inf);
  EXPECT_EQ(klest::quantile_sorted({inf, inf}, 0.5), inf);
}

TEST(Interval, MethodNames) {
  EXPECT_EQ(klest::parse_interval_method("bootstrap"), IntervalMethod::bootstrap);
  EXPECT_EQ(klest::parse_interval_method("subsampling"), IntervalMethod::subsampling);
  EXPECT_EQ(klest::to_string(IntervalMethod::subsampling), "subsampling");
  EXPECT_THAT([] { klest::parse_interval_method("jackknife"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("'jackknife'"), HasSubstr("bootstrap, subsampling"))));
}

// Coverage of the 95% percentile bootstrap for gaussian_fit on N(0, 1) vs N(1, 2^2),
// n = m = 300, 200 replicates, over 40 independent data sets. An independent run of the same
// setting over 400 data sets covered the truth in 368 (92%: the plug-in's upward bias of about
// (k/2)(1/n + 1/m) = 0.007 enters the percentile interval twice, which costs a few percent).
// The count over 40 is then binomial(40, 0.92): mean 36.8, sd 1.7; the test requires at least
// 31 (mean - 3.4 sd). The mean width must be near 2 * 1.96 * sd of the estimator, sd ~ 0.050
// (0.0194 measured at n = m = 2000 in gaussian_fit_test, scaled by sqrt(2000/300)): within 15%
// (the width of one interval varies by ~7% between data sets; 40 of them average that out;
// the rest is small-sample skew).
TEST(Interval, BootstrapCoversTheTruth) {
  const auto est = klest::make_estimator("gaussian_fit");
  int covered = 0;
  double width = 0;
  for (std::uint32_t i = 0; i < 40; ++i) {
    klest::Rng rp = klest::rng_for(100, {i, 0}), rq = klest::rng_for(100, {i, 1});
    const Samples p = gauss(rp, 300, 1), q = gauss(rq, 300, 1, 1, 2);
    const auto iv = interval(*est, p, q, options(IntervalMethod::bootstrap, 200, 200 + i));
    ASSERT_EQ(iv.failed, 0u);
    ASSERT_EQ(iv.infinite, 0u);
    ASSERT_LE(iv.lo, iv.hi);
    covered += iv.lo <= truth_1d && truth_1d <= iv.hi;
    width += (iv.hi - iv.lo) / 40;
  }
  EXPECT_GE(covered, 31) << "of 40";
  EXPECT_NEAR(width, 2 * 1.96 * 0.050, 0.15 * 2 * 1.96 * 0.050);
}

// Subsampling with the rate estimated from the data, gaussian_fit, n = m = 1000 (b = 100),
// 200 replicates, 30 data sets. An independent run of this setting over 200 data sets covered
// the truth in 177 (88.5%), with beta averaging 0.519 (sd 0.074 between data sets; the
// estimator is root-n, beta = 1/2); with the rate given as 0.5 it covered 180 (90%).
// Required: binomial(30, 0.885) has mean 26.6 and sd 1.75, so at least 21 (mean - 3.2 sd);
// given the rate, binomial(30, 0.90): mean 27, sd 1.6, at least 22. The mean beta must lie
// within 0.03 (a bias allowance: 0.519 measured, from small-sample skew at b ~ 50) plus
// 3 standard errors (0.074 / sqrt 30 = 0.0135) of 0.5.
TEST(Interval, SubsamplingCoversTheTruthAndEstimatesTheRate) {
  const auto est = klest::make_estimator("gaussian_fit");
  int covered = 0, covered_given = 0;
  double beta = 0;
  for (std::uint32_t i = 0; i < 30; ++i) {
    klest::Rng rp = klest::rng_for(300, {i, 0}), rq = klest::rng_for(300, {i, 1});
    const Samples p = gauss(rp, 1000, 1), q = gauss(rq, 1000, 1, 1, 2);
    auto o = options(IntervalMethod::subsampling, 200, 400 + i);
    const auto iv = interval(*est, p, q, o);
    ASSERT_EQ(iv.subsample_p, 100u);  // floor(1000^(2/3)), exactly 100
    ASSERT_TRUE(iv.rate_estimated);
    ASSERT_EQ(iv.rate_sizes.size(), 4u);
    covered += iv.lo <= truth_1d && truth_1d <= iv.hi;
    beta += iv.rate / 30;
    o.rate = 0.5;
    const auto given = interval(*est, p, q, o);
    EXPECT_FALSE(given.rate_estimated);
    EXPECT_TRUE(given.rate_sizes.empty());
    covered_given += given.lo <= truth_1d && truth_1d <= given.hi;
  }
  EXPECT_GE(covered, 21) << "of 30";
  EXPECT_NEAR(beta, 0.5, 0.03 + 3 * 0.0135);
  EXPECT_GE(covered_given, 22) << "of 30";
}

// The sizes of the rate estimate: b * 1.5^(j - 1.5), floored, for b = floor(400^(2/3)) = 54:
// 54 * 0.5443 = 29.4, 54 * 0.8165 = 44.1, 54 * 1.2247 = 66.1, 54 * 1.8371 = 99.2.
TEST(Interval, RateSizesAroundTheSubsampleSize) {
  klest::Rng rng = klest::rng_for(5);
  const Samples p = gauss(rng, 400, 1), q = gauss(rng, 400, 1, 1, 2);
  const auto iv = interval(*klest::make_estimator("gaussian_fit"), p, q,
                           options(IntervalMethod::subsampling, 50, 1));
  EXPECT_EQ(iv.subsample_p, 54u);
  EXPECT_EQ(iv.rate_sizes, (std::vector<std::size_t>{29, 44, 66, 99}));
  EXPECT_EQ(iv.rate_log_spreads.size(), 4u);
  // The spread shrinks with the subsample size.
  EXPECT_GT(iv.rate_log_spreads.front(), iv.rate_log_spreads.back());
}

// Replicates draw from streams fixed by (seed, stream, replicate), not by the thread that runs
// them: 1, 2 and 3 threads give identical intervals, for a randomized estimator too (knn's
// jitter). The same seed repeats; another seed or stream changes the interval.
TEST(Interval, IdenticalForAnyThreadCount) {
  klest::Rng rng = klest::rng_for(6);
  const Samples p = gauss(rng, 600, 2), q = gauss(rng, 500, 2, 0.5, 1);
  const auto fit = klest::make_estimator("gaussian_fit");
  const auto knn = klest::make_estimator("knn(k=3, ties=jitter)");
  const int before = omp_get_max_threads();
  std::vector<klest::ConfidenceInterval> runs;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    runs.push_back(interval(*fit, p, q, options(IntervalMethod::bootstrap, 60, 11)));
    runs.push_back(interval(*knn, p, q, options(IntervalMethod::subsampling, 40, 11)));
    runs.push_back(interval(*knn, p, q, options(IntervalMethod::bootstrap, 30, 11)));
    runs.push_back(interval(*fit, p, q, options(IntervalMethod::bca, 40, 11)));
    runs.push_back(interval(*knn, p, q, options(IntervalMethod::subsampling_bc, 40, 11)));
  }
  omp_set_num_threads(before);
  for (std::size_t k = 5; k < runs.size(); ++k) {
    EXPECT_EQ(runs[k].lo, runs[k % 5].lo) << k;
    EXPECT_EQ(runs[k].hi, runs[k % 5].hi) << k;
    EXPECT_EQ(runs[k].rate, runs[k % 5].rate) << k;
  }
  auto o = options(IntervalMethod::bootstrap, 60, 11);
  EXPECT_EQ(interval(*fit, p, q, o).lo, runs[0].lo);
  o.seed = 12;
  EXPECT_NE(interval(*fit, p, q, o).lo, runs[0].lo);
  o.seed = 11;
  o.stream = 1;
  EXPECT_NE(interval(*fit, p, q, o).lo, runs[0].lo);
}

// BCa on a plug-in with an upward bias: gaussian_fit in 5-D, N(0, I) vs N(0.3 1, I), n = m =
// 300. The plug-in's bias (about d(d+3)/4 (1/n + 1/m) / 2 ~ 0.04 here, near one sd) makes
// most bootstrap replicates exceed the estimate, so z0 < 0, and BCa reads lower quantiles
// than the percentile interval at both ends: it moves against the bias, where the percentile
// interval moves with it. The acceleration of this near-normal statistic is small (|a| < 0.1).
TEST(Interval, BcaMovesAgainstThePlugInsBias) {
  klest::Rng rng = klest::rng_for(21);
  const Samples p = gauss(rng, 300, 5), q = gauss(rng, 300, 5, 0.3, 1);
  const auto est = klest::make_estimator("gaussian_fit");
  const auto pct = interval(*est, p, q, options(IntervalMethod::bootstrap, 200, 5));
  const auto bca = interval(*est, p, q, options(IntervalMethod::bca, 200, 5));
  EXPECT_LT(bca.z0, -0.2);
  EXPECT_LT(std::abs(bca.acceleration), 0.1);
  EXPECT_NE(bca.acceleration, 0);
  EXPECT_LT(bca.lo, pct.lo);
  EXPECT_LT(bca.hi, pct.hi);
  EXPECT_EQ(bca.failed, 0u);
}

// subsampling_bc uses the replicates of subsampling (the same streams) and centres them on
// their mean instead of on the estimate: the same width, both bounds moved by the same amount.
// With bias_rate it moves the interval once more, by minus the extrapolated bias it reports.
TEST(Interval, SubsamplingBcIsSubsamplingRecentred) {
  klest::Rng rng = klest::rng_for(22);
  const Samples p = gauss(rng, 1000, 1), q = gauss(rng, 1000, 1, 1, 2);
  const auto knn = klest::make_estimator("knn(k=5)");
  auto o = options(IntervalMethod::subsampling, 100, 9);
  o.rate = 0.5;
  const auto sub = interval(*knn, p, q, o);
  o.method = IntervalMethod::subsampling_bc;
  o.rate.reset();  // 0.5 is subsampling_bc's default
  const auto bc = interval(*knn, p, q, o);
  EXPECT_EQ(bc.rate, 0.5);
  EXPECT_FALSE(bc.rate_estimated);
  EXPECT_NEAR(bc.hi - bc.lo, sub.hi - sub.lo, 1e-12);
  EXPECT_NEAR(bc.lo - sub.lo, bc.hi - sub.hi, 1e-12);
  EXPECT_NE(bc.lo, sub.lo);
  o.bias_rate = 1;
  const auto corrected = interval(*knn, p, q, o);
  EXPECT_EQ(corrected.bias_rate, 1);
  EXPECT_NE(corrected.bias, 0);
  EXPECT_NEAR(corrected.lo, bc.lo - corrected.bias, 1e-12);
  EXPECT_NEAR(corrected.hi, bc.hi - corrected.bias, 1e-12);
}

// The same replicates at two levels: the 90% percentile interval lies inside the 95% one.
TEST(Interval, HigherLevelGivesAWiderInterval) {
  klest::Rng rng = klest::rng_for(7);
  const Samples p = gauss(rng, 300, 1), q = gauss(rng, 300, 1, 1, 2);
  const auto est = klest::make_estimator("gaussian_fit");
  for (auto method : {IntervalMethod::bootstrap, IntervalMethod::subsampling}) {
    auto o = options(method, 100, 3);
    o.rate = 0.5;
    const auto wide = interval(*est, p, q, o);
    o.level = 0.9;
    const auto narrow = interval(*est, p, q, o);
    EXPECT_LE(wide.lo, narrow.lo);
    EXPECT_GE(wide.hi, narrow.hi);
    EXPECT_LT(narrow.hi - narrow.lo, wide.hi - wide.lo);
  }
}

// knn with ties=error refuses every bootstrap resample (they repeat points): the error quotes
// the first failure and says what to do; nothing is changed behind the caller's back.
TEST(Interval, BootstrapOfAnEstimatorThatRefusesTiesSaysWhatToDo) {
  klest::Rng rng = klest::rng_for(8);
  const Samples p = gauss(rng, 200, 2), q = gauss(rng, 200, 2, 0.5, 1);
  const auto knn = klest::make_estimator("knn(k=3)");
  EXPECT_THAT([&] { interval(*knn, p, q, options(IntervalMethod::bootstrap, 20, 1)); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("estimator '" + knn->label() +
                                  "': bootstrap interval: 20 of 20 "
                                  "replicates failed, the first with: "),
                        HasSubstr("coincides"), HasSubstr("ties=skip or ties=jitter"),
                        HasSubstr("use subsampling"))));
  // Subsampling draws without replacement: no new ties.
  const auto iv = interval(*knn, p, q, options(IntervalMethod::subsampling, 20, 1));
  EXPECT_EQ(iv.failed, 0u);
}

// Some replicates fail: P is 8 zeros and 2 ones, so a bootstrap resample is all zeros (a
// degenerate normal fit, InputError) with probability 0.8^10 = 0.107. Over 200 replicates the
// count is binomial(200, 0.107): mean 21.5, sd 4.4; allowed 21.5 +- 4 sd. They are left out and
// counted, the first message kept.
TEST(Interval, FailedReplicatesAreCountedAndLeftOut) {
  const auto est = klest::make_estimator("exponential_family_fit(family=normal)");
  const Samples p = rows({0, 0, 0, 1, 0, 0, 1, 0, 0, 0}, 1);
  klest::Rng rng = klest::rng_for(9);
  const Samples q = gauss(rng, 50, 1, 0.5, 1);
  const auto iv = interval(*est, p, q, options(IntervalMethod::bootstrap, 200, 2));
  EXPECT_GE(iv.failed, 4u);
  EXPECT_LE(iv.failed, 39u);
  EXPECT_THAT(iv.first_failure, HasSubstr("degenerate"));
  EXPECT_TRUE(std::isfinite(iv.lo) && std::isfinite(iv.hi));
}

// Some replicate estimates are infinite: P's sample has category 3, which Q's sample holds
// once, so a resample of Q misses it with probability (1 - 1/40)^40 = 0.363 and the fitted
// categorical KL is +inf. Count binomial(200, 0.363): mean 72.6, sd 6.8; allowed +-4 sd. They
// stay in the ordering, so the upper bound is +inf, honestly.
TEST(Interval, InfiniteReplicatesAreCountedAndKept) {
  const auto est = klest::make_estimator("exponential_family_fit(family=categorical)");
  std::vector<double> pv, qv;
  for (int i = 0; i < 40; ++i) {
    pv.push_back(i % 4);
    qv.push_back(i == 0 ? 3 : i % 3);
  }
  const auto iv =
      interval(*est, rows(pv, 1), rows(qv, 1), options(IntervalMethod::bootstrap, 200, 3));
  EXPECT_GE(iv.infinite, 46u);
  EXPECT_LE(iv.infinite, 100u);
  EXPECT_EQ(iv.failed, 0u);
  EXPECT_EQ(iv.hi, inf);
  EXPECT_TRUE(std::isfinite(iv.lo));
}

// Nothing is clipped: on P = Q the knn estimate scatters around 0, and the interval reaches
// below 0.
TEST(Interval, NegativeValuesAreNotClipped) {
  klest::Rng rng = klest::rng_for(10);
  const Samples p = gauss(rng, 800, 2), q = gauss(rng, 800, 2);
  const auto iv = interval(*klest::make_estimator("knn(k=5)"), p, q,
                           options(IntervalMethod::subsampling, 100, 4));
  EXPECT_LT(iv.lo, 0);
}

TEST(Interval, BadOptionsAreErrorsNamingTheEstimator) {
  klest::Rng rng = klest::rng_for(11);
  const Samples p = gauss(rng, 100, 1), q = gauss(rng, 100, 1, 1, 1);
  const auto est = klest::make_estimator("gaussian_fit");
  const std::string who = "estimator 'gaussian_fit(ddof=0)': ";
  auto bad = [&](IntervalOptions o, double estimate, const std::string& message) {
    EXPECT_THAT([&] { klest::confidence_interval(*est, p, q, estimate, o); },
                ThrowsMessage<klest::InputError>(HasSubstr(message)))
        << message;
  };
  for (double level : {0.0, 1.0, -0.5, std::nan("")}) {
    auto o = options(IntervalMethod::bootstrap, 10, 1);
    o.level = level;
    bad(o, 0.5, who + "bootstrap interval: level is");
  }
  bad(options(IntervalMethod::bootstrap, 1, 1), 0.5,
      "replicates is 1, but must be in [2, 1000000]");
  bad(options(IntervalMethod::bootstrap, 2'000'000, 1), 0.5, "replicates is 2000000");
  auto o = options(IntervalMethod::subsampling, 10, 1);
  o.rate = 0;
  bad(o, 0.5, "rate is 0, but must be a finite number > 0");
  o.rate.reset();
  o.subsample_exponent = 1;
  bad(o, 0.5, "subsample exponent is 1, but must be in (0, 1)");
  bad(options(IntervalMethod::subsampling, 10, 1), inf,
      who + "subsampling interval: the point estimate is inf, but subsampling needs a finite one");
  // Subsamples too small for the estimator: knn(k=5) needs 6 points of p; floor(20^(2/3)) = 7,
  // and the rate estimate would go down to floor(7 * 0.544) = 3.
  const Samples small_p = gauss(rng, 20, 1), small_q = gauss(rng, 20, 1, 1, 1);
  const auto knn = klest::make_estimator("knn(k=5)");
  EXPECT_THAT(
      [&] {
        klest::confidence_interval(*knn, small_p, small_q, 0.5,
                                   options(IntervalMethod::subsampling, 10, 1));
      },
      ThrowsMessage<klest::InputError>(
          AllOf(HasSubstr("subsampling interval: the rate estimate needs subsamples"),
                HasSubstr("sample from p (20 points) would have 3 points, but the estimator "
                          "needs at least 6"))));
  const Samples tiny_p = gauss(rng, 8, 1);
  EXPECT_THAT(
      [&] {
        klest::confidence_interval(*knn, tiny_p, small_q, 0.5,
                                   options(IntervalMethod::subsampling, 10, 1));
      },
      ThrowsMessage<klest::InputError>(
          HasSubstr("would have 4 points, but the estimator needs at least 6")));
}

}  // namespace

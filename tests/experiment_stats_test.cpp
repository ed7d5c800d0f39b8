// Cell statistics, the rate fits and interval coverage, checked against values worked out by
// hand on tiny fixed sets: +inf, -inf and failed estimates counted apart and never hidden, the
// k = 0 and k = 1 edge cases, an infinite truth, exact power laws and a small noisy fit.

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "klest/experiment.hpp"

namespace {

using klest::cell_stats;
using klest::log_log_slope;

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double tol = 1e-12;

// Estimates {0.4, 0.5, 0.7} against truth 0.5, worked out in fractions:
//   mean      = 1.6 / 3                                   = 0.53333...  (8/15)
//   bias      = 8/15 - 1/2                                = 1/30
//   deviations from the mean, in units of 1/30: -4, -1, 5; squares 16 + 1 + 25 = 42
//   variance  = (42 / 900) / (3 - 1)                      = 7/300       = 0.023333...
//   sd        = sqrt(7/300)                               = 0.1527525...
//   errors e - truth: -0.1, 0, 0.2; squares 0.01, 0, 0.04
//   mse       = 0.05 / 3                                  = 1/60
//               (check: bias^2 + variance (k-1)/k = 1/900 + 14/900 = 15/900 = 1/60)
//   rmse      = sqrt(1/60)                                = 0.1290994...
//   se_mean   = sd / sqrt(3) = sqrt(7/900)                = sqrt(7)/30
//   ci        = 8/15 -+ 1.959963984540054 * sqrt(7)/30
//   se_rmse:  squared errors minus their mean 1/60, in units of 1/600: -4, -10, 14;
//             squares 16 + 100 + 196 = 312, so var = 312 / 600^2 / 2 and sd = sqrt(156)/600;
//             2 rmse sqrt(3) = 2 sqrt(3/60) = 1/sqrt(5);
//             se_rmse = sqrt(156) sqrt(5) / 600 = sqrt(780)/600 = 0.04654747...
const std::vector<double> three = {0.4, 0.5, 0.7};
constexpr double z = 1.959963984540054;

void expect_three_stats(const klest::CellStats& s) {
  EXPECT_NEAR(s.mean, 8.0 / 15, tol);
  EXPECT_NEAR(s.bias, 1.0 / 30, tol);
  EXPECT_NEAR(s.variance, 7.0 / 300, tol);
  EXPECT_NEAR(s.sd, std::sqrt(7.0 / 300), tol);
  EXPECT_NEAR(s.mse, 1.0 / 60, tol);
  EXPECT_NEAR(s.rmse, std::sqrt(1.0 / 60), tol);
  EXPECT_NEAR(s.se_mean, std::sqrt(7.0) / 30, tol);
  EXPECT_NEAR(s.se_rmse, std::sqrt(780.0) / 600, tol);
  EXPECT_NEAR(s.se_rmse, 0.0465474668, 1e-9);
  EXPECT_NEAR(s.ci_low, 8.0 / 15 - z * std::sqrt(7.0) / 30, tol);
  EXPECT_NEAR(s.ci_high, 8.0 / 15 + z * std::sqrt(7.0) / 30, tol);
  EXPECT_NEAR(s.ci_low, 0.3604802, 1e-6);
  EXPECT_NEAR(s.ci_high, 0.7061865, 1e-6);
}

TEST(CellStats, ThreeEstimatesByHand) {
  const std::vector<double> secs = {3, 1, 2};
  const auto s = cell_stats(three, 0.5, 0, secs);
  EXPECT_EQ(s.replications, 3u);
  EXPECT_EQ(s.finite, 3u);
  EXPECT_EQ(s.infinite(), 0u);
  EXPECT_EQ(s.failed, 0u);
  expect_three_stats(s);
  EXPECT_DOUBLE_EQ(s.median_seconds, 2);
}

TEST(CellStats, MseIsBiasSquaredPlusBiasedVariance) {
  const std::vector<double> e = {1.25, -0.5, 3.0, 2.0, 0.75};
  const auto s = cell_stats(e, 1.0, 0, {});
  const double k = double(e.size());
  EXPECT_NEAR(s.mse, s.bias * s.bias + s.variance * (k - 1) / k, tol);
}

TEST(CellStats, FailedAreCountedButNotUsed) {
  const std::vector<double> secs = {4, 1, 3, 9};
  const auto s = cell_stats(three, 0.5, /*failed=*/1, secs);
  EXPECT_EQ(s.replications, 4u);
  EXPECT_EQ(s.finite, 3u);
  EXPECT_EQ(s.infinite(), 0u);
  EXPECT_EQ(s.failed, 1u);
  expect_three_stats(s);
  // All four rows count for time: sorted 1 3 4 9, median (3 + 4) / 2.
  EXPECT_DOUBLE_EQ(s.median_seconds, 3.5);
}

// {0.4, 0.5, 0.7, +inf} against 0.5: the one infinite estimate makes mean, bias, sd and RMSE
// infinite; the robust statistics and the finite_* fields are those worked out by hand:
//   median of 0.4 0.5 0.7 inf          = (0.5 + 0.7) / 2 = 0.6
//   |errors| 0.1 0 0.2 inf, sorted 0 0.1 0.2 inf: median (0.1 + 0.2) / 2 = 0.15
//   trimmed mean: floor(4 / 10) = 0 dropped at each end, so it keeps the +inf
//   finite_*: the statistics of {0.4, 0.5, 0.7} (expect_three_stats)
TEST(CellStats, AnInfiniteEstimateMakesTheCellInfinite) {
  const std::vector<double> e = {0.4, 0.5, inf, 0.7};
  const auto s = cell_stats(e, 0.5, 0, {});
  EXPECT_EQ(s.replications, 4u);
  EXPECT_EQ(s.finite, 3u);
  EXPECT_EQ(s.plus_inf, 1u);
  EXPECT_EQ(s.minus_inf, 0u);
  EXPECT_EQ(s.mean, inf);
  EXPECT_EQ(s.bias, inf);
  EXPECT_EQ(s.variance, inf);
  EXPECT_EQ(s.sd, inf);
  EXPECT_EQ(s.se_mean, inf);
  EXPECT_EQ(s.mse, inf);
  EXPECT_EQ(s.rmse, inf);
  EXPECT_TRUE(std::isnan(s.se_rmse));
  EXPECT_TRUE(std::isnan(s.ci_low));
  EXPECT_TRUE(std::isnan(s.ci_high));
  EXPECT_NEAR(s.median, 0.6, tol);
  EXPECT_NEAR(s.median_abs_error, 0.15, tol);
  EXPECT_EQ(s.trimmed_mean, inf);
  EXPECT_NEAR(s.finite_mean, 8.0 / 15, tol);
  EXPECT_NEAR(s.finite_bias, 1.0 / 30, tol);
  EXPECT_NEAR(s.finite_sd, std::sqrt(7.0 / 300), tol);
  EXPECT_NEAR(s.finite_rmse, std::sqrt(1.0 / 60), tol);
}

// +inf and -inf together: the mean (and so the bias) is undefined, the spread infinite.
//   sorted -inf 0.4 0.5 0.7 inf: median 0.5
//   |errors| inf 0.1 0 0.2 inf, sorted 0 0.1 0.2 inf inf: median 0.2
TEST(CellStats, BothInfinitiesLeaveTheMeanUndefined) {
  const std::vector<double> e = {-inf, 0.4, 0.5, 0.7, inf};
  const auto s = cell_stats(e, 0.5, 0, {});
  EXPECT_EQ(s.plus_inf, 1u);
  EXPECT_EQ(s.minus_inf, 1u);
  EXPECT_EQ(s.finite, 3u);
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_TRUE(std::isnan(s.bias));
  EXPECT_EQ(s.sd, inf);
  EXPECT_EQ(s.rmse, inf);
  EXPECT_DOUBLE_EQ(s.median, 0.5);
  EXPECT_NEAR(s.median_abs_error, 0.2, tol);
  EXPECT_TRUE(std::isnan(s.trimmed_mean));  // -inf + inf: both are kept with k = 5
  EXPECT_NEAR(s.finite_mean, 8.0 / 15, tol);
}

// Ten values 1..9 and +inf: floor(10 / 10) = 1 dropped at each end (1 and +inf), so the trimmed
// mean is the mean of 2..9 = 5.5, while the mean is +inf.
TEST(CellStats, TrimmedMeanDropsTheInfiniteTail) {
  const std::vector<double> e = {5, 1, 9, 2, inf, 3, 8, 4, 7, 6};
  const auto s = cell_stats(e, 5, 0, {});
  EXPECT_EQ(s.mean, inf);
  EXPECT_DOUBLE_EQ(s.trimmed_mean, 5.5);
  EXPECT_DOUBLE_EQ(s.median, 5.5);
}

TEST(CellStats, InfiniteEstimatesOfAnInfiniteTruthAreExact) {
  const std::vector<double> e = {inf, inf};
  const auto s = cell_stats(e, inf, 0, {});
  EXPECT_EQ(s.plus_inf, 2u);
  EXPECT_EQ(s.mean, inf);
  EXPECT_EQ(s.bias, 0);
  EXPECT_EQ(s.mse, 0);
  EXPECT_EQ(s.rmse, 0);
  EXPECT_EQ(s.median_abs_error, 0);
  EXPECT_TRUE(std::isnan(s.variance));  // no spread to speak of among equal infinities
  EXPECT_TRUE(std::isnan(s.finite_mean));
}

TEST(CellStats, NonFiniteEntriesAreCountedApart) {
  const std::vector<double> raw = {0.4, inf, 0.5, not_a_number, 0.7, -inf};
  const auto s = cell_stats(raw, 0.5, 0, {});
  EXPECT_EQ(s.replications, 6u);
  EXPECT_EQ(s.finite, 3u);
  EXPECT_EQ(s.plus_inf, 1u);
  EXPECT_EQ(s.minus_inf, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_NEAR(s.finite_mean, 8.0 / 15, tol);
  EXPECT_NEAR(s.finite_rmse, std::sqrt(1.0 / 60), tol);
}

TEST(CellStats, NoValueGivesNaNEverywhere) {
  const std::vector<double> secs = {1, 2};
  const auto s = cell_stats({}, 0.5, /*failed=*/2, secs);
  EXPECT_EQ(s.replications, 2u);
  EXPECT_EQ(s.finite, 0u);
  for (double v : {s.mean, s.bias, s.variance, s.sd, s.mse, s.rmse, s.se_mean, s.se_rmse,
                   s.ci_low, s.ci_high, s.median, s.median_abs_error, s.trimmed_mean,
                   s.finite_mean, s.finite_rmse})
    EXPECT_TRUE(std::isnan(v)) << v;
  EXPECT_DOUBLE_EQ(s.median_seconds, 1.5);
}

TEST(CellStats, EmptyCellHasZeroMedianTime) {
  const auto s = cell_stats({}, 0.5, 0, {});
  EXPECT_EQ(s.replications, 0u);
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_EQ(s.median_seconds, 0);
}

TEST(CellStats, OneEstimateHasNoSpread) {
  // {0.8} against 0.5: mean 0.8, bias 0.3, mse 0.09, rmse 0.3; no spread with k = 1.
  const std::vector<double> one = {0.8};
  const std::vector<double> secs = {0.25};
  const auto s = cell_stats(one, 0.5, 0, secs);
  EXPECT_EQ(s.finite, 1u);
  EXPECT_DOUBLE_EQ(s.mean, 0.8);
  EXPECT_NEAR(s.bias, 0.3, tol);
  EXPECT_EQ(s.variance, 0);
  EXPECT_EQ(s.sd, 0);
  EXPECT_NEAR(s.mse, 0.09, tol);
  EXPECT_NEAR(s.rmse, 0.3, tol);
  EXPECT_EQ(s.se_mean, 0);
  EXPECT_EQ(s.se_rmse, 0);
  EXPECT_DOUBLE_EQ(s.ci_low, 0.8);
  EXPECT_DOUBLE_EQ(s.ci_high, 0.8);
  EXPECT_DOUBLE_EQ(s.median_seconds, 0.25);
}

TEST(CellStats, ExactEstimatesHaveZeroRmseAndZeroSe) {
  const std::vector<double> e = {0.5, 0.5, 0.5};
  const auto s = cell_stats(e, 0.5, 0, {});
  EXPECT_EQ(s.bias, 0);
  EXPECT_EQ(s.mse, 0);
  EXPECT_EQ(s.rmse, 0);
  EXPECT_EQ(s.se_rmse, 0);
  EXPECT_EQ(s.se_mean, 0);
}

TEST(CellStats, InfiniteTruthMakesTheErrorInfinite) {
  const auto s = cell_stats(three, inf, 0, {});
  // The spread of the estimates does not depend on the truth.
  EXPECT_NEAR(s.mean, 8.0 / 15, tol);
  EXPECT_NEAR(s.variance, 7.0 / 300, tol);
  EXPECT_NEAR(s.se_mean, std::sqrt(7.0) / 30, tol);
  EXPECT_NEAR(s.ci_high, 8.0 / 15 + z * std::sqrt(7.0) / 30, tol);
  // Finite estimates of an infinite divergence fall short by an infinite amount.
  EXPECT_EQ(s.bias, -inf);
  EXPECT_EQ(s.mse, inf);
  EXPECT_EQ(s.rmse, inf);
  EXPECT_TRUE(std::isnan(s.se_rmse));
  EXPECT_EQ(s.finite_bias, -inf);
  EXPECT_EQ(s.median_abs_error, inf);
}

TEST(CellStats, UnknownTruthLeavesTheErrorUnknown) {
  const auto s = cell_stats(three, not_a_number, 0, {});
  EXPECT_NEAR(s.mean, 8.0 / 15, tol);
  EXPECT_TRUE(std::isnan(s.bias));
  EXPECT_TRUE(std::isnan(s.mse));
  EXPECT_TRUE(std::isnan(s.rmse));
  EXPECT_TRUE(std::isnan(s.se_rmse));
}

// ---- log_log_slope ----

TEST(LogLogSlope, ExactPowerLawHasZeroSe) {
  const std::vector<double> n = {10, 100, 1000, 10000, 100000};
  std::vector<double> y;
  for (double v : n) y.push_back(3 * std::pow(v, -0.5));
  const auto fit = log_log_slope(n, y);
  EXPECT_EQ(fit.points, 5u);
  EXPECT_NEAR(fit.slope, -0.5, tol);
  EXPECT_NEAR(fit.se, 0, 1e-9);
}

TEST(LogLogSlope, ExactInverseLaw) {
  const std::vector<double> n = {100, 300, 1000};
  const std::vector<double> y = {0.02 / 100, 0.02 / 300, 0.02 / 1000};
  const auto fit = log_log_slope(n, y);
  EXPECT_EQ(fit.points, 3u);
  EXPECT_NEAR(fit.slope, -1, tol);
  EXPECT_NEAR(fit.se, 0, 1e-9);
}

// Four noisy points: n = 100, 200, 400, 800 and y = 1, 1/2, 1/2, 1/4. In base-2 logs (the slope
// and its SE do not depend on the base: both logs scale by the same factor) after dropping the
// constant log2(100):
//   u = 0, 1, 2, 3    mean 1.5, deviations -1.5, -0.5, 0.5, 1.5, Suu = 2.25+0.25+0.25+2.25 = 5
//   v = 0, -1, -1, -2 mean -1,  deviations  1, 0, 0, -1
//   Suv = -1.5 + 0 + 0 - 1.5 = -3, slope = -3 / 5 = -0.6
//   residuals dv + 0.6 du = 1 - 0.9, 0 - 0.3, 0 + 0.3, -1 + 0.9 = 0.1, -0.3, 0.3, -0.1
//   RSS = 0.01 + 0.09 + 0.09 + 0.01 = 0.2, s^2 = 0.2 / (4 - 2) = 0.1
//   se = sqrt(s^2 / Suu) = sqrt(0.1 / 5) = sqrt(0.02) = 0.1414213...
TEST(LogLogSlope, NoisyFourPointsByHand) {
  const std::vector<double> n = {100, 200, 400, 800};
  const std::vector<double> y = {1, 0.5, 0.5, 0.25};
  const auto fit = log_log_slope(n, y);
  EXPECT_EQ(fit.points, 4u);
  EXPECT_NEAR(fit.slope, -0.6, tol);
  EXPECT_NEAR(fit.se, std::sqrt(0.02), tol);
}

TEST(LogLogSlope, SkipsUnusablePoints) {
  // The same four points plus one of each kind that must be skipped.
  const std::vector<double> n = {100, 50, 200, 0, 400, 30, 800, -5, 20, inf};
  const std::vector<double> y = {1, 0, 0.5, 1, 0.5, inf, 0.25, 1, not_a_number, 1};
  const auto fit = log_log_slope(n, y);
  EXPECT_EQ(fit.points, 4u);
  EXPECT_NEAR(fit.slope, -0.6, tol);
  EXPECT_NEAR(fit.se, std::sqrt(0.02), tol);
}

TEST(LogLogSlope, FewerThanThreePointsGiveNaN) {
  const std::vector<double> n = {100, 200, 400};
  const std::vector<double> y = {1, 0.5, -1};
  const auto fit = log_log_slope(n, y);
  EXPECT_EQ(fit.points, 2u);
  EXPECT_TRUE(std::isnan(fit.slope));
  EXPECT_TRUE(std::isnan(fit.se));

  const auto none = log_log_slope({}, {});
  EXPECT_EQ(none.points, 0u);
  EXPECT_TRUE(std::isnan(none.slope));
  EXPECT_TRUE(std::isnan(none.se));
}

TEST(LogLogSlope, OneRepeatedSizeHasNoSlope) {
  const std::vector<double> n = {100, 100, 100};
  const std::vector<double> y = {1, 2, 3};
  const auto fit = log_log_slope(n, y);
  EXPECT_EQ(fit.points, 3u);
  EXPECT_TRUE(std::isnan(fit.slope));
  EXPECT_TRUE(std::isnan(fit.se));
}

// ---- log_slope: growth per unit of log n ----

// y = 2 + 0.5 log n exactly: slope 0.5, SE 0; a non-finite y is skipped.
TEST(LogSlope, ExactLogarithmicGrowth) {
  const std::vector<double> n = {100, 1000, 10000, 100000};
  std::vector<double> y;
  for (double v : n) y.push_back(2 + 0.5 * std::log(v));
  y.push_back(inf);
  std::vector<double> nn = n;
  nn.push_back(1e6);
  const auto fit = klest::log_slope(nn, y);
  EXPECT_EQ(fit.points, 4u);
  EXPECT_NEAR(fit.slope, 0.5, tol);
  EXPECT_NEAR(fit.se, 0, 1e-9);
}

// ---- coverage_stats ----

// Truth 1 and five intervals: [0, 2] and [0.5, 1] hold it (a bound equal to the truth counts),
// [0, 0.9] lies below, [1.1, 3] above, [-inf, inf] holds it. Coverage 3/5, binomial SE
// sqrt(0.6 * 0.4 / 5) = sqrt(0.048); widths 2, 0.5, 0.9, 1.9, inf: median 1.9.
TEST(CoverageStats, FiveIntervalsByHand) {
  const std::vector<double> lo = {0, 0.5, 0, 1.1, -inf};
  const std::vector<double> hi = {2, 1, 0.9, 3, inf};
  const auto c = klest::coverage_stats(lo, hi, 1.0, /*failed=*/2);
  EXPECT_EQ(c.intervals, 5u);
  EXPECT_EQ(c.failed, 2u);
  EXPECT_DOUBLE_EQ(c.coverage, 0.6);
  EXPECT_NEAR(c.coverage_se, std::sqrt(0.048), tol);
  EXPECT_DOUBLE_EQ(c.miss_below, 0.2);
  EXPECT_DOUBLE_EQ(c.miss_above, 0.2);
  EXPECT_DOUBLE_EQ(c.median_width, 1.9);
}

TEST(CoverageStats, NoIntervalLeavesEveryShareUndefined) {
  const auto c = klest::coverage_stats({}, {}, 1.0, 3);
  EXPECT_EQ(c.intervals, 0u);
  EXPECT_EQ(c.failed, 3u);
  EXPECT_TRUE(std::isnan(c.coverage));
  EXPECT_TRUE(std::isnan(c.miss_below));
}

}  // namespace

// Per-cell statistics of replicate estimates and the log-log rate fit (see klest/experiment.hpp).
//
// Conventions, beyond the header:
// - Non-finite entries of `estimates` are never used by the statistics. The harness passes finite
//   values only; should a +-inf or NaN slip in, it is counted (as infinite, resp. failed) rather
//   than silently dropped, so finite + infinite + failed is always the number of rows.
// - With no finite estimate (finite == 0) every statistic (mean, bias, variance, sd, mse, rmse,
//   se_mean, se_rmse, ci_low, ci_high) is NaN, which the CSV writer prints as an empty cell.
//   median_seconds is still the median over all rows.
// - With one finite estimate the spread is unknown: variance, sd, se_mean and se_rmse are 0 and
//   the interval collapses to the mean.
// - With an infinite truth the error of every finite estimate is infinite: bias = mean - truth
//   (-inf for truth = +inf), mse = rmse = +inf, and se_rmse is NaN (no finite spread exists).

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include "klest/experiment.hpp"

namespace klest {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double z975 = 1.959963984540054;  // standard normal 0.975 quantile

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double e : v) s += e;
  return s / double(v.size());
}

// Sample variance (divisor k - 1) by the two-pass formula; 0 when k < 2.
double variance_of(const std::vector<double>& v, double mean) {
  if (v.size() < 2) return 0;
  double s = 0;
  for (double e : v) s += (e - mean) * (e - mean);
  return s / double(v.size() - 1);
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + std::ptrdiff_t(mid));
  return lower + (upper - lower) / 2;
}

}  // namespace

CellStats cell_stats(std::span<const double> estimates, double truth, std::size_t infinite,
                     std::size_t failed, std::span<const double> seconds) {
  CellStats s;
  std::vector<double> e;
  e.reserve(estimates.size());
  for (double v : estimates) {
    if (std::isfinite(v))
      e.push_back(v);
    else if (std::isinf(v))
      ++infinite;
    else
      ++failed;
  }
  s.finite = e.size();
  s.infinite = infinite;
  s.failed = failed;
  s.replications = s.finite + infinite + failed;

  std::vector<double> secs;
  secs.reserve(seconds.size());
  for (double t : seconds)
    if (!std::isnan(t)) secs.push_back(t);
  s.median_seconds = median_of(std::move(secs));

  const std::size_t k = e.size();
  if (k == 0) {
    s.mean = s.bias = s.variance = s.sd = s.mse = s.rmse = nan;
    s.se_mean = s.se_rmse = s.ci_low = s.ci_high = nan;
    return s;
  }
  const double rk = double(k);

  s.mean = mean_of(e);
  s.variance = variance_of(e, s.mean);
  s.sd = std::sqrt(s.variance);
  s.se_mean = s.sd / std::sqrt(rk);
  s.ci_low = s.mean - z975 * s.se_mean;
  s.ci_high = s.mean + z975 * s.se_mean;
  s.bias = s.mean - truth;

  if (std::isnan(truth)) {
    s.mse = s.rmse = s.se_rmse = nan;
    return s;
  }
  if (std::isinf(truth)) {
    s.mse = s.rmse = inf;
    s.se_rmse = nan;
    return s;
  }

  std::vector<double> sq;
  sq.reserve(k);
  for (double v : e) sq.push_back((v - truth) * (v - truth));
  s.mse = mean_of(sq);
  s.rmse = std::sqrt(s.mse);
  // Delta method: Var(sqrt(M)) ~ Var(M) / (4 M), with Var(M) = var((e - truth)^2) / k.
  if (k < 2 || s.rmse == 0)
    s.se_rmse = 0;
  else
    s.se_rmse = std::sqrt(variance_of(sq, s.mse)) / (2 * s.rmse * std::sqrt(rk));
  return s;
}

RateFit log_log_slope(std::span<const double> x, std::span<const double> y) {
  assert(x.size() == y.size());
  const std::size_t n = std::min(x.size(), y.size());
  std::vector<double> lx, ly;
  lx.reserve(n);
  ly.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(x[i]) && std::isfinite(y[i]) && x[i] > 0 && y[i] > 0)) continue;
    lx.push_back(std::log(x[i]));
    ly.push_back(std::log(y[i]));
  }

  RateFit fit;
  fit.points = lx.size();
  if (fit.points < 3) {
    fit.slope = fit.se = nan;
    return fit;
  }
  const double mx = mean_of(lx), my = mean_of(ly);
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < fit.points; ++i) {
    sxx += (lx[i] - mx) * (lx[i] - mx);
    sxy += (lx[i] - mx) * (ly[i] - my);
  }
  if (!(sxx > 0)) {  // every usable x is the same: no slope to fit
    fit.slope = fit.se = nan;
    return fit;
  }
  fit.slope = sxy / sxx;
  double rss = 0;
  for (std::size_t i = 0; i < fit.points; ++i) {
    const double r = (ly[i] - my) - fit.slope * (lx[i] - mx);
    rss += r * r;
  }
  fit.se = std::sqrt(rss / double(fit.points - 2) / sxx);
  return fit;
}

}  // namespace klest

// Per-cell statistics of replicate estimates, the rate fits and interval coverage (see
// klest/experiment.hpp for the contract).
//
// Conventions, beyond the header:
// - Infinite estimates take part in every statistic and make it what the arithmetic makes it:
//   a cell with one +inf among 99 finite values has mean, sd and RMSE +inf, never the values of
//   the 99. The finite_* fields are the statistics of the finite values alone, named so.
// - With no value at all (k == 0) every statistic is NaN, printed as an empty cell.
//   median_seconds is still the median over all rows.
// - With one value the spread is unknown: variance, sd, se_mean and se_rmse are 0 and the
//   interval collapses to the mean.
// - An estimate equal to the truth has error 0, also when both are +inf.

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

namespace {

// e - truth, and 0 when they are equal (so +inf against +inf is exact, not undefined).
double error_of(double e, double truth) { return e == truth ? 0 : e - truth; }

// Median of values that may hold infinities: the mean of the two middle values, +-inf when
// one of them is infinite and NaN for -inf with +inf.
double median_any(std::vector<double> v) {
  if (v.empty()) return nan;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  if (v.size() % 2 == 1) return v[mid];
  const double a = v[mid - 1], b = v[mid];
  if (a == b) return a;
  if (std::isinf(a) || std::isinf(b)) return a + b;  // one infinite: it; -inf + inf: NaN
  return a + (b - a) / 2;
}

// Mean after dropping floor(k / 10) values at each end; infinities left inside make it
// infinite (NaN with both signs).
double trimmed_mean_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t cut = v.size() / 10;
  double s = 0;
  for (std::size_t i = cut; i + cut < v.size(); ++i) s += v[i];
  return s / double(v.size() - 2 * cut);
}

struct Moments {
  double mean = nan, bias = nan, variance = nan, sd = nan, mse = nan, rmse = nan, se_mean = nan,
         se_rmse = nan, ci_low = nan, ci_high = nan;
};

// The moment statistics of finite values (k >= 1) against `truth`.
Moments finite_moments(const std::vector<double>& e, double truth) {
  Moments m;
  const double rk = double(e.size());
  m.mean = mean_of(e);
  m.variance = variance_of(e, m.mean);
  m.sd = std::sqrt(m.variance);
  m.se_mean = m.sd / std::sqrt(rk);
  m.ci_low = m.mean - z975 * m.se_mean;
  m.ci_high = m.mean + z975 * m.se_mean;
  m.bias = error_of(m.mean, truth);
  if (std::isnan(truth)) return m;
  if (std::isinf(truth)) {
    m.mse = m.rmse = inf;
    return m;
  }
  std::vector<double> sq;
  sq.reserve(e.size());
  for (double v : e) sq.push_back((v - truth) * (v - truth));
  m.mse = mean_of(sq);
  m.rmse = std::sqrt(m.mse);
  // Delta method: Var(sqrt(M)) ~ Var(M) / (4 M), with Var(M) = var((e - truth)^2) / k.
  if (e.size() < 2 || m.rmse == 0)
    m.se_rmse = 0;
  else
    m.se_rmse = std::sqrt(variance_of(sq, m.mse)) / (2 * m.rmse * std::sqrt(rk));
  return m;
}

}  // namespace

CellStats cell_stats(std::span<const double> estimates, double truth, std::size_t failed,
                     std::span<const double> seconds) {
  CellStats s;
  std::vector<double> all, finite;  // every value; the finite ones
  all.reserve(estimates.size());
  for (double v : estimates) {
    if (std::isnan(v)) {
      ++failed;
      continue;
    }
    all.push_back(v);
    if (std::isfinite(v))
      finite.push_back(v);
    else if (v > 0)
      ++s.plus_inf;
    else
      ++s.minus_inf;
  }
  s.finite = finite.size();
  s.failed = failed;
  s.replications = all.size() + failed;

  std::vector<double> secs;
  secs.reserve(seconds.size());
  for (double t : seconds)
    if (!std::isnan(t)) secs.push_back(t);
  s.median_seconds = median_of(std::move(secs));

  const Moments fm = finite.empty() ? Moments{} : finite_moments(finite, truth);
  s.finite_mean = fm.mean;
  s.finite_bias = fm.bias;
  s.finite_sd = fm.sd;
  s.finite_rmse = fm.rmse;

  if (all.empty()) {
    s.mean = s.bias = s.variance = s.sd = s.mse = s.rmse = nan;
    s.se_mean = s.se_rmse = s.ci_low = s.ci_high = nan;
    s.median = s.median_abs_error = s.trimmed_mean = nan;
    return s;
  }

  s.median = median_any(all);
  s.trimmed_mean = trimmed_mean_of(all);
  if (std::isnan(truth)) {
    s.median_abs_error = nan;
  } else {
    std::vector<double> abs_err;
    abs_err.reserve(all.size());
    for (double v : all) abs_err.push_back(std::abs(error_of(v, truth)));
    s.median_abs_error = median_any(std::move(abs_err));
  }

  if (s.infinite() == 0) {
    s.mean = fm.mean;
    s.bias = fm.bias;
    s.variance = fm.variance;
    s.sd = fm.sd;
    s.mse = fm.mse;
    s.rmse = fm.rmse;
    s.se_mean = fm.se_mean;
    s.se_rmse = fm.se_rmse;
    s.ci_low = fm.ci_low;
    s.ci_high = fm.ci_high;
    return s;
  }

  // Some estimate is infinite.
  s.mean = s.plus_inf == 0 ? -inf : s.minus_inf == 0 ? inf : nan;
  const bool all_same = s.finite == 0 && (s.plus_inf == 0 || s.minus_inf == 0);
  s.variance = s.sd = s.se_mean = all_same ? nan : inf;
  if (all_same && all.size() == 1) s.variance = s.sd = s.se_mean = 0;
  s.ci_low = s.ci_high = s.se_rmse = nan;
  s.bias = std::isnan(s.mean) ? nan : error_of(s.mean, truth);
  if (std::isnan(truth)) {
    s.mse = s.rmse = nan;
  } else {
    bool infinite_error = false;
    double sum = 0;
    for (double v : all) {
      const double err = error_of(v, truth);
      infinite_error = infinite_error || std::isinf(err);
      sum += err * err;
    }
    s.mse = infinite_error ? inf : sum / double(all.size());
    s.rmse = std::sqrt(s.mse);
    // No infinite error with an infinite estimate: every estimate equals an infinite truth
    // (a finite one would miss it infinitely), so all are exact.
    if (!infinite_error) s.se_rmse = 0;
  }
  return s;
}

namespace {

// Least-squares slope of v against u with its standard error; NaN with fewer than 3 points or
// no spread in u.
RateFit line_fit(const std::vector<double>& u, const std::vector<double>& v) {
  RateFit fit;
  fit.points = u.size();
  if (fit.points < 3) {
    fit.slope = fit.se = nan;
    return fit;
  }
  const double mx = mean_of(u), my = mean_of(v);
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < fit.points; ++i) {
    sxx += (u[i] - mx) * (u[i] - mx);
    sxy += (u[i] - mx) * (v[i] - my);
  }
  if (!(sxx > 0)) {  // every usable x is the same: no slope to fit
    fit.slope = fit.se = nan;
    return fit;
  }
  fit.slope = sxy / sxx;
  double rss = 0;
  for (std::size_t i = 0; i < fit.points; ++i) {
    const double r = (v[i] - my) - fit.slope * (u[i] - mx);
    rss += r * r;
  }
  fit.se = std::sqrt(rss / double(fit.points - 2) / sxx);
  return fit;
}

}  // namespace

RateFit log_log_slope(std::span<const double> x, std::span<const double> y) {
  assert(x.size() == y.size());
  const std::size_t n = std::min(x.size(), y.size());
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(x[i]) && std::isfinite(y[i]) && x[i] > 0 && y[i] > 0)) continue;
    lx.push_back(std::log(x[i]));
    ly.push_back(std::log(y[i]));
  }
  return line_fit(lx, ly);
}

RateFit log_slope(std::span<const double> x, std::span<const double> y) {
  assert(x.size() == y.size());
  const std::size_t n = std::min(x.size(), y.size());
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(x[i]) && std::isfinite(y[i]) && x[i] > 0)) continue;
    lx.push_back(std::log(x[i]));
    ly.push_back(y[i]);
  }
  return line_fit(lx, ly);
}

CoverageStats coverage_stats(std::span<const double> lo, std::span<const double> hi,
                             double truth, std::size_t failed) {
  assert(lo.size() == hi.size());
  CoverageStats c;
  c.intervals = std::min(lo.size(), hi.size());
  c.failed = failed;
  if (c.intervals == 0 || std::isnan(truth)) {
    c.coverage = c.coverage_se = c.median_width = c.miss_below = c.miss_above = nan;
    if (c.intervals > 0) {
      std::vector<double> w;
      for (std::size_t i = 0; i < c.intervals; ++i) w.push_back(hi[i] - lo[i]);
      c.median_width = median_any(std::move(w));
    }
    return c;
  }
  std::size_t below = 0, above = 0;
  std::vector<double> widths;
  widths.reserve(c.intervals);
  for (std::size_t i = 0; i < c.intervals; ++i) {
    below += hi[i] < truth;
    above += lo[i] > truth;
    widths.push_back(hi[i] == lo[i] ? 0 : hi[i] - lo[i]);
  }
  const double k = double(c.intervals);
  c.miss_below = double(below) / k;
  c.miss_above = double(above) / k;
  c.coverage = double(c.intervals - below - above) / k;
  c.coverage_se = std::sqrt(c.coverage * (1 - c.coverage) / k);
  c.median_width = median_any(std::move(widths));
  return c;
}

}  // namespace klest

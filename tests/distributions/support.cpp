// Definitions of the helpers declared in support.hpp.

#include "support.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <boost/math/distributions/chi_squared.hpp>

namespace klest::testing {

std::unique_ptr<Distribution> make(const std::string& spec) { return make_distribution(spec); }

double log_density(const Distribution& d, double x) { return d.log_density({&x, 1}); }

std::vector<double> draw(const Distribution& d, std::size_t n, std::uint64_t seed) {
  Rng rng = rng_for(seed);
  const Samples s = d.sample(rng, n);
  return {s.values().begin(), s.values().end()};
}

std::vector<double> column(const Samples& s, std::size_t j) {
  std::vector<double> x(s.rows());
  for (std::size_t i = 0; i < s.rows(); ++i) x[i] = s.row(i)[j];
  return x;
}

std::vector<double> projection(const Samples& s, const std::vector<double>& v) {
  std::vector<double> y(s.rows());
  for (std::size_t i = 0; i < s.rows(); ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < v.size(); ++j) sum += v[j] * s.row(i)[j];
    y[i] = sum;
  }
  return y;
}

double relative_error(double actual, double expected) {
  return std::abs(actual - expected) / std::max(std::abs(expected), 1e-300);
}

double mixed_error(double actual, double expected) {
  return std::abs(actual - expected) / std::max(1.0, std::abs(expected));
}

double ks_statistic_from_sorted_cdf(const std::vector<double>& cdf_at_sorted) {
  const double n = double(cdf_at_sorted.size());
  double d = 0;
  for (std::size_t i = 0; i < cdf_at_sorted.size(); ++i) {
    const double f = cdf_at_sorted[i];
    d = std::max({d, double(i + 1) / n - f, f - double(i) / n});
  }
  return d;
}

double ks_statistic(std::vector<double> xs, const std::function<double(double)>& cdf) {
  std::sort(xs.begin(), xs.end());
  std::vector<double> f(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) f[i] = cdf(xs[i]);
  return ks_statistic_from_sorted_cdf(f);
}

double ks_critical_value(std::size_t n) { return 1.95 / std::sqrt(double(n)); }

void expect_ks_passes(const std::vector<double>& xs, const std::function<double(double)>& cdf,
                      const std::string& what) {
  EXPECT_LT(ks_statistic(xs, cdf), ks_critical_value(xs.size())) << what;
}

double chi_square_critical_value(int df) {
  return boost::math::quantile(boost::math::complement(
      boost::math::chi_squared_distribution<double>(df), chi_square_alpha));
}

double pearson_statistic(const std::vector<double>& observed, const std::vector<double>& expected) {
  double stat = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    stat += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  }
  return stat;
}

ChiSquare pooled_chi_square(const Samples& s, const std::function<double(double)>& pmf) {
  const double n = double(s.rows());
  std::map<double, double> count;
  for (double x : s.values()) count[x] += 1;
  std::vector<double> obs, expect;
  double mass_closed = 0, obs_closed = 0, bin_obs = 0, bin_exp = 0;
  for (double k = 0;; k += 1) {
    bin_exp += n * pmf(k);
    if (auto it = count.find(k); it != count.end()) bin_obs += it->second;
    if (n * (1 - mass_closed) - bin_exp < 5) break;
    if (bin_exp >= 5) {
      obs.push_back(bin_obs);
      expect.push_back(bin_exp);
      mass_closed += bin_exp / n;
      obs_closed += bin_obs;
      bin_obs = bin_exp = 0;
    }
  }
  obs.push_back(n - obs_closed);
  expect.push_back(n * (1 - mass_closed));
  if (expect.back() < 5 && expect.size() > 1) {
    obs[obs.size() - 2] += obs.back();
    expect[expect.size() - 2] += expect.back();
    obs.pop_back();
    expect.pop_back();
  }
  ChiSquare r;
  r.stat = pearson_statistic(obs, expect);
  r.df = int(obs.size()) - 1;
  r.critical = chi_square_critical_value(r.df);
  return r;
}

void expect_pooled_chi_square_passes(const Samples& s, const std::function<double(double)>& pmf,
                                     int df, const std::string& what) {
  const ChiSquare chi = pooled_chi_square(s, pmf);
  EXPECT_EQ(chi.df, df) << what;
  EXPECT_LT(chi.stat, chi.critical) << what;
}

MeanAndError mean_and_standard_error(const std::vector<double>& values) {
  double mean = 0, m2 = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i], dv = v - mean;
    mean += dv / double(i + 1);
    m2 += dv * (v - mean);
  }
  const double n = double(values.size());
  return {mean, std::sqrt(m2 / (n - 1) / n)};
}

void expect_moment(const std::vector<double>& xs, const std::function<double(double)>& g,
                   double expected, const std::string& what) {
  std::vector<double> values(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) values[i] = g(xs[i]);
  const MeanAndError m = mean_and_standard_error(values);
  EXPECT_NEAR(m.mean, expected, standard_error_tolerance * m.standard_error) << what;
}

void expect_mean_and_variance(const std::vector<double>& xs, double mean, double variance,
                              const std::string& what) {
  expect_moment(xs, [](double x) { return x; }, mean, what + " mean");
  expect_moment(xs, [mean](double x) { return (x - mean) * (x - mean); }, variance,
                what + " variance");
}

void expect_mean_and_variance_given_kurtosis(std::span<const double> xs, double mean,
                                             double variance, double kurtosis) {
  const double n = double(xs.size());
  double m = 0, v = 0;
  for (double x : xs) m += x;
  m /= n;
  for (double x : xs) v += (x - m) * (x - m);
  v /= n - 1;
  EXPECT_NEAR(m, mean, standard_error_tolerance * std::sqrt(variance / n)) << "mean";
  EXPECT_NEAR(v, variance, standard_error_tolerance * variance * std::sqrt((kurtosis - 1) / n))
      << "variance";
}

void expect_mean_and_covariance(const Samples& s, const std::vector<double>& mean,
                                const std::vector<std::vector<double>>& cov) {
  const std::size_t n = s.rows(), d = mean.size();
  std::vector<double> m(d, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) m[j] += s.row(i)[j] / double(n);
  for (std::size_t a = 0; a < d; ++a) {
    EXPECT_NEAR(m[a], mean[a], standard_error_tolerance * std::sqrt(cov[a][a] / double(n)))
        << "mean " << a;
    for (std::size_t b = 0; b <= a; ++b) {
      double c = 0;
      for (std::size_t i = 0; i < n; ++i) c += (s.row(i)[a] - m[a]) * (s.row(i)[b] - m[b]);
      c /= double(n - 1);
      const double se = std::sqrt((cov[a][a] * cov[b][b] + cov[a][b] * cov[a][b]) / double(n));
      EXPECT_NEAR(c, cov[a][b], standard_error_tolerance * se) << "covariance " << a << "," << b;
    }
  }
}

double closed_kl(const std::string& p, const std::string& q) {
  const auto dp = make(p), dq = make(q);
  const std::optional<Truth> t = closed_form_kl(*dp, *dq);
  EXPECT_TRUE(t.has_value()) << p << " || " << q;
  if (!t) return std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(t->method, TruthMethod::closed_form) << p << " || " << q;
  return t->value;
}

void expect_closed_form_matches_quadrature(const std::string& p, const std::string& q,
                                           double rel_tol) {
  SCOPED_TRACE("KL(" + p + " || " + q + ")");
  const auto dp = make(p), dq = make(q);
  const Truth closed = true_kl(*dp, *dq);
  ASSERT_EQ(closed.method, TruthMethod::closed_form) << closed.detail;
  ASSERT_TRUE(std::isfinite(closed.value));
  const Truth numeric = true_kl(*dp, *dq, {.use_closed_form = false});
  ASSERT_EQ(numeric.method, TruthMethod::quadrature) << numeric.detail;
  EXPECT_NEAR(numeric.value, closed.value, rel_tol * std::max(1.0, std::fabs(closed.value)));
}

void expect_closed_form_near_reference(const std::string& p, const std::string& q,
                                       double reference) {
  SCOPED_TRACE("KL(" + p + " || " + q + ")");
  const double closed = true_kl(*make(p), *make(q)).value;
  EXPECT_NEAR(closed, reference, 1e-12 * std::max(1.0, std::fabs(reference)));
}

void expect_closed_form(const std::string& p, const std::string& q, double reference) {
  const bool failed_before = ::testing::Test::HasFatalFailure();
  expect_closed_form_matches_quadrature(p, q, 1e-8);
  if (::testing::Test::HasFatalFailure() && !failed_before) return;  // no closed form: stop
  expect_closed_form_near_reference(p, q, reference);
}

void expect_closed_form_matches_summation(const std::string& p, const std::string& q,
                                          double reference, double closed_abs,
                                          double summed_abs) {
  SCOPED_TRACE("KL(" + p + " || " + q + ")");
  const auto dp = make(p), dq = make(q);
  const Truth closed = true_kl(*dp, *dq);
  EXPECT_EQ(closed.method, TruthMethod::closed_form);
  EXPECT_NEAR(closed.value, reference, 1e-12 * reference + closed_abs);
  const Truth summed = true_kl(*dp, *dq, {.use_closed_form = false});
  EXPECT_EQ(summed.method, TruthMethod::summation);
  EXPECT_NEAR(summed.value, closed.value, 1e-10 * closed.value + summed.abs_error + summed_abs);
}

void expect_closed_form_matches_monte_carlo(const std::string& p, const std::string& q,
                                            std::size_t mc_samples, std::uint64_t seed,
                                            double abs_slack) {
  SCOPED_TRACE("KL(" + p + " || " + q + ")");
  const auto dp = make(p), dq = make(q);
  const Truth closed = true_kl(*dp, *dq);
  ASSERT_EQ(closed.method, TruthMethod::closed_form) << closed.detail;
  const Truth mc =
      true_kl(*dp, *dq, {.use_closed_form = false, .mc_samples = mc_samples, .seed = seed});
  ASSERT_EQ(mc.method, TruthMethod::monte_carlo) << mc.detail;
  EXPECT_NEAR(closed.value, mc.value, standard_error_tolerance * mc.abs_error + abs_slack);
}

void expect_infinite(const std::string& p, const std::string& q, TruthMethod method) {
  SCOPED_TRACE(p + " || " + q);
  EXPECT_EQ(closed_kl(p, q), inf);
  const Truth t = true_kl(*make(p), *make(q));
  EXPECT_EQ(t.value, inf);
  EXPECT_EQ(t.method, method);
}

void expect_canonical_spec(const std::string& spec, const std::string& canonical) {
  EXPECT_EQ(make(spec)->spec(), canonical) << "spec: " << spec;
}

void expect_spec_round_trips(const std::string& spec) {
  const auto d = make(spec);
  EXPECT_EQ(make(d->spec())->spec(), d->spec()) << "spec: " << spec;
}

void expect_canonical_spec_round_trips(const std::string& spec, const std::string& canonical) {
  expect_canonical_spec(spec, canonical);
  expect_spec_round_trips(spec);
}

void expect_registered_example_round_trips(const std::string& family, Support kind) {
  const DistributionInfo* info = find_distribution(family);
  ASSERT_NE(info, nullptr) << family;
  EXPECT_EQ(info->kind, kind) << family;
  expect_spec_round_trips(info->example);
}

void expect_support(const Distribution& d, double lo, double hi) {
  ASSERT_FALSE(d.support().empty()) << d.spec();
  EXPECT_EQ(d.support()[0].lo, lo) << d.spec();
  EXPECT_EQ(d.support()[0].hi, hi) << d.spec();
}

}  // namespace klest::testing

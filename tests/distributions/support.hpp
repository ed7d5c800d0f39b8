#pragma once
// Helpers shared by the tests of the distribution families (tests/distributions/*_test.cpp):
// making distributions from specs, drawing samples, goodness-of-fit statistics with their
// critical values, moment checks, error measures, and checks of the registered closed-form KL
// values against the truth engine's numerical routes (quadrature, summation, Monte Carlo).
//
// Every statistical check here is made on a fixed seed, so it is deterministic; the thresholds
// are chosen so that a correct sampler fails a single check with probability about 1e-3 (the
// goodness-of-fit tests) or 6e-7 (moments within 5 standard errors) over the choice of seed.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"
#include "klest/truth.hpp"

/// Skips the current test (GTEST_SKIP) unless every named family is registered. A macro
/// because the skip must return from the test body itself.
#define REQUIRE_FAMILIES(...)                                                        \
  for (const char* f : {__VA_ARGS__}) {                                              \
    if (!klest::find_distribution(f)) GTEST_SKIP() << "family '" << f << "' absent"; \
  }

namespace klest::testing {

inline constexpr double inf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Making, evaluating and sampling distributions

/// The distribution a spec names, e.g. make("gamma(2, 3)"); throws InputError as
/// klest::make_distribution does.
std::unique_ptr<Distribution> make(const std::string& spec);

/// log p(x) of a one-dimensional distribution.
double log_density(const Distribution& d, double x);

/// n draws of a one-dimensional distribution from the stream klest::rng_for(seed).
std::vector<double> draw(const Distribution& d, std::size_t n, std::uint64_t seed);

/// Coordinate j of every row of s.
std::vector<double> column(const Samples& s, std::size_t j);

/// v'x for every row x of s (the sum taken in coordinate order).
std::vector<double> projection(const Samples& s, const std::vector<double>& v);

// ---------------------------------------------------------------------------------------------
// Error measures

/// |actual - expected| / max(|expected|, 1e-300): the plain relative error (the floor only
/// avoids a division by zero).
double relative_error(double actual, double expected);

/// |actual - expected| / max(1, |expected|): the absolute error where |expected| < 1 and the
/// relative error above. For log densities: a relative error of the density itself where the
/// log is near 0, and a relative error of the log in the far tails, where the log is large.
double mixed_error(double actual, double expected);

// ---------------------------------------------------------------------------------------------
// Kolmogorov-Smirnov goodness of fit (continuous, one-dimensional)

/// The Kolmogorov-Smirnov statistic D_n = sup_x |F_n(x) - F(x)| of the draws xs against the
/// cdf F: with x_(1) <= ... <= x_(n) sorted, max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n).
double ks_statistic(std::vector<double> xs, const std::function<double(double)>& cdf);

/// D_n as above from F(x_(1)), ..., F(x_(n)), the cdf already evaluated at the sorted draws
/// (for a cdf that is cheaper to accumulate along the sorted draws than to call pointwise).
double ks_statistic_from_sorted_cdf(const std::vector<double>& cdf_at_sorted);

/// The critical value of D_n at alpha = 0.001: 1.95/sqrt(n), from Kolmogorov's limiting
/// distribution P(sqrt(n) D_n > c) -> 2 sum_k (-1)^(k-1) exp(-2 k^2 c^2) (Kolmogorov 1933;
/// tabulated by Smirnov 1948, Ann. Math. Statist. 19), whose 0.999 quantile is 1.9495
/// (scipy.stats.kstwobign.isf(0.001); the leading term alone gives sqrt(log(2/alpha)/2), the
/// same to 10 digits). For the n = 20000 draws used here the exact value is 1.948/sqrt(n)
/// (scipy.stats.kstwo.isf(0.001, 20000)), so 1.95/sqrt(n) is alpha = 0.001 to within 0.1%.
double ks_critical_value(std::size_t n);

/// EXPECT: ks_statistic(xs, cdf) < ks_critical_value(xs.size()), i.e. the draws pass the
/// Kolmogorov-Smirnov test at alpha = 0.001. `what` names the case in a failure.
void expect_ks_passes(const std::vector<double>& xs, const std::function<double(double)>& cdf,
                      const std::string& what);

// ---------------------------------------------------------------------------------------------
// Pearson chi-square goodness of fit (discrete)

/// The significance level of every chi-square check here.
inline constexpr double chi_square_alpha = 0.001;

/// The critical value of Pearson's statistic with df degrees of freedom at alpha = 0.001: the
/// 0.999 quantile of chi-square(df), from Boost (boost::math::chi_squared_distribution;
/// scipy.stats.chi2.isf(0.001, df) agrees), e.g. 18.47 for df = 4 and 45.31 for df = 20.
double chi_square_critical_value(int df);

/// Pearson's statistic sum_i (O_i - E_i)^2 / E_i of observed counts O against expected E.
double pearson_statistic(const std::vector<double>& observed, const std::vector<double>& expected);

struct ChiSquare {
  double stat = 0;      // Pearson's statistic
  double critical = 0;  // chi_square_critical_value(df)
  int df = 0;           // bins - 1
};

/// Pearson's chi-square of the integer draws in s (one-dimensional) against `pmf` on
/// 0, 1, 2, ...: adjacent values are pooled until a bin expects at least 5 draws (the
/// conventional rule of thumb for the chi-square approximation; stricter than Cochran's 1954
/// rule, none below 1 and at most a fifth below 5); the last bin takes everything above, and is
/// merged into its neighbour if it expects fewer than 5. df = bins - 1 (no parameter is
/// estimated); the critical value is chi_square_critical_value(df), alpha = 0.001.
ChiSquare pooled_chi_square(const Samples& s, const std::function<double(double)>& pmf);

/// EXPECT: pooled_chi_square(s, pmf) has `df` degrees of freedom (pinning the binning, so that
/// the critical value quoted beside each test stays the one used) and its statistic is below
/// the alpha = 0.001 critical value. `what` names the case in a failure.
void expect_pooled_chi_square_passes(const Samples& s, const std::function<double(double)>& pmf,
                                     int df, const std::string& what);

// ---------------------------------------------------------------------------------------------
// Moments

/// How many standard errors a sample moment may be from the true one: 5, a two-sided normal
/// tail probability of 5.7e-7 per check (central limit theorem).
inline constexpr double standard_error_tolerance = 5;

struct MeanAndError {
  double mean = 0;            // the sample mean
  double standard_error = 0;  // the sample standard deviation (n - 1) over sqrt(n)
};

/// The sample mean of `values` and its estimated standard error, by Welford's running update.
MeanAndError mean_and_standard_error(const std::vector<double>& values);

/// EXPECT: the sample mean of g(X) over the draws xs is within 5 standard errors of
/// `expected`, the standard error estimated from the sample of g(X) itself (so g(X) needs a
/// finite variance: E g(X)^2 < inf). `what` names the moment in a failure.
void expect_moment(const std::vector<double>& xs, const std::function<double(double)>& g,
                   double expected, const std::string& what);

/// expect_moment of X (against `mean`) and of (X - mean)^2 (against `variance`), each within 5
/// standard errors estimated from the sample; needs a finite fourth moment. Failures are named
/// "<what> mean" and "<what> variance".
void expect_mean_and_variance(const std::vector<double>& xs, double mean, double variance,
                              const std::string& what);

/// EXPECT: the sample mean within 5 sqrt(variance/n) of `mean` and the sample variance
/// (divisor n - 1) within 5 variance sqrt((kurtosis - 1)/n) of `variance`: the standard errors
/// from the true moments, the second from Var(S^2) ~ (mu_4 - sigma^4)/n with
/// kurtosis = mu_4/sigma^4 (not the excess kurtosis).
void expect_mean_and_variance_given_kurtosis(std::span<const double> xs, double mean,
                                             double variance, double kurtosis);

/// EXPECT, for draws s of a d-dimensional law with the given mean and covariance: each sample
/// mean within 5 sqrt(S_jj/n) of mean[j], and each sample covariance (divisor n - 1) within
/// 5 sqrt((S_aa S_bb + S_ab^2)/n) of S_ab: the standard error of a covariance entry for
/// Gaussian draws, from the Wishart distribution of the scatter matrix, whose entries have
/// variance n (S_ab^2 + S_aa S_bb) (Anderson 2003, An Introduction to Multivariate Statistical
/// Analysis, 3rd ed., ch. 7).
void expect_mean_and_covariance(const Samples& s, const std::vector<double>& mean,
                                const std::vector<std::vector<double>>& cov);

// ---------------------------------------------------------------------------------------------
// KL values: the registered closed forms against the engine's numerical routes

/// The registered closed form for (p, q) as klest::closed_form_kl gives it; NaN, and a
/// failure, if none applies, and a failure if its method is not closed_form.
double closed_kl(const std::string& p, const std::string& q);

/// ASSERT: true_kl(p, q) takes the closed form and it is finite, and with the closed forms
/// disabled the engine integrates (quadrature); EXPECT: the two agree within
/// rel_tol * max(1, |closed form|). The quadrature aims at a relative accuracy of 1e-10
/// (TruthOptions::rel_tol), so rel_tol = 1e-9 or 1e-8 leaves it a margin of 10 or 100.
void expect_closed_form_matches_quadrature(const std::string& p, const std::string& q,
                                           double rel_tol);

/// EXPECT: true_kl(p, q) (the closed form, where one is registered) is within
/// 1e-12 * max(1, |reference|) of `reference`, a high-precision value (mpmath at 30 digits).
void expect_closed_form_near_reference(const std::string& p, const std::string& q,
                                       double reference);

/// For one-dimensional pairs with a reference value: expect_closed_form_matches_quadrature with
/// rel_tol = 1e-8, then expect_closed_form_near_reference.
void expect_closed_form(const std::string& p, const std::string& q, double reference);

/// For discrete pairs: EXPECT that true_kl(p, q) takes the closed form, within
/// 1e-12 * reference + closed_abs of `reference`, and that with the closed forms disabled the
/// engine sums the series (summation), within 1e-10 * closed form + its abs_error + summed_abs
/// of the closed form. The absolute allowances are 0 unless a caller documents why not.
void expect_closed_form_matches_summation(const std::string& p, const std::string& q,
                                          double reference, double closed_abs = 0,
                                          double summed_abs = 0);

/// For multivariate pairs: ASSERT that true_kl(p, q) takes the closed form and that with the
/// closed forms disabled (and mc_samples draws from `seed`) the engine uses Monte Carlo; EXPECT
/// the two within 5 * the Monte Carlo abs_error (one standard error of its mean) + abs_slack.
void expect_closed_form_matches_monte_carlo(const std::string& p, const std::string& q,
                                            std::size_t mc_samples,
                                            std::uint64_t seed = klest::default_seed,
                                            double abs_slack = 0);

/// EXPECT: the closed form for (p, q) is +inf (closed_kl), and true_kl finds the same infinity
/// by `method` (support, tails, ...).
void expect_infinite(const std::string& p, const std::string& q, TruthMethod method);

// ---------------------------------------------------------------------------------------------
// Specs, supports and parameter errors

/// EXPECT: make(spec)->spec() is `canonical`.
void expect_canonical_spec(const std::string& spec, const std::string& canonical);

/// EXPECT: the spec of make(spec) parses back to a distribution with the same spec.
void expect_spec_round_trips(const std::string& spec);

/// expect_canonical_spec and expect_spec_round_trips of `spec`.
void expect_canonical_spec_round_trips(const std::string& spec, const std::string& canonical);

/// ASSERT: `family` is registered; EXPECT: its kind is `kind` and the spec of its registered
/// example round-trips.
void expect_registered_example_round_trips(const std::string& family, Support kind);

/// EXPECT: a one-dimensional d has the support [lo, hi].
void expect_support(const Distribution& d, double lo, double hi);

/// EXPECT: make(spec) throws klest::InputError whose message contains every one of
/// `message_parts` (typically "distribution 'family'" and "parameter 'name' ..."), e.g.
///   expect_rejected("gamma(shape=0)", "parameter 'shape' is 0");
template <class... Parts>
void expect_rejected(const std::string& spec, const Parts&... message_parts) {
  static_assert(sizeof...(Parts) > 0, "name at least one part of the message");
  SCOPED_TRACE("spec: " + spec);
  const auto build = [&] { make(spec); };
  if constexpr (sizeof...(Parts) == 1) {
    EXPECT_THAT(build, ::testing::ThrowsMessage<InputError>(
                           ::testing::HasSubstr(std::string(message_parts)...)));
  } else {
    EXPECT_THAT(build, ::testing::ThrowsMessage<InputError>(::testing::AllOf(
                           ::testing::HasSubstr(std::string(message_parts))...)));
  }
}

}  // namespace klest::testing

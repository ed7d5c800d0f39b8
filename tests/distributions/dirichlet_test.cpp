// Tests of the Dirichlet family (a point is the first K - 1 coordinates) and its closed form
// dirichlet||dirichlet.

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <boost/math/distributions/beta.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

// K = 2 is Beta(alpha_1, alpha_2) in its first coordinate: Boost's beta pdf.
TEST(Dirichlet, TwoCategoriesMatchBoostBeta) {
  for (auto [a, b] : {std::pair{0.5, 0.5}, {2.0, 3.0}, {1.0, 7.5}, {40.0, 25.0}}) {
    const auto d = make("dirichlet(alpha=[" + klest::format_number(a) + ", " +
                        klest::format_number(b) + "])");
    ASSERT_EQ(d->dim(), 1u);
    const boost::math::beta_distribution<double> ref(a, b);
    for (double x : {1e-6, 0.05, 0.3, 0.5, 0.77, 0.999}) {
      const double want = std::log(boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

// Reference values: mpmath at 30 digits of loggamma(alpha_0) - sum loggamma(alpha_i) +
// sum (alpha_i - 1) log x_i, with x_K = 1 - sum of the others.
TEST(Dirichlet, LogDensityMatchesMpmathAndVanishesOffTheSimplex) {
  const auto d3 = make("dirichlet(alpha=[2, 3, 4])");
  ASSERT_EQ(d3->dim(), 2u);
  const std::vector<double> x{0.2, 0.3};
  EXPECT_NEAR(d3->log_density(x), 2.02287119019144163008956978776, 1e-13);
  const auto d4 = make("dirichlet(alpha=[0.5, 1, 1.5, 2])");
  const std::vector<double> y{0.1, 0.2, 0.3};
  EXPECT_NEAR(d4->log_density(y), 2.3594865375183905354348417781, 1e-13);
  for (const std::vector<double>& off : std::vector<std::vector<double>>{
           {0.6, 0.5}, {-0.1, 0.3}, {0.3, 1.2}, {inf, 0.1}}) {
    EXPECT_EQ(d3->log_density(off), -inf) << off[0] << ", " << off[1];
  }
}

// Each coordinate is Beta(alpha_i, alpha_0 - alpha_i): KS against Boost's beta cdf (n = 20000,
// alpha = 0.001), and the sample means and covariances within 5 standard errors of
// E x_i = alpha_i/alpha_0, Cov(x_i, x_j) = (delta_ij m_i - m_i m_j)/(alpha_0 + 1).
TEST(Dirichlet, SamplerMarginalsAndMoments) {
  const std::vector<double> alpha{0.4, 2.0, 3.5, 1.1};
  const auto d = make("dirichlet(alpha=[0.4, 2, 3.5, 1.1])");
  const std::size_t n = 20000;
  klest::Rng rng = klest::rng_for(17);
  const klest::Samples s = d->sample(rng, n);
  ASSERT_EQ(s.dim(), 3u);
  double a0 = 0;
  for (double a : alpha) a0 += a;
  for (std::size_t i = 0; i < 3; ++i) {
    const boost::math::beta_distribution<double> ref(alpha[i], a0 - alpha[i]);
    expect_ks_passes(column(s, i), [&](double x) { return boost::math::cdf(ref, x); },
                     "coordinate " + std::to_string(i + 1));
  }
  std::vector<double> mean(3);
  std::vector<std::vector<double>> cov(3, std::vector<double>(3));
  for (std::size_t i = 0; i < 3; ++i) mean[i] = alpha[i] / a0;
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      cov[i][j] = ((i == j ? mean[i] : 0) - mean[i] * mean[j]) / (a0 + 1);
    }
  }
  // The covariance check's standard error is the Gaussian (Wishart) one, close enough for these
  // light-tailed bounded coordinates at 5 standard errors.
  expect_mean_and_covariance(s, mean, cov);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = s.row(i);
    ASSERT_LE(r[0] + r[1] + r[2], 1.0 + 1e-15) << i;
  }
}

TEST(Dirichlet, TinyConcentrationsStayInsideTheSupport) {
  const auto d = make("dirichlet(alpha=[0.01, 0.02, 5])");
  klest::Rng rng = klest::rng_for(2);
  const klest::Samples s = d->sample(rng, 2000);
  for (std::size_t i = 0; i < s.rows(); ++i) {
    for (double x : s.row(i)) ASSERT_TRUE(x > 0 && x <= 1) << i;
  }
}

TEST(Dirichlet, SpecSupportAndBadParameters) {
  expect_canonical_spec_round_trips("dirichlet([1, 2, 3])", "dirichlet(alpha=[1, 2, 3])");
  const auto d = make("dirichlet([1, 2, 3])");
  const auto box = d->support();
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box[0].lo, 0);
  EXPECT_EQ(box[1].hi, 1);
  expect_rejected("dirichlet(alpha=[1])", "distribution 'dirichlet': parameter 'alpha' has 1 "
                                          "numbers, but must have at least 2");
  expect_rejected("dirichlet(alpha=[1, 0, 2])", "parameter 'alpha[1]' is 0, but must be in (0");
  expect_rejected("dirichlet(alpha=[1, -2])", "parameter 'alpha[1]' is -2");
  expect_rejected("dirichlet(alpha=[[1], [2]])", "must be a list of numbers");
  expect_rejected("dirichlet()", "parameter 'alpha' is required");
}

// Reference: mpmath at 30 digits of Penny's formula, and a 2-D mpmath quadrature of
// p log(p/q) over the simplex agreeing to 20 digits (0.23411448401840680726).
TEST(Dirichlet, ClosedFormDirichletDirichlet) {
  expect_closed_form_near_reference("dirichlet([2, 3, 4])", "dirichlet([1, 1.5, 2.5])",
                                    0.234114484018406807256123972059);
  // Monte Carlo with the closed forms off: 200000 draws, within 5 standard errors.
  expect_closed_form_matches_monte_carlo("dirichlet([2, 3, 4])", "dirichlet([1, 1.5, 2.5])",
                                         200000, 5);
  expect_closed_form_matches_monte_carlo("dirichlet([0.7, 1.3, 2, 5])",
                                         "dirichlet([1, 1, 1, 1])", 200000, 6);
  // K = 2 is the beta KL.
  const double beta = closed_kl("beta(2, 5)", "beta(3, 1.5)");
  EXPECT_NEAR(closed_kl("dirichlet([2, 5])", "dirichlet([3, 1.5])"), beta, 1e-15 * beta);
  // Different K: different dimensions.
  EXPECT_THROW(klest::true_kl(*make("dirichlet([1, 2])"), *make("dirichlet([1, 2, 3])")),
               klest::InputError);
}

// Tests of the chi-square family and its closed forms chi2||chi2, chi2||gamma, gamma||chi2.

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/chi_squared.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Chi2, LogDensityMatchesBoost) {
  for (double df : {0.5, 1.0, 2.0, 3.0, 19.0, 20.0, 75.0, 1e4}) {
    const auto d = make("chi2(df=" + klest::format_number(df) + ")");
    const boost::math::chi_squared_distribution<double> ref(df);
    const double sd = std::sqrt(2 * df);
    int compared = 0;
    for (double k : {-4.0, -2.0, -0.5, 0.0, 0.5, 1.0, 3.0, 8.0}) {
      const double x = df + k * sd;
      if (!(x > 0)) continue;
      const double want = std::log(boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
      ++compared;
    }
    EXPECT_GE(compared, 5) << d->spec();
    EXPECT_EQ(log_density(*d, -1.0), -inf);
  }
}

TEST(Chi2, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against Boost's cdf, n = 20000, alpha = 0.001; mean df and variance 2 df within 5
  // standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 9;
  for (double df : {0.3, 1.0, 4.0, 50.0}) {
    const auto d = make("chi2(" + klest::format_number(df) + ")");
    const boost::math::chi_squared_distribution<double> ref(df);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x > 0 && x < inf; }));
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    expect_mean_and_variance(xs, df, 2 * df, d->spec());
  }
}

TEST(Chi2, IsGammaWithRateOneHalf) {
  expect_canonical_spec_round_trips("chi2(3)", "chi2(df=3)");
  const auto c = make("chi2(7)"), g = make("gamma(3.5, 0.5)");
  for (double x : {1e-3, 0.5, 3.0, 7.0, 40.0}) {
    EXPECT_EQ(log_density(*c, x), log_density(*g, x)) << x;
  }
  expect_support(*c, 0, inf);
  expect_rejected("chi2(df=0)", "distribution 'chi2': parameter 'df' is 0");
  expect_rejected("chi2()", "parameter 'df' is required");
}

// Reference values: mpmath quadrature at 30 digits of p log(p/q) over [0, 1, 5, inf] with the
// gamma density g(a, b) = exp(a log b + (a - 1) log x - b x - loggamma(a)), chi2(k) = g(k/2, 1/2).
TEST(Chi2, ClosedForms) {
  expect_closed_form("chi2(3)", "chi2(5)", 0.368975134129587861418989448463);
  expect_closed_form("chi2(3)", "gamma(2, 0.7)", 0.0295927774035310947126882225604);
  expect_closed_form("gamma(2, 0.7)", "chi2(3)", 0.0238897134172363145366870530741);
}

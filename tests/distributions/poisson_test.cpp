// Tests of the poisson family and its closed form poisson||poisson (binomial||poisson and
// poisson||binomial are tested in binomial_test.cpp).

#include <cmath>
#include <string>

#include <boost/math/distributions/poisson.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

using ::testing::ElementsAre;

TEST(Poisson, LogDensityMatchesBoost) {
  for (double rate : {1e-6, 0.3, 2.0, 7.5, 33.0, 1000.0, 1e6}) {
    const auto d = make(("poisson(rate=" + klest::format_number(rate) + ")").c_str());
    // long double: an independent and more precise reference, also where a double underflows.
    const boost::math::poisson_distribution<long double> ref(rate);
    std::vector<double> ks{0, 1, 2, 3, 5, 10, 50, 200};
    for (double t : {-30.0, -10.0, -3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0}) {
      const double k = std::floor(rate + t * std::sqrt(rate));
      if (k >= 0) ks.push_back(k);
    }
    for (double k : ks) {
      const long double pdf = boost::math::pdf(ref, (long double)k);
      // Where even a long double underflows (rate 1e6, small k), by hand in long double.
      const long double by_hand = k * std::log((long double)rate) - rate - std::lgamma(k + 1.0L);
      const double expected = double(pdf > 0 ? std::log(pdf) : by_hand);
      EXPECT_LT(mixed_error(d->log_density({&k, 1}), expected), 1e-12)
          << "rate " << rate << ", k " << k;
    }
  }
}

TEST(Poisson, LogDensityIsMinusInfinityOffTheIntegers) {
  const auto d = make("poisson(2.5)");
  for (double x : {-1.0, -0.5, 0.5, 2.25, double(INFINITY), -double(INFINITY)}) {
    EXPECT_EQ(d->log_density({&x, 1}), -INFINITY) << x;
  }
  const double zero = 0;
  EXPECT_DOUBLE_EQ(d->log_density({&zero, 1}), -2.5);
}

TEST(Poisson, SupportLandmarksAndScale) {
  const auto d = make("poisson(4)");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  expect_support(*d, 0, INFINITY);
  EXPECT_THAT(d->landmarks(), ElementsAre(3.0, 4.0));  // an integer rate has two modes
  EXPECT_DOUBLE_EQ(d->scale(), 2);
  EXPECT_THAT(make("poisson(2.7)")->landmarks(), ElementsAre(2.0));
  EXPECT_THAT(make("poisson(0.4)")->landmarks(), ElementsAre(0.0));
}

// Chi-square goodness of fit on n = 20000 draws at a fixed seed, alpha = 0.001: critical values
// 32.91 (df = 12, rate 3.7) and 150.67 (df = 101, rate 250), from Boost's chi-square quantile
// (scipy.stats.chi2.isf(0.001, df) agrees). Both Boost.Random branches: inversion below 10, PTRD.
TEST(Poisson, SamplerFitsThePmf) {
  struct Case {
    double rate;
    int df;
  };
  for (const Case& c : {Case{3.7, 12}, Case{250, 101}}) {
    const auto d = make(("poisson(" + klest::format_number(c.rate) + ")").c_str());
    klest::Rng rng = klest::rng_for(20240611, {1});
    const klest::Samples s = d->sample(rng, 20000);
    for (double x : s.values()) ASSERT_TRUE(x >= 0 && std::floor(x) == x) << x;
    const boost::math::poisson_distribution<double> ref(c.rate);
    expect_pooled_chi_square_passes(s, [&](double k) { return boost::math::pdf(ref, k); }, c.df,
                                    d->spec());
    expect_mean_and_variance_given_kurtosis(s.values(), c.rate, c.rate, 3 + 1 / c.rate);
  }
}

TEST(Poisson, RejectsBadParameters) {
  expect_rejected("poisson(rate=-1)", "distribution 'poisson': parameter 'rate' is -1");
  expect_rejected("poisson(0)", "parameter 'rate' is 0");
  expect_rejected("poisson(inf)", "parameter 'rate' is inf");
  expect_rejected("poisson()", "parameter 'rate' is required");
}

TEST(Poisson, SpecRoundTrip) {
  expect_canonical_spec_round_trips("poisson(2.5)", "poisson(rate=2.5)");
}

// Reference values: mpmath 1.2.1, mp.dps = 30, the series summed directly:
//   pois = lambda k, l: exp(k*log(l) - l - loggamma(k+1))
//   nsum(lambda k: pois(k,a)*log(pois(k,a)/pois(k,b)), [0, inf])
// with (a, b) = (2, 5) and (30, mpf('17.5')).
TEST(Poisson, ClosedFormMatchesSummationAndMpmath) {
  struct Case {
    const char *p, *q;
    double reference;
  };
  for (const Case& c : {Case{"poisson(2)", "poisson(5)", 1.16741853625168986963294557646},
                        Case{"poisson(30)", "poisson(17.5)", 3.66989502198061015373070209187}}) {
    expect_closed_form_matches_summation(c.p, c.q, c.reference);
  }
}

// Nearly equal rates: the value, about (l1 - l2)^2/(2 l2), must not drown in cancellation.
// Reference: mpmath, mp.dps = 40, a = mpf(10.0); b = mpf(10.000001) (the double's exact value):
//   a*log(a/b) + b - a
TEST(Poisson, ClosedFormIsAccurateForNearlyEqualRates) {
  const auto p = make("poisson(10)"), q = make("poisson(10.000001)");
  const double reference = 4.999999659182687890651576949602706720472e-14;
  EXPECT_NEAR(klest::true_kl(*p, *q).value, reference, 1e-12 * reference);
}

}  // namespace

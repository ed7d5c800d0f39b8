// Tests of the geometric family and its closed form geometric||geometric.

#include <algorithm>
#include <cmath>
#include <string>

#include <boost/math/distributions/geometric.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

using ::testing::ElementsAre;

TEST(Geometric, LogDensityMatchesBoost) {
  for (double p : {1e-6, 0.02, 0.3, 0.9, 0.999, 1.0}) {
    const auto d = make(("geometric(" + klest::format_number(p) + ")").c_str());
    // long double: an independent and more precise reference, also where a double underflows.
    const boost::math::geometric_distribution<long double> ref(p);
    for (double k : {0.0, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0, 1e5, 1e7, 1e9}) {
      const long double pdf = boost::math::pdf(ref, (long double)k);
      // Where even a long double underflows, log p + k log(1 - p) by hand.
      const long double lp = p, by_hand = p == 1 ? (k == 0 ? 0.0L : -INFINITY)
                                                  : std::log(lp) + k * std::log1p(-lp);
      const double expected = double(pdf > 0 ? std::log(pdf) : by_hand);
      const double got = d->log_density({&k, 1});
      if (expected == -INFINITY) {
        EXPECT_EQ(got, -INFINITY) << "p " << p << ", k " << k;
      } else {
        EXPECT_LT(mixed_error(got, expected), 1e-12) << "p " << p << ", k " << k;
      }
    }
  }
}

TEST(Geometric, LogDensityIsMinusInfinityOffTheIntegers) {
  const auto d = make("geometric(0.25)");
  for (double x : {-1.0, -0.5, 0.5, 2.25, double(INFINITY), -double(INFINITY)}) {
    EXPECT_EQ(d->log_density({&x, 1}), -INFINITY) << x;
  }
}

TEST(Geometric, SupportLandmarksAndScale) {
  const auto d = make("geometric(0.2)");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  expect_support(*d, 0, INFINITY);
  EXPECT_THAT(d->landmarks(), ElementsAre(0.0));
  EXPECT_DOUBLE_EQ(d->scale(), std::sqrt(0.8) / 0.2);
  // p = 1: the point mass at 0.
  const auto one = make("geometric(1)");
  EXPECT_EQ(one->support()[0].hi, 0);
  klest::Rng rng = klest::rng_for(5);
  const klest::Samples s = one->sample(rng, 50);
  for (double x : s.values()) EXPECT_EQ(x, 0);
}

// Chi-square goodness of fit on n = 20000 draws at a fixed seed, alpha = 0.001: critical values
// 46.80 (df = 21, p = 0.3) and 330.52 (df = 255, p = 0.02), from Boost's chi-square
// quantile (scipy.stats.chi2.isf agrees).
TEST(Geometric, SamplerFitsThePmf) {
  struct Case {
    double p;
    int df;
  };
  for (const Case& c : {Case{0.3, 21}, Case{0.02, 255}}) {
    const auto d = make(("geometric(" + klest::format_number(c.p) + ")").c_str());
    klest::Rng rng = klest::rng_for(20240611, {3});
    const klest::Samples s = d->sample(rng, 20000);
    for (double x : s.values()) ASSERT_TRUE(x >= 0 && std::floor(x) == x) << x;
    const boost::math::geometric_distribution<double> ref(c.p);
    expect_pooled_chi_square_passes(s, [&](double k) { return boost::math::pdf(ref, k); }, c.df,
                                    d->spec());
    expect_mean_and_variance_given_kurtosis(s.values(), (1 - c.p) / c.p, (1 - c.p) / (c.p * c.p),
                                            boost::math::kurtosis(ref));
  }
}

TEST(Geometric, RejectsBadParameters) {
  expect_rejected("geometric(p=0)", "distribution 'geometric': parameter 'p' is 0");
  expect_rejected("geometric(1.5)", "parameter 'p' is 1.5");
  expect_rejected("geometric(-0.2)", "parameter 'p' is -0.2");
  expect_rejected("geometric(1e-20)",
                  "distribution 'geometric': parameter 'p' is 1e-20, "
                  "but must give a mean (1 - p)/p <= 1e15 (it gives 1e+20)");
  expect_rejected("geometric()", "parameter 'p' is required");
}

TEST(Geometric, SpecRoundTrip) {
  expect_canonical_spec_round_trips("geometric(0.25)", "geometric(p=0.25)");
}

// Reference values: mpmath 1.2.1, mp.dps = 30, the series summed directly:
//   g = lambda k, p: p*(1-p)**k
//   nsum(lambda k: g(k,a)*log(g(k,a)/g(k,b)), [0, inf])
// with (a, b) = (mpf('0.3'), mpf('0.6')) and (mpf('0.85'), mpf('0.1')); and (by hand)
// -log(0.4) for the point mass geometric(1).
TEST(Geometric, ClosedFormMatchesSummationAndMpmath) {
  struct Case {
    const char *p, *q;
    double reference;
  };
  for (const Case& c :
       {Case{"geometric(0.3)", "geometric(0.6)", 0.612622991289374291881507713104},
        Case{"geometric(0.85)", "geometric(0.1)", 1.82387331598543753539480649199},
        Case{"geometric(1)", "geometric(0.4)", -std::log(0.4)}}) {
    expect_closed_form_matches_summation(c.p, c.q, c.reference);
  }
}

// Nearly equal p: the value, about 1e-13, must not drown in cancellation. Reference: mpmath,
// mp.dps = 40, a = mpf(0.3); b = mpf(0.3000001) (the doubles' exact values):
//   log(a/b) + (1-a)/a*log((1-a)/(1-b))   (nsum of the series agrees to 27 digits)
TEST(Geometric, ClosedFormIsAccurateForNearlyEqualP) {
  const auto p = make("geometric(0.3)"), q = make("geometric(0.3000001)");
  const double reference = 7.936506929154177319123902163594611090019e-14;
  EXPECT_NEAR(klest::true_kl(*p, *q).value, reference, 1e-12 * reference);
}

TEST(Geometric, PointMassQIsInfinite) {
  expect_infinite("geometric(0.5)", "geometric(1)", klest::TruthMethod::support);
}

}  // namespace

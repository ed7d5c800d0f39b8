// Tests of the half-normal family and its closed form half_normal||half_normal.

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/normal.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

// Boost has no half-normal: its density is twice the N(0, sd^2) density on [0, inf).
TEST(HalfNormal, LogDensityMatchesBoost) {
  for (double sd : {1e-3, 0.5, 1.0, 7.0, 1e6}) {
    const auto d = make("half_normal(sd=" + klest::format_number(sd) + ")");
    const boost::math::normal_distribution<double> ref(0, sd);
    for (double k : {0.0, 1e-8, 0.3, 1.0, 2.5, 6.0, 30.0}) {
      const double x = k * sd;
      const double want = std::log(2 * boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
    EXPECT_EQ(log_density(*d, -1e-300), -inf);
    EXPECT_EQ(log_density(*d, inf), -inf);
  }
}

TEST(HalfNormal, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against the cdf erf(x/(sd sqrt 2)), n = 20000, alpha = 0.001; mean sd sqrt(2/pi) and
  // variance sd^2 (1 - 2/pi) within 5 standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 5;
  for (double sd : {0.01, 1.0, 300.0}) {
    const auto d = make("half_normal(" + klest::format_number(sd) + ")");
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x >= 0 && x < inf; }));
    expect_ks_passes(xs, [&](double x) { return std::erf(x / (sd * std::sqrt(2.0))); },
                     d->spec());
    expect_mean_and_variance(xs, sd * std::sqrt(2 / M_PI), sd * sd * (1 - 2 / M_PI), d->spec());
  }
}

TEST(HalfNormal, SupportTailsSpecAndBadParameters) {
  expect_canonical_spec_round_trips("half_normal(2)", "half_normal(sd=2)");
  const auto d = make("half_normal(2)");
  expect_support(*d, 0, inf);
  EXPECT_EQ(d->tails().first.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::exp_power);
  expect_rejected("half_normal(sd=0)", "distribution 'half_normal': parameter 'sd' is 0");
  expect_rejected("half_normal(sd=-1)", "parameter 'sd' is -1");
}

// Reference values: mpmath quadrature at 30 digits of p log(p/q) with
//   hn = lambda s: (lambda x: sqrt(2/pi)/s*exp(-x*x/(2*s*s)))
// over [0, 2, inf] and [0, 1, inf].
TEST(HalfNormal, ClosedFormHalfNormalHalfNormal) {
  expect_closed_form("half_normal(2)", "half_normal(0.5)", 6.11370563888010938116553575708);
  expect_closed_form("half_normal(0.7)", "half_normal(1.3)", 0.264009622607406862900797420016);
  // A normal puts mass below 0, where a half-normal has none.
  const auto t = klest::true_kl(*make("normal(0, 1)"), *make("half_normal(1)"));
  EXPECT_EQ(t.value, inf);
  EXPECT_EQ(t.method, klest::TruthMethod::support);
}

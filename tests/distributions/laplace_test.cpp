// Tests of the Laplace family (location, SCALE) and its closed forms laplace||laplace,
// laplace||normal and normal||laplace.

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/math/distributions/laplace.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Laplace, LogDensityMatchesBoost) {
  for (auto [loc, scale] : {std::pair{0.0, 1.0}, {-2.5, 0.3}, {1e3, 40.0}}) {
    const auto d = make("laplace(loc=" + klest::format_number(loc) +
                        ", scale=" + klest::format_number(scale) + ")");
    const boost::math::laplace_distribution<double> ref(loc, scale);
    for (double z : {-600.0, -40.0, -3.0, -0.5, 0.0, 1e-9, 0.5, 2.0, 40.0, 600.0}) {
      const double x = loc + z * scale;
      const double want = std::log(boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(Laplace, LogDensityFarOut) {
  const auto d = make("laplace(1, 2)");
  EXPECT_DOUBLE_EQ(log_density(*d, 1e6), -std::log(4.0) - (1e6 - 1) / 2);
  EXPECT_DOUBLE_EQ(log_density(*d, -1e6), -std::log(4.0) - (1e6 + 1) / 2);
  EXPECT_EQ(log_density(*d, inf), -inf);
  EXPECT_EQ(log_density(*d, -inf), -inf);
}

TEST(Laplace, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against Boost's cdf, n = 20000: the alpha = 0.001 critical value is 1.95/sqrt(n).
  // Mean and variance (2 scale^2) within 5 standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 51;
  for (auto [loc, scale] : {std::pair{0.0, 1.0}, {-2.5, 0.3}, {7.0, 12.0}}) {
    const auto d =
        make("laplace(" + klest::format_number(loc) + ", " + klest::format_number(scale) + ")");
    const boost::math::laplace_distribution<double> ref(loc, scale);
    const auto xs = draw(*d, n, seed++);
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    expect_mean_and_variance(xs, loc, 2 * scale * scale, d->spec());
  }
}

TEST(Laplace, SupportTailsAndSpec) {
  expect_canonical_spec_round_trips("laplace(1, 2)", "laplace(loc=1, scale=2)");
  expect_canonical_spec("laplace", "laplace(loc=0, scale=1)");
  const auto d = make("laplace(1, 2)");
  expect_support(*d, -inf, inf);
  const auto [left, right] = d->tails();
  for (const klest::Tail& t : {left, right}) {
    EXPECT_EQ(t.kind, klest::Tail::Kind::exp_power);
    EXPECT_EQ(t.rate, 1);
    EXPECT_EQ(t.coef, 0.5);
  }
  EXPECT_THAT(d->landmarks(), ::testing::Contains(1.0));  // the kink
}

TEST(Laplace, RejectsBadParameters) {
  expect_rejected("laplace(scale=-1)", "distribution 'laplace': parameter 'scale' is -1");
  expect_rejected("laplace(0, 0)", "parameter 'scale' is 0");
  expect_rejected("laplace(loc=inf)", "distribution 'laplace': parameter 'loc' is inf");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Laplace, ClosedFormLaplaceLaplace) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; la=lambda m,b: (lambda x: exp(-abs(x-m)/b)/(2*b)); p=la(mpf(0),mpf(1)); q=la(mpf(1.5),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 0, 1.5, inf]))"
  expect_closed_form("laplace(0, 1)", "laplace(1.5, 2)", 0.55471226063416022388387235684);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; la=lambda m,b: (lambda x: exp(-abs(x-m)/b)/(2*b)); p=la(mpf(-1),mpf(0.5)); q=la(mpf(0.3),mpf(0.25)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, -1, 0.3, inf]))"
  expect_closed_form("laplace(-1, 0.5)", "laplace(0.3, 0.25)", 3.65539997586872241032867750007);
  const auto p = make("laplace(2, 3)");
  EXPECT_EQ(klest::true_kl(*p, *p).value, 0);
  // A tiny shift: y + expm1(-y) = y^2/2 - y^3/6 + ... must not cancel. The formula at 60 digits:
  //   /usr/bin/python3 -c "from mpmath import *; mp.dps=60; d=mpf(1e-8); print(d+exp(-d)-1)"
  EXPECT_NEAR(klest::true_kl(*make("laplace(0, 1)"), *make("laplace(1e-8, 1)")).value,
              4.9999999833333336e-17, 1e-30);
}

TEST(Laplace, ClosedFormLaplaceNormal) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; la=lambda m,b: (lambda x: exp(-abs(x-m)/b)/(2*b)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=la(mpf(0.5),mpf(1.2)); q=n(mpf(0),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 0.5, inf]))"
  expect_closed_form("laplace(0.5, 1.2)", "normal(0, 2)", 0.127866976410718125930693274419);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; la=lambda m,b: (lambda x: exp(-abs(x-m)/b)/(2*b)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=la(mpf(-1),mpf(0.3)); q=n(mpf(1),mpf(0.8)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, -1, inf]))"
  expect_closed_form("laplace(-1, 0.3)", "normal(1, 0.8)", 3.47224560565645338877258679282);
}

TEST(Laplace, ClosedFormNormalLaplace) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; la=lambda m,b: (lambda x: exp(-abs(x-m)/b)/(2*b)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=n(mpf(0),mpf(1)); q=la(mpf(0),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 0, inf]))"
  expect_closed_form("normal(0, 1)", "laplace(0, 1)", 0.0720932081581379235167945049213);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; la=lambda m,b: (lambda x: exp(-abs(x-m)/b)/(2*b)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=n(mpf(1.5),mpf(0.7)); q=la(mpf(-0.5),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, -0.5, 1.5, inf]))"
  expect_closed_form("normal(1.5, 0.7)", "laplace(-0.5, 2)", 1.32446990752643892662046057252);
  // At equal centres it reduces to log(2b/sd) - log(2 pi e)/2 + (sd/b) sqrt(2/pi).
  const auto p = make("normal(3, 0.5)"), q = make("laplace(3, 0.8)");
  const double pi = 3.14159265358979323846;
  EXPECT_NEAR(klest::true_kl(*p, *q).value,
              std::log(2 * 0.8 / 0.5) - 0.5 * std::log(2 * pi * std::exp(1.0)) +
                  (0.5 / 0.8) * std::sqrt(2 / pi),
              1e-14);
}

// Tests of the exponential family (RATE) and its closed forms exponential||exponential,
// exponential||gamma and exponential||normal.

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/math/distributions/exponential.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Exponential, LogDensityMatchesBoost) {
  for (double rate : {0.01, 0.5, 1.0, 3.0, 250.0}) {
    const auto d = make("exponential(rate=" + klest::format_number(rate) + ")");
    const boost::math::exponential_distribution<double> ref(rate);  // Boost: rate too
    for (double k : {0.0, 1e-8, 0.1, 0.5, 1.0, 2.0, 7.0, 30.0, 200.0}) {
      const double x = k / rate;
      const double want = std::log(boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(Exponential, LogDensityOutsideTheSupportAndFarOut) {
  const auto d = make("exponential(2)");
  EXPECT_EQ(log_density(*d, -1e-300), -inf);
  EXPECT_EQ(log_density(*d, -inf), -inf);
  EXPECT_EQ(log_density(*d, inf), -inf);
  EXPECT_DOUBLE_EQ(log_density(*d, 0.0), std::log(2.0));
  EXPECT_DOUBLE_EQ(log_density(*d, 1e6), std::log(2.0) - 2e6);  // the density itself underflows
}

TEST(Exponential, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against Boost's cdf, n = 20000: the alpha = 0.001 critical value is 1.95/sqrt(n).
  // Mean and variance within 5 standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 21;
  for (double rate : {0.2, 1.0, 40.0}) {
    const auto d = make("exponential(" + klest::format_number(rate) + ")");
    const boost::math::exponential_distribution<double> ref(rate);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x >= 0 && x < inf; }));
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    const double mean = 1 / rate;
    expect_mean_and_variance(xs, mean, mean * mean, d->spec());
  }
}

TEST(Exponential, SupportTailsAndSpec) {
  expect_canonical_spec_round_trips("exponential(4)", "exponential(rate=4)");
  expect_canonical_spec("exponential", "exponential(rate=1)");
  const auto d = make("exponential(4)");
  expect_support(*d, 0, inf);
  const auto [left, right] = d->tails();
  EXPECT_EQ(left.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(right.kind, klest::Tail::Kind::exp_power);
  EXPECT_EQ(right.rate, 1);
  EXPECT_EQ(right.coef, 4);
}

TEST(Exponential, RejectsBadParameters) {
  expect_rejected("exponential(rate=-1)", "distribution 'exponential': parameter 'rate' is -1");
  expect_rejected("exponential(0)", "parameter 'rate' is 0");
  expect_rejected("exponential(inf)", "parameter 'rate' is inf");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Exponential, ClosedFormExponentialExponential) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: 2*exp(-2*x); q=lambda x: mpf(0.5)*exp(-x/2); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, inf]))"
  expect_closed_form("exponential(2)", "exponential(0.5)", 0.636294361119890618834464242916);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: mpf(0.7)*exp(-mpf(0.7)*x); q=lambda x: mpf(1.3)*exp(-mpf(1.3)*x); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, inf]))"
  expect_closed_form("exponential(0.7)", "exponential(1.3)", 0.238103648736633795567885995767);
  // Near equal rates the value is O(eps^2) and must not be lost to cancellation:
  // r - 1 - log r with r = 1 + 1e-6 is 5e-13 - 3.33e-19 + ...
  const auto p = make("exponential(1)"), q = make("exponential(1.000001)");
  const double near = klest::true_kl(*p, *q).value;
  const double r = 1.000001;  // the double nearest, as parsed
  EXPECT_NEAR(near, (r - 1) * (r - 1) / 2 - (r - 1) * (r - 1) * (r - 1) / 3, 1e-24);
}

TEST(Exponential, ClosedFormExponentialGamma) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=ex(mpf(2)); q=g(mpf(2),mpf(3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("exponential(2)", "gamma(2, 3)", 0.266285448685204096650485859154);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=ex(mpf(0.5)); q=g(mpf(0.7),mpf(0.4)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("exponential(0.5)", "gamma(0.7, 0.4)", 0.0439030329811535094281408798064);
  // Gamma(1, l) is Exponential(l).
  const auto p = make("exponential(2)");
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: 2*exp(-2*x); q=lambda x: mpf(0.5)*exp(-x/2); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, inf]))"
  EXPECT_NEAR(klest::true_kl(*p, *make("gamma(1, 0.5)")).value, 0.636294361119890618834464242916,
              1e-14);
}

TEST(Exponential, ClosedFormExponentialNormal) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=ex(mpf(2)); q=n(mpf(0),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("exponential(2)", "normal(0, 1)", 0.862085713764618051197561857864);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=ex(mpf(0.5)); q=n(mpf(3),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 3, inf]))"
  expect_closed_form("exponential(0.5)", "normal(3, 2)", 0.543938533204672741780329736406);
}

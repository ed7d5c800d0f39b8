// Tests of the uniform family and its closed forms uniform||uniform, uniform||beta,
// uniform||exponential, uniform||gamma and uniform||normal.

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/math/distributions/uniform.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Uniform, LogDensityMatchesBoost) {
  for (auto [lo, hi] : {std::pair{0.0, 1.0}, {-3.0, 5.5}, {1e-3, 2e-3}, {-1e6, 1e6}}) {
    const auto d = make("uniform(low=" + klest::format_number(lo) +
                        ", high=" + klest::format_number(hi) + ")");
    const boost::math::uniform_distribution<double> ref(lo, hi);
    for (double t : {0.0, 1e-9, 0.25, 0.5, 0.999, 1.0}) {
      const double x = lo + t * (hi - lo);
      const double want = std::log(boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(Uniform, LogDensityOutsideTheSupport) {
  const auto d = make("uniform(-1, 2)");
  EXPECT_EQ(log_density(*d, std::nextafter(-1.0, -2.0)), -inf);
  EXPECT_EQ(log_density(*d, std::nextafter(2.0, 3.0)), -inf);
  EXPECT_EQ(log_density(*d, inf), -inf);
  EXPECT_EQ(log_density(*d, -inf), -inf);
  EXPECT_DOUBLE_EQ(log_density(*d, -1.0), -std::log(3.0));
  EXPECT_DOUBLE_EQ(log_density(*d, 2.0), -std::log(3.0));
}

TEST(Uniform, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against Boost's cdf, n = 20000: the alpha = 0.001 critical value is 1.95/sqrt(n).
  // Mean and variance within 5 standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 31;
  for (auto [lo, hi] : {std::pair{0.0, 1.0}, {-3.0, 5.5}, {100.0, 100.5}}) {
    const auto d =
        make("uniform(" + klest::format_number(lo) + ", " + klest::format_number(hi) + ")");
    const boost::math::uniform_distribution<double> ref(lo, hi);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [&](double x) { return x >= lo && x <= hi; }));
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    expect_mean_and_variance(xs, 0.5 * (lo + hi), (hi - lo) * (hi - lo) / 12, d->spec());
  }
}

TEST(Uniform, SupportTailsAndSpec) {
  expect_canonical_spec_round_trips("uniform(-1, 2)", "uniform(low=-1, high=2)");
  expect_canonical_spec("uniform", "uniform(low=0, high=1)");
  const auto d = make("uniform(-1, 2)");
  expect_support(*d, -1, 2);
  const auto [left, right] = d->tails();
  EXPECT_EQ(left.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(right.kind, klest::Tail::Kind::bounded);
}

TEST(Uniform, RejectsBadParameters) {
  expect_rejected("uniform(low=1, high=0)",
                  "distribution 'uniform': parameter 'high' is 0, but must be > low (1)");
  expect_rejected("uniform(2, 2)", "parameter 'high' is 2, but must be > low (2)");
  expect_rejected("uniform(low=-inf)", "distribution 'uniform': parameter 'low' is -inf");
  expect_rejected("uniform(0, high=inf)", "parameter 'high' is inf");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Uniform, ClosedFormUniformUniform) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: 1/mpf(1.5); q=lambda x: 1/mpf(3); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0.5, 2]))"
  expect_closed_form("uniform(0.5, 2)", "uniform(0, 3)", 0.693147180559945309417232121458);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: 1/mpf(1.25); q=lambda x: 1/mpf(7); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-1, 0.25]))"
  expect_closed_form("uniform(-1, 0.25)", "uniform(-2, 5)", 1.72276659774110354933905765313);
  // The canonical support mismatch, in both directions: derived as cross-entropy minus entropy,
  // KL = log((b2 - a2)/(b1 - a1)) when [a1, b1] lies inside [a2, b2], else +inf.
  const auto wide = make("uniform(0, 3)"), narrow = make("uniform(1, 2)");
  EXPECT_NEAR(klest::true_kl(*narrow, *wide).value, std::log(3.0), 1e-15);
  const klest::Truth t = klest::true_kl(*wide, *narrow);
  EXPECT_EQ(t.value, inf);
  EXPECT_EQ(t.method, klest::TruthMethod::support);
  EXPECT_EQ(klest::closed_form_kl(*wide, *narrow)->value, inf);
  EXPECT_EQ(klest::closed_form_kl(*make("uniform(1, 3.5)"), *wide)->value, inf);
  EXPECT_EQ(klest::true_kl(*wide, *wide).value, 0);
}

TEST(Uniform, ClosedFormUniformBeta) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(0.2),mpf(0.7)); q=be(mpf(2),mpf(5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0.2, 0.7]))"
  expect_closed_form("uniform(0.2, 0.7)", "beta(2, 5)", 0.686103553467071142128157646541);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(0),mpf(1)); q=be(mpf(0.5),mpf(0.5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1]))"
  expect_closed_form("uniform(0, 1)", "beta(0.5, 0.5)", 0.144729885849400174143427351353);
  // a narrow interval, where E log X comes from its series
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(0.4),mpf(0.41)); q=be(mpf(2),mpf(3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0.4, 0.41]))"
  expect_closed_form("uniform(0.4, 0.41)", "beta(2, 3)", 4.06256843806801497200258966156);
  const auto out = make("uniform(-0.1, 0.5)"), q = make("beta(2, 2)");
  EXPECT_EQ(klest::closed_form_kl(*out, *q)->value, inf);
  EXPECT_EQ(klest::closed_form_kl(*make("uniform(0.5, 1.5)"), *q)->value, inf);
  EXPECT_EQ(klest::true_kl(*out, *q).method, klest::TruthMethod::support);
}

TEST(Uniform, ClosedFormUniformExponential) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(0),mpf(2)); q=ex(mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 2]))"
  expect_closed_form("uniform(0, 2)", "exponential(1)", 0.306852819440054690582767878542);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(1),mpf(4)); q=ex(mpf(0.3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [1, 4]))"
  expect_closed_form("uniform(1, 4)", "exponential(0.3)", 0.855360515657826310479359519382);
  const auto out = make("uniform(-1, 1)"), q = make("exponential(1)");
  EXPECT_EQ(klest::closed_form_kl(*out, *q)->value, inf);
  EXPECT_EQ(klest::true_kl(*out, *q).method, klest::TruthMethod::support);
}

TEST(Uniform, ClosedFormUniformGamma) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(0),mpf(2)); q=g(mpf(0.5),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 2]))"
  expect_closed_form("uniform(0, 2)", "gamma(0.5, 1)", 0.725791352644727432363097614947);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(1),mpf(3)); q=g(mpf(3),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [1, 3]))"
  expect_closed_form("uniform(1, 3)", "gamma(3, 2)", 0.624721592315834997562567924858);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(2),mpf(2.1)); q=g(mpf(4),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [2, 2.1]))"
  expect_closed_form("uniform(2, 2.1)", "gamma(4, 1)", 3.99112267786804765521768170208);
  const auto out = make("uniform(-1, 1)"), q = make("gamma(2, 1)");
  EXPECT_EQ(klest::closed_form_kl(*out, *q)->value, inf);
  EXPECT_EQ(klest::true_kl(*out, *q).method, klest::TruthMethod::support);
}

TEST(Uniform, ClosedFormUniformNormal) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(0),mpf(1)); q=n(mpf(0),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1]))"
  expect_closed_form("uniform(0, 1)", "normal(0, 1)", 1.08560519987133940844699640307);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); u=lambda a,b: (lambda x: 1/(b-a)); p=u(mpf(-2),mpf(5)); q=n(mpf(1),mpf(3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-2, 5]))"
  expect_closed_form("uniform(-2, 5)", "normal(1, 3)", 0.312381413558209868810962970626);
}

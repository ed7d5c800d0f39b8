// Tests of the beta family and its closed forms beta||beta, beta||uniform, beta||exponential,
// beta||gamma and beta||normal.

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <boost/math/distributions/beta.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Beta, LogDensityMatchesBoost) {
  for (auto [a, b] : {std::pair{2.0, 5.0}, {0.5, 0.5}, {0.3, 2.5}, {1.0, 1.0}, {1.0, 3.0},
                      {30.0, 7.0}, {400.0, 600.0}}) {
    const auto d =
        make("beta(a=" + klest::format_number(a) + ", b=" + klest::format_number(b) + ")");
    const boost::math::beta_distribution<double> ref(a, b);
    for (double x : {1e-12, 1e-4, 0.01, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99, 1 - 1e-6}) {
      const double pdf = boost::math::pdf(ref, x);
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(Beta, LogDensityAtTheEndsAndOutside) {
  const auto d = make("beta(2, 3)");
  EXPECT_EQ(log_density(*d, -1e-300), -inf);
  EXPECT_EQ(log_density(*d, std::nextafter(1.0, 2.0)), -inf);
  EXPECT_EQ(log_density(*d, 0.0), -inf);
  EXPECT_EQ(log_density(*d, 1.0), -inf);
  EXPECT_EQ(log_density(*d, inf), -inf);
  const auto u = make("beta(0.5, 0.5)");
  EXPECT_EQ(log_density(*u, 0.0), inf);
  EXPECT_EQ(log_density(*u, 1.0), inf);
  // a = 1: the density at 0 is b; b = 1: at 1 it is a
  EXPECT_DOUBLE_EQ(log_density(*make("beta(1, 3)"), 0.0), std::log(3.0));
  EXPECT_DOUBLE_EQ(log_density(*make("beta(2.5, 1)"), 1.0), std::log(2.5));
  EXPECT_EQ(log_density(*make("beta(1, 3)"), 1.0), -inf);
  EXPECT_DOUBLE_EQ(log_density(*make("beta(1, 1)"), 0.0), 0.0);
}

TEST(Beta, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against Boost's cdf, n = 20000: the alpha = 0.001 critical value is 1.95/sqrt(n).
  // Mean and variance within 5 standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 41;
  for (auto [a, b] : {std::pair{2.0, 5.0}, {0.5, 0.5}, {0.2, 0.3}, {40.0, 15.0}}) {
    const auto d = make("beta(" + klest::format_number(a) + ", " + klest::format_number(b) + ")");
    const boost::math::beta_distribution<double> ref(a, b);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x > 0 && x < 1; }));
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    expect_mean_and_variance(xs, a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1)),
                             d->spec());
  }
}

TEST(Beta, TinyShapesStayInsideTheSupport) {
  const auto d = make("beta(0.02, 0.03)");
  for (double x : draw(*d, 5000, 4)) {
    ASSERT_GT(x, 0);
    ASSERT_LT(x, 1);
    ASSERT_TRUE(std::isfinite(log_density(*d, x)));
  }
}

TEST(Beta, SupportTailsAndSpec) {
  expect_canonical_spec_round_trips("beta(2, 3)", "beta(a=2, b=3)");
  const auto d = make("beta(2, 3)");
  expect_support(*d, 0, 1);
  const auto [left, right] = d->tails();
  EXPECT_EQ(left.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(right.kind, klest::Tail::Kind::bounded);
}

TEST(Beta, RejectsBadParameters) {
  expect_rejected("beta(a=-1, b=2)", "distribution 'beta': parameter 'a' is -1");
  expect_rejected("beta(2, 0)", "distribution 'beta': parameter 'b' is 0");
  expect_rejected("beta(2)", "parameter 'b' is required");
  expect_rejected("beta(inf, 2)", "parameter 'a' is inf");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Beta, ClosedFormBetaBeta) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); p=be(mpf(2),mpf(5)); q=be(mpf(3),mpf(1.5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.2, 1]))"
  expect_closed_form("beta(2, 5)", "beta(3, 1.5)", 1.68649242041107990864747453051);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); p=be(mpf(0.5),mpf(0.7)); q=be(mpf(2),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.5, 1]))"
  expect_closed_form("beta(0.5, 0.7)", "beta(2, 2)", 1.01161819969358506751791230688);
  const auto p = make("beta(0.3, 4)");
  EXPECT_NEAR(klest::true_kl(*p, *p).value, 0, 1e-15);
}

TEST(Beta, ClosedFormBetaUniform) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); u=lambda a,b: (lambda x: 1/(b-a)); p=be(mpf(2),mpf(5)); q=u(mpf(0),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.2, 1]))"
  expect_closed_form("beta(2, 5)", "uniform(0, 1)", 0.48453071499548870874657002494);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); u=lambda a,b: (lambda x: 1/(b-a)); p=be(mpf(0.5),mpf(3)); q=u(mpf(-1),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.5, 1]))"
  expect_closed_form("beta(0.5, 3)", "uniform(-1, 2)", 2.20666248977031936549064365284);
  // Derived as cross-entropy minus entropy: against U(low, high) the cross-entropy is
  // log(high - low), so against U(0, 1) the KL is minus the entropy, the same as against
  // Beta(1, 1)
  const auto p = make("beta(2, 5)");
  EXPECT_NEAR(klest::true_kl(*p, *make("uniform(0, 1)")).value,
              klest::true_kl(*p, *make("beta(1, 1)")).value, 1e-14);
  const auto short_q = make("uniform(0.2, 1)");
  EXPECT_EQ(klest::closed_form_kl(*p, *short_q)->value, inf);
  EXPECT_EQ(klest::closed_form_kl(*p, *make("uniform(-1, 0.99)"))->value, inf);
  const klest::Truth t = klest::true_kl(*p, *short_q);
  EXPECT_EQ(t.value, inf);
  EXPECT_EQ(t.method, klest::TruthMethod::support);
}

TEST(Beta, ClosedFormBetaExponential) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); ex=lambda r: (lambda x: r*exp(-r*x)); p=be(mpf(2),mpf(5)); q=ex(mpf(1.5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.2, 1]))"
  expect_closed_form("beta(2, 5)", "exponential(1.5)", 0.507637035458752898197128338047);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); ex=lambda r: (lambda x: r*exp(-r*x)); p=be(mpf(0.6),mpf(0.9)); q=ex(mpf(0.2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.5, 1]))"
  expect_closed_form("beta(0.6, 0.9)", "exponential(0.2)", 1.81403094453614682076454508617);
}

TEST(Beta, ClosedFormBetaGamma) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=be(mpf(2),mpf(5)); q=g(mpf(2),mpf(3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.2, 1]))"
  expect_closed_form("beta(2, 5)", "gamma(2, 3)", 0.594448994802126468813222408238);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=be(mpf(0.6),mpf(0.9)); q=g(mpf(0.5),mpf(1.2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.5, 1]))"
  expect_closed_form("beta(0.6, 0.9)", "gamma(0.5, 1.2)", 0.297242602693885749174225496671);
}

TEST(Beta, ClosedFormBetaNormal) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=be(mpf(2),mpf(5)); q=n(mpf(0),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.2, 1]))"
  expect_closed_form("beta(2, 5)", "normal(0, 1)", 1.45704067677159002195547118992);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; be=lambda a,b: (lambda x: x**(a-1)*(1-x)**(b-1)/beta(a,b)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=be(mpf(0.6),mpf(0.9)); q=n(mpf(1),mpf(0.3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 0.5, 1]))"
  expect_closed_form("beta(0.6, 0.9)", "normal(1, 0.3)", 2.37289209431411682528397685711);
}

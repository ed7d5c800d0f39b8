// Tests of the Cauchy family (location, scale) and its closed form cauchy||cauchy
// (Chyzak & Nielsen 2019).

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/math/distributions/cauchy.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Cauchy, LogDensityMatchesBoost) {
  for (auto [loc, scale] : {std::pair{0.0, 1.0}, {-2.5, 0.3}, {1e3, 40.0}}) {
    const auto d = make("cauchy(loc=" + klest::format_number(loc) +
                        ", scale=" + klest::format_number(scale) + ")");
    const boost::math::cauchy_distribution<double> ref(loc, scale);
    for (double z : {-1e8, -300.0, -3.0, -0.5, 0.0, 1e-9, 0.5, 2.0, 40.0, 1e6}) {
      const double x = loc + z * scale;
      const double want = std::log(boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(Cauchy, LogDensityFarOut) {
  // z^2 overflows a double beyond 1e154; the log density must not.
  const auto d = make("cauchy(0, 1)");
  const double pi = 3.14159265358979323846;
  EXPECT_NEAR(log_density(*d, 1e200), -std::log(pi) - 2 * std::log(1e200), 1e-12);
  EXPECT_NEAR(log_density(*d, -1e300), -std::log(pi) - 2 * std::log(1e300), 1e-12);
  EXPECT_EQ(log_density(*d, inf), -inf);
}

TEST(Cauchy, SamplerPassesKolmogorovSmirnovAndQuartiles) {
  // KS against Boost's cdf, n = 20000: the alpha = 0.001 critical value is 1.95/sqrt(n).
  // No moments exist: the fractions below loc and within loc -+ scale (both 1/2) are checked
  // within 5 standard errors instead.
  const std::size_t n = 20000;
  std::uint64_t seed = 61;
  for (auto [loc, scale] : {std::pair{0.0, 1.0}, {-2.5, 0.3}, {7.0, 12.0}}) {
    const auto d =
        make("cauchy(" + klest::format_number(loc) + ", " + klest::format_number(scale) + ")");
    const boost::math::cauchy_distribution<double> ref(loc, scale);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); }));
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    expect_moment(xs, [loc](double x) { return x < loc ? 1.0 : 0.0; }, 0.5, d->spec() + " median");
    expect_moment(xs, [loc, scale](double x) { return std::fabs(x - loc) < scale ? 1.0 : 0.0; },
                  0.5, d->spec() + " quartiles");
  }
}

TEST(Cauchy, SupportTailsAndSpec) {
  expect_canonical_spec_round_trips("cauchy(1, 2)", "cauchy(loc=1, scale=2)");
  expect_canonical_spec("cauchy", "cauchy(loc=0, scale=1)");
  const auto d = make("cauchy(1, 2)");
  expect_support(*d, -inf, inf);
  const auto [left, right] = d->tails();
  for (const klest::Tail& t : {left, right}) {
    EXPECT_EQ(t.kind, klest::Tail::Kind::power);
    EXPECT_EQ(t.rate, 1);
  }
}

TEST(Cauchy, RejectsBadParameters) {
  expect_rejected("cauchy(scale=-1)", "distribution 'cauchy': parameter 'scale' is -1");
  expect_rejected("cauchy(0, 0)", "parameter 'scale' is 0");
  expect_rejected("cauchy(loc=-inf)", "distribution 'cauchy': parameter 'loc' is -inf");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Cauchy, ClosedFormCauchyCauchy) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ca=lambda l,s: (lambda x: 1/(pi*s*(1+((x-l)/s)**2))); p=ca(mpf(0),mpf(1)); q=ca(mpf(2),mpf(3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 0, 2, inf]))"
  expect_closed_form("cauchy(0, 1)", "cauchy(2, 3)", 0.510825623765990683205514096304);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ca=lambda l,s: (lambda x: 1/(pi*s*(1+((x-l)/s)**2))); p=ca(mpf(-1),mpf(0.5)); q=ca(mpf(1),mpf(0.5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, -1, 1, inf]))"
  expect_closed_form("cauchy(-1, 0.5)", "cauchy(1, 0.5)", 1.60943791243410037460075933323);
  // Symmetric in P and Q: KL = log(((s1 + s2)^2 + (l1 - l2)^2) / (4 s1 s2)) (Chyzak & Nielsen,
  // "A closed-form formula for the Kullback-Leibler divergence between Cauchy distributions",
  // arXiv:1905.10965, 2019).
  const auto p = make("cauchy(0.3, 0.7)"), q = make("cauchy(-4, 5)");
  EXPECT_DOUBLE_EQ(klest::true_kl(*p, *q).value, klest::true_kl(*q, *p).value);
  // Near-equal parameters: log1p keeps the O(eps^2) value, ((ds)^2 + (dl)^2)/(4 s1 s2).
  const auto a = make("cauchy(0, 1)"), b = make("cauchy(1e-7, 1)");
  EXPECT_NEAR(klest::true_kl(*a, *b).value, 1e-14 / 4, 1e-26);
  EXPECT_EQ(klest::true_kl(*a, *a).value, 0);
}

TEST(Cauchy, AgainstLighterTailsIsInfinite) {
  // Derived as cross-entropy minus entropy: the cross-entropy against a normal holds
  // E_Cauchy[x^2], against a Laplace E_Cauchy|x|, and both diverge.
  const auto p = make("cauchy(0, 1)");
  for (const char* q : {"normal(0, 1)", "laplace(0, 1)"}) {
    const klest::Truth t = klest::true_kl(*p, *make(q));
    EXPECT_EQ(t.value, inf) << q;
    EXPECT_EQ(t.method, klest::TruthMethod::tails) << q;
  }
}

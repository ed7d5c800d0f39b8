// Tests of the Weibull family and its closed forms weibull||weibull and weibull||gamma.

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/weibull.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Weibull, LogDensityMatchesBoost) {
  for (auto spec : {"weibull(1, 1)", "weibull(2.5, 1.5)", "weibull(0.6, 0.5)", "weibull(7, 30)"}) {
    const auto d = make(spec);
    const boost::math::weibull_distribution<double> ref(d->params().get<double>("shape"),
                                                        d->params().get<double>("scale"));
    const double scale = d->params().get<double>("scale");
    for (double t : {1e-8, 1e-3, 0.1, 0.5, 0.9, 1.0, 1.3, 2.0, 3.5, 6.0}) {
      const double x = scale * t;
      const double pdf = boost::math::pdf(ref, x);
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << spec << " at " << x;
    }
  }
}

TEST(Weibull, LogDensityAtZeroOutsideAndExtremes) {
  EXPECT_EQ(log_density(*make("weibull(0.5, 2)"), 0.0), inf);  // singular at 0 for k < 1
  EXPECT_DOUBLE_EQ(log_density(*make("weibull(1, 2)"), 0.0), -std::log(2.0));
  EXPECT_EQ(log_density(*make("weibull(2, 2)"), 0.0), -inf);
  for (auto spec : {"weibull(0.5, 2)", "weibull(1, 2)", "weibull(3, 2)"}) {
    const auto d = make(spec);
    EXPECT_EQ(log_density(*d, -1e-300), -inf) << spec;
    EXPECT_EQ(log_density(*d, -inf), -inf) << spec;
    for (double x : {4.9e-324, 1e-300, 1e300, 1.7e308}) {
      EXPECT_FALSE(std::isnan(log_density(*d, x))) << spec << " at " << x;
    }
  }
}

// KS against Boost's cdf, n = 20000, alpha = 0.001 critical value 1.95/sqrt(n); mean and
// variance within 5 standard errors.
TEST(Weibull, SamplerMatchesDistribution) {
  constexpr std::size_t n = 20000;
  for (auto spec : {"weibull(1.7, 2)", "weibull(0.6, 1)", "weibull(5, 0.3)"}) {
    const auto d = make(spec);
    const boost::math::weibull_distribution<double> ref(d->params().get<double>("shape"),
                                                        d->params().get<double>("scale"));
    const auto xs = draw(*d, n, 21);
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, spec);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x >= 0; }));
  }
  const boost::math::weibull_distribution<double> ref(1.7, 2);
  const auto xs = draw(*make("weibull(1.7, 2)"), n, 22);
  expect_mean_and_variance(xs, boost::math::mean(ref), boost::math::variance(ref),
                           "weibull(1.7, 2)");
}

TEST(Weibull, RejectsBadParameters) {
  expect_rejected("weibull(shape=-1)", "distribution 'weibull'", "parameter 'shape'");
  expect_rejected("weibull(2, scale=0)", "distribution 'weibull'", "parameter 'scale'");
  expect_rejected("weibull", "distribution 'weibull'", "'shape' is required");
}

TEST(Weibull, SpecRoundTrip) {
  expect_canonical_spec_round_trips("weibull(2.5, 1.5)", "weibull(shape=2.5, scale=1.5)");
  expect_canonical_spec("weibull(shape=3)", "weibull(shape=3, scale=1)");
}

TEST(Weibull, SupportAndTails) {
  const auto d = make("weibull(2, 3)");
  expect_support(*d, 0, inf);
  EXPECT_EQ(d->tails().first.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::exp_power);
  EXPECT_EQ(d->tails().second.rate, 2);
  EXPECT_DOUBLE_EQ(d->tails().second.coef, 1.0 / 9);
  // P reaches below 0 where a weibull Q has no mass.
  EXPECT_EQ(klest::true_kl(*make("normal(3, 1)"), *d).method, klest::TruthMethod::support);
}

TEST(Weibull, WeibullClosedFormMatchesQuadrature) {
  expect_closed_form_matches_quadrature("weibull(2.5, 1.5)", "weibull(0.7, 2)", 1e-9);
  expect_closed_form_matches_quadrature("weibull(0.6, 0.5)", "weibull(1.3, 0.9)", 1e-9);
  expect_closed_form_matches_quadrature("weibull(3, 1)", "weibull(3, 1.4)", 1e-9);
}

TEST(Weibull, WeibullClosedFormMatchesReferences) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lw=lambda k,l: (lambda x: log(k/l)+(k-1)*log(x/l)-(x/l)**k); a=lw(2.5,1.5); b=lw(0.7,2); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  EXPECT_NEAR(closed_kl("weibull(2.5, 1.5)", "weibull(0.7, 2)"), 0.795178668263141175471125597841,
              1e-12);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lw=lambda k,l: (lambda x: log(k/l)+(k-1)*log(x/l)-(x/l)**k); a=lw(0.6,0.5); b=lw(1.3,0.9); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  EXPECT_NEAR(closed_kl("weibull(0.6, 0.5)", "weibull(1.3, 0.9)"),
              0.756548713244054287838258482899, 1e-12);
  // Common shape k: Bauckhage's weibull||weibull formula ("Computing the Kullback-Leibler
  // divergence between two Weibull distributions", arXiv:1310.3713, 2013) reduces to
  // k log(l2/l1) + (l1/l2)^k - 1.
  EXPECT_NEAR(closed_kl("weibull(2, 1)", "weibull(2, 3)"), 2 * std::log(3.0) + 1.0 / 9 - 1, 1e-14);
  // Shape 1 is the exponential with rate 1/scale: log(r1/r2) + r2/r1 - 1 with r1 = 1/2, r2 = 2.
  EXPECT_NEAR(closed_kl("weibull(1, 2)", "weibull(1, 0.5)"), 3 - std::log(4.0), 1e-14);
  EXPECT_EQ(closed_kl("weibull(1.3, 0.7)", "weibull(1.3, 0.7)"), 0);
}

TEST(Weibull, GammaClosedFormMatchesQuadrature) {
  expect_closed_form_matches_quadrature("weibull(1.7, 0.8)", "gamma(2.5, 1.5)", 1e-9);
  expect_closed_form_matches_quadrature("weibull(0.8, 3)", "gamma(0.7, 0.2)", 1e-9);
  expect_closed_form_matches_quadrature("weibull(4, 2)", "gamma(6, 3)", 1e-9);
}

TEST(Weibull, GammaClosedFormMatchesReferences) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: log(1.7/0.8)+0.7*log(x/0.8)-(x/0.8)**1.7; b=lambda x: 2.5*log(1.5)-loggamma(2.5)+1.5*log(x)-1.5*x; print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  EXPECT_NEAR(closed_kl("weibull(1.7, 0.8)", "gamma(2.5, 1.5)"), 0.701831533679525207830020696761,
              1e-12);
  // weibull(1, 2) and gamma(1, rate 0.5) are the same exponential distribution.
  EXPECT_NEAR(closed_kl("weibull(1, 2)", "gamma(1, 0.5)"), 0, 1e-15);
}

// Tests of the Pareto family and its closed forms pareto||pareto, pareto||exponential,
// pareto||gamma, pareto||normal and uniform||pareto.

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/pareto.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Pareto, LogDensityMatchesBoost) {
  for (auto spec : {"pareto(1, 3)", "pareto(2, 0.5)", "pareto(0.01, 12)", "pareto(1e4, 1.5)"}) {
    const auto d = make(spec);
    const double xm = d->params().get<double>("scale");
    const boost::math::pareto_distribution<double> ref(xm, d->params().get<double>("shape"));
    for (double t : {1.0, 1.0001, 1.5, 3.0, 10.0, 1e3, 1e6, 1e20}) {
      const double x = xm * t;
      const double pdf = boost::math::pdf(ref, x);
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << spec << " at " << x;
    }
  }
}

TEST(Pareto, LogDensityOutsideSupportAndExtremes) {
  const auto d = make("pareto(2, 3)");
  EXPECT_EQ(log_density(*d, std::nextafter(2.0, 0.0)), -inf);
  EXPECT_EQ(log_density(*d, 0.0), -inf);
  EXPECT_EQ(log_density(*d, -inf), -inf);
  EXPECT_EQ(log_density(*d, inf), -inf);
  EXPECT_DOUBLE_EQ(log_density(*d, 2.0), std::log(1.5));  // alpha/x_m at the start
  EXPECT_FALSE(std::isnan(log_density(*d, 1.7e308)));
  EXPECT_FALSE(std::isnan(log_density(*make("pareto(1e-300, 2)"), 1e300)));
}

// KS against Boost's cdf, n = 20000, alpha = 0.001 critical value 1.95/sqrt(n); mean and
// variance within 5 standard errors (shape 9, so that the variance of (X - m)^2 is finite).
TEST(Pareto, SamplerMatchesDistribution) {
  constexpr std::size_t n = 20000;
  for (auto spec : {"pareto(1, 3)", "pareto(2, 0.8)", "pareto(0.5, 10)"}) {
    const auto d = make(spec);
    const double xm = d->params().get<double>("scale");
    const boost::math::pareto_distribution<double> ref(xm, d->params().get<double>("shape"));
    const auto xs = draw(*d, n, 41);
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, spec);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(),
                            [&](double x) { return x >= xm && std::isfinite(x); }));
  }
  const boost::math::pareto_distribution<double> ref(1.5, 9);
  const auto xs = draw(*make("pareto(1.5, 9)"), n, 42);
  expect_mean_and_variance(xs, boost::math::mean(ref), boost::math::variance(ref),
                           "pareto(1.5, 9)");
}

TEST(Pareto, RejectsBadParameters) {
  expect_rejected("pareto(shape=0)", "distribution 'pareto'", "parameter 'shape'");
  expect_rejected("pareto(scale=-2, shape=1)", "distribution 'pareto'", "parameter 'scale'");
  expect_rejected("pareto(scale=2)", "distribution 'pareto'", "'shape' is required");
}

TEST(Pareto, SpecRoundTrip) {
  expect_canonical_spec_round_trips("pareto(2, 3)", "pareto(scale=2, shape=3)");
  expect_canonical_spec("pareto(shape=1.5)", "pareto(scale=1, shape=1.5)");
}

TEST(Pareto, SupportAndTails) {
  const auto d = make("pareto(2, 3)");
  expect_support(*d, 2, inf);
  EXPECT_EQ(d->tails().first.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::power);
  EXPECT_EQ(d->tails().second.rate, 3);
  // E_P X^2 diverges for shape 1.9: no closed form needed to see that KL(P || logistic) is
  // finite but KL(P || normal) is not.
  EXPECT_EQ(klest::true_kl(*make("pareto(1, 1.9)"), *make("normal(0, 1)")).method,
            klest::TruthMethod::tails);
  const klest::Truth t = klest::true_kl(*make("pareto(1, 1.9)"), *make("logistic(0, 1)"));
  EXPECT_TRUE(std::isfinite(t.value));
  EXPECT_EQ(t.method, klest::TruthMethod::quadrature);
}

TEST(Pareto, ParetoClosedFormMatchesQuadrature) {
  expect_closed_form_matches_quadrature("pareto(2, 3)", "pareto(1.5, 2.5)", 1e-9);
  expect_closed_form_matches_quadrature("pareto(1, 1.5)", "pareto(1, 4)", 1e-9);
  expect_closed_form_matches_quadrature("pareto(1.5, 0.7)", "pareto(1, 0.9)", 1e-9);
}

TEST(Pareto, ParetoClosedFormMatchesReferencesAndInfinity) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lp=lambda xm,a: (lambda x: log(a)+a*log(xm)-(a+1)*log(x)); a=lp(2,3); b=lp(1.5,2.5); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [2,inf]))"
  const double reference = 0.734860071256740278143098873472;
  EXPECT_NEAR(closed_kl("pareto(2, 3)", "pareto(1.5, 2.5)"), reference, 1e-12 * reference);
  // A common x_m is the exponential case: log(X/x_m) is exponential with rate a, and the KL is
  // invariant under that common one-to-one map (Kullback & Leibler 1951, Ann. Math. Statist.
  // 22; Kullback 1959, Information Theory and Statistics), so it is the exponential||exponential
  // value log(a1/a2) + a2/a1 - 1.
  EXPECT_NEAR(closed_kl("pareto(1, 1.5)", "pareto(1, 4)"), std::log(1.5 / 4) + 4 / 1.5 - 1, 1e-14);
  // P starts below Q's x_m.
  expect_infinite("pareto(1, 3)", "pareto(2, 3)", klest::TruthMethod::support);
}

TEST(Pareto, ExponentialAndGammaPairsMatchQuadrature) {
  expect_closed_form_matches_quadrature("pareto(1.5, 3.5)", "exponential(0.7)", 1e-9);
  expect_closed_form_matches_quadrature("pareto(0.2, 1.5)", "exponential(3)", 1e-9);
  expect_closed_form_matches_quadrature("pareto(1.2, 2.5)", "gamma(2, 0.9)", 1e-9);
  expect_closed_form_matches_quadrature("pareto(3, 1.8)", "gamma(0.5, 0.1)", 1e-9);
}

TEST(Pareto, ExponentialAndGammaPairsMatchReferencesAndInfinity) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: log(3.5)+3.5*log(1.5)-4.5*log(x); b=lambda x: log(0.7)-0.7*x; print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [1.5,inf]))"
  const double pe = 1.3882585186116502485196135564;
  EXPECT_NEAR(closed_kl("pareto(1.5, 3.5)", "exponential(0.7)"), pe, 1e-12 * pe);
  // gamma(1, rate) is exponential(rate).
  EXPECT_NEAR(closed_kl("pareto(1.5, 3.5)", "gamma(1, 0.7)"), pe, 1e-12 * pe);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: log(2.5)+2.5*log(1.2)-3.5*log(x); b=lambda x: 2*log(0.9)-loggamma(2)+log(x)-0.9*x; print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [1.2,inf]))"
  const double pg = 0.762368649601898417682255400082;
  EXPECT_NEAR(closed_kl("pareto(1.2, 2.5)", "gamma(2, 0.9)"), pg, 1e-12 * pg);
  // E_P X diverges for shape <= 1.
  expect_infinite("pareto(1, 1)", "exponential(1)", klest::TruthMethod::tails);
  expect_infinite("pareto(2, 0.5)", "exponential(0.1)", klest::TruthMethod::tails);
  expect_infinite("pareto(1, 0.9)", "gamma(2, 1)", klest::TruthMethod::tails);
  expect_infinite("pareto(1, 1)", "gamma(0.5, 3)", klest::TruthMethod::tails);
}

TEST(Pareto, NormalPairMatchesQuadratureReferenceAndInfinity) {
  expect_closed_form_matches_quadrature("pareto(1, 4.5)", "normal(1, 2)", 1e-9);
  expect_closed_form_matches_quadrature("pareto(0.75, 2.5)", "normal(-1, 0.7)", 1e-9);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: log(4.5)-5.5*log(x); b=lambda x: -log(2)-log(2*pi)/2-((x-1)/2)**2/2; print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [1,inf]))"
  const double pn = 1.9225123168900984737771694166;
  EXPECT_NEAR(closed_kl("pareto(1, 4.5)", "normal(1, 2)"), pn, 1e-12 * pn);
  // E_P X^2 diverges for shape <= 2.
  expect_infinite("pareto(1, 2)", "normal(0, 1)", klest::TruthMethod::tails);
  expect_infinite("pareto(3, 1.5)", "normal(10, 100)", klest::TruthMethod::tails);
}

TEST(Pareto, UniformPairMatchesQuadratureReferenceAndInfinity) {
  expect_closed_form_matches_quadrature("uniform(1.5, 4)", "pareto(1.2, 2.5)", 1e-9);
  expect_closed_form_matches_quadrature("uniform(1, 1.001)", "pareto(1, 3)", 1e-9);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; b=lambda x: log(2.5)+2.5*log(1.2)-3.5*log(x); print(quad(lambda x: (-log(2.5)-b(x))/2.5, [1.5,4]))"
  const double up = 1.12338633951104565994140811686;
  EXPECT_NEAR(closed_kl("uniform(1.5, 4)", "pareto(1.2, 2.5)"), up, 1e-12 * up);
  // The uniform starts below x_m.
  expect_infinite("uniform(0.5, 2)", "pareto(1, 2)", klest::TruthMethod::support);
}

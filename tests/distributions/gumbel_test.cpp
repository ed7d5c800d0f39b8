// Tests of the Gumbel (maximum) family and its closed forms gumbel||gumbel, gumbel||normal,
// exponential||gumbel, gamma||gumbel, normal||gumbel and uniform||gumbel.

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/extreme_value.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Gumbel, LogDensityMatchesBoost) {
  for (auto spec : {"gumbel(0, 1)", "gumbel(0.5, 2)", "gumbel(-3, 0.25)", "gumbel(100, 40)"}) {
    const auto d = make(spec);
    const double mu = d->params().get<double>("loc"), beta = d->params().get<double>("scale");
    const boost::math::extreme_value_distribution<double> ref(mu, beta);
    for (double z : {-6.5, -4.0, -2.0, -1.0, -0.2, 0.0, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0}) {
      const double x = mu + beta * z;
      const double pdf = boost::math::pdf(ref, x);
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << spec << " at " << x;
    }
  }
}

TEST(Gumbel, LogDensityNeverNaN) {
  const auto d = make("gumbel(1, 2)");
  EXPECT_EQ(log_density(*d, -1e300), -inf);  // exp(-z) overflows
  EXPECT_EQ(log_density(*d, -inf), -inf);
  EXPECT_EQ(log_density(*d, inf), -inf);
  EXPECT_FALSE(std::isnan(log_density(*d, 1e300)));
  EXPECT_FALSE(std::isnan(log_density(*d, -1500)));
}

// KS against Boost's cdf, n = 20000, alpha = 0.001 critical value 1.95/sqrt(n); mean and
// variance within 5 standard errors.
TEST(Gumbel, SamplerMatchesDistribution) {
  constexpr std::size_t n = 20000;
  for (auto spec : {"gumbel(0, 1)", "gumbel(-3, 0.5)", "gumbel(2, 4)"}) {
    const auto d = make(spec);
    const boost::math::extreme_value_distribution<double> ref(d->params().get<double>("loc"),
                                                              d->params().get<double>("scale"));
    const auto xs = draw(*d, n, 31);
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, spec);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); }));
  }
  const boost::math::extreme_value_distribution<double> ref(2, 1.5);
  const auto xs = draw(*make("gumbel(2, 1.5)"), n, 32);
  expect_mean_and_variance(xs, boost::math::mean(ref), boost::math::variance(ref),
                           "gumbel(2, 1.5)");
}

TEST(Gumbel, RejectsBadParameters) {
  expect_rejected("gumbel(scale=-1)", "distribution 'gumbel'", "parameter 'scale'");
  expect_rejected("gumbel(loc=inf)", "distribution 'gumbel'", "parameter 'loc'");
}

TEST(Gumbel, SpecRoundTrip) {
  expect_canonical_spec_round_trips("gumbel(-1.5, 0.25)", "gumbel(loc=-1.5, scale=0.25)");
  expect_canonical_spec("gumbel", "gumbel(loc=0, scale=1)");
}

TEST(Gumbel, TailsDecideInfiniteCrossEntropy) {
  const auto d = make("gumbel(0, 2)");
  EXPECT_EQ(d->tails().first.kind, klest::Tail::Kind::double_exp);
  EXPECT_DOUBLE_EQ(d->tails().first.rate, 0.5);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::exp_power);
  EXPECT_EQ(d->tails().second.rate, 1);
  // -log q grows like exp(-x/beta) on the left: E_P exp(|X|) diverges for logistic(0, 2) but
  // not for logistic(0, 0.5) when Q = gumbel(0, 1).
  const klest::Truth heavy = klest::true_kl(*make("logistic(0, 2)"), *make("gumbel(0, 1)"));
  EXPECT_EQ(heavy.value, inf);
  EXPECT_EQ(heavy.method, klest::TruthMethod::tails);
  const klest::Truth light = klest::true_kl(*make("logistic(0, 0.5)"), *make("gumbel(0, 1)"));
  EXPECT_TRUE(std::isfinite(light.value));
  EXPECT_EQ(light.method, klest::TruthMethod::quadrature);
}

TEST(Gumbel, GumbelClosedFormMatchesQuadrature) {
  expect_closed_form_matches_quadrature("gumbel(0.5, 2)", "gumbel(-1, 0.7)", 1e-9);
  expect_closed_form_matches_quadrature("gumbel(3, 1)", "gumbel(2.5, 1.3)", 1e-9);
  expect_closed_form_matches_quadrature("gumbel(0, 1)", "gumbel(0, 3)", 1e-9);
}

TEST(Gumbel, GumbelClosedFormMatchesReference) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lg=lambda m,s: (lambda x: -log(s)-(x-m)/s-exp(-(x-m)/s)); a=lg(0.5,2); b=lg(-1,0.7); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-15,0.5,inf]))"
  const double reference = 1.7550220300837320531690172666;
  EXPECT_NEAR(closed_kl("gumbel(0.5, 2)", "gumbel(-1, 0.7)"), reference, 1e-12 * reference);
  EXPECT_NEAR(closed_kl("gumbel(0.5, 2)", "gumbel(0.5, 2)"), 0, 1e-15);
}

TEST(Gumbel, NormalPairsMatchQuadrature) {
  expect_closed_form_matches_quadrature("gumbel(1, 2)", "normal(-0.5, 3)", 1e-9);
  expect_closed_form_matches_quadrature("gumbel(-2, 0.5)", "normal(0, 1)", 1e-9);
  expect_closed_form_matches_quadrature("normal(0.5, 1.2)", "gumbel(-1, 2)", 1e-9);
  expect_closed_form_matches_quadrature("normal(-2, 0.4)", "gumbel(1, 1.5)", 1e-9);
}

TEST(Gumbel, NormalPairsMatchReferences) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: -log(2)-(x-1)/2-exp(-(x-1)/2); b=lambda x: -log(3)-log(2*pi)/2-((x+0.5)/3)**2/2; print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-20,1,inf]))"
  const double gn = 0.504173640413136352418621748038;
  EXPECT_NEAR(closed_kl("gumbel(1, 2)", "normal(-0.5, 3)"), gn, 1e-12 * gn);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: -log(1.2)-log(2*pi)/2-((x-0.5)/1.2)**2/2; b=lambda x: -log(2)-(x+1)/2-exp(-(x+1)/2); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-inf,0.5,inf]))"
  const double ng = 0.407412529260855068194015494869;
  EXPECT_NEAR(closed_kl("normal(0.5, 1.2)", "gumbel(-1, 2)"), ng, 1e-12 * ng);
}

TEST(Gumbel, ExponentialAndGammaPairsMatchQuadrature) {
  expect_closed_form_matches_quadrature("exponential(1.5)", "gumbel(0.5, 2)", 1e-9);
  expect_closed_form_matches_quadrature("exponential(0.3)", "gumbel(4, 5)", 1e-9);
  expect_closed_form_matches_quadrature("gamma(2.5, 0.8)", "gumbel(1, 3)", 1e-9);
  expect_closed_form_matches_quadrature("gamma(0.6, 2)", "gumbel(-0.5, 0.8)", 1e-9);
}

TEST(Gumbel, ExponentialAndGammaPairsMatchReferences) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: log(1.5)-1.5*x; b=lambda x: -log(2)-(x-0.5)/2-exp(-(x-0.5)/2); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  const double eg = 1.1449646845172491377836439963;
  EXPECT_NEAR(closed_kl("exponential(1.5)", "gumbel(0.5, 2)"), eg, 1e-12 * eg);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: 2.5*log(0.8)-loggamma(2.5)+1.5*log(x)-0.8*x; b=lambda x: -log(3)-(x-1)/3-exp(-(x-1)/3); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,2,inf]))"
  const double gg = 0.438100014906660766591201551627;
  EXPECT_NEAR(closed_kl("gamma(2.5, 0.8)", "gumbel(1, 3)"), gg, 1e-12 * gg);
  // gamma(1, rate) is exponential(rate).
  EXPECT_NEAR(closed_kl("gamma(1, 1.5)", "gumbel(0.5, 2)"), eg, 1e-12 * eg);
}

TEST(Gumbel, UniformPairMatchesQuadratureAndReference) {
  expect_closed_form_matches_quadrature("uniform(-1, 2.5)", "gumbel(0.3, 1.5)", 1e-9);
  expect_closed_form_matches_quadrature("uniform(2, 2.1)", "gumbel(0, 0.5)", 1e-9);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; b=lambda x: -log(1.5)-(x-0.3)/1.5-exp(-(x-0.3)/1.5); print(quad(lambda x: (-log(3.5)-b(x))/3.5, [-1,2.5]))"
  const double ug = 0.373391231463512841967004164564;
  EXPECT_NEAR(closed_kl("uniform(-1, 2.5)", "gumbel(0.3, 1.5)"), ug, 1e-12 * ug);
}

// Tests of the lognormal family and its closed form lognormal||lognormal.

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <boost/math/distributions/lognormal.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Lognormal, LogDensityMatchesBoost) {
  for (auto [mu, sigma] : {std::pair{0.0, 1.0}, {0.3, 0.8}, {-2.0, 0.1}, {5.0, 3.0}}) {
    const auto d = klest::make_distribution("lognormal(mu=" + std::to_string(mu) +
                                            ", sigma=" + std::to_string(sigma) + ")");
    const boost::math::lognormal_distribution<double> ref(d->params().get<double>("mu"),
                                                          d->params().get<double>("sigma"));
    for (double z : {-8.0, -4.0, -1.5, -0.3, 0.0, 0.7, 2.0, 5.0, 9.0}) {
      const double x = std::exp(mu + sigma * z);
      const double want = std::log(boost::math::pdf(ref, x));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(Lognormal, LogDensityOutsideSupportAndExtremes) {
  const auto d = klest::make_distribution("lognormal(0.5, 2)");
  EXPECT_EQ(log_density(*d, 0.0), -inf);
  EXPECT_EQ(log_density(*d, -1.0), -inf);
  EXPECT_EQ(log_density(*d, -inf), -inf);
  for (double x : {1e-300, 4.9e-324, 1e300, 1.7e308}) {
    const double v = log_density(*d, x);
    EXPECT_FALSE(std::isnan(v)) << x;
    EXPECT_LT(v, 0) << x;
  }
}

// KS against Boost's cdf, n = 20000, alpha = 0.001 critical value 1.95/sqrt(n); mean and
// variance within 5 standard errors.
TEST(Lognormal, SamplerMatchesDistribution) {
  constexpr std::size_t n = 20000;
  for (auto spec : {"lognormal(0.3, 0.5)", "lognormal(-1, 1.5)"}) {
    const auto d = klest::make_distribution(spec);
    const boost::math::lognormal_distribution<double> ref(d->params().get<double>("mu"),
                                                          d->params().get<double>("sigma"));
    const auto xs = draw(*d, n, 11);
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, spec);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x > 0; }));
  }
  const auto d = klest::make_distribution("lognormal(0.3, 0.5)");
  const boost::math::lognormal_distribution<double> ref(0.3, 0.5);
  const auto xs = draw(*d, n, 12);
  expect_mean_and_variance(xs, boost::math::mean(ref), boost::math::variance(ref), d->spec());
}

TEST(Lognormal, RejectsBadParameters) {
  expect_rejected("lognormal(sigma=0)", "distribution 'lognormal'", "parameter 'sigma'");
  expect_rejected("lognormal(mu=800)", "distribution 'lognormal'", "parameter 'mu'");
}

TEST(Lognormal, SpecRoundTrip) {
  expect_canonical_spec_round_trips("lognormal(0.25, sigma=1.5)",
                                    "lognormal(mu=0.25, sigma=1.5)");
  expect_canonical_spec("lognormal", "lognormal(mu=0, sigma=1)");
}

TEST(Lognormal, SupportTailsAndLandmarks) {
  const auto d = klest::make_distribution("lognormal(1, 0.5)");
  ASSERT_EQ(d->support().size(), 1u);
  expect_support(*d, 0, inf);
  EXPECT_EQ(d->tails().first.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::lognormal);
  EXPECT_THAT(d->landmarks(), ::testing::Contains(::testing::DoubleNear(std::exp(0.75), 1e-12)));
}

TEST(Lognormal, ClosedFormMatchesQuadrature) {
  for (auto [p, q] : {std::pair{"lognormal(0.3, 0.8)", "lognormal(-0.5, 1.7)"},
                      {"lognormal(2, 0.25)", "lognormal(1.5, 0.3)"},
                      {"lognormal(-1, 2)", "lognormal(0, 0.5)"}}) {
    expect_closed_form_matches_quadrature(p, q, 1e-9);
  }
}

TEST(Lognormal, ClosedFormMatchesReference) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lp=lambda m,s: (lambda x: -log(x)-log(s)-log(2*pi)/2-(log(x)-m)**2/(2*s**2)); a=lp(0.3,0.8); b=lp(-0.5,1.7); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  const double reference = 0.475225089573611966999916453664;
  const auto p = klest::make_distribution("lognormal(0.3, 0.8)");
  const auto q = klest::make_distribution("lognormal(-0.5, 1.7)");
  EXPECT_NEAR(klest::true_kl(*p, *q).value, reference, 1e-12 * reference);
  EXPECT_EQ(klest::true_kl(*p, *p).value, 0);
}

// Tests of the logistic family. It registers no closed form: logistic||logistic has none, so
// the truth engine integrates it.

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/logistic.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Logistic, LogDensityMatchesBoost) {
  for (auto spec :
       {"logistic(0, 1)", "logistic(0.5, 1.5)", "logistic(-3, 0.01)", "logistic(1e3, 50)"}) {
    const auto d = make(spec);
    const double mu = d->params().get<double>("loc"), s = d->params().get<double>("scale");
    const boost::math::logistic_distribution<double> ref(mu, s);
    for (double z : {-650.0, -40.0, -5.0, -1.0, -0.1, 0.0, 0.3, 2.0, 30.0, 650.0}) {
      const double x = mu + s * z;
      const double pdf = boost::math::pdf(ref, x);
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << spec << " at " << x;
    }
  }
}

TEST(Logistic, LogDensityNeverNaN) {
  const auto d = make("logistic(1, 2)");
  for (double x : {-1.7e308, -1e300, -1e5, 1e5, 1e300, 1.7e308}) {
    const double v = log_density(*d, x);
    EXPECT_FALSE(std::isnan(v)) << x;
    EXPECT_NEAR(v, -std::log(2.0) - std::fabs(x - 1) / 2, 1e-9 * std::fabs(v)) << x;
  }
  EXPECT_EQ(log_density(*d, inf), -inf);
  EXPECT_EQ(log_density(*d, -inf), -inf);
}

// KS against Boost's cdf, n = 20000, alpha = 0.001 critical value 1.95/sqrt(n); mean and
// variance within 5 standard errors.
TEST(Logistic, SamplerMatchesDistribution) {
  constexpr std::size_t n = 20000;
  for (auto spec : {"logistic(0, 1)", "logistic(-2, 0.3)", "logistic(5, 4)"}) {
    const auto d = make(spec);
    const boost::math::logistic_distribution<double> ref(d->params().get<double>("loc"),
                                                         d->params().get<double>("scale"));
    const auto xs = draw(*d, n, 51);
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, spec);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); }));
  }
  const boost::math::logistic_distribution<double> ref(1, 2);
  const auto xs = draw(*make("logistic(1, 2)"), n, 52);
  expect_mean_and_variance(xs, boost::math::mean(ref), boost::math::variance(ref),
                           "logistic(1, 2)");
}

TEST(Logistic, RejectsBadParameters) {
  expect_rejected("logistic(scale=0)", "distribution 'logistic'", "parameter 'scale'");
  expect_rejected("logistic(loc=-inf)", "distribution 'logistic'", "parameter 'loc'");
}

TEST(Logistic, SpecRoundTrip) {
  expect_canonical_spec_round_trips("logistic(0.5, 1.5)", "logistic(loc=0.5, scale=1.5)");
  expect_canonical_spec("logistic", "logistic(loc=0, scale=1)");
}

TEST(Logistic, SupportAndTails) {
  const auto d = make("logistic(0, 2)");
  expect_support(*d, -inf, inf);
  for (const klest::Tail& t : {d->tails().first, d->tails().second}) {
    EXPECT_EQ(t.kind, klest::Tail::Kind::exp_power);
    EXPECT_EQ(t.rate, 1);
    EXPECT_EQ(t.coef, 0.5);
  }
  // A Cauchy P has no first moment: its cross-entropy against the logistic diverges.
  const klest::Truth t = klest::true_kl(*make("cauchy(0, 1)"), *d);
  EXPECT_EQ(t.value, inf);
  EXPECT_EQ(t.method, klest::TruthMethod::tails);
  EXPECT_EQ(klest::true_kl(*d, *make("normal(0, 3)")).method, klest::TruthMethod::quadrature);
}

TEST(Logistic, NoClosedFormSoQuadratureMatchesReference) {
  const auto p = make("logistic(0.5, 1.5)"), q = make("logistic(-1, 2.5)");
  EXPECT_FALSE(klest::closed_form_kl(*p, *q).has_value());
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.method, klest::TruthMethod::quadrature);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ll=lambda m,s: (lambda x: -log(s)-(x-m)/s-2*log(1+exp(-(x-m)/s))); a=ll(0.5,1.5); b=ll(-1,2.5); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-inf,-1,0.5,inf]))"
  const double reference = 0.226403463641308859213173749833;
  EXPECT_NEAR(t.value, reference, 1e-9 * reference);
  EXPECT_NEAR(klest::true_kl(*p, *p).value, 0, 1e-12);
}

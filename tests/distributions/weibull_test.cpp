// Tests of the Weibull family and its closed forms weibull||weibull and weibull||gamma.

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include <boost/math/distributions/weibull.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

using ::testing::AllOf;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
constexpr double inf = std::numeric_limits<double>::infinity();

double log_density(const klest::Distribution& d, double x) { return d.log_density({&x, 1}); }

std::vector<double> draw(const klest::Distribution& d, std::size_t n, std::uint64_t seed) {
  klest::Rng rng = klest::rng_for(seed);
  const klest::Samples s = d.sample(rng, n);
  return {s.values().begin(), s.values().end()};
}

// Kolmogorov-Smirnov statistic sup |F_n - F|.
double ks_statistic(std::vector<double> xs, const std::function<double(double)>& cdf) {
  std::sort(xs.begin(), xs.end());
  const double n = double(xs.size());
  double d = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = cdf(xs[i]);
    d = std::max({d, double(i + 1) / n - f, f - double(i) / n});
  }
  return d;
}

// The sample mean of g(X) is within 5 standard errors of `expected`.
void expect_moment(const std::vector<double>& xs, const std::function<double(double)>& g,
                   double expected, const std::string& what) {
  double mean = 0, m2 = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double v = g(xs[i]), dv = v - mean;
    mean += dv / double(i + 1);
    m2 += dv * (v - mean);
  }
  const double se = std::sqrt(m2 / double(xs.size() - 1) / double(xs.size()));
  EXPECT_NEAR(mean, expected, 5 * se) << what;
}


std::unique_ptr<klest::Distribution> make(const std::string& spec) {
  return klest::make_distribution(spec);
}

// The registered closed form for (p, q); NaN (and a failure) if none applies.
double closed_kl(const std::string& p, const std::string& q) {
  const auto dp = make(p), dq = make(q);
  const std::optional<klest::Truth> t = klest::closed_form_kl(*dp, *dq);
  EXPECT_TRUE(t.has_value()) << p << " || " << q;
  if (!t) return std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(t->method, klest::TruthMethod::closed_form);
  return t->value;
}

// true_kl picks the closed form, and it agrees with 1-D quadrature (closed form skipped).
void expect_matches_quadrature(const std::string& p, const std::string& q, double rel = 1e-9) {
  SCOPED_TRACE(p + " || " + q);
  const auto dp = make(p), dq = make(q);
  const klest::Truth closed = klest::true_kl(*dp, *dq);
  ASSERT_EQ(closed.method, klest::TruthMethod::closed_form);
  ASSERT_TRUE(std::isfinite(closed.value));
  const klest::Truth numeric = klest::true_kl(*dp, *dq, {.use_closed_form = false});
  EXPECT_EQ(numeric.method, klest::TruthMethod::quadrature);
  EXPECT_NEAR(numeric.value, closed.value, rel * std::max(1.0, closed.value));
}

}  // namespace

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
    EXPECT_LT(ks_statistic(xs, [&](double x) { return boost::math::cdf(ref, x); }),
              1.95 / std::sqrt(double(n)))
        << spec;
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x >= 0; }));
  }
  const boost::math::weibull_distribution<double> ref(1.7, 2);
  const auto xs = draw(*make("weibull(1.7, 2)"), n, 22);
  const double m = boost::math::mean(ref);
  expect_moment(xs, [](double x) { return x; }, m, "mean");
  expect_moment(xs, [&](double x) { return (x - m) * (x - m); }, boost::math::variance(ref),
                "variance");
}

TEST(Weibull, RejectsBadParameters) {
  EXPECT_THAT([] { make("weibull(shape=-1)"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("distribution 'weibull'"), HasSubstr("parameter 'shape'"))));
  EXPECT_THAT([] { make("weibull(2, scale=0)"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("distribution 'weibull'"), HasSubstr("parameter 'scale'"))));
  EXPECT_THAT([] { make("weibull"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("distribution 'weibull'"), HasSubstr("'shape' is required"))));
}

TEST(Weibull, SpecRoundTrip) {
  const auto d = make("weibull(2.5, 1.5)");
  EXPECT_EQ(d->spec(), "weibull(shape=2.5, scale=1.5)");
  EXPECT_EQ(make(d->spec())->spec(), d->spec());
  EXPECT_EQ(make("weibull(shape=3)")->spec(), "weibull(shape=3, scale=1)");
}

TEST(Weibull, SupportAndTails) {
  const auto d = make("weibull(2, 3)");
  EXPECT_EQ(d->support()[0].lo, 0);
  EXPECT_EQ(d->support()[0].hi, inf);
  EXPECT_EQ(d->tails().first.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::exp_power);
  EXPECT_EQ(d->tails().second.rate, 2);
  EXPECT_DOUBLE_EQ(d->tails().second.coef, 1.0 / 9);
  // P reaches below 0 where a weibull Q has no mass.
  EXPECT_EQ(klest::true_kl(*make("normal(3, 1)"), *d).method, klest::TruthMethod::support);
}

TEST(Weibull, WeibullClosedFormMatchesQuadrature) {
  expect_matches_quadrature("weibull(2.5, 1.5)", "weibull(0.7, 2)");
  expect_matches_quadrature("weibull(0.6, 0.5)", "weibull(1.3, 0.9)");
  expect_matches_quadrature("weibull(3, 1)", "weibull(3, 1.4)");
}

TEST(Weibull, WeibullClosedFormMatchesReferences) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lw=lambda k,l: (lambda x: log(k/l)+(k-1)*log(x/l)-(x/l)**k); a=lw(2.5,1.5); b=lw(0.7,2); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  EXPECT_NEAR(closed_kl("weibull(2.5, 1.5)", "weibull(0.7, 2)"), 0.795178668263141175471125597841,
              1e-12);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lw=lambda k,l: (lambda x: log(k/l)+(k-1)*log(x/l)-(x/l)**k); a=lw(0.6,0.5); b=lw(1.3,0.9); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  EXPECT_NEAR(closed_kl("weibull(0.6, 0.5)", "weibull(1.3, 0.9)"),
              0.756548713244054287838258482899, 1e-12);
  // Common shape k (GROUND-TRUTH.md §10): k log(l2/l1) + (l1/l2)^k - 1.
  EXPECT_NEAR(closed_kl("weibull(2, 1)", "weibull(2, 3)"), 2 * std::log(3.0) + 1.0 / 9 - 1, 1e-14);
  // Shape 1 is the exponential with rate 1/scale: log(r1/r2) + r2/r1 - 1 with r1 = 1/2, r2 = 2.
  EXPECT_NEAR(closed_kl("weibull(1, 2)", "weibull(1, 0.5)"), 3 - std::log(4.0), 1e-14);
  EXPECT_EQ(closed_kl("weibull(1.3, 0.7)", "weibull(1.3, 0.7)"), 0);
}

TEST(Weibull, GammaClosedFormMatchesQuadrature) {
  expect_matches_quadrature("weibull(1.7, 0.8)", "gamma(2.5, 1.5)");
  expect_matches_quadrature("weibull(0.8, 3)", "gamma(0.7, 0.2)");
  expect_matches_quadrature("weibull(4, 2)", "gamma(6, 3)");
}

TEST(Weibull, GammaClosedFormMatchesReferences) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; a=lambda x: log(1.7/0.8)+0.7*log(x/0.8)-(x/0.8)**1.7; b=lambda x: 2.5*log(1.5)-loggamma(2.5)+1.5*log(x)-1.5*x; print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [0,1,inf]))"
  EXPECT_NEAR(closed_kl("weibull(1.7, 0.8)", "gamma(2.5, 1.5)"), 0.701831533679525207830020696761,
              1e-12);
  // weibull(1, 2) and gamma(1, rate 0.5) are the same exponential distribution.
  EXPECT_NEAR(closed_kl("weibull(1, 2)", "gamma(1, 0.5)"), 0, 1e-15);
}

// Tests of the uniform family and its closed forms uniform||uniform, uniform||beta,
// uniform||exponential, uniform||gamma and uniform||normal.

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <boost/math/distributions/uniform.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
constexpr double inf = std::numeric_limits<double>::infinity();

std::unique_ptr<klest::Distribution> make(const std::string& spec) {
  return klest::make_distribution(spec);
}

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

// The closed form agrees with quadrature (use_closed_form = false) and with an mpmath value.
void expect_closed_form(const std::string& p_spec, const std::string& q_spec, double reference) {
  SCOPED_TRACE("KL(" + p_spec + " || " + q_spec + ")");
  const auto p = make(p_spec), q = make(q_spec);
  const klest::Truth cf = klest::true_kl(*p, *q);
  ASSERT_EQ(cf.method, klest::TruthMethod::closed_form) << cf.detail;
  const klest::Truth num = klest::true_kl(*p, *q, {.use_closed_form = false});
  ASSERT_EQ(num.method, klest::TruthMethod::quadrature) << num.detail;
  EXPECT_NEAR(cf.value, num.value, 1e-8 * std::max(1.0, std::fabs(num.value)));
  EXPECT_NEAR(cf.value, reference, 1e-12 * std::max(1.0, std::fabs(reference)));
}

}  // namespace

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
    EXPECT_LT(ks_statistic(xs, [&](double x) { return boost::math::cdf(ref, x); }),
              1.95 / std::sqrt(double(n)))
        << d->spec();
    const double mean = 0.5 * (lo + hi);
    expect_moment(xs, [](double x) { return x; }, mean, d->spec() + " mean");
    expect_moment(xs, [mean](double x) { return (x - mean) * (x - mean); },
                  (hi - lo) * (hi - lo) / 12, d->spec() + " variance");
  }
}

TEST(Uniform, SupportTailsAndSpec) {
  const auto d = make("uniform(-1, 2)");
  EXPECT_EQ(d->spec(), "uniform(low=-1, high=2)");
  EXPECT_EQ(make(d->spec())->spec(), d->spec());
  EXPECT_EQ(make("uniform")->spec(), "uniform(low=0, high=1)");
  EXPECT_EQ(d->support()[0].lo, -1);
  EXPECT_EQ(d->support()[0].hi, 2);
  const auto [left, right] = d->tails();
  EXPECT_EQ(left.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(right.kind, klest::Tail::Kind::bounded);
}

TEST(Uniform, RejectsBadParameters) {
  EXPECT_THAT([] { make("uniform(low=1, high=0)"); },
              ThrowsMessage<klest::InputError>(HasSubstr(
                  "distribution 'uniform': parameter 'high' is 0, but must be > low (1)")));
  EXPECT_THAT(
      [] { make("uniform(2, 2)"); },
      ThrowsMessage<klest::InputError>(HasSubstr("parameter 'high' is 2, but must be > low (2)")));
  EXPECT_THAT([] { make("uniform(low=-inf)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'uniform': parameter 'low' is -inf")));
  EXPECT_THAT([] { make("uniform(0, high=inf)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'high' is inf")));
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Uniform, ClosedFormUniformUniform) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: 1/mpf(1.5); q=lambda x: 1/mpf(3); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0.5, 2]))"
  expect_closed_form("uniform(0.5, 2)", "uniform(0, 3)", 0.693147180559945309417232121458);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: 1/mpf(1.25); q=lambda x: 1/mpf(7); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-1, 0.25]))"
  expect_closed_form("uniform(-1, 0.25)", "uniform(-2, 5)", 1.72276659774110354933905765313);
  // GROUND-TRUTH.md §6: the canonical support mismatch, in both directions.
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

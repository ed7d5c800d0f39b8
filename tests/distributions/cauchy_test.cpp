// Tests of the Cauchy family (location, scale) and its closed form cauchy||cauchy
// (Chyzak & Nielsen 2019).

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <boost/math/distributions/cauchy.hpp>
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
    EXPECT_LT(ks_statistic(xs, [&](double x) { return boost::math::cdf(ref, x); }),
              1.95 / std::sqrt(double(n)))
        << d->spec();
    expect_moment(xs, [loc](double x) { return x < loc ? 1.0 : 0.0; }, 0.5, d->spec() + " median");
    expect_moment(xs, [loc, scale](double x) { return std::fabs(x - loc) < scale ? 1.0 : 0.0; },
                  0.5, d->spec() + " quartiles");
  }
}

TEST(Cauchy, SupportTailsAndSpec) {
  const auto d = make("cauchy(1, 2)");
  EXPECT_EQ(d->spec(), "cauchy(loc=1, scale=2)");
  EXPECT_EQ(make(d->spec())->spec(), d->spec());
  EXPECT_EQ(make("cauchy")->spec(), "cauchy(loc=0, scale=1)");
  EXPECT_EQ(d->support()[0].lo, -inf);
  EXPECT_EQ(d->support()[0].hi, inf);
  const auto [left, right] = d->tails();
  for (const klest::Tail& t : {left, right}) {
    EXPECT_EQ(t.kind, klest::Tail::Kind::power);
    EXPECT_EQ(t.rate, 1);
  }
}

TEST(Cauchy, RejectsBadParameters) {
  EXPECT_THAT([] { make("cauchy(scale=-1)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'cauchy': parameter 'scale' is -1")));
  EXPECT_THAT([] { make("cauchy(0, 0)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'scale' is 0")));
  EXPECT_THAT([] { make("cauchy(loc=-inf)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'cauchy': parameter 'loc' is -inf")));
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Cauchy, ClosedFormCauchyCauchy) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ca=lambda l,s: (lambda x: 1/(pi*s*(1+((x-l)/s)**2))); p=ca(mpf(0),mpf(1)); q=ca(mpf(2),mpf(3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 0, 2, inf]))"
  expect_closed_form("cauchy(0, 1)", "cauchy(2, 3)", 0.510825623765990683205514096304);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ca=lambda l,s: (lambda x: 1/(pi*s*(1+((x-l)/s)**2))); p=ca(mpf(-1),mpf(0.5)); q=ca(mpf(1),mpf(0.5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, -1, 1, inf]))"
  expect_closed_form("cauchy(-1, 0.5)", "cauchy(1, 0.5)", 1.60943791243410037460075933323);
  // GROUND-TRUTH.md §8: symmetric in P and Q.
  const auto p = make("cauchy(0.3, 0.7)"), q = make("cauchy(-4, 5)");
  EXPECT_DOUBLE_EQ(klest::true_kl(*p, *q).value, klest::true_kl(*q, *p).value);
  // Near-equal parameters: log1p keeps the O(eps^2) value, ((ds)^2 + (dl)^2)/(4 s1 s2).
  const auto a = make("cauchy(0, 1)"), b = make("cauchy(1e-7, 1)");
  EXPECT_NEAR(klest::true_kl(*a, *b).value, 1e-14 / 4, 1e-26);
  EXPECT_EQ(klest::true_kl(*a, *a).value, 0);
}

TEST(Cauchy, AgainstLighterTailsIsInfinite) {
  // E_Cauchy[x^2] and E_Cauchy|x| diverge (GROUND-TRUTH.md §8).
  const auto p = make("cauchy(0, 1)");
  for (const char* q : {"normal(0, 1)", "laplace(0, 1)"}) {
    const klest::Truth t = klest::true_kl(*p, *make(q));
    EXPECT_EQ(t.value, inf) << q;
    EXPECT_EQ(t.method, klest::TruthMethod::tails) << q;
  }
}

// Tests of the gamma family (shape, RATE) and its closed forms gamma||gamma,
// gamma||exponential and gamma||normal.

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <boost/math/distributions/gamma.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(Gamma, LogDensityMatchesBoost) {
  // Shapes on both sides of 1 and of 10 (where the Stirling form takes over), up to 1e5.
  for (auto [shape, rate] : {std::pair{0.3, 2.0}, {1.0, 0.5}, {2.5, 3.0}, {9.5, 1.0},
                             {10.0, 1.0}, {37.0, 0.25}, {1e3, 7.0}, {1e5, 1e-3}}) {
    const auto d = make("gamma(shape=" + klest::format_number(shape) +
                        ", rate=" + klest::format_number(rate) + ")");
    const boost::math::gamma_distribution<double> ref(shape, 1 / rate);  // Boost: scale
    const double mean = shape / rate, sd = std::sqrt(shape) / rate;
    std::vector<double> xs;
    for (double k : {-6.0, -3.0, -1.0, -0.2, 0.0, 0.5, 2.0, 5.0, 10.0, 30.0}) {
      xs.push_back(mean + k * sd);
    }
    for (double f : {1e-6, 1e-2, 0.3, 3.0, 20.0}) xs.push_back(mean * f);
    int compared = 0;
    for (double x : xs) {
      if (x <= 0) continue;
      const double pdf = boost::math::pdf(ref, x);
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
      ++compared;
    }
    EXPECT_GE(compared, 8) << d->spec();
  }
}

TEST(Gamma, LogDensityAtAndOutsideTheSupport) {
  EXPECT_EQ(log_density(*make("gamma(2, 1)"), -1.0), -inf);
  EXPECT_EQ(log_density(*make("gamma(2, 1)"), -inf), -inf);
  EXPECT_EQ(log_density(*make("gamma(2, 1)"), inf), -inf);
  EXPECT_EQ(log_density(*make("gamma(2, 1)"), 0.0), -inf);
  EXPECT_EQ(log_density(*make("gamma(0.5, 1)"), 0.0), inf);
  EXPECT_DOUBLE_EQ(log_density(*make("gamma(1, 3)"), 0.0), std::log(3.0));
  EXPECT_DOUBLE_EQ(log_density(*make("gamma(20, 3)"), 0.0), -inf);
  // Far out the density underflows in double, but its log does not.
  const double far = log_density(*make("gamma(3, 2)"), 1e5);
  EXPECT_NEAR(far, 3 * std::log(2.0) + 2 * std::log(1e5) - 2e5 - std::log(2.0), 1e-9);
  const double tiny = log_density(*make("gamma(50, 1)"), 1e-300);
  EXPECT_TRUE(std::isfinite(tiny));
  EXPECT_LT(tiny, -3e4);
}

TEST(Gamma, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against Boost's cdf, n = 20000: the alpha = 0.001 critical value is 1.95/sqrt(n).
  // Mean and variance within 5 standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 11;
  for (auto [shape, rate] : {std::pair{0.3, 2.0}, {1.0, 1.0}, {2.5, 3.0}, {50.0, 0.5}}) {
    const auto d = make("gamma(" + klest::format_number(shape) + ", " +
                        klest::format_number(rate) + ")");
    const boost::math::gamma_distribution<double> ref(shape, 1 / rate);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x > 0 && x < inf; }));
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    expect_mean_and_variance(xs, shape / rate, shape / (rate * rate), d->spec());
  }
}

TEST(Gamma, TinyShapesStayInsideTheSupport) {
  const auto d = make("gamma(0.01, 1)");
  const auto xs = draw(*d, 5000, 3);
  for (double x : xs) {
    ASSERT_GT(x, 0);
    ASSERT_TRUE(std::isfinite(log_density(*d, x)));
  }
}

TEST(Gamma, SupportTailsAndSpec) {
  expect_canonical_spec_round_trips("gamma(2, 3)", "gamma(shape=2, rate=3)");
  const auto d = make("gamma(2, 3)");
  expect_support(*d, 0, inf);
  const auto [left, right] = d->tails();
  EXPECT_EQ(left.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(right.kind, klest::Tail::Kind::exp_power);
  EXPECT_EQ(right.rate, 1);
  EXPECT_EQ(right.coef, 3);  // the rate, not the scale
}

TEST(Gamma, RejectsBadParameters) {
  expect_rejected("gamma(shape=-1)", "distribution 'gamma': parameter 'shape'");
  expect_rejected("gamma(shape=0)", "parameter 'shape' is 0");
  expect_rejected("gamma(2, rate=0)", "distribution 'gamma': parameter 'rate'");
  expect_rejected("gamma(2, rate=inf)", "parameter 'rate' is inf");
  expect_rejected("gamma(rate=2)", "parameter 'shape' is required");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(Gamma, ClosedFormGammaGamma) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=g(mpf(2),mpf(3)); q=g(mpf(4),mpf(1.5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("gamma(2, 3)", "gamma(4, 1.5)", 2.71877952127090195969443002438);  // C = 1
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=g(mpf(0.5),mpf(1)); q=g(mpf(3),mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("gamma(0.5, 1)", "gamma(3, 2)", 3.45011576100896639559101438465);  // C = 1
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=g(mpf(7.5),mpf(0.2)); q=g(mpf(5),mpf(0.25)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 37.5, inf]))"
  expect_closed_form("gamma(7.5, 0.2)", "gamma(5, 0.25)",
                     1.26986554763338061296903982373);  // C = 37.5
  const auto p = make("gamma(3, 2)");
  EXPECT_NEAR(klest::true_kl(*p, *p).value, 0, 1e-15);
}

TEST(Gamma, ClosedFormGammaExponential) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=g(mpf(2),mpf(3)); q=ex(mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("gamma(2, 3)", "exponential(1)", 0.188063290433243497455399813507);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; ex=lambda r: (lambda x: r*exp(-r*x)); g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); p=g(mpf(0.6),mpf(0.5)); q=ex(mpf(2)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("gamma(0.6, 0.5)", "exponential(2)", 0.631719466368150613076128054773);
  // shape 1 is the exponential itself
  const auto p = make("gamma(1, 2.5)"), q = make("exponential(0.7)");
  const auto e = make("exponential(2.5)");
  EXPECT_NEAR(klest::true_kl(*p, *q).value, klest::true_kl(*e, *q).value, 1e-14);
}

TEST(Gamma, ClosedFormGammaNormal) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=g(mpf(2),mpf(3)); q=n(mpf(0),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 1, inf]))"
  expect_closed_form("gamma(2, 3)", "normal(0, 1)", 0.773668490304582905902396216579);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; g=lambda a,b: (lambda x: b**a*x**(a-1)*exp(-b*x)/gamma(a)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=g(mpf(9),mpf(2)); q=n(mpf(5),mpf(1.5)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0, 4.5, inf]))"
  expect_closed_form("gamma(9, 2)", "normal(5, 1.5)", 0.09363529832796773260466355036);
}

// Tests of the poisson family and its closed form poisson||poisson (binomial||poisson and
// poisson||binomial are tested in binomial_test.cpp).

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::unique_ptr<klest::Distribution> make(const char* spec) {
  return klest::make_distribution(spec);
}

// Pearson's chi-square of integer draws against `pmf` on 0, 1, 2, ...: adjacent values are
// pooled until a bin expects at least 5 draws; the last bin takes everything above. The
// critical value is the chi-square(df = bins - 1) quantile at alpha = 0.001.
struct ChiSquare {
  double stat = 0, critical = 0;
  int df = 0;
};
ChiSquare chi_square(const klest::Samples& s, const std::function<double(double)>& pmf) {
  const double n = double(s.rows());
  std::map<double, double> count;
  for (double x : s.values()) count[x] += 1;
  std::vector<double> obs, expect;
  double mass_closed = 0, obs_closed = 0, bin_obs = 0, bin_exp = 0;
  for (double k = 0;; k += 1) {
    bin_exp += n * pmf(k);
    if (auto it = count.find(k); it != count.end()) bin_obs += it->second;
    if (n * (1 - mass_closed) - bin_exp < 5) break;
    if (bin_exp >= 5) {
      obs.push_back(bin_obs);
      expect.push_back(bin_exp);
      mass_closed += bin_exp / n;
      obs_closed += bin_obs;
      bin_obs = bin_exp = 0;
    }
  }
  obs.push_back(n - obs_closed);
  expect.push_back(n * (1 - mass_closed));
  if (expect.back() < 5 && expect.size() > 1) {
    obs[obs.size() - 2] += obs.back();
    expect[expect.size() - 2] += expect.back();
    obs.pop_back();
    expect.pop_back();
  }
  ChiSquare r;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    r.stat += (obs[i] - expect[i]) * (obs[i] - expect[i]) / expect[i];
  }
  r.df = int(obs.size()) - 1;
  r.critical = boost::math::quantile(
      boost::math::complement(boost::math::chi_squared_distribution<double>(r.df), 0.001));
  return r;
}

// Sample mean and variance within 5 standard errors of the true ones; the variance's standard
// error is sigma^2 sqrt((kurtosis - 1)/n), kurtosis = mu_4/sigma^4.
void expect_moments(const klest::Samples& s, double mean, double var, double kurtosis) {
  const double n = double(s.rows());
  double m = 0, v = 0;
  for (double x : s.values()) m += x;
  m /= n;
  for (double x : s.values()) v += (x - m) * (x - m);
  v /= n - 1;
  EXPECT_NEAR(m, mean, 5 * std::sqrt(var / n));
  EXPECT_NEAR(v, var, 5 * var * std::sqrt((kurtosis - 1) / n));
}

// |a - b| relative to max(1, |b|): a relative error of the pmf for log values near 0, and a
// relative error of the log itself in the far tails, where the log is large.
double log_error(double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); }

TEST(Poisson, LogDensityMatchesBoost) {
  for (double rate : {1e-6, 0.3, 2.0, 7.5, 33.0, 1000.0, 1e6}) {
    const auto d = make(("poisson(rate=" + klest::format_number(rate) + ")").c_str());
    // long double: an independent and more precise reference, also where a double underflows.
    const boost::math::poisson_distribution<long double> ref(rate);
    std::vector<double> ks{0, 1, 2, 3, 5, 10, 50, 200};
    for (double t : {-30.0, -10.0, -3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0}) {
      const double k = std::floor(rate + t * std::sqrt(rate));
      if (k >= 0) ks.push_back(k);
    }
    for (double k : ks) {
      const long double pdf = boost::math::pdf(ref, (long double)k);
      // Where even a long double underflows (rate 1e6, small k), by hand in long double.
      const long double by_hand = k * std::log((long double)rate) - rate - std::lgamma(k + 1.0L);
      const double expected = double(pdf > 0 ? std::log(pdf) : by_hand);
      EXPECT_LT(log_error(d->log_density({&k, 1}), expected), 1e-12)
          << "rate " << rate << ", k " << k;
    }
  }
}

TEST(Poisson, LogDensityIsMinusInfinityOffTheIntegers) {
  const auto d = make("poisson(2.5)");
  for (double x : {-1.0, -0.5, 0.5, 2.25, double(INFINITY), -double(INFINITY)}) {
    EXPECT_EQ(d->log_density({&x, 1}), -INFINITY) << x;
  }
  const double zero = 0;
  EXPECT_DOUBLE_EQ(d->log_density({&zero, 1}), -2.5);
}

TEST(Poisson, SupportLandmarksAndScale) {
  const auto d = make("poisson(4)");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  EXPECT_EQ(d->support()[0].lo, 0);
  EXPECT_EQ(d->support()[0].hi, INFINITY);
  EXPECT_THAT(d->landmarks(), ElementsAre(3.0, 4.0));  // an integer rate has two modes
  EXPECT_DOUBLE_EQ(d->scale(), 2);
  EXPECT_THAT(make("poisson(2.7)")->landmarks(), ElementsAre(2.0));
  EXPECT_THAT(make("poisson(0.4)")->landmarks(), ElementsAre(0.0));
}

// Chi-square goodness of fit on n = 20000 draws at a fixed seed, alpha = 0.001: critical values
// 32.91 (df = 12, rate 3.7) and 150.67 (df = 101, rate 250), from Boost's chi-square quantile
// (scipy.stats.chi2.isf(0.001, df) agrees). Both Boost.Random branches: inversion below 10, PTRD.
TEST(Poisson, SamplerFitsThePmf) {
  struct Case {
    double rate;
    int df;
  };
  for (const Case& c : {Case{3.7, 12}, Case{250, 101}}) {
    const auto d = make(("poisson(" + klest::format_number(c.rate) + ")").c_str());
    klest::Rng rng = klest::rng_for(20240611, {1});
    const klest::Samples s = d->sample(rng, 20000);
    for (double x : s.values()) ASSERT_TRUE(x >= 0 && std::floor(x) == x) << x;
    const boost::math::poisson_distribution<double> ref(c.rate);
    const ChiSquare chi = chi_square(s, [&](double k) { return boost::math::pdf(ref, k); });
    EXPECT_EQ(chi.df, c.df);
    EXPECT_LT(chi.stat, chi.critical) << "rate " << c.rate;
    expect_moments(s, c.rate, c.rate, 3 + 1 / c.rate);
  }
}

TEST(Poisson, RejectsBadParameters) {
  EXPECT_THAT([] { make("poisson(rate=-1)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'poisson': parameter 'rate' is -1")));
  EXPECT_THAT([] { make("poisson(0)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'rate' is 0")));
  EXPECT_THAT([] { make("poisson(inf)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'rate' is inf")));
  EXPECT_THAT([] { make("poisson()"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'rate' is required")));
}

TEST(Poisson, SpecRoundTrip) {
  const auto d = make("poisson(2.5)");
  EXPECT_EQ(d->spec(), "poisson(rate=2.5)");
  EXPECT_EQ(make(d->spec().c_str())->spec(), d->spec());
}

// Reference values: mpmath 1.2.1, mp.dps = 30, the series summed directly:
//   pois = lambda k, l: exp(k*log(l) - l - loggamma(k+1))
//   nsum(lambda k: pois(k,a)*log(pois(k,a)/pois(k,b)), [0, inf])
// with (a, b) = (2, 5) and (30, mpf('17.5')).
TEST(Poisson, ClosedFormMatchesSummationAndMpmath) {
  struct Case {
    const char *p, *q;
    double reference;
  };
  for (const Case& c : {Case{"poisson(2)", "poisson(5)", 1.16741853625168986963294557646},
                        Case{"poisson(30)", "poisson(17.5)", 3.66989502198061015373070209187}}) {
    const auto p = make(c.p), q = make(c.q);
    const klest::Truth closed = klest::true_kl(*p, *q);
    EXPECT_EQ(closed.method, klest::TruthMethod::closed_form);
    EXPECT_NEAR(closed.value, c.reference, 1e-12 * c.reference) << c.p << " || " << c.q;
    const klest::Truth summed = klest::true_kl(*p, *q, {.use_closed_form = false});
    EXPECT_EQ(summed.method, klest::TruthMethod::summation);
    EXPECT_NEAR(summed.value, closed.value, 1e-10 * closed.value + summed.abs_error)
        << c.p << " || " << c.q;
  }
}

// Nearly equal rates: the value, about (l1 - l2)^2/(2 l2), must not drown in cancellation.
// Reference: mpmath, mp.dps = 40, a = mpf(10.0); b = mpf(10.000001) (the double's exact value):
//   a*log(a/b) + b - a
TEST(Poisson, ClosedFormIsAccurateForNearlyEqualRates) {
  const auto p = make("poisson(10)"), q = make("poisson(10.000001)");
  const double reference = 4.999999659182687890651576949602706720472e-14;
  EXPECT_NEAR(klest::true_kl(*p, *q).value, reference, 1e-12 * reference);
}

}  // namespace

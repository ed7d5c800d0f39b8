// Tests of the geometric family and its closed form geometric||geometric.

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/geometric.hpp>
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

TEST(Geometric, LogDensityMatchesBoost) {
  for (double p : {1e-6, 0.02, 0.3, 0.9, 0.999, 1.0}) {
    const auto d = make(("geometric(" + klest::format_number(p) + ")").c_str());
    // long double: an independent and more precise reference, also where a double underflows.
    const boost::math::geometric_distribution<long double> ref(p);
    for (double k : {0.0, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0, 1e5, 1e7, 1e9}) {
      const long double pdf = boost::math::pdf(ref, (long double)k);
      // Where even a long double underflows, log p + k log(1 - p) by hand.
      const long double lp = p, by_hand = p == 1 ? (k == 0 ? 0.0L : -INFINITY)
                                                  : std::log(lp) + k * std::log1p(-lp);
      const double expected = double(pdf > 0 ? std::log(pdf) : by_hand);
      const double got = d->log_density({&k, 1});
      if (expected == -INFINITY) {
        EXPECT_EQ(got, -INFINITY) << "p " << p << ", k " << k;
      } else {
        EXPECT_LT(log_error(got, expected), 1e-12) << "p " << p << ", k " << k;
      }
    }
  }
}

TEST(Geometric, LogDensityIsMinusInfinityOffTheIntegers) {
  const auto d = make("geometric(0.25)");
  for (double x : {-1.0, -0.5, 0.5, 2.25, double(INFINITY), -double(INFINITY)}) {
    EXPECT_EQ(d->log_density({&x, 1}), -INFINITY) << x;
  }
}

TEST(Geometric, SupportLandmarksAndScale) {
  const auto d = make("geometric(0.2)");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  EXPECT_EQ(d->support()[0].lo, 0);
  EXPECT_EQ(d->support()[0].hi, INFINITY);
  EXPECT_THAT(d->landmarks(), ElementsAre(0.0));
  EXPECT_DOUBLE_EQ(d->scale(), std::sqrt(0.8) / 0.2);
  // p = 1: the point mass at 0.
  const auto one = make("geometric(1)");
  EXPECT_EQ(one->support()[0].hi, 0);
  klest::Rng rng = klest::rng_for(5);
  const klest::Samples s = one->sample(rng, 50);
  for (double x : s.values()) EXPECT_EQ(x, 0);
}

// Chi-square goodness of fit on n = 20000 draws at a fixed seed, alpha = 0.001: critical values
// 46.80 (df = 21, p = 0.3) and 330.52 (df = 255, p = 0.02), from Boost's chi-square
// quantile (scipy.stats.chi2.isf agrees).
TEST(Geometric, SamplerFitsThePmf) {
  struct Case {
    double p;
    int df;
  };
  for (const Case& c : {Case{0.3, 21}, Case{0.02, 255}}) {
    const auto d = make(("geometric(" + klest::format_number(c.p) + ")").c_str());
    klest::Rng rng = klest::rng_for(20240611, {3});
    const klest::Samples s = d->sample(rng, 20000);
    for (double x : s.values()) ASSERT_TRUE(x >= 0 && std::floor(x) == x) << x;
    const boost::math::geometric_distribution<double> ref(c.p);
    const ChiSquare chi = chi_square(s, [&](double k) { return boost::math::pdf(ref, k); });
    EXPECT_EQ(chi.df, c.df);
    EXPECT_LT(chi.stat, chi.critical) << "p " << c.p;
    expect_moments(s, (1 - c.p) / c.p, (1 - c.p) / (c.p * c.p), boost::math::kurtosis(ref));
  }
}

TEST(Geometric, RejectsBadParameters) {
  EXPECT_THAT([] { make("geometric(p=0)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'geometric': parameter 'p' is 0")));
  EXPECT_THAT([] { make("geometric(1.5)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'p' is 1.5")));
  EXPECT_THAT([] { make("geometric(-0.2)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'p' is -0.2")));
  EXPECT_THAT([] { make("geometric(1e-20)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'geometric': parameter 'p' is 1e-20, but must give a "
                            "mean (1 - p)/p <= 1e15 (it gives 1e+20)")));
  EXPECT_THAT([] { make("geometric()"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'p' is required")));
}

TEST(Geometric, SpecRoundTrip) {
  const auto d = make("geometric(0.25)");
  EXPECT_EQ(d->spec(), "geometric(p=0.25)");
  EXPECT_EQ(make(d->spec().c_str())->spec(), d->spec());
}

// Reference values: mpmath 1.2.1, mp.dps = 30, the series summed directly:
//   g = lambda k, p: p*(1-p)**k
//   nsum(lambda k: g(k,a)*log(g(k,a)/g(k,b)), [0, inf])
// with (a, b) = (mpf('0.3'), mpf('0.6')) and (mpf('0.85'), mpf('0.1')); and (by hand)
// -log(0.4) for the point mass geometric(1).
TEST(Geometric, ClosedFormMatchesSummationAndMpmath) {
  struct Case {
    const char *p, *q;
    double reference;
  };
  for (const Case& c :
       {Case{"geometric(0.3)", "geometric(0.6)", 0.612622991289374291881507713104},
        Case{"geometric(0.85)", "geometric(0.1)", 1.82387331598543753539480649199},
        Case{"geometric(1)", "geometric(0.4)", -std::log(0.4)}}) {
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

// Nearly equal p: the value, about 1e-13, must not drown in cancellation. Reference: mpmath,
// mp.dps = 40, a = mpf(0.3); b = mpf(0.3000001) (the doubles' exact values):
//   log(a/b) + (1-a)/a*log((1-a)/(1-b))   (nsum of the series agrees to 27 digits)
TEST(Geometric, ClosedFormIsAccurateForNearlyEqualP) {
  const auto p = make("geometric(0.3)"), q = make("geometric(0.3000001)");
  const double reference = 7.936506929154177319123902163594611090019e-14;
  EXPECT_NEAR(klest::true_kl(*p, *q).value, reference, 1e-12 * reference);
}

TEST(Geometric, PointMassQIsInfinite) {
  const auto p = make("geometric(0.5)"), q = make("geometric(1)");
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.value, INFINITY);
  EXPECT_EQ(t.method, klest::TruthMethod::support);
  EXPECT_EQ(klest::closed_form_kl(*p, *q)->value, INFINITY);
}

}  // namespace

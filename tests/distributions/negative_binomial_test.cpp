// Tests of the negative_binomial family and its closed form
// negative_binomial||negative_binomial.

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/negative_binomial.hpp>
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

TEST(NegativeBinomial, LogDensityMatchesBoost) {
  for (double r : {0.05, 0.7, 1.0, 2.5, 40.0, 1e4}) {
    for (double p : {1e-4, 0.1, 0.5, 0.93, 0.999999}) {
      const auto d = make(("negative_binomial(r=" + klest::format_number(r) +
                           ", p=" + klest::format_number(p) + ")").c_str());
      // long double: an independent and more precise reference, also where a double underflows.
      const boost::math::negative_binomial_distribution<long double> ref(r, p);
      const double mean = r * (1 - p) / p, sd = std::sqrt(r * (1 - p)) / p;
      std::vector<double> ks{0, 1, 2, 5, 20, 1000, 1e6};
      for (double t : {-3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 30.0}) {
        ks.push_back(std::floor(mean + t * sd));
      }
      for (double k : ks) {
        if (k < 0) continue;
        const long double pdf = boost::math::pdf(ref, (long double)k);
        if (pdf == 0) continue;
        EXPECT_LT(log_error(d->log_density({&k, 1}), double(std::log(pdf))), 1e-12)
            << "r " << r << ", p " << p << ", k " << k;
      }
    }
  }
}

// r = 1e9, where Boost's long double pdf is itself off by up to 6e-11 in the log, against
// mpmath 1.2.1 (mp.dps = 50, r = mpf(10**9), p = mpf(0.1) or mpf(0.999999), the doubles):
//   loggamma(k+r) - loggamma(r) - loggamma(k+1) + r*log(p) + k*log(1-p)
// The two products in k - (r + k) p nearly cancel here.
TEST(NegativeBinomial, LogDensityForHugeRMatchesMpmath) {
  struct Point {
    double p, k, expected;
  };
  for (const Point& t : {Point{0.1, 8999100000, -18.03066630272297865885},
                         Point{0.1, 8999700000, -14.03045517556245253209},
                         Point{0.1, 9000000000, -13.53047628692727011252},
                         Point{0.1, 9001000000, -19.08574647693235564164},
                         Point{0.999999, 0, -1000.000500029089026855},
                         Point{0.999999, 900, -9.495859868742165523089},
                         Point{0.999999, 1000, -4.37290000652607583043},
                         Point{0.999999, 1100, -9.261640352608247027943},
                         Point{0.999999, 2000, -391.0122935224426821931}}) {
    const auto d = make(("negative_binomial(1e9, " + klest::format_number(t.p) + ")").c_str());
    EXPECT_LT(log_error(d->log_density({&t.k, 1}), t.expected), 1e-13)
        << "p " << t.p << ", k " << t.k;
  }
}

TEST(NegativeBinomial, RIsOneIsTheGeometric) {
  const auto nb = make("negative_binomial(1, 0.35)"), g = make("geometric(0.35)");
  for (double k : {0.0, 1.0, 7.0, 100.0, 1e5}) {
    EXPECT_NEAR(nb->log_density({&k, 1}), g->log_density({&k, 1}),
                1e-13 * std::max(1.0, std::abs(g->log_density({&k, 1}))))
        << k;
  }
}

TEST(NegativeBinomial, PIsOneIsThePointMassAtZero) {
  const auto d = make("negative_binomial(2.5, 1)");
  for (double k : {0.0, 1.0, 5.0}) {
    EXPECT_EQ(d->log_density({&k, 1}), k == 0 ? 0.0 : -INFINITY) << k;
  }
  EXPECT_EQ(d->support()[0].lo, 0);
  EXPECT_EQ(d->support()[0].hi, 0);
  klest::Rng rng = klest::rng_for(7);
  const klest::Samples s = d->sample(rng, 50);
  for (double x : s.values()) EXPECT_EQ(x, 0);
}

TEST(NegativeBinomial, LogDensityIsMinusInfinityOffTheIntegers) {
  const auto d = make("negative_binomial(2.5, 0.4)");
  for (double x : {-1.0, -0.5, 0.5, 2.25, double(INFINITY), -double(INFINITY)}) {
    EXPECT_EQ(d->log_density({&x, 1}), -INFINITY) << x;
  }
}

TEST(NegativeBinomial, SupportLandmarksAndScale) {
  const auto d = make("negative_binomial(3.5, 0.25)");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  EXPECT_EQ(d->support()[0].lo, 0);
  EXPECT_EQ(d->support()[0].hi, INFINITY);
  EXPECT_THAT(d->landmarks(), ElementsAre(7.0));  // (r - 1)(1 - p)/p = 7.5
  EXPECT_DOUBLE_EQ(d->scale(), std::sqrt(3.5 * 0.75) / 0.25);
  EXPECT_THAT(make("negative_binomial(3, 0.5)")->landmarks(), ElementsAre(1.0, 2.0));
  EXPECT_THAT(make("negative_binomial(0.5, 0.5)")->landmarks(), ElementsAre(0.0));
}

// Chi-square goodness of fit on n = 20000 draws at a fixed seed, alpha = 0.001: critical values
// from Boost's chi-square quantile (scipy.stats.chi2.isf agrees) 46.80 (df = 21, r = 2.5,
// p = 0.4), 67.99 (df = 36, r = 0.6, p = 0.15: the gamma draw's alpha < 1 branch) and
// 51.18 (df = 24, r = 40, p = 0.8).
TEST(NegativeBinomial, SamplerFitsThePmf) {
  struct Case {
    double r, p;
    int df;
  };
  for (const Case& c : {Case{2.5, 0.4, 21}, Case{0.6, 0.15, 36}, Case{40, 0.8, 24}}) {
    const auto d = make(("negative_binomial(" + klest::format_number(c.r) + ", " +
                         klest::format_number(c.p) + ")").c_str());
    klest::Rng rng = klest::rng_for(20240611, {4});
    const klest::Samples s = d->sample(rng, 20000);
    for (double x : s.values()) ASSERT_TRUE(x >= 0 && std::floor(x) == x) << x;
    const boost::math::negative_binomial_distribution<double> ref(c.r, c.p);
    const ChiSquare chi = chi_square(s, [&](double k) { return boost::math::pdf(ref, k); });
    EXPECT_EQ(chi.df, c.df);
    EXPECT_LT(chi.stat, chi.critical) << c.r << ", " << c.p;
    expect_moments(s, boost::math::mean(ref), boost::math::variance(ref),
                   boost::math::kurtosis(ref));
  }
}

TEST(NegativeBinomial, RejectsBadParameters) {
  EXPECT_THAT([] { make("negative_binomial(r=0, p=0.5)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'negative_binomial': parameter 'r' is 0")));
  EXPECT_THAT([] { make("negative_binomial(-2, 0.5)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'r' is -2")));
  EXPECT_THAT([] { make("negative_binomial(2, 0)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'negative_binomial': parameter 'p' is 0")));
  EXPECT_THAT([] { make("negative_binomial(2, 1.5)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'p' is 1.5")));
  EXPECT_THAT([] { make("negative_binomial(2.5, 1e-20)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'negative_binomial': parameter 'p' is 1e-20, but must "
                            "give a mean r (1 - p)/p <= 1e15 (it gives 2.5e+20)")));
  EXPECT_THAT([] { make("negative_binomial(p=0.5)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'r' is required")));
}

TEST(NegativeBinomial, SpecRoundTrip) {
  const auto d = make("negative_binomial(2.5, 0.4)");
  EXPECT_EQ(d->spec(), "negative_binomial(r=2.5, p=0.4)");
  EXPECT_EQ(make(d->spec().c_str())->spec(), d->spec());
}

struct Case {
  const char *p, *q;
  double reference;
};

// Reference values: mpmath 1.2.1, mp.dps = 30, the series summed directly:
//   nb = lambda k, r, p: exp(loggamma(k+r)-loggamma(r)-loggamma(k+1)) * p**r * (1-p)**k
//   nsum(lambda k: nb(k,r,a)*log(nb(k,r,a)/nb(k,r,b)), [0, inf])
// with (r, a, b) = ('2.5', '0.4', '0.7') and ('0.7', '0.9', '0.25') as mpf; and (by hand)
// -3.5 log(0.6) for the point mass negative_binomial(2, 1) against negative_binomial(3.5, 0.6).
TEST(NegativeBinomial, ClosedFormMatchesSummationAndMpmath) {
  for (const Case& c :
       {Case{"negative_binomial(2.5, 0.4)", "negative_binomial(2.5, 0.7)",
             1.20026245726123819463739920415},
        Case{"negative_binomial(0.7, 0.9)", "negative_binomial(0.7, 0.25)",
             0.739939012447935541257636426334},
        Case{"negative_binomial(2, 1)", "negative_binomial(3.5, 0.6)", -3.5 * std::log(0.6)}}) {
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

// Different r: no closed form; the engine sums. Reference as above with
// nb(k,3,mpf('0.5')) || nb(k,mpf('1.5'),mpf('0.3')) (a plain sum over k < 400 agrees).
TEST(NegativeBinomial, DifferentRIsLeftToSummation) {
  const auto p = make("negative_binomial(3, 0.5)"), q = make("negative_binomial(1.5, 0.3)");
  EXPECT_FALSE(klest::closed_form_kl(*p, *q).has_value());
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.method, klest::TruthMethod::summation);
  EXPECT_NEAR(t.value, 0.0441821285388731204445867144221, 1e-12);
}

// Nearly equal p: the value, about 5e-13, must not drown in cancellation. Reference: mpmath,
// mp.dps = 40, r = mpf(2.5); a = mpf(0.4); b = mpf(0.4000002) (the doubles' exact values):
//   r*(log(a/b) + (1-a)/a*log((1-a)/(1-b)))
TEST(NegativeBinomial, ClosedFormIsAccurateForNearlyEqualP) {
  const auto p = make("negative_binomial(2.5, 0.4)"), q = make("negative_binomial(2.5, 0.4000002)");
  const double reference = 5.208332752038468420766752913208115041482e-13;
  EXPECT_NEAR(klest::true_kl(*p, *q).value, reference, 1e-12 * reference);
}

TEST(NegativeBinomial, PointMassQIsInfinite) {
  const auto p = make("negative_binomial(2, 0.5)"), q = make("negative_binomial(2, 1)");
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.value, INFINITY);
  EXPECT_EQ(t.method, klest::TruthMethod::support);
  EXPECT_EQ(klest::closed_form_kl(*p, *q)->value, INFINITY);
}

}  // namespace

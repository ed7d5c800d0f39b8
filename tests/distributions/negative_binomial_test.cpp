// Tests of the negative_binomial family and its closed form
// negative_binomial||negative_binomial.

#include <algorithm>
#include <cmath>
#include <string>

#include <boost/math/distributions/negative_binomial.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

using ::testing::ElementsAre;

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
        EXPECT_LT(mixed_error(d->log_density({&k, 1}), double(std::log(pdf))), 1e-12)
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
    EXPECT_LT(mixed_error(d->log_density({&t.k, 1}), t.expected), 1e-13)
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
  expect_support(*d, 0, 0);
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
  expect_support(*d, 0, INFINITY);
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
    expect_pooled_chi_square_passes(s, [&](double k) { return boost::math::pdf(ref, k); }, c.df,
                                    d->spec());
    expect_mean_and_variance_given_kurtosis(s.values(), boost::math::mean(ref),
                                            boost::math::variance(ref), boost::math::kurtosis(ref));
  }
}

TEST(NegativeBinomial, RejectsBadParameters) {
  expect_rejected("negative_binomial(r=0, p=0.5)",
                  "distribution 'negative_binomial': parameter 'r' is 0");
  expect_rejected("negative_binomial(-2, 0.5)", "parameter 'r' is -2");
  expect_rejected("negative_binomial(2, 0)",
                  "distribution 'negative_binomial': parameter 'p' is 0");
  expect_rejected("negative_binomial(2, 1.5)", "parameter 'p' is 1.5");
  expect_rejected("negative_binomial(2.5, 1e-20)",
                  "distribution 'negative_binomial': parameter 'p' is 1e-20, "
                  "but must give a mean r (1 - p)/p <= 1e15 (it gives 2.5e+20)");
  expect_rejected("negative_binomial(p=0.5)", "parameter 'r' is required");
}

TEST(NegativeBinomial, SpecRoundTrip) {
  expect_canonical_spec_round_trips("negative_binomial(2.5, 0.4)",
                                    "negative_binomial(r=2.5, p=0.4)");
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
    expect_closed_form_matches_summation(c.p, c.q, c.reference);
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
  expect_infinite("negative_binomial(2, 0.5)", "negative_binomial(2, 1)",
                  klest::TruthMethod::support);
}

}  // namespace

// Tests of the binomial family and its closed forms binomial||binomial, binomial||poisson and
// poisson||binomial.

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <boost/math/distributions/binomial.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

using ::testing::ElementsAre;

TEST(Binomial, LogDensityMatchesBoost) {
  for (double n : {1.0, 10.0, 200.0, 5000.0, 1e6}) {
    for (double p : {1e-5, 0.03, 0.5, 0.77, 0.999999}) {
      const auto d = make(("binomial(n=" + klest::format_number(n) +
                           ", p=" + klest::format_number(p) + ")").c_str());
      // long double: an independent and more precise reference, also where a double underflows.
      const boost::math::binomial_distribution<long double> ref(n, p);
      const double sd = std::sqrt(n * p * (1 - p));
      std::vector<double> ks{0, 1, 2, n - 2, n - 1, n, std::floor(n / 2)};
      for (double t : {-30.0, -10.0, -3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 30.0}) {
        ks.push_back(std::floor(n * p + t * sd));
      }
      for (double k : ks) {
        if (k < 0 || k > n) continue;
        const long double pdf = boost::math::pdf(ref, (long double)k);
        if (pdf == 0) continue;  // beyond even a long double (checked by hand below)
        EXPECT_LT(mixed_error(d->log_density({&k, 1}), double(std::log(pdf))), 1e-12)
            << "n " << n << ", p " << p << ", k " << k;
      }
    }
  }
  // Far below the long double range: log C(n, k) + k log p + (n - k) log(1 - p) by hand.
  const auto d = make("binomial(1000000, 0.5)");
  const double k = 10;
  const double by_hand = double(std::lgamma(1e6L + 1) - std::lgamma(11.0L) -
                                std::lgamma(1e6L - 9) + 1e6L * std::log(0.5L));
  EXPECT_LT(mixed_error(d->log_density({&k, 1}), by_hand), 1e-12);
}

// n = 1e10, where Boost's long double pdf is itself off by up to 6e-11 in the log, against
// mpmath 1.2.1 (mp.dps = 50, n = mpf(10**10), p = mpf(0.1), the double):
//   loggamma(n+1) - loggamma(k+1) - loggamma(n-k+1) + k*log(p) + (n-k)*log(1-p)
// The two products in k - n p = k (1 - p) - (n - k) p nearly cancel here.
TEST(Binomial, LogDensityForHugeNMatchesMpmath) {
  const auto d = make("binomial(1e10, 0.1)");
  const std::pair<double, double> points[] = {{999900000, -16.78356691991824344564},
                                              {1000000000, -11.22789119393322442851},
                                              {1000090000, -15.7278111973524920495},
                                              {1000300000, -61.22358073583476869309}};
  for (const auto& [k, expected] : points) {
    EXPECT_LT(mixed_error(d->log_density({&k, 1}), expected), 1e-13) << k;
  }
}

TEST(Binomial, EndpointProbabilitiesArePointMasses) {
  const auto zero = make("binomial(7, 0)"), one = make("binomial(7, 1)");
  for (double k = 0; k <= 7; k += 1) {
    EXPECT_EQ(zero->log_density({&k, 1}), k == 0 ? 0.0 : -INFINITY) << k;
    EXPECT_EQ(one->log_density({&k, 1}), k == 7 ? 0.0 : -INFINITY) << k;
  }
  expect_support(*zero, 0, 0);
  expect_support(*one, 7, 7);
  klest::Rng rng = klest::rng_for(3);
  const klest::Samples zeros = zero->sample(rng, 50), sevens = one->sample(rng, 50);
  for (double x : zeros.values()) EXPECT_EQ(x, 0);
  for (double x : sevens.values()) EXPECT_EQ(x, 7);
  const auto none = make("binomial(0, 0.4)");
  const double k0 = 0;
  EXPECT_EQ(none->log_density({&k0, 1}), 0);
  EXPECT_EQ(none->support()[0].hi, 0);
}

TEST(Binomial, LogDensityIsMinusInfinityOffTheSupport) {
  const auto d = make("binomial(10, 0.3)");
  for (double x : {-1.0, 0.5, 3.25, 11.0, 1e9, double(INFINITY), -double(INFINITY)}) {
    EXPECT_EQ(d->log_density({&x, 1}), -INFINITY) << x;
  }
}

TEST(Binomial, SupportLandmarksAndScale) {
  const auto d = make("binomial(10, 0.3)");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  expect_support(*d, 0, 10);
  EXPECT_THAT(d->landmarks(), ElementsAre(3.0));
  EXPECT_DOUBLE_EQ(d->scale(), std::sqrt(2.1));
  EXPECT_THAT(make("binomial(9, 0.5)")->landmarks(), ElementsAre(4.0, 5.0));  // (n+1)p = 5
  EXPECT_THAT(make("binomial(9, 1)")->landmarks(), ElementsAre(9.0));
  EXPECT_THAT(make("binomial(9, 0)")->landmarks(), ElementsAre(0.0));
}

// Chi-square goodness of fit on n = 20000 draws at a fixed seed, alpha = 0.001: critical values
// 36.12 (df = 14, binomial(20, 0.3), Boost.Random's inversion) and 100.89 (df = 61,
// binomial(400, 0.7), BTRD on 1 - p), from Boost's chi-square quantile (scipy.stats.chi2.isf
// agrees).
TEST(Binomial, SamplerFitsThePmf) {
  struct Case {
    double n, p;
    int df;
  };
  for (const Case& c : {Case{20, 0.3, 14}, Case{400, 0.7, 61}}) {
    const auto d = make(("binomial(" + klest::format_number(c.n) + ", " +
                         klest::format_number(c.p) + ")").c_str());
    klest::Rng rng = klest::rng_for(20240611, {2});
    const klest::Samples s = d->sample(rng, 20000);
    for (double x : s.values()) ASSERT_TRUE(x >= 0 && x <= c.n && std::floor(x) == x) << x;
    const boost::math::binomial_distribution<double> ref(c.n, c.p);
    expect_pooled_chi_square_passes(
        s, [&](double k) { return k <= c.n ? boost::math::pdf(ref, k) : 0.0; }, c.df, d->spec());
    expect_mean_and_variance_given_kurtosis(s.values(), c.n * c.p, c.n * c.p * (1 - c.p),
                                            boost::math::kurtosis(ref));
  }
}

TEST(Binomial, RejectsBadParameters) {
  expect_rejected("binomial(n=2.5, p=0.3)", "distribution 'binomial': parameter 'n' is 2.5");
  expect_rejected("binomial(-1, 0.3)", "parameter 'n' is -1");
  expect_rejected("binomial(10, 1.5)", "distribution 'binomial': parameter 'p' is 1.5");
  expect_rejected("binomial(10, -0.1)", "parameter 'p' is -0.1");
  expect_rejected("binomial(p=0.5)", "parameter 'n' is required");
}

TEST(Binomial, SpecRoundTrip) {
  expect_canonical_spec_round_trips("binomial(10, 0.3)", "binomial(n=10, p=0.3)");
}

struct Case {
  const char *p, *q;
  double reference;
};

// The closed form against the reference to 1e-12 relative, and against the engine's sum to
// 1e-10 relative plus its error estimate. Absolute allowances besides, for the KL of 2.5e-7
// made of terms of size 1e-3: 1e-18 for the closed form (a few ulps of 1e-3), 1e-15 for the
// engine, which subtracts log densities of size ~1 in each term (its abs_error of ~1e-21 does
// not count that rounding; it is off by 6e-17 there).
void expect_closed_form_matches(const Case& c) {
  expect_closed_form_matches_summation(c.p, c.q, c.reference, 1e-18, 1e-15);
}

// Reference values: mpmath 1.2.1, mp.dps = 30, the n + 1 terms summed exactly:
//   b = lambda k, n, p: binomial(n, k) * p**k * (1-p)**(n-k)
//   sum(b(k,10,mpf('0.3'))*log(b(k,10,mpf('0.3'))/b(k,10,mpf('0.55'))) for k in range(11))
// and likewise for (20, 0.9) || (20, 0.35).
TEST(Binomial, SameNClosedFormMatchesSummationAndMpmath) {
  expect_closed_form_matches(
      {"binomial(10, 0.3)", "binomial(10, 0.55)", 1.27442185524232799237626207864});
  expect_closed_form_matches(
      {"binomial(20, 0.9)", "binomial(20, 0.35)", 13.2567046053321421145701466933});
}

// n1 < n2: no closed form; the engine sums. Reference as above with Q = b(k, 12, mpf('0.5')),
// k in range(9).
TEST(Binomial, SmallerNIsLeftToSummation) {
  const auto p = make("binomial(8, 0.4)"), q = make("binomial(12, 0.5)");
  EXPECT_FALSE(klest::closed_form_kl(*p, *q).has_value());
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.method, klest::TruthMethod::summation);
  EXPECT_NEAR(t.value, 1.369813074368255358039766268, 1e-12);
}

TEST(Binomial, InfiniteCases) {
  // n1 > n2: P has mass above n2.
  expect_infinite("binomial(10, 0.3)", "binomial(5, 0.3)", klest::TruthMethod::support);
  // Same n, Q a point mass (p2 = 0 or 1) that P does not match.
  for (const char* point : {"binomial(10, 0)", "binomial(10, 1)"}) {
    expect_infinite("binomial(10, 0.3)", point, klest::TruthMethod::support);
  }
}

// A point mass P gives -log q(k0) whatever the n: by hand -3 log(0.6), -4 log(0.5),
// and (P = binomial(3, 1), Q = binomial(5, 0.2)) -log(C(5, 3) 0.2^3 0.8^2).
TEST(Binomial, PointMassPAgainstAnyN) {
  const Case cases[] = {{"binomial(5, 0)", "binomial(3, 0.4)", -3 * std::log(0.6)},
                        {"binomial(0, 0.3)", "binomial(4, 0.5)", -4 * std::log(0.5)},
                        {"binomial(3, 1)", "binomial(5, 0.2)", -std::log(10 * 0.008 * 0.64)}};
  for (const Case& c : cases) expect_closed_form_matches(c);
}

// Reference values: mpmath 1.2.1, mp.dps = 30, the n + 1 terms summed exactly with
//   lb = lambda k: loggamma(n+1)-loggamma(k+1)-loggamma(n-k+1)+k*log(p)+(n-k)*log(1-p)
//   lq = lambda k: k*log(l) - l - loggamma(k+1)
//   sum(exp(lb(k))*(lb(k)-lq(k)) for k in range(n+1))
// with (n, p, l) = (10, mpf('0.3'), 3), (25, mpf('0.8'), mpf('12.5')), (50, mpf('0.02'), 1),
// (1000, mpf(0.001), mpf(1.0)), and (100000, mpf(0.4), 40000) over k in [36000, 44000]
// (+-26 sd; the rest weighs < 1e-140).
TEST(Binomial, BinomialPoissonMatchesSummationAndMpmath) {
  expect_closed_form_matches(
      {"binomial(10, 0.3)", "poisson(3)", 0.0294971755765294430577474928309});
  expect_closed_form_matches(
      {"binomial(25, 0.8)", "poisson(12.5)", 2.31704306947818942021123662394});
  expect_closed_form_matches(
      {"binomial(50, 0.02)", "poisson(1)", 0.000102040961181807473827912270153});
  expect_closed_form_matches(
      {"binomial(1000, 0.001)", "poisson(1)", 0.000000250250250292086873168649560417});
  expect_closed_form_matches(
      {"binomial(100000, 0.4)", "poisson(40000)", 0.0554130341070694513094949495906});
}

// A divergence of 2.5e-19 made of terms of size 5e-13: the closed form must resolve it, and its
// error estimate must cover its actual error. Reference as above (n, p, l) =
// (10**6, mpf(1e-9), mpf(0.001)), k in range(40), mp.dps = 50. The engine's sum cannot resolve
// it (its terms subtract log densities of size ~1), so it is not compared.
TEST(Binomial, BinomialPoissonResolvesATinyDivergence) {
  const auto p = make("binomial(1000000, 1e-9)"), q = make("poisson(0.001)");
  const klest::Truth t = klest::true_kl(*p, *q);
  const double reference = 2.5000008350004178215055894398282580013888e-19;
  EXPECT_EQ(t.method, klest::TruthMethod::closed_form);
  EXPECT_NEAR(t.value, reference, t.abs_error);
  // The bound is a few ulps of the terms' magnitude (5e-13): 2.3e-7 relative here.
  EXPECT_LT(t.abs_error, 1e-6 * reference);
}

// Point masses: -log Pois(0; 2) = 2 and -log Pois(6; 2) = 2 - 6 log 2 + log 720, by hand.
TEST(Binomial, PointMassBinomialPoisson) {
  expect_closed_form_matches({"binomial(6, 0)", "poisson(2)", 2.0});
  expect_closed_form_matches(
      {"binomial(6, 1)", "poisson(2)", 2 - 6 * std::log(2.0) + std::log(720.0)});
}

TEST(Binomial, PoissonBinomialIsInfinite) {
  expect_infinite("poisson(0.01)", "binomial(1000, 0.5)", klest::TruthMethod::support);
}

}  // namespace

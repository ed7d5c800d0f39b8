// Tests of the mixture family: log density, sampler, support/tails/landmarks, KL routes.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

#include <boost/math/distributions/cauchy.hpp>
#include <boost/math/distributions/laplace.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

using ::testing::ElementsAre;

constexpr const char* two_normals =
    "mixture(weights=[0.3, 0.7], components=[normal(-2, 0.5), normal(1.5, 1.2)])";

TEST(Mixture, LogDensityMatchesDirectSum) {
  REQUIRE_FAMILIES("laplace", "cauchy");
  auto d = make(
      "mixture(weights=[0.2, 0.5, 0.3], components=[normal(-3, 0.5), laplace(0, 2), "
      "cauchy(4, 0.3)])");
  const boost::math::normal_distribution<double> n(-3, 0.5);
  const boost::math::laplace_distribution<double> l(0, 2);
  const boost::math::cauchy_distribution<double> c(4, 0.3);
  for (double x : {-30.0, -6.0, -3.2, -3.0, -1.0, 0.0, 0.5, 3.9, 4.0, 4.4, 9.0, 40.0, 1e4}) {
    using boost::math::pdf;
    const double expected = std::log(0.2 * pdf(n, x) + 0.5 * pdf(l, x) + 0.3 * pdf(c, x));
    EXPECT_LT(relative_error(d->log_density({&x, 1}), expected), 1e-12) << x;
  }
}

TEST(Mixture, LogDensityStaysFiniteWhereEveryTermUnderflows) {
  auto d = make(two_normals);
  // At x = 80 both densities underflow; the second dominates by e^-(many hundreds), so
  // log p = log 0.7 + log N(80; 1.5, 1.2^2) to double precision.
  const double x = 80;
  const double z = (x - 1.5) / 1.2;
  const double expected =
      std::log(0.7) - std::log(1.2) - 0.5 * std::log(2 * std::numbers::pi) - 0.5 * z * z;
  EXPECT_LT(relative_error(d->log_density({&x, 1}), expected), 1e-14);
}

TEST(Mixture, TwoDimensionalLogDensityMatchesDirectSum) {
  auto d = make(
      "mixture(weights=[0.25, 0.75], components=[mvnormal(mean=[0, 0]), "
      "mvnormal(mean=[2, -1], cov=[[4, 0], [0, 0.25]])])");
  const boost::math::normal_distribution<double> s(0, 1), a(2, 2), b(-1, 0.5);
  for (double t : {-5.0, -1.0, 0.0, 0.3, 2.0, 6.0}) {
    const std::vector<double> x{t, 0.5 - 0.4 * t};
    using boost::math::pdf;
    const double expected =
        std::log(0.25 * pdf(s, x[0]) * pdf(s, x[1]) + 0.75 * pdf(a, x[0]) * pdf(b, x[1]));
    EXPECT_LT(relative_error(d->log_density(x), expected), 1e-12) << t;
  }
}

TEST(Mixture, DiscreteLogMassMatchesDirectSum) {
  REQUIRE_FAMILIES("poisson");
  auto d = make("mixture(weights=[0.4, 0.6], components=[poisson(2), poisson(10)])");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  const boost::math::poisson_distribution<double> a(2), b(10);
  for (double k : {0.0, 1.0, 2.0, 5.0, 10.0, 17.0, 30.0}) {
    const double expected = std::log(0.4 * boost::math::pdf(a, k) + 0.6 * boost::math::pdf(b, k));
    EXPECT_LT(relative_error(d->log_density({&k, 1}), expected), 1e-12) << k;
  }
  const double half = 2.5;
  EXPECT_EQ(d->log_density({&half, 1}), -INFINITY);
}

// Sampler: Kolmogorov-Smirnov statistic of n = 20000 draws against the mixture cdf
// sum_k w_k Phi((x - m_k)/s_k) (Boost), alpha = 0.001 critical value 1.95/sqrt(n); the mean and
// the variance within 5 standard errors (SE of the variance sqrt((mu4 - var^2)/n), mu4 the
// mixture's fourth central moment).
TEST(Mixture, SamplerMatchesMixtureCdfAndMoments) {
  auto d = make(two_normals);
  const double w[2] = {0.3, 0.7}, m[2] = {-2, 1.5}, s[2] = {0.5, 1.2};
  const std::size_t n = 20000;
  klest::Rng rng = klest::rng_for(7);
  const klest::Samples smp = d->sample(rng, n);
  std::vector<double> x(smp.values().begin(), smp.values().end());
  std::sort(x.begin(), x.end());
  expect_ks_passes(
      x,
      [&](double v) {
        double f = 0;
        for (int k = 0; k < 2; ++k) {
          f += w[k] * boost::math::cdf(boost::math::normal_distribution<double>(m[k], s[k]), v);
        }
        return f;
      },
      two_normals);

  const double mean = w[0] * m[0] + w[1] * m[1];
  double var = 0, mu4 = 0;
  for (int k = 0; k < 2; ++k) {
    const double dm = m[k] - mean;
    var += w[k] * (s[k] * s[k] + dm * dm);
    mu4 += w[k] * (dm * dm * dm * dm + 6 * dm * dm * s[k] * s[k] + 3 * std::pow(s[k], 4));
  }
  expect_mean_and_variance_given_kurtosis(x, mean, var, mu4 / (var * var));
}

// Discrete sampler: chi-square test of the counts of n = 20000 draws in bins 0, 1, ..., 19 and
// >= 20 (21 bins, every expected count >= 5), critical value the 0.999 quantile of chi^2 with
// 20 degrees of freedom (Boost; about 45.3).
TEST(Mixture, DiscreteSamplerPassesChiSquare) {
  REQUIRE_FAMILIES("poisson");
  auto d = make("mixture(weights=[0.4, 0.6], components=[poisson(2), poisson(10)])");
  const std::size_t n = 20000;
  klest::Rng rng = klest::rng_for(8);
  const klest::Samples smp = d->sample(rng, n);
  std::vector<double> counts(21, 0);
  for (double v : smp.values()) counts[std::min<std::size_t>(std::size_t(v), 20)] += 1;
  const boost::math::poisson_distribution<double> a(2), b(10);
  std::vector<double> expected(21);
  for (int k = 0; k <= 20; ++k) {
    const double pk = k < 20 ? 0.4 * boost::math::pdf(a, k) + 0.6 * boost::math::pdf(b, k)
                             : 0.4 * boost::math::cdf(boost::math::complement(a, 19)) +
                                   0.6 * boost::math::cdf(boost::math::complement(b, 19));
    expected[std::size_t(k)] = pk * double(n);
    ASSERT_GE(expected[std::size_t(k)], 5) << k;
  }
  EXPECT_LT(pearson_statistic(counts, expected), chi_square_critical_value(20));
}

TEST(Mixture, ZeroWeightComponentsAreIgnored) {
  REQUIRE_FAMILIES("uniform");
  auto d = make("mixture(weights=[1, 0], components=[uniform(0, 1), uniform(5, 6)])");
  const auto s = d->support();
  EXPECT_EQ(s[0].lo, 0);
  EXPECT_EQ(s[0].hi, 1);
  klest::Rng rng = klest::rng_for(3);
  const klest::Samples draws = d->sample(rng, 2000);
  for (double v : draws.values()) {
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 1);
  }
  const double x = 5.5;
  EXPECT_EQ(d->log_density({&x, 1}), -INFINITY);
  auto both = make("mixture(weights=[0.5, 0.5], components=[uniform(0, 1), uniform(5, 6)])");
  EXPECT_EQ(both->support()[0].lo, 0);
  EXPECT_EQ(both->support()[0].hi, 6);
  EXPECT_EQ(both->log_density({&x, 1}), std::log(0.5));
}

TEST(Mixture, TailsAreTheHeaviestComponentTails) {
  using K = klest::Tail::Kind;
  auto nn = make("mixture(weights=[0.5, 0.5], components=[normal(0, 1), normal(5, 3)])");
  auto [l, r] = nn->tails();
  EXPECT_EQ(l.kind, K::exp_power);
  EXPECT_DOUBLE_EQ(l.coef, 1.0 / 18);
  EXPECT_DOUBLE_EQ(r.coef, 1.0 / 18);
  EXPECT_THAT(nn->landmarks(), ElementsAre(0.0, 5.0));

  if (klest::find_distribution("exponential") && klest::find_distribution("cauchy")) {
    auto ne = make("mixture(weights=[0.5, 0.5], components=[normal(0, 1), exponential(2)])");
    std::tie(l, r) = ne->tails();
    EXPECT_EQ(l.kind, K::exp_power);
    EXPECT_EQ(l.rate, 2);  // only the normal reaches -inf
    EXPECT_EQ(r.kind, K::exp_power);
    EXPECT_EQ(r.rate, 1);  // the exponential's tail is heavier
    auto nc = make("mixture(weights=[0.9, 0.1], components=[normal(0, 1), cauchy(0, 1)])");
    std::tie(l, r) = nc->tails();
    EXPECT_EQ(l.kind, K::power);
    EXPECT_EQ(r.kind, K::power);
  }
}

TEST(Mixture, ScaleIsTheMixtureStandardDeviation) {
  auto d = make(two_normals);
  // var = sum w (s^2 + m^2) - mean^2 with mean 0.45
  const double var = 0.3 * (0.25 + 4) + 0.7 * (1.44 + 2.25) - 0.45 * 0.45;
  EXPECT_NEAR(d->scale(), std::sqrt(var), 1e-12);
}

TEST(Mixture, SpecIsCanonicalAndRoundTrips) {
  expect_canonical_spec_round_trips(
      "mixture([0.5, 0.5], [normal, normal(3)])",
      "mixture(weights=[0.5, 0.5], components=[normal(mean=0, sd=1), normal(mean=3, sd=1)])");
  expect_canonical_spec_round_trips(
      "mixture([1], [mixture([0.2, 0.8], [normal(1), mvnormal([2])])])",
      "mixture(weights=[1], components=[mixture(weights=[0.2, 0.8], components=["
      "normal(mean=1, sd=1), mvnormal(mean=[2], cov=[[1]])])])");
  expect_registered_example_round_trips("mixture", klest::Support::any);
}

TEST(Mixture, RejectsBadParameters) {
  expect_rejected("mixture(weights=[0.5, -0.1, 0.6], components=[normal, normal, normal])",
                  "distribution 'mixture': parameter 'weights' has entry 2 = -0.1, "
                  "but weights must be >= 0");
  expect_rejected("mixture(weights=[0.5, 0.4], components=[normal, normal])",
                  "distribution 'mixture': parameter 'weights' sums to 0.9, "
                  "but must sum to 1 (within 1e-9)");
  expect_rejected("mixture(weights=[0.5, 0.500000002], components=[normal, normal])",
                  "must sum to 1");
  EXPECT_NO_THROW(make("mixture(weights=[0.5, 0.5000000005], components=[normal, normal])"));
  expect_rejected("mixture(weights=[0.5, 0.5], components=[normal])",
                  "distribution 'mixture': parameter 'components' has 1 entries, "
                  "but 'weights' has 2");
  expect_rejected("mixture(weights=[], components=[])",
                  "parameter 'weights' is [], but must have at least one");
  expect_rejected("mixture(weights=[[1]], components=[normal])",
                  "parameter 'weights' is [[1]], but must be a list of numbers");
  expect_rejected("mixture(weights=[1])",
                  "distribution 'mixture': parameter 'components' is required");
  expect_rejected("mixture(weights=[0.5, 0.5], components=[normal, normal(0, -1)])",
                  "distribution 'mixture': component 2: distribution 'normal': "
                  "parameter 'sd' is -1");
  expect_rejected("mixture(weights=[1], components=[nromal])",
                  "distribution 'mixture': component 1: unknown distribution 'nromal'");
  expect_rejected("mixture(weights=[0.5, 0.5], components=[normal, mvnormal([0, 0])])",
                  "distribution 'mixture': component 2 "
                  "('mvnormal(mean=[0, 0], cov=[[1, 0], [0, 1]])') has dimension 2, "
                  "but component 1 ('normal(mean=0, sd=1)') has 1");
  if (klest::find_distribution("poisson")) {
    expect_rejected("mixture(weights=[0.5, 0.5], components=[normal, poisson(1)])",
                    "component 2 ('poisson(rate=1)') is discrete, "
                    "but component 1 ('normal(mean=0, sd=1)') is continuous");
  }
}

// mixture || normal in 1-D: the engine's quadrature against an mpmath reference and against
// a Monte Carlo mean of log p - log q computed here.
TEST(MixtureKl, QuadratureMatchesReferenceAndMonteCarlo) {
  auto p = make(two_normals), q = make("normal(0.5, 2)");
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.method, klest::TruthMethod::quadrature);
  // /usr/bin/python3: mp.dps=30; mix=lambda x: 0.3*npdf(x,-2,0.5)+0.7*npdf(x,1.5,1.2);
  //   quad(lambda x: mix(x)*log(mix(x)/npdf(x,0.5,2)), [-inf,-2,0,1.5,inf])  (0.3, 0.5, ...
  //   as mpf strings)
  EXPECT_LT(relative_error(t.value, 0.176986417439968005234377643574), 1e-9);
  // Reverse direction, same expression with the roles swapped.
  const klest::Truth r = klest::true_kl(*q, *p);
  EXPECT_EQ(r.method, klest::TruthMethod::quadrature);
  EXPECT_LT(relative_error(r.value, 0.302202721303214629088931411188), 1e-9);

  const std::size_t n = 200000;
  klest::Rng rng = klest::rng_for(5);
  std::vector<double> log_ratios(n);
  for (std::size_t i = 0; i < n; ++i) {
    double x = 0;
    p->sample(rng, {&x, 1});
    log_ratios[i] = p->log_density({&x, 1}) - q->log_density({&x, 1});
  }
  const MeanAndError mc = mean_and_standard_error(log_ratios);
  EXPECT_NEAR(t.value, mc.mean, 5 * mc.standard_error);
}

TEST(MixtureKl, InfiniteCases) {
  REQUIRE_FAMILIES("cauchy", "uniform");
  auto heavy = make("mixture(weights=[0.9, 0.1], components=[normal(0, 1), cauchy(0, 1)])");
  const klest::Truth t = klest::true_kl(*heavy, *make("normal(0, 1)"));
  EXPECT_EQ(t.value, INFINITY);
  EXPECT_EQ(t.method, klest::TruthMethod::tails);

  auto gap = make("mixture(weights=[0.5, 0.5], components=[uniform(0, 1), uniform(2, 3)])");
  const klest::Truth s = klest::true_kl(*gap, *make("uniform(0, 2.5)"));
  EXPECT_EQ(s.value, INFINITY);
  EXPECT_EQ(s.method, klest::TruthMethod::support);
  // Inside the box but not the support: Q's density vanishes on (1, 2), found numerically.
  const klest::Truth u = klest::true_kl(*make("uniform(0, 3)"), *gap);
  EXPECT_EQ(u.value, INFINITY);
}

TEST(MixtureKl, DiscreteSummationMatchesReference) {
  REQUIRE_FAMILIES("poisson");
  auto p = make("mixture(weights=[0.4, 0.6], components=[poisson(2), poisson(10)])");
  const klest::Truth t = klest::true_kl(*p, *make("poisson(6)"));
  EXPECT_EQ(t.method, klest::TruthMethod::summation);
  // /usr/bin/python3: mp.dps=30; pois=lambda k,l: exp(k*log(l)-l-loggamma(k+1));
  //   p=lambda k: mpf('0.4')*pois(k,2)+mpf('0.6')*pois(k,10);
  //   sum(p(k)*log(p(k)/pois(k,6)) for k in range(0,400))
  EXPECT_LT(relative_error(t.value, 0.815087014144287302674119831177), 1e-10);
}

TEST(MixtureKl, TwoDimensionalMixtureUsesMonteCarlo) {
  auto p = make(
      "mixture(weights=[0.5, 0.5], components=[mvnormal(mean=[-1, 0]), "
      "mvnormal(mean=[1, 0])])");
  auto q = make("mvnormal(mean=[0, 0], cov=[[2, 0], [0, 1]])");
  const klest::Truth t = klest::true_kl(*p, *q, {.mc_samples = 100000});
  EXPECT_EQ(t.method, klest::TruthMethod::monte_carlo);
  // The second coordinate is N(0, 1) under both, independent of the first: the KL is that of
  // the first coordinates, a 1-D pair the engine integrates.
  const klest::Truth one =
      klest::true_kl(*make("mixture(weights=[0.5, 0.5], components=[normal(-1, 1), normal(1, 1)])"),
                     *make("normal(0, 1.4142135623730951)"));
  EXPECT_EQ(one.method, klest::TruthMethod::quadrature);
  EXPECT_NEAR(t.value, one.value, 5 * t.abs_error);
  // Joint convexity: below sum_k w_k KL(P_k || Q) = KL(N(1, 1) || N(0, 2)) = log(sqrt 2).
  EXPECT_LT(one.value, 0.5 * std::log(2.0));
}

}  // namespace

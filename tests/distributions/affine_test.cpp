// Tests of the affine family and the affine||affine closed form (invariance).

#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using K = klest::Tail::Kind;

// A = [[2, 1], [0.5, -1]] maps N([0.5, -1], I) to N(A m + b, A A^T) = N([1, 3.25], diag(5, 1.25))
// for b = [1, 2]: the rows of A are orthogonal.
constexpr const char* rotated =
    "affine(base=mvnormal(mean=[0.5, -1]), matrix=[[2, 1], [0.5, -1]], shift=[1, 2])";

TEST(Affine, OneDimensionalLogDensityMatchesBoostNormal) {
  auto d = make("affine(normal(0, 1), [[-2]], [1])");
  const boost::math::normal_distribution<double> n(1, 2);
  for (double y : {-30.0, -5.0, -1.0, 0.0, 1.0, 2.5, 9.0, 30.0}) {
    EXPECT_LT(relative_error(d->log_density({&y, 1}), std::log(boost::math::pdf(n, y))), 1e-12)
        << y;
  }
}

TEST(Affine, TwoDimensionalLogDensityMatchesTheImageGaussian) {
  auto d = make(rotated);
  const boost::math::normal_distribution<double> a(1, std::sqrt(5.0)), b(3.25, std::sqrt(1.25));
  for (double t : {-6.0, -1.0, 0.0, 0.4, 2.0, 7.0}) {
    const std::vector<double> y{1 + t, 3.25 - 0.3 * t + 0.2};
    const double expected =
        std::log(boost::math::pdf(a, y[0])) + std::log(boost::math::pdf(b, y[1]));
    EXPECT_LT(relative_error(d->log_density(y), expected), 1e-12) << t;
  }
}

// Sampler: mean and covariance of n = 20000 draws within 5 standard errors (SE of a mean
// sqrt(var/n); of a covariance entry sqrt((S_ii S_jj + S_ij^2)/n)); Kolmogorov-Smirnov test of
// each coordinate against Boost's normal cdf, alpha = 0.001 (critical value 1.95/sqrt(n)).
TEST(Affine, SamplerHasTheImageMoments) {
  auto d = make(rotated);
  const std::vector<double> mean{1, 3.25};
  const std::vector<std::vector<double>> cov{{5, 0}, {0, 1.25}};
  const std::size_t n = 20000;
  klest::Rng rng = klest::rng_for(99);
  const klest::Samples s = d->sample(rng, n);
  expect_mean_and_covariance(s, mean, cov);
  for (std::size_t a = 0; a < 2; ++a) {
    const boost::math::normal_distribution<double> ref(mean[a], std::sqrt(cov[a][a]));
    expect_ks_passes(column(s, a), [&](double x) { return boost::math::cdf(ref, x); },
                     "coordinate " + std::to_string(a));
  }
}

std::vector<std::pair<double, double>> box(const klest::Distribution& d) {
  std::vector<std::pair<double, double>> out;
  for (const klest::Interval& i : d.support()) out.emplace_back(i.lo, i.hi);
  return out;
}

TEST(Affine, SupportIsTheImageBox) {
  REQUIRE_FAMILIES("uniform", "exponential");
  using P = std::pair<double, double>;
  const double inf = INFINITY;
  const std::string base = "product([uniform(0, 1), uniform(-1, 2)])";
  // Diagonal with a negative entry.
  EXPECT_THAT(box(*make("affine(" + base + ", [[2, 0], [0, -3]], [1, 1])")),
              ElementsAre(P{1, 3}, P{-5, 4}));
  // Permutation.
  EXPECT_THAT(box(*make("affine(" + base + ", [[0, 1], [1, 0]])")), ElementsAre(P{-1, 2}, P{0, 1}));
  // General matrix: the bounding box of the image of the corners.
  EXPECT_THAT(box(*make("affine(" + base + ", [[1, 1], [1, -1]], [0, 0.5])")),
              ElementsAre(P{-1, 3}, P{-1.5, 2.5}));
  // Unbounded coordinates stay unbounded, and spread only where the matrix mixes them in.
  const std::string half = "product([uniform(0, 1), normal])";
  EXPECT_THAT(box(*make("affine(" + half + ", [[2, 0], [1, 1]])")),
              ElementsAre(P{0, 2}, P{-inf, inf}));
  EXPECT_THAT(box(*make("affine(" + half + ", [[1, 1], [0, 1]])")),
              ElementsAre(P{-inf, inf}, P{-inf, inf}));
  EXPECT_THAT(box(*make("affine(exponential(1), [[-2]], [1])")), ElementsAre(P{-inf, 1}));
  EXPECT_THAT(box(*make("affine(exponential(1), [[3]], [1])")), ElementsAre(P{1, inf}));
}

TEST(Affine, OneDimensionalTailsLandmarksAndScale) {
  REQUIRE_FAMILIES("exponential", "gumbel", "cauchy");
  auto e = make("affine(exponential(1), [[-2]], [1])");
  auto [l, r] = e->tails();
  EXPECT_EQ(l.kind, K::exp_power);  // the exponential's right tail, reflected
  EXPECT_EQ(l.rate, 1);
  EXPECT_DOUBLE_EQ(l.coef, 0.5);  // density ~ exp(-|y|/2)
  EXPECT_EQ(r.kind, K::bounded);

  auto n = make("affine(normal(1, 1), [[3]], [-1])");
  std::tie(l, r) = n->tails();
  EXPECT_DOUBLE_EQ(l.coef, 0.5 / 9);  // N(2, 9)
  EXPECT_DOUBLE_EQ(r.coef, 0.5 / 9);
  EXPECT_THAT(n->landmarks(), ElementsAre(2.0));
  EXPECT_DOUBLE_EQ(n->scale(), 3);

  auto g = make("affine(gumbel(0, 1), [[-4]])");
  std::tie(l, r) = g->tails();
  EXPECT_EQ(r.kind, K::double_exp);  // the gumbel's left tail, now on the right
  EXPECT_DOUBLE_EQ(r.rate, 0.25);
  EXPECT_EQ(l.kind, K::exp_power);
  EXPECT_DOUBLE_EQ(l.coef, 0.25);

  auto c = make("affine(cauchy(0, 1), [[-5]])");
  std::tie(l, r) = c->tails();
  EXPECT_EQ(l.kind, K::power);
  EXPECT_EQ(l.rate, 1);
}

TEST(Affine, SpecIsCanonicalAndRoundTrips) {
  expect_canonical_spec_round_trips(
      "affine(normal, [[2]])", "affine(base=normal(mean=0, sd=1), matrix=[[2]], shift=[0])");
  expect_canonical_spec_round_trips(rotated,
                                    "affine(base=mvnormal(mean=[0.5, -1], cov=[[1, 0], [0, 1]]), "
                                    "matrix=[[2, 1], [0.5, -1]], shift=[1, 2])");
  expect_registered_example_round_trips("affine", klest::Support::continuous);
}

TEST(Affine, RejectsBadParameters) {
  expect_rejected("affine(mvnormal([0, 0]), [[1, 2], [2, 4]])",
                  "distribution 'affine': parameter 'matrix' is singular (numerical rank 1 of 2)");
  expect_rejected("affine(normal, [[0]])",
                  "parameter 'matrix' is singular (numerical rank 0 of 1)");
  expect_rejected("affine(normal, [[1], [2]])",
                  "distribution 'affine': parameter 'matrix' has 2 rows, but must have 1 "
                  "(the dimension of the base 'normal(mean=0, sd=1)')");
  expect_rejected("affine(mvnormal([0, 0]), [[1, 0], [1]])",
                  "parameter 'matrix' has row 2 with 1 entries, but each row must have 2");
  expect_rejected("affine(normal, [2])",
                  "parameter 'matrix' has row 1 = 2, but each row must be a list of numbers");
  expect_rejected("affine(normal, [[2]], [1, 2])",
                  "distribution 'affine': parameter 'shift' has 2 entries, but must have 1");
  expect_rejected("affine(normal, [[2]], [[1]])",
                  "parameter 'shift' is [[1]], but must be a list of numbers");
  expect_rejected("affine(normal(0, -2), [[2]])",
                  "distribution 'affine': base: distribution 'normal': parameter 'sd' is -2");
  expect_rejected("affine(matrix=[[2]])", "distribution 'affine': parameter 'base' is required");
  expect_rejected("affine(normal)", "distribution 'affine': parameter 'matrix' is required");
  if (klest::find_distribution("poisson")) {
    expect_rejected("affine(poisson(2), [[1]])",
                    "distribution 'affine': base 'poisson(rate=2)' is discrete, "
                    "but must be continuous");
  }
}

constexpr const char* base_p = "mvnormal(mean=[0.5, -1], cov=[[2, 0.4], [0.4, 1]])";
constexpr const char* base_q = "mvnormal(mean=[0, 0], cov=[[1, -0.3], [-0.3, 1.5]])";
std::string mapped(const char* base) {
  return std::string("affine(") + base + ", [[1, 2], [-0.5, 3]], [4, -2])";
}

TEST(AffineKl, ClosedFormIsTheKlOfTheBases) {
  auto p = make(mapped(base_p)), q = make(mapped(base_q));
  const klest::Truth t = klest::true_kl(*p, *q);
  const klest::Truth b = klest::true_kl(*make(base_p), *make(base_q));
  EXPECT_EQ(t.method, klest::TruthMethod::closed_form);
  EXPECT_EQ(t.value, b.value);
  EXPECT_THAT(t.detail, HasSubstr("common affine map"));
}

// Invariance checked numerically: Monte Carlo on the transformed pair, closed forms disabled,
// against the closed form for the bases; within 5 standard errors, in both directions.
TEST(AffineKl, InvarianceHoldsNumerically) {
  for (const auto& [bp, bq] : {std::pair{base_p, base_q}, std::pair{base_q, base_p}}) {
    auto p = make(mapped(bp)), q = make(mapped(bq));
    const klest::Truth mc =
        klest::true_kl(*p, *q, {.use_closed_form = false, .mc_samples = 200000, .seed = 17});
    EXPECT_EQ(mc.method, klest::TruthMethod::monte_carlo);
    const double exact = klest::true_kl(*make(bp), *make(bq)).value;
    EXPECT_NEAR(mc.value, exact, 5 * mc.abs_error) << bp;
  }
  // 1-D: the engine's quadrature of the mapped pair equals the bases' KL.
  REQUIRE_FAMILIES("laplace");
  auto p = make("affine(laplace(1, 0.5), [[-3]], [2])"),
       q = make("affine(normal(0, 2), [[-3]], [2])");
  const klest::Truth quad = klest::true_kl(*p, *q, {.use_closed_form = false});
  EXPECT_EQ(quad.method, klest::TruthMethod::quadrature);
  const klest::Truth base =
      klest::true_kl(*make("laplace(1, 0.5)"), *make("normal(0, 2)"), {.use_closed_form = false});
  EXPECT_LT(relative_error(quad.value, base.value), 1e-8);
  EXPECT_EQ(klest::true_kl(*p, *q).value,
            klest::true_kl(*make("laplace(1, 0.5)"), *make("normal(0, 2)")).value);
}

TEST(AffineKl, DifferentMapsHaveNoClosedForm) {
  // affine(N(m, S), A, b) = N(A m + b, A S A^T): here N([1, 1], diag(4, 1)) and
  // N([0, 0], [[1, 0.5], [0.5, 1]]).
  auto p = make("affine(mvnormal([0.5, 1]), [[2, 0], [0, 1]], [0, 0])");
  auto q = make("affine(mvnormal([0, 0]), [[1, 0], [0.5, 0.8660254037844386]])");
  EXPECT_FALSE(klest::closed_form_kl(*p, *q).has_value());
  const klest::Truth mc = klest::true_kl(*p, *q, {.mc_samples = 200000, .seed = 4});
  EXPECT_EQ(mc.method, klest::TruthMethod::monte_carlo);
  const double exact = klest::true_kl(*make("mvnormal([1, 1], [[4, 0], [0, 1]])"),
                                      *make("mvnormal([0, 0], [[1, 0.5], [0.5, 1]])"))
                           .value;
  EXPECT_NEAR(mc.value, exact, 5 * mc.abs_error);
  // A shift alone breaks the closed form too.
  EXPECT_FALSE(klest::closed_form_kl(*make("affine(normal, [[2]], [1])"),
                                     *make("affine(normal, [[2]], [0])"))
                   .has_value());
}

TEST(AffineKl, MatchesMpmathReferenceThroughQuadrature) {
  REQUIRE_FAMILIES("laplace");
  // P = 2 N(0, 1) + 1 = N(1, 4); Q = -0.5 Laplace(0, 1) = Laplace(0, 0.5).
  auto p = make("affine(normal(0, 1), [[2]], [1])"), q = make("affine(laplace(0, 1), [[-0.5]])");
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.method, klest::TruthMethod::quadrature);
  // /usr/bin/python3: mp.dps=30; p=lambda x: npdf(x,1,2); q=lambda x: exp(-abs(x)/0.5)/(2*0.5)
  //   (0.5 as mpf('0.5')); quad(lambda x: p(x)*log(p(x)/q(x)), [-inf,0,1,inf])
  EXPECT_LT(relative_error(t.value, 1.47028674544583018555070011734), 1e-9);
}

TEST(AffineKl, InfiniteCases) {
  REQUIRE_FAMILIES("cauchy", "exponential");
  // Tails: a Cauchy against a normal stays +inf under a common map, by either route.
  auto p = make("affine(cauchy(0, 1), [[-2]], [1])"), q = make("affine(normal(0, 1), [[-2]], [1])");
  for (bool closed : {true, false}) {
    const klest::Truth t = klest::true_kl(*p, *q, {.use_closed_form = closed});
    EXPECT_EQ(t.value, INFINITY);
    EXPECT_EQ(t.method, klest::TruthMethod::tails);
  }
  // Support: a reflected exponential lives on (-inf, 0], outside an exponential's [0, inf).
  const klest::Truth s =
      klest::true_kl(*make("affine(exponential(1), [[-1]])"), *make("exponential(1)"));
  EXPECT_EQ(s.value, INFINITY);
  EXPECT_EQ(s.method, klest::TruthMethod::support);
}

}  // namespace

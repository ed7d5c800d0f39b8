// Tests of the mvnormal family and its closed forms (mvnormal||mvnormal, mvnormal||normal,
// normal||mvnormal).

#include <cmath>
#include <numbers>
#include <tuple>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

// The pair of the pasted reference value (asymmetric, correlated, 3-D).
constexpr const char* p3 =
    "mvnormal(mean=[0.5, -1, 2], cov=[[2, 0.3, -0.4], [0.3, 1, 0.2], [-0.4, 0.2, 1.5]])";
constexpr const char* q3 =
    "mvnormal(mean=[0, 0.5, 1], cov=[[1, -0.2, 0.1], [-0.2, 2.5, 0.6], [0.1, 0.6, 0.8]])";

TEST(MvNormal, LogDensityMatchesBivariateHandFormula) {
  const double m1 = 0.3, m2 = -1.2, s1 = 1.5, s2 = 0.7, rho = -0.6;
  auto d = make("mvnormal(mean=[0.3, -1.2], cov=[[2.25, -0.63], [-0.63, 0.49]])");
  for (double x1 : {-20.0, -3.0, -0.5, 0.3, 1.0, 4.0, 25.0}) {
    for (double x2 : {-15.0, -1.2, 0.0, 2.5, 10.0}) {
      const double z1 = (x1 - m1) / s1, z2 = (x2 - m2) / s2;
      const double expected = -std::log(2 * std::numbers::pi * s1 * s2 * std::sqrt(1 - rho * rho)) -
                              (z1 * z1 - 2 * rho * z1 * z2 + z2 * z2) / (2 * (1 - rho * rho));
      const std::vector<double> x{x1, x2};
      EXPECT_LT(relative_error(d->log_density(x), expected), 1e-12) << x1 << ", " << x2;
    }
  }
}

TEST(MvNormal, DiagonalLogDensityMatchesBoostNormal) {
  auto d = make("mvnormal(mean=[1, -2, 0.5], cov=[[4, 0, 0], [0, 0.25, 0], [0, 0, 9]])");
  const boost::math::normal_distribution<double> n1(1, 2), n2(-2, 0.5), n3(0.5, 3);
  for (double t : {-12.0, -4.0, -1.0, 0.0, 0.7, 3.0, 11.0}) {
    const std::vector<double> x{1 + t, -2 - 0.5 * t, 0.5 + 0.9 * t};
    const double expected = std::log(boost::math::pdf(n1, x[0])) +
                            std::log(boost::math::pdf(n2, x[1])) +
                            std::log(boost::math::pdf(n3, x[2]));
    EXPECT_LT(relative_error(d->log_density(x), expected), 1e-12) << t;
  }
}

TEST(MvNormal, OneDimensionalEqualsNormal) {
  auto d = make("mvnormal([2], [[0.09]])");
  const boost::math::normal_distribution<double> n(2, 0.3);
  for (double x : {-5.0, 1.0, 2.0, 2.4, 8.0}) {
    EXPECT_LT(relative_error(d->log_density({&x, 1}), std::log(boost::math::pdf(n, x))), 1e-12)
        << x;
  }
  EXPECT_EQ(d->support()[0].lo, -INFINITY);
  EXPECT_EQ(d->support()[0].hi, INFINITY);
  const auto [l, r] = d->tails();
  EXPECT_EQ(l.kind, klest::Tail::Kind::exp_power);
  EXPECT_EQ(r.kind, klest::Tail::Kind::exp_power);
  EXPECT_DOUBLE_EQ(l.rate, 2);
  EXPECT_DOUBLE_EQ(r.coef, 0.5 / 0.09);
  EXPECT_THAT(d->landmarks(), ::testing::ElementsAre(2.0));
  EXPECT_DOUBLE_EQ(d->scale(), 0.3);
}

TEST(MvNormal, FarPointsGiveFiniteLogDensity) {
  auto d = make("mvnormal(mean=[0, 0], cov=[[1, 0.999], [0.999, 1]])");
  const std::vector<double> x{1e6, -1e6};
  const double l = d->log_density(x);
  EXPECT_FALSE(std::isnan(l));
  EXPECT_LT(l, -1e12);
  const std::vector<double> huge{1e300, 1e300};
  EXPECT_EQ(d->log_density(huge), -INFINITY);
}

// Sampler: the mean and covariance of n = 20000 draws within 5 standard errors (SE of a mean
// sqrt(S_ii / n); of a covariance entry sqrt((S_ii S_jj + S_ij^2) / n)), and a
// Kolmogorov-Smirnov test of each coordinate and of one projection v'X ~ N(v'm, v'Sv) against
// Boost's normal cdf at alpha = 0.001 (critical value 1.95 / sqrt(n)).
TEST(MvNormal, SamplerMomentsAndMarginals) {
  const std::vector<double> mean{1, -2, 0.5};
  const std::vector<std::vector<double>> cov{{2, 0.6, -0.5}, {0.6, 1, 0.3}, {-0.5, 0.3, 0.8}};
  auto d =
      make("mvnormal(mean=[1, -2, 0.5], cov=[[2, 0.6, -0.5], [0.6, 1, 0.3], [-0.5, 0.3, 0.8]])");
  const std::size_t n = 20000;
  klest::Rng rng = klest::rng_for(42);
  const klest::Samples s = d->sample(rng, n);
  ASSERT_EQ(s.dim(), 3u);
  expect_mean_and_covariance(s, mean, cov);
  auto ks = [&](const std::vector<double>& v) {
    double mu = 0, var = 0;
    for (std::size_t a = 0; a < 3; ++a) {
      mu += v[a] * mean[a];
      for (std::size_t b = 0; b < 3; ++b) var += v[a] * cov[a][b] * v[b];
    }
    const boost::math::normal_distribution<double> ref(mu, std::sqrt(var));
    return ks_statistic(projection(s, v), [&](double y) { return boost::math::cdf(ref, y); });
  };
  const double critical = ks_critical_value(n);
  EXPECT_LT(ks({1, 0, 0}), critical);
  EXPECT_LT(ks({0, 1, 0}), critical);
  EXPECT_LT(ks({0, 0, 1}), critical);
  EXPECT_LT(ks({0.5, -1, 2}), critical);
}

TEST(MvNormal, CovDefaultsToIdentityAndSpecRoundTrips) {
  expect_canonical_spec_round_trips("mvnormal(mean=[1, 2])",
                                    "mvnormal(mean=[1, 2], cov=[[1, 0], [0, 1]])");
  expect_spec_round_trips(p3);
  auto e = make(p3);
  EXPECT_EQ(e->dim(), 3u);
  EXPECT_EQ(e->kind(), klest::Support::continuous);
  for (const klest::Interval& i : e->support()) {
    EXPECT_EQ(i.lo, -INFINITY);
    EXPECT_EQ(i.hi, INFINITY);
  }
  expect_registered_example_round_trips("mvnormal", klest::Support::continuous);
}

TEST(MvNormal, RejectsBadParameters) {
  expect_rejected("mvnormal(mean=[0, 0], cov=[[1, 1.5], [1.5, 2]])",
                  "distribution 'mvnormal': cov is not positive definite "
                  "(leading minor 2 is -0.25)");
  expect_rejected("mvnormal(mean=[0], cov=[[-1]])",
                  "not positive definite (leading minor 1 is -1)");
  expect_rejected("mvnormal(mean=[0, 0], cov=[[1, 1], [1, 1]])", "not positive definite");
  expect_rejected("mvnormal(mean=[0, 0], cov=[[1, 0.5], [0.4, 1]])",
                  "distribution 'mvnormal': cov is not symmetric");
  expect_rejected("mvnormal(mean=[0, 0], cov=[[1, 0.5], [0.500000000003, 1]])",
                  "cov is not symmetric");
  // Within the relative tolerance 1e-12: accepted.
  EXPECT_NO_THROW(make("mvnormal(mean=[0, 0], cov=[[1, 0.5], [0.5000000000000001, 1]])"));
  expect_rejected("mvnormal(mean=[0, 0, 0], cov=[[1, 0], [0, 1]])",
                  "distribution 'mvnormal': parameter 'cov' has 2 rows, "
                  "but must have 3 (the length of mean)");
  expect_rejected("mvnormal(mean=[0, 0], cov=[[1, 0], [0]])",
                  "parameter 'cov' has row 2 with 1 entries");
  expect_rejected("mvnormal(mean=[0, 0], cov=[1, 1])", "parameter 'cov' has row 1 = 1");
  expect_rejected("mvnormal(mean=[[0], [0]])",
                  "parameter 'mean' is [[0], [0]], but must be a list of numbers");
  expect_rejected("mvnormal(mean=[])", "parameter 'mean' is [], but must have at least one entry");
  expect_rejected("mvnormal(cov=[[1]])", "distribution 'mvnormal': parameter 'mean' is required");
  expect_rejected("mvnormal(mean=0)", "distribution 'mvnormal': parameter 'mean'");
}

// An independent check form of the Gaussian KL
//   1/2 [tr(S2^-1 S1) + (m2 - m1)' S2^-1 (m2 - m1) - d + log(det S2 / det S1)]
// (Kullback 1959, Information Theory and Statistics; Penny 2001, "KL-divergences of normal,
// gamma, Dirichlet and Wishart densities"): with lambda_i the eigenvalues of L2^-1 S1 L2^-T,
// tr(S2^-1 S1) = sum lambda_i and log(det S1 / det S2) = sum log lambda_i, so
// KL = 1/2 sum (lambda_i - 1 - log lambda_i) + 1/2 |L2^-1 (m2 - m1)|^2.
double eigen_form(const Eigen::VectorXd& m1, const Eigen::MatrixXd& s1, const Eigen::VectorXd& m2,
                  const Eigen::MatrixXd& s2) {
  const Eigen::MatrixXd l2 = s2.llt().matrixL();
  const Eigen::MatrixXd a = l2.triangularView<Eigen::Lower>().solve(
      l2.triangularView<Eigen::Lower>().solve(s1).transpose());
  const Eigen::VectorXd lambda = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(a).eigenvalues();
  double kl = 0;
  for (double l : lambda) kl += 0.5 * (l - 1 - std::log(l));
  const Eigen::VectorXd delta = l2.triangularView<Eigen::Lower>().solve(m2 - m1);
  return kl + 0.5 * delta.squaredNorm();
}

TEST(MvNormalKl, ClosedFormMatchesEigenvalueForm) {
  Eigen::VectorXd m1(3), m2(3);
  Eigen::MatrixXd s1(3, 3), s2(3, 3);
  m1 << 0.5, -1, 2;
  m2 << 0, 0.5, 1;
  s1 << 2, 0.3, -0.4, 0.3, 1, 0.2, -0.4, 0.2, 1.5;
  s2 << 1, -0.2, 0.1, -0.2, 2.5, 0.6, 0.1, 0.6, 0.8;
  auto p = make(p3), q = make(q3);
  const klest::Truth pq = klest::true_kl(*p, *q);
  EXPECT_EQ(pq.method, klest::TruthMethod::closed_form);
  EXPECT_LT(relative_error(pq.value, eigen_form(m1, s1, m2, s2)), 1e-12);
  EXPECT_LT(relative_error(klest::true_kl(*q, *p).value, eigen_form(m2, s2, m1, s1)), 1e-12);

  // Badly scaled, strongly correlated 4-D pair.
  auto a = make(
      "mvnormal(mean=[1, 0, -3, 100], cov=[[1e4, 99, 0, 0], [99, 1, 0, 0], "
      "[0, 0, 1e-4, 0], [0, 0, 0, 50]])");
  auto b = make(
      "mvnormal(mean=[0, 0.1, -3, 90], cov=[[2e4, 0, 0, 0], [0, 2, 0.001, 0], "
      "[0, 0.001, 3e-4, 0], [0, 0, 0, 60]])");
  Eigen::VectorXd am(4), bm(4);
  Eigen::MatrixXd as(4, 4), bs(4, 4);
  am << 1, 0, -3, 100;
  bm << 0, 0.1, -3, 90;
  as << 1e4, 99, 0, 0, 99, 1, 0, 0, 0, 0, 1e-4, 0, 0, 0, 0, 50;
  bs << 2e4, 0, 0, 0, 0, 2, 0.001, 0, 0, 0.001, 3e-4, 0, 0, 0, 0, 60;
  EXPECT_LT(relative_error(klest::true_kl(*a, *b).value, eigen_form(am, as, bm, bs)), 1e-9);
}

TEST(MvNormalKl, MatchesMpmathReference) {
  auto p = make(p3), q = make(q3);
  // /usr/bin/python3: mp.dps=30; 0.5*(tr(inverse(S2)*S1) + dm.T*inverse(S2)*dm - 3
  //   + log(det(S2)) - log(det(S1))) with the P, Q of p3, q3 (dm = m2 - m1), mpmath matrices.
  EXPECT_LT(relative_error(klest::true_kl(*p, *q).value, 2.65778566018410386116999751125), 1e-12);
  EXPECT_LT(relative_error(klest::true_kl(*q, *p).value, 2.87391387607474868360808063572), 1e-12);
  // The same expression for N([0,0], [[1,.5],[.5,1]]) || N([1e-6,0], [[1+1e-6,.5],[.5,1]]):
  // nearly equal laws, where a naive tr - d + log det keeps only ~4 digits (rounding of order
  // 1e-16 against a KL of 1e-12). The Cholesky factor's own rounding allows ~1e-10 relative.
  auto a = make("mvnormal(mean=[0, 0], cov=[[1, 0.5], [0.5, 1]])");
  auto b = make("mvnormal(mean=[1e-6, 0], cov=[[1.000001, 0.5], [0.5, 1]])");
  EXPECT_LT(relative_error(klest::true_kl(*a, *b).value, 1.11110943202801010656517294414e-12),
            1e-9);
}

TEST(MvNormalKl, SelfIsZero) {
  auto p = make(p3), p2 = make(p3);
  EXPECT_NEAR(klest::true_kl(*p, *p2).value, 0.0, 1e-15);
}

// Monte Carlo route with the closed form disabled: within 5 standard errors.
TEST(MvNormalKl, ClosedFormMatchesMonteCarlo) {
  const std::vector<std::pair<const char*, const char*>> pairs{
      {p3, q3},
      {q3, p3},
      {"mvnormal(mean=[0, 0], cov=[[1, 0.8], [0.8, 1]])", "mvnormal(mean=[0.5, -0.5])"}};
  for (const auto& [ps, qs] : pairs) expect_closed_form_matches_monte_carlo(ps, qs, 200000, 11);
}

TEST(MvNormalKl, OneDimensionalPairsWithNormal) {
  auto mv = make("mvnormal([1], [[4]])"), mv2 = make("mvnormal([-0.5], [[0.25]])");
  auto n = make("normal(-0.5, 0.5)"), n2 = make("normal(1, 2)");
  // KL(N(1, 4) || N(-0.5, 0.25)) = log(0.5/2) + (4 + 1.5^2) / (2 * 0.25) - 1/2
  const double forward = std::log(0.25) + (4 + 2.25) / 0.5 - 0.5;
  // KL(N(-0.5, 0.25) || N(1, 4)) = log(2/0.5) + (0.25 + 2.25) / 8 - 1/2
  const double backward = std::log(4.0) + 2.5 / 8 - 0.5;
  for (const auto& [p, q, expected] :
       {std::tuple{mv.get(), n.get(), forward}, std::tuple{n.get(), mv.get(), backward},
        std::tuple{n2.get(), mv2.get(), forward}, std::tuple{mv2.get(), n2.get(), backward}}) {
    const klest::Truth t = klest::true_kl(*p, *q);
    EXPECT_EQ(t.method, klest::TruthMethod::closed_form) << p->spec() << " || " << q->spec();
    EXPECT_LT(relative_error(t.value, expected), 1e-13) << p->spec() << " || " << q->spec();
    const klest::Truth quad = klest::true_kl(*p, *q, {.use_closed_form = false});
    EXPECT_EQ(quad.method, klest::TruthMethod::quadrature);
    EXPECT_NEAR(t.value, quad.value, 1e-8 * expected);
  }
}

TEST(MvNormalKl, DimensionMismatchIsAnError) {
  auto p = make("mvnormal(mean=[0, 0])"), q = make("mvnormal(mean=[0])");
  EXPECT_THROW(klest::true_kl(*p, *q), klest::InputError);
}

}  // namespace

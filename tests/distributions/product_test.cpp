// Tests of the product family and the product||product closed form.

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/normal.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

TEST(Product, LogDensityIsTheSumOfComponents) {
  REQUIRE_FAMILIES("exponential");
  auto d = make("product([normal(1, 2), exponential(3), mvnormal([0, 1], [[1, 0], [0, 4]])])");
  EXPECT_EQ(d->dim(), 4u);
  const boost::math::normal_distribution<double> n(1, 2), a(0, 1), b(1, 2);
  const boost::math::exponential_distribution<double> e(3);
  using boost::math::pdf;
  for (double t : {0.1, 0.5, 1.0, 3.0, 7.0}) {
    const std::vector<double> x{1 - t, t, 2 * t - 3, 1 + t};
    const double expected = std::log(pdf(n, x[0])) + std::log(pdf(e, x[1])) +
                            std::log(pdf(a, x[2])) + std::log(pdf(b, x[3]));
    EXPECT_LT(relative_error(d->log_density(x), expected), 1e-12) << t;
  }
  // Outside one component's support the product is -inf, whatever the others say.
  const std::vector<double> out{0, -1, 0, 0};
  EXPECT_EQ(d->log_density(out), -INFINITY);
}

// Sampler: the means and covariance of n = 20000 draws within 5 standard errors (SE of a mean
// sqrt(var/n); of a covariance entry sqrt((S_ii S_jj + S_ij^2)/n)), including the zero
// covariance between blocks; and a Kolmogorov-Smirnov test of the first coordinate against
// Boost's normal cdf (alpha = 0.001, critical value 1.95/sqrt(n)).
TEST(Product, SamplerBlocksAreIndependentWithTheRightMoments) {
  auto d = make("product([normal(1, 2), mvnormal([0, -1], [[1, 0.5], [0.5, 2]])])");
  const std::vector<double> mean{1, 0, -1};
  const std::vector<std::vector<double>> cov{{4, 0, 0}, {0, 1, 0.5}, {0, 0.5, 2}};
  const std::size_t n = 20000;
  klest::Rng rng = klest::rng_for(21);
  const klest::Samples s = d->sample(rng, n);
  ASSERT_EQ(s.dim(), 3u);
  expect_mean_and_covariance(s, mean, cov);
  const boost::math::normal_distribution<double> ref(1, 2);
  expect_ks_passes(column(s, 0), [&](double x) { return boost::math::cdf(ref, x); },
                   "coordinate 0");
}

TEST(Product, SupportIsTheConcatenatedBoxes) {
  REQUIRE_FAMILIES("uniform", "exponential");
  auto d = make("product([uniform(-1, 2), normal, exponential(1)])");
  const auto s = d->support();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].lo, -1);
  EXPECT_EQ(s[0].hi, 2);
  EXPECT_EQ(s[1].lo, -INFINITY);
  EXPECT_EQ(s[1].hi, INFINITY);
  EXPECT_EQ(s[2].lo, 0);
  EXPECT_EQ(s[2].hi, INFINITY);
}

TEST(Product, OneComponentDelegatesTheOneDimensionalQueries) {
  REQUIRE_FAMILIES("exponential");
  auto c = make("exponential(2)");
  auto d = make("product([exponential(2)])");
  EXPECT_EQ(d->dim(), 1u);
  EXPECT_EQ(d->tails().first.kind, c->tails().first.kind);
  EXPECT_EQ(d->tails().second.kind, c->tails().second.kind);
  EXPECT_EQ(d->tails().second.rate, c->tails().second.rate);
  EXPECT_EQ(d->tails().second.coef, c->tails().second.coef);
  EXPECT_EQ(d->landmarks(), c->landmarks());
  EXPECT_EQ(d->scale(), c->scale());
}

TEST(Product, DiscreteComponents) {
  REQUIRE_FAMILIES("poisson");
  auto d = make("product([poisson(2), poisson(5)])");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  const std::vector<double> x{1, 4};
  EXPECT_LT(
      relative_error(d->log_density(x),
                     std::log(2 * std::exp(-2.0)) + std::log(std::pow(5, 4) / 24 * std::exp(-5.0))),
      1e-12);
}

TEST(Product, SpecIsCanonicalAndRoundTrips) {
  expect_canonical_spec_round_trips(
      "product([normal(1), mvnormal([0, 0])])",
      "product(components=[normal(mean=1, sd=1), mvnormal(mean=[0, 0], cov=[[1, 0], [0, 1]])])");
  expect_registered_example_round_trips("product", klest::Support::any);
}

TEST(Product, RejectsBadParameters) {
  expect_rejected("product(components=[])",
                  "distribution 'product': parameter 'components' is [], "
                  "but must have at least one entry");
  expect_rejected("product", "distribution 'product': parameter 'components' is required");
  expect_rejected("product([normal, normal(0, 0)])",
                  "distribution 'product': component 2: distribution 'normal': "
                  "parameter 'sd' is 0");
  expect_rejected("product([normal, mvnormal(mean=[0, 0], cov=[[1, 2], [2, 1]])])",
                  "distribution 'product': component 2: distribution 'mvnormal': "
                  "cov is not positive definite");
  expect_rejected("product([1, normal])", "distribution 'product': parameter 'components'");
  if (klest::find_distribution("poisson")) {
    expect_rejected("product([normal, poisson(1)])",
                    "distribution 'product': component 2 ('poisson(rate=1)') is discrete, "
                    "but component 1 ('normal(mean=0, sd=1)') is continuous");
  }
}

TEST(ProductKl, ClosedFormIsTheSumOfMarginals) {
  auto p = make("product([normal(0, 1), mvnormal([1, 2], [[2, 0.3], [0.3, 1]])])");
  auto q = make("product([normal(1, 2), mvnormal([0, 2], [[1, 0], [0, 3]])])");
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.method, klest::TruthMethod::closed_form);
  const double sum = klest::true_kl(*make("normal(0, 1)"), *make("normal(1, 2)")).value +
                     klest::true_kl(*make("mvnormal([1, 2], [[2, 0.3], [0.3, 1]])"),
                                    *make("mvnormal([0, 2], [[1, 0], [0, 3]])"))
                         .value;
  EXPECT_LT(relative_error(t.value, sum), 1e-15);
  // Independent value: normal KL log(2) + (1 + 1)/8 - 1/2 plus the 2-D Gaussian KL computed by
  // /usr/bin/python3 with mpmath (mp.dps=30): 0.5*(tr(inverse(S2)*S1) + dm.T*inverse(S2)*dm - 2
  //   + log(det(S2)/det(S1))), S1=[[2,0.3],[0.3,1]], S2=[[1,0],[0,3]], dm=[-1,0]
  //   -> 0.892421189971452258213499965871
  EXPECT_LT(
      relative_error(t.value, std::log(2.0) + 0.25 - 0.5 + 0.892421189971452258213499965871),
      1e-12);
}

// The Monte Carlo route on the whole 3-D product, closed forms disabled: within 5 SE.
TEST(ProductKl, ClosedFormMatchesMonteCarlo) {
  const std::vector<std::pair<const char*, const char*>> pairs{
      {"product([normal(0, 1), mvnormal([1, 2], [[2, 0.3], [0.3, 1]])])",
       "product([normal(1, 2), mvnormal([0, 2], [[1, 0], [0, 3]])])"},
      {"product([normal(1, 2), mvnormal([0, 2], [[1, 0], [0, 3]])])",
       "product([normal(0, 1), mvnormal([1, 2], [[2, 0.3], [0.3, 1]])])"}};
  for (const auto& [ps, qs] : pairs) expect_closed_form_matches_monte_carlo(ps, qs, 200000, 3);
}

TEST(ProductKl, NumericalComponentsSetTheMethodAndAddErrors) {
  REQUIRE_FAMILIES("laplace");
  auto p = make("product([laplace(0, 1), normal(0, 1)])");
  auto q = make("product([normal(0.5, 1.5), normal(1, 1)])");
  klest::Truth parts[2] = {
      klest::true_kl(*make("laplace(0, 1)"), *make("normal(0.5, 1.5)"), {.use_closed_form = false}),
      klest::true_kl(*make("normal(0, 1)"), *make("normal(1, 1)"))};
  ASSERT_EQ(parts[0].method, klest::TruthMethod::quadrature);
  // The engine's closed form for laplace||normal (if registered) would make the first term
  // exact; compare with what the component route actually gives.
  const klest::Truth first = klest::true_kl(*make("laplace(0, 1)"), *make("normal(0.5, 1.5)"));
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.method, first.method);
  EXPECT_NEAR(t.value, first.value + 0.5, 1e-14);
  EXPECT_DOUBLE_EQ(t.abs_error, first.abs_error + parts[1].abs_error);
  EXPECT_NEAR(t.value, parts[0].value + parts[1].value, 1e-8);

  // A mixture component has no closed form: the product reports quadrature.
  auto pm = make("product([mixture([0.5, 0.5], [normal(-1), normal(1)]), normal(0, 1)])");
  auto qm = make("product([normal(0, 2), normal(0, 2)])");
  const klest::Truth m = klest::true_kl(*pm, *qm);
  EXPECT_EQ(m.method, klest::TruthMethod::quadrature);
  const klest::Truth m1 =
      klest::true_kl(*make("mixture([0.5, 0.5], [normal(-1), normal(1)])"), *make("normal(0, 2)"));
  // KL(N(0,1) || N(0,4)) = log 2 + 1/8 - 1/2
  EXPECT_NEAR(m.value, m1.value + std::log(2.0) + 0.125 - 0.5, 1e-14);
  EXPECT_GT(m.abs_error, 0);
}

TEST(ProductKl, MismatchedStructureHasNoClosedForm) {
  auto p = make("product([normal, normal])");
  auto q = make("product([mvnormal([0, 0])])");
  EXPECT_FALSE(klest::closed_form_kl(*p, *q).has_value());
  const klest::Truth t = klest::true_kl(*p, *q, {.mc_samples = 20000});
  EXPECT_EQ(t.method, klest::TruthMethod::monte_carlo);
  EXPECT_NEAR(t.value, 0.0, 1e-12);  // the same law: log p - log q is 0 at every draw
  auto r = make("product([normal, normal, normal])");
  EXPECT_THROW(klest::true_kl(*p, *r), klest::InputError);
}

TEST(ProductKl, InfiniteComponentMakesTheSumInfinite) {
  REQUIRE_FAMILIES("cauchy", "uniform");
  // Tail divergence is only visible to the 1-D component check.
  auto p = make("product([normal, cauchy(0, 1)])");
  auto q = make("product([normal, normal(0, 1)])");
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.value, INFINITY);
  EXPECT_EQ(t.method, klest::TruthMethod::tails);
  // Support mismatch in one coordinate.
  const klest::Truth s = klest::true_kl(*make("product([normal, uniform(0, 3)])"),
                                        *make("product([normal, uniform(1, 2)])"));
  EXPECT_EQ(s.value, INFINITY);
  EXPECT_EQ(s.method, klest::TruthMethod::support);
}

}  // namespace

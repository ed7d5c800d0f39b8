// Tests of the exponential_family_fit estimator (maximum-likelihood fit of a named family to
// each sample, closed-form KL between the fits): fitted parameters and KL values against hand
// computations, consistency toward the truth on samples from each family, the per-coordinate
// product in d > 1, the documented misfit on bimodal data, and bad input.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/special_functions/digamma.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/truth.hpp"
#include "testing.hpp"

namespace {

using klest::Samples;
using klest::testing::rows;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr double inf = std::numeric_limits<double>::infinity();

std::unique_ptr<klest::Estimator> fit(const std::string& family) {
  return klest::make_estimator("exponential_family_fit", {{"family", family}});
}

std::string label(const std::string& family) {
  return "exponential_family_fit(family=" + family + ")";
}

double diag(const klest::Estimate& e, const std::string& key) {
  const auto v = e.diag.get(key);
  EXPECT_TRUE(v.has_value()) << key;
  return v.value_or(std::numeric_limits<double>::quiet_NaN());
}

TEST(ExponentialFamilyFit, LabelChoicesAndRequirements) {
  EXPECT_EQ(klest::make_estimator("exponential_family_fit")->label(), label("normal"));
  EXPECT_EQ(fit("gamma")->label(), label("gamma"));
  EXPECT_THAT([] { fit("weibull"); }, ThrowsMessage<klest::InputError>(
                                          AllOf(HasSubstr("parameter 'family' is"),
                                                HasSubstr("weibull"), HasSubstr("categorical"))));
  EXPECT_EQ(fit("poisson")->requirements().support, klest::Support::discrete);
  EXPECT_EQ(fit("beta")->requirements().support, klest::Support::continuous);
  EXPECT_EQ(fit("normal")->requirements().min_p, 2u);
  EXPECT_EQ(fit("categorical")->requirements().min_p, 1u);
  EXPECT_EQ(klest::find_estimator("exponential_family_fit")->accepts, klest::Support::any);
}

// Closed-form MLEs on small samples, worked by hand:
//   p = {0, 1, 2, 5}: mean 2, squared deviations 4 + 1 + 0 + 9 = 14, ML variance 14/4 = 3.5;
//   q = {-1, 1, 3}: mean 1, squared deviations 4 + 0 + 4 = 8, ML variance 8/3.
//   KL(N(2, 3.5) || N(1, 8/3)) = 1/2 [3.5/(8/3) - 1 - log(21/16) + 1/(8/3)]
//                              = 1/2 [21/16 - 1 - log(21/16) + 3/8].
TEST(ExponentialFamilyFit, NormalMatchesHandComputation) {
  const auto e = fit("normal")->estimate(rows({0, 1, 2, 5}, 1), rows({-1, 1, 3}, 1));
  EXPECT_NEAR(diag(e, "p_mean"), 2, 1e-15);
  EXPECT_NEAR(diag(e, "p_sd"), std::sqrt(3.5), 1e-15);
  EXPECT_NEAR(diag(e, "q_mean"), 1, 1e-15);
  EXPECT_NEAR(diag(e, "q_sd"), std::sqrt(8.0 / 3), 1e-15);
  EXPECT_NEAR(e.value, 0.5 * (21.0 / 16 - 1 - std::log(21.0 / 16) + 3.0 / 8), 1e-14);
}

// The same numbers on the log scale: x = e^{0, 1, 2, 5}, y = e^{-1, 1, 3}. KL is invariant under
// the common map log, so the value is the normal one above.
TEST(ExponentialFamilyFit, LognormalMatchesHandComputation) {
  const auto e = fit("lognormal")
                     ->estimate(rows({1, std::exp(1.0), std::exp(2.0), std::exp(5.0)}, 1),
                                rows({std::exp(-1.0), std::exp(1.0), std::exp(3.0)}, 1));
  EXPECT_NEAR(diag(e, "p_mu"), 2, 1e-14);
  EXPECT_NEAR(diag(e, "p_sigma"), std::sqrt(3.5), 1e-14);
  EXPECT_NEAR(diag(e, "q_mu"), 1, 1e-14);
  EXPECT_NEAR(diag(e, "q_sigma"), std::sqrt(8.0 / 3), 1e-14);
  EXPECT_NEAR(e.value, 0.5 * (21.0 / 16 - 1 - std::log(21.0 / 16) + 3.0 / 8), 1e-13);
}

// p = {1, 2, 3, 6}: mean 3, rate 1/3; q = {0, 1, 2, 1}: mean 1, rate 1.
// KL(Exp(l1) || Exp(l2)) = log(l1/l2) + l2/l1 - 1 = log(1/3) + 3 - 1 = 2 - log 3.
TEST(ExponentialFamilyFit, ExponentialMatchesHandComputation) {
  const auto e = fit("exponential")->estimate(rows({1, 2, 3, 6}, 1), rows({0, 1, 2, 1}, 1));
  EXPECT_NEAR(diag(e, "p_rate"), 1.0 / 3, 1e-15);
  EXPECT_NEAR(diag(e, "q_rate"), 1, 1e-15);
  EXPECT_NEAR(e.value, 2 - std::log(3.0), 1e-14);
}

// p = {1, 2, 4, 7, 20}: median 4, mean |x - 4| = (3 + 2 + 0 + 3 + 16)/5 = 4.8.
// q = {1, 2, 4, 10} (even n): median (2 + 4)/2 = 3, mean |x - 3| = (2 + 1 + 1 + 7)/4 = 11/4.
// KL(L(m1, b1) || L(m2, b2)) = log(b2/b1) + |m1 - m2|/b2 + (b1/b2) exp(-|m1 - m2|/b1) - 1.
TEST(ExponentialFamilyFit, LaplaceMatchesHandComputation) {
  const auto e = fit("laplace")->estimate(rows({7, 1, 20, 4, 2}, 1), rows({10, 2, 1, 4}, 1));
  EXPECT_EQ(diag(e, "p_loc"), 4);
  EXPECT_NEAR(diag(e, "p_scale"), 4.8, 1e-15);
  EXPECT_EQ(diag(e, "q_loc"), 3);
  EXPECT_NEAR(diag(e, "q_scale"), 2.75, 1e-15);
  const double want = std::log(2.75 / 4.8) + 1 / 2.75 + (4.8 / 2.75) * std::exp(-1 / 4.8) - 1;
  EXPECT_NEAR(e.value, want, 1e-14);
}

// p = {0, 1, 1, 2, 6}: mean 2; q = {1, 3, 5}: mean 3.
// Poisson: KL = l1 log(l1/l2) + l2 - l1 = 2 log(2/3) + 1.
// Geometric (failures before the first success): p = 1/(1 + mean), p1 = 1/3, p2 = 1/4;
// KL = log(p1/p2) + ((1 - p1)/p1) log((1 - p1)/(1 - p2)) = log(4/3) + 2 log((2/3)/(3/4)).
TEST(ExponentialFamilyFit, CountFamiliesMatchHandComputation) {
  const Samples p = rows({0, 1, 1, 2, 6}, 1), q = rows({1, 3, 5}, 1);
  const auto po = fit("poisson")->estimate(p, q);
  EXPECT_NEAR(diag(po, "p_rate"), 2, 1e-15);
  EXPECT_NEAR(diag(po, "q_rate"), 3, 1e-15);
  EXPECT_NEAR(po.value, 2 * std::log(2.0 / 3) + 1, 1e-14);
  const auto ge = fit("geometric")->estimate(p, q);
  EXPECT_NEAR(diag(ge, "p_p"), 1.0 / 3, 1e-15);
  EXPECT_NEAR(diag(ge, "q_p"), 0.25, 1e-15);
  EXPECT_NEAR(ge.value, std::log(4.0 / 3) + 2 * std::log((2.0 / 3) / 0.75), 1e-14);
}

// p = {0, 0, 1, 2}: probs (1/2, 1/4, 1/4); q = {0, 1, 1, 2}: probs (1/4, 1/2, 1/4).
// KL = 1/2 log 2 + 1/4 log(1/2) + 0 = 1/4 log 2. A category seen in p but not in q: +inf.
TEST(ExponentialFamilyFit, CategoricalMatchesHandComputation) {
  const auto e = fit("categorical")->estimate(rows({0, 0, 1, 2}, 1), rows({0, 1, 1, 2}, 1));
  EXPECT_NEAR(e.value, 0.25 * std::log(2.0), 1e-15);
  EXPECT_EQ(diag(e, "categories"), 3);
  EXPECT_EQ(fit("categorical")->estimate(rows({0, 3}, 1), rows({0, 1, 2}, 1)).value, inf);
  // The other way round, q has mass on a category p lacks: finite. p = {0} gives (1, 0, 0, 0),
  // q = {0, 3} gives (1/2, 0, 0, 1/2): KL = 1 log(1 / (1/2)) = log 2.
  EXPECT_NEAR(fit("categorical")->estimate(rows({0}, 1), rows({0, 3}, 1)).value, std::log(2.0),
              1e-15);
}

// A two-point sample whose MLE is known: with mean 1 and geometric mean e^{-s}, the equations
// log a - psi(a) = log(mean) - mean(log x) = s and rate = a/mean give a = 2, rate = 2 when
// s = log 2 - psi(2). The points are the roots of t^2 - 2t + e^{-2s}: 1 +- sqrt(1 - e^{-2s}).
// Scaling the data by 3 keeps the shape and divides the rate by 3.
TEST(ExponentialFamilyFit, GammaShapeSolvesTheLikelihoodEquation) {
  const double s = std::log(2.0) - boost::math::digamma(2.0);
  const double r = std::sqrt(1 - std::exp(-2 * s));
  const Samples p = rows({1 - r, 1 + r}, 1), q = rows({3 * (1 - r), 3 * (1 + r)}, 1);
  const auto e = fit("gamma")->estimate(p, q);
  EXPECT_NEAR(diag(e, "p_shape"), 2, 1e-12);
  EXPECT_NEAR(diag(e, "p_rate"), 2, 1e-12);
  EXPECT_NEAR(diag(e, "q_shape"), 2, 1e-12);
  EXPECT_NEAR(diag(e, "q_rate"), 2.0 / 3, 1e-12);
  // KL(Gamma(2, 2) || Gamma(2, 2/3)) = a (r - 1 - log r) with r = b2/b1 = 1/3 (Penny 2001, same
  // shape): 2 (1/3 - 1 + log 3).
  EXPECT_NEAR(e.value, 2 * (1.0 / 3 - 1 + std::log(3.0)), 1e-11);

  // Large shapes (s tiny, near-constant data) use the asymptotic series: s = log a - psi(a) for
  // a = 37.5 and 1e6 (the shape 2 above is on the other side of the switch at a = 10). The
  // test's own s cancels: its relative error is about eps log(a) / s (6e-9 at a = 1e6, where
  // s ~ 5e-7), and the shape inherits it (a ~ 1/(2s)); the tolerance is ten times that.
  for (double a : {37.5, 1e6}) {
    const double sa = std::log(a) - boost::math::digamma(a);
    const double ra = std::sqrt(1 - std::exp(-2 * sa));
    const auto ea = fit("gamma")->estimate(rows({1 - ra, 1 + ra}, 1), p);
    const double tol = 10 * std::numeric_limits<double>::epsilon() * std::log(a) / sa + 1e-12;
    EXPECT_NEAR(diag(ea, "p_shape") / a, 1, tol) << a;
  }
}

// The data that broke the shape fit: gamma(0.2, 1) at n = 1e4 holds values below 1e-16 of the
// mean (the smallest of 1e4 draws is about (1e-4 Gamma(1.2))^5 ~ 1e-20), where x / mean - 1
// rounds to -1 and log1p gave -inf (a NaN shape). The expected shape solves log a - psi(a) = s
// by bisection here, with s = log(mean) - mean(log x) summed directly (no cancellation for s
// near 3.7); its sampling sd is sqrt(a / (n (a psi'(a) - 1))) = 0.0022 at a = 0.2, so the fit
// must also land within 5 sd of 0.2.
TEST(ExponentialFamilyFit, GammaShapeBelowOneSurvivesTinyValues) {
  const auto P = klest::make_distribution("gamma(shape=0.2, rate=1)");
  klest::Rng rp = klest::rng_for(1401, {0, 0}), rq = klest::rng_for(1401, {0, 1});
  const Samples p = P->sample(rp, 10000), q = P->sample(rq, 10000);
  long double sum = 0, sum_log = 0, smallest = inf;
  for (double v : p.values()) {
    sum += v;
    sum_log += std::log((long double)v);
    smallest = std::min<long double>(smallest, v);
  }
  const long double mean = sum / 10000;
  ASSERT_LT(smallest, 1e-16L * mean) << "the sample no longer holds the values that broke it";
  const double s = double(std::log(mean) - sum_log / 10000);
  double lo = 1e-3, hi = 10;  // log a - psi(a) is decreasing in a
  for (int it = 0; it < 200; ++it) {
    const double mid = std::sqrt(lo * hi);
    (std::log(mid) - boost::math::digamma(mid) > s ? lo : hi) = mid;
  }
  const auto e = fit("gamma")->estimate(p, q);
  EXPECT_NEAR(diag(e, "p_shape"), lo, 1e-12 * lo);
  EXPECT_NEAR(diag(e, "p_rate"), lo / double(mean), 1e-11 * lo / double(mean));
  EXPECT_NEAR(diag(e, "p_shape"), 0.2, 5 * 0.0022);
  EXPECT_NEAR(diag(e, "q_shape"), 0.2, 5 * 0.0022);
  EXPECT_TRUE(std::isfinite(e.value));
  EXPECT_GE(e.value, 0);
}

// Two points x1, x2 with mean(log x) = g1 = psi(2) - psi(5) and mean(log(1 - x)) = g2 =
// psi(3) - psi(5) have the MLE (a, b) = (2, 3): x1 x2 = e^{2 g1} = P and
// (1 - x1)(1 - x2) = 1 - S + P = e^{2 g2}, so they are the roots of t^2 - S t + P.
TEST(ExponentialFamilyFit, BetaShapesSolveTheLikelihoodEquations) {
  using boost::math::digamma;
  const double g1 = digamma(2.0) - digamma(5.0), g2 = digamma(3.0) - digamma(5.0);
  const double prod = std::exp(2 * g1), sum = 1 + prod - std::exp(2 * g2);
  const double root = std::sqrt(sum * sum - 4 * prod);
  const Samples p = rows({(sum - root) / 2, (sum + root) / 2}, 1);
  const Samples q = rows({1 - (sum - root) / 2, 1 - (sum + root) / 2}, 1);  // mirrored: (3, 2)
  const auto e = fit("beta")->estimate(p, q);
  EXPECT_NEAR(diag(e, "p_a"), 2, 1e-9);
  EXPECT_NEAR(diag(e, "p_b"), 3, 1e-9);
  EXPECT_NEAR(diag(e, "q_a"), 3, 1e-9);
  EXPECT_NEAR(diag(e, "q_b"), 2, 1e-9);
  // KL(Beta(2, 3) || Beta(3, 2)) = log B(3, 2) - log B(2, 3) + (2 - 3) psi(2) + (3 - 2) psi(3)
  //   = psi(3) - psi(2) = 1/2 (the B terms are equal).
  EXPECT_NEAR(e.value, 0.5, 1e-8);
}

// A sample of N(0, 1) against N(1, 2^2) scaled by 1e300 and 1e-300: KL is invariant under a
// common scaling, and the fit must neither overflow nor underflow.
TEST(ExponentialFamilyFit, NormalFitSurvivesExtremeMagnitudes) {
  klest::Rng rng = klest::rng_for(31);
  const Samples x = klest::testing::gauss(rng, 200, 1),
                y = klest::testing::gauss(rng, 150, 1, 1, 2);
  const double base = fit("normal")->estimate(x, y).value;
  for (double f : {1e300, 1e-300}) {
    Samples xs = x, ys = y;
    for (double& v : xs.values()) v *= f;
    for (double& v : ys.values()) v *= f;
    EXPECT_NEAR(fit("normal")->estimate(xs, ys).value, base, 1e-12 * base) << f;
  }
}

// In d > 1 the fit is the product of the coordinate fits: the estimate is the sum of the 1-D
// estimates of the columns.
TEST(ExponentialFamilyFit, ProductOfCoordinatesIsTheSumOfColumnFits) {
  klest::Rng rng = klest::rng_for(32);
  const auto P = klest::make_distribution("product(components=[gamma(2, 1), gamma(5, 3)])");
  const auto Q = klest::make_distribution("product(components=[gamma(3, 2), gamma(4, 3)])");
  const Samples x = P->sample(rng, 300), y = Q->sample(rng, 250);
  auto column = [](const Samples& s, std::size_t j) {
    Samples c(s.rows(), 1);
    for (std::size_t i = 0; i < s.rows(); ++i) c.row(i)[0] = s.row(i)[j];
    return c;
  };
  const auto est = fit("gamma");
  const double sum = est->estimate(column(x, 0), column(y, 0)).value +
                     est->estimate(column(x, 1), column(y, 1)).value;
  EXPECT_NEAR(est->estimate(x, y).value, sum, 1e-14 * sum);
  EXPECT_TRUE(est->estimate(x, y).diag.empty());
}

struct FamilyCase {
  std::string family, p, q;
  int params;  // fitted parameters per coordinate
};

// On samples from the family the estimate is consistent for the true KL. The truth is computed
// without the closed-form registry (quadrature in 1-D, summation for discrete laws), so it is
// independent of the formulas the estimator uses.
// Two sizes, 40 replicates each: the error is O(n^-1/2), so the RMSE should fall by about
// sqrt(5000/200) = 5 from n = 200 to n = 5000; require 3. At n = m = 5000 the mean must lie
// within a bias allowance plus 4 standard errors of the truth; the allowance is twice the
// chi-square bias k/2 (1/n + 1/m) of ESTIMATORS.md §5 (k fitted parameters), doubled because
// P != Q here.
TEST(ExponentialFamilyFit, ConsistentOnSamplesFromEachFamily) {
  const std::vector<FamilyCase> cases{
      {"normal", "normal(0, 1)", "normal(1, 2)", 2},
      {"exponential", "exponential(1)", "exponential(2)", 1},
      {"gamma", "gamma(shape=2, rate=1)", "gamma(shape=3, rate=2)", 2},
      {"lognormal", "lognormal(0, 1)", "lognormal(0.5, 1.5)", 2},
      {"laplace", "laplace(0, 1)", "laplace(1, 2)", 2},
      {"beta", "beta(2, 3)", "beta(3, 2)", 2},
      {"poisson", "poisson(3)", "poisson(5)", 1},
      {"geometric", "geometric(0.3)", "geometric(0.5)", 1},
      {"categorical", "categorical(probs=[0.2, 0.3, 0.5])", "categorical(probs=[0.4, 0.4, 0.2])",
       2},
  };
  std::uint64_t seed = 40;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.family);
    const auto P = klest::make_distribution(c.p), Q = klest::make_distribution(c.q);
    const klest::Truth truth = klest::true_kl(*P, *Q, {.use_closed_form = false});
    ASSERT_NE(truth.method, klest::TruthMethod::closed_form);
    const auto est = fit(c.family);
    auto run = [&](std::size_t n) {
      return klest::testing::replicate(
          *est, [&](klest::Rng& g) { return P->sample(g, n); },
          [&](klest::Rng& g) { return Q->sample(g, n); }, 40, ++seed);
    };
    auto rmse = [&](const klest::testing::Replicates& r) {
      double ss = 0;
      for (double v : r.values) ss += (v - truth.value) * (v - truth.value);
      return std::sqrt(ss / double(r.values.size()));
    };
    const auto small = run(200), large = run(5000);
    SCOPED_TRACE(large.seed_note());
    EXPECT_LT(rmse(large), rmse(small) / 3)
        << "rmse " << rmse(small) << " at n = 200, " << rmse(large) << " at n = 5000";
    const double allowance = 2 * c.params * (1.0 / 5000 + 1.0 / 5000);
    EXPECT_NEAR(large.mean, truth.value, allowance + 4 * large.std_error);
  }
}

// The documented misfit: a bimodal P = 0.5 N(-2, 1) + 0.5 N(2, 1) against its moment-matched
// Q = N(0, 5). Both normal fits converge to N(0, 5), so the estimate goes to 0 (its mean is the
// chi-square bias (2/2)(1/n + 1/m) = 0.001 at n = m = 2000), while the truth (quadrature) is
// about 0.2: the baseline is consistent only inside the family.
TEST(ExponentialFamilyFit, BimodalDataIsAMisfitDocumented) {
  const auto P = klest::make_distribution(
      "mixture(weights=[0.5, 0.5], components=[normal(-2, 1), normal(2, 1)])");
  const auto Q = klest::make_distribution("normal(0, 2.23606797749979)");
  const double truth = klest::true_kl(*P, *Q).value;
  EXPECT_GT(truth, 0.1);
  const auto r = klest::testing::replicate(
      *fit("normal"), [&](klest::Rng& g) { return P->sample(g, 2000); },
      [&](klest::Rng& g) { return Q->sample(g, 2000); }, 20, 50);
  SCOPED_TRACE(r.seed_note());
  // The bias allowance 0.001 is not subtracted: the mean of the estimate is near 0, far below
  // the truth.
  EXPECT_NEAR(r.mean, 0.001, 0.001 + 4 * r.std_error);
  EXPECT_LT(r.mean, truth / 10);
}

TEST(ExponentialFamilyFit, DataOutsideTheSupportNamesRowAndValue) {
  const Samples ok = rows({1, 2, 3}, 1);
  EXPECT_THAT(
      [&] {
        fit("exponential")->estimate(rows({1, 2, -0.5, 3}, 1), ok);
      },
      ThrowsMessage<klest::InputError>(AllOf(
          HasSubstr("estimator '" + label("exponential") + "'"),
          HasSubstr("sample from p: row 3, column 1 is -0.5, but the exponential family needs "
                    "values >= 0"))));
  EXPECT_THAT(
      [&] {
        fit("poisson")->estimate(ok, rows({1, -2, 3}, 1));
      },
      ThrowsMessage<klest::InputError>(
          AllOf(HasSubstr(label("poisson")),
                HasSubstr("sample from q: row 2, column 1 is -2, but the poisson family needs "
                          "integers >= 0"))));
  EXPECT_THAT(
      [&] {
        fit("geometric")->estimate(rows({1, -1}, 1), ok);
      },
      ThrowsMessage<klest::InputError>(HasSubstr("sample from p: row 2, column 1 is -1")));
  // Non-integers for a discrete family are refused by the wrapper, in the same form.
  EXPECT_THAT(
      [&] {
        fit("poisson")->estimate(ok, rows({1, 2.5, 3}, 1));
      },
      ThrowsMessage<klest::InputError>(
          AllOf(HasSubstr(label("poisson")), HasSubstr("sample from q: row 2, column 1 is 2.5"))));
  EXPECT_THAT(
      [&] {
        fit("gamma")->estimate(rows({1, 0, 2}, 1), ok);
      },
      ThrowsMessage<klest::InputError>(AllOf(
          HasSubstr(label("gamma")), HasSubstr("sample from p: row 2, column 1 is 0, but the gamma "
                                               "family needs values > 0"))));
  EXPECT_THAT(
      [&] {
        fit("lognormal")->estimate(ok, rows({1, 2, -3}, 1));
      },
      ThrowsMessage<klest::InputError>(HasSubstr("sample from q: row 3, column 1 is -3")));
  EXPECT_THAT(
      [&] {
        fit("beta")->estimate(rows({0.5, 1}, 1), rows({0.2, 0.3}, 1));
      },
      ThrowsMessage<klest::InputError>(AllOf(
          HasSubstr(label("beta")),
          HasSubstr(
              "sample from p: row 2, column 1 is 1, but the beta family needs values strictly "
              "between 0 and 1"))));
  EXPECT_THAT(
      [&] {
        fit("categorical")->estimate(ok, rows({1, 100000}, 1));
      },
      ThrowsMessage<klest::InputError>(AllOf(
          HasSubstr(label("categorical")),
          HasSubstr("sample from q: row 2, column 1 is 1e+05, but the categorical family needs "
                    "integers from 0 to 99999"))));
  // In d > 1 the right column is named.
  EXPECT_THAT(
      [&] {
        fit("poisson")->estimate(rows({1, 2, 3, 4, 5, -6}, 2), rows({1, 2, 3, 4}, 2));
      },
      ThrowsMessage<klest::InputError>(HasSubstr("sample from p: row 3, column 2 is -6")));
}

TEST(ExponentialFamilyFit, DegenerateFitsAreErrorsGivingTheReason) {
  const Samples ok = rows({1, 2, 3}, 1);
  EXPECT_THAT(
      [&] {
        fit("normal")->estimate(rows({1.5, 1.5, 1.5}, 1), ok);
      },
      ThrowsMessage<klest::InputError>(
          AllOf(HasSubstr("estimator '" + label("normal") + "'"),
                HasSubstr("the normal fit to the sample from p is degenerate: every value is "
                          "1.5 (zero variance)"))));
  EXPECT_THAT(
      [&] {
        fit("exponential")->estimate(ok, rows({0, 0, 0, 0}, 1));
      },
      ThrowsMessage<klest::InputError>(
          HasSubstr("the exponential fit to the sample from q is degenerate: every value is 0")));
  EXPECT_THAT(
      [&] {
        fit("poisson")->estimate(rows({0, 0}, 1), ok);
      },
      ThrowsMessage<klest::InputError>(
          HasSubstr("the poisson fit to the sample from p is degenerate: every value is 0")));
  EXPECT_THAT(
      [&] {
        fit("geometric")->estimate(rows({0, 0}, 1), ok);
      },
      ThrowsMessage<klest::InputError>(HasSubstr("geometric fit to the sample from p is "
                                                 "degenerate")));
  for (const char* family : {"gamma", "lognormal", "laplace"}) {
    EXPECT_THAT(
        [&] {
          fit(family)->estimate(ok, rows({2, 2, 2}, 1));
        },
        ThrowsMessage<klest::InputError>(
            HasSubstr("fit to the sample from q is degenerate: every value is 2")))
        << family;
  }
  EXPECT_THAT(
      [&] {
        fit("beta")->estimate(rows({0.25, 0.25}, 1), rows({0.2, 0.3}, 1));
      },
      ThrowsMessage<klest::InputError>(HasSubstr("every value is 0.25")));
  EXPECT_THAT(
      [&] {
        fit("normal")->estimate(rows({1, 2, 3, 2, 5, 2}, 2), rows({1, 2, 3, 4}, 2));
      },
      ThrowsMessage<klest::InputError>(
          HasSubstr("the normal fit to column 2 of the sample from p is degenerate")));
  // A constant positive sample is a proper exponential or poisson fit.
  EXPECT_TRUE(std::isfinite(fit("exponential")->estimate(rows({2, 2}, 1), ok).value));
  EXPECT_TRUE(std::isfinite(fit("poisson")->estimate(rows({2, 2}, 1), ok).value));
  // One point is too few for a fit with a spread (the wrapper says so, naming the estimator).
  EXPECT_THAT([&] { fit("normal")->estimate(rows({1}, 1), ok); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr(label("normal")), HasSubstr("needs at least 2"))));
}

// Fits outside a family's parameter range are errors quoting the family: a lognormal with
// mu = mean(log x) ~ 703 > 700.
TEST(ExponentialFamilyFit, FitsOutsideTheFamilyRangeAreErrors) {
  EXPECT_THAT(
      [] {
        fit("lognormal")->estimate(rows({1e305, 1e306}, 1), rows({1, 2}, 1));
      },
      ThrowsMessage<klest::InputError>(
          AllOf(HasSubstr(label("lognormal")),
                HasSubstr("the lognormal fit to the sample from p is outside the family's range"),
                HasSubstr("parameter 'mu'"))));
}

}  // namespace

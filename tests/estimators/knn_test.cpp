// Tests of the knn estimator (Wang, Kulkarni & Verdu 2009): against an O(n m) brute-force
// evaluation of the same formula, against closed-form Gaussian KL, invariances, ties and bad
// input.

#include <algorithm>
#include <cmath>
#include <numbers>

#include <boost/math/special_functions/digamma.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "testing.hpp"

namespace {

using klest::Samples;
using klest::testing::gauss;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// The formula evaluated directly: every distance computed, sorted, the l-th (excluding the
// point itself) and k-th taken; sums in long double; the digamma terms from Boost.
double brute_force_knn(const Samples& x, const Samples& y, std::size_t k, std::size_t l) {
  const std::size_t n = x.rows(), m = y.rows(), d = x.dim();
  auto dist = [d](std::span<const double> a, std::span<const double> b) {
    long double s = 0;
    for (std::size_t j = 0; j < d; ++j) s += (long double)(a[j] - b[j]) * (a[j] - b[j]);
    return std::sqrt(s);
  };
  long double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<long double> dx, dy;
    for (std::size_t j = 0; j < n; ++j) if (j != i) dx.push_back(dist(x.row(i), x.row(j)));
    for (std::size_t j = 0; j < m; ++j) dy.push_back(dist(x.row(i), y.row(j)));
    std::sort(dx.begin(), dx.end());
    std::sort(dy.begin(), dy.end());
    sum += std::log(dy[k - 1]) - std::log(dx[l - 1]);
  }
  return double(sum * d / n) + boost::math::digamma(double(l)) - boost::math::digamma(double(k)) +
         std::log(double(m) / double(n - 1));
}

std::string spec(std::size_t k, std::size_t l) {
  return "knn(k=" + std::to_string(k) + ", l=" + std::to_string(l) + ")";
}

TEST(Knn, MatchesBruteForceOnSmallRandomData) {
  struct Case { std::size_t n, m, d, k, l; };
  const Case cases[] = {{30, 40, 1, 1, 1}, {50, 37, 2, 3, 3}, {64, 80, 3, 5, 2},
                        {41, 29, 5, 2, 4}, {25, 25, 10, 1, 1}, {90, 60, 2, 7, 7}};
  std::uint32_t c = 0;
  for (const Case& cs : cases) {
    klest::Rng rng = klest::rng_for(11, {c++});
    const Samples x = gauss(rng, cs.n, cs.d, 0.0, 1.0);
    const Samples y = gauss(rng, cs.m, cs.d, 0.3, 1.5);
    const auto est = klest::make_estimator(spec(cs.k, cs.l));
    const double got = est->estimate(x, y).value;
    const double want = brute_force_knn(x, y, cs.k, cs.l);
    EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::abs(want))) << est->label();
  }
}

TEST(Knn, LabelShowsEveryParameterWithLDefaultingToK) {
  EXPECT_EQ(klest::make_estimator("knn(k=5)")->label(), "knn(k=5, l=5, ties=error, metric=euclidean)");
  EXPECT_EQ(klest::make_estimator("knn")->label(), "knn(k=1, l=1, ties=error, metric=euclidean)");
  EXPECT_EQ(klest::make_estimator("knn(k=2, l=3, ties=skip)")->label(),
            "knn(k=2, l=3, ties=skip, metric=euclidean)");
  // The search does not change the estimate, so it is labelled only when chosen by hand.
  EXPECT_EQ(klest::make_estimator("knn(metric=max, search=auto)")->label(),
            "knn(k=1, l=1, ties=error, metric=max)");
  EXPECT_EQ(klest::make_estimator("knn(search=brute)")->label(),
            "knn(k=1, l=1, ties=error, metric=euclidean, search=brute)");
}

// Whichever search runs, the estimate is the same up to the rounding of the distances (the
// searches agree on every distance to 1e-14 relative: tests/neighbours_test.cpp).
TEST(Knn, EverySearchGivesTheSameEstimate) {
  klest::Rng rng = klest::rng_for(61);
  for (std::size_t d : {1, 3, 12}) {
    const auto x = gauss(rng, 800, d), y = gauss(rng, 700, d, 0.4);
    for (const char* metric : {"euclidean", "max"}) {
      const std::string base = std::string("knn(k=4, metric=") + metric;
      const double a = klest::make_estimator(base + ", search=kdtree)")->estimate(x, y).value;
      const double b = klest::make_estimator(base + ", search=brute)")->estimate(x, y).value;
      const double c = klest::make_estimator(base + ")")->estimate(x, y).value;
      EXPECT_NEAR(a, b, 1e-12) << "d " << d << " " << metric;
      EXPECT_NEAR(a, c, 1e-12) << "d " << d << " " << metric;
    }
  }
}

// The max-norm is as valid a norm as the Euclidean one (the unit-ball volume cancels):
// N(0, I_3) against N(0.5 * 1, I_3) has KL = 3 * 0.5^2 / 2 = 0.375. At n = m = 4000, k = 5, the
// replicate sd is about 0.05 (20 replicates: SE ~ 0.011); allowance 0.03 bias (the 3-D k-NN bias
// at this size, seen for the Euclidean metric too) plus 4 SE.
TEST(Knn, MaxNormIsConsistent) {
  for (const char* metric : {"euclidean", "max"}) {
    const auto est = klest::make_estimator(std::string("knn(k=5, metric=") + metric + ")");
    const auto r = klest::testing::replicate(
        *est, [](klest::Rng& g) { return gauss(g, 4000, 3); },
        [](klest::Rng& g) { return gauss(g, 4000, 3, 0.5); }, 20, 62);
    SCOPED_TRACE(r.seed_note());
    EXPECT_NEAR(r.mean, 0.375, 0.03 + 4 * r.std_error) << metric;
  }
}

// P = N(0,1), Q = N(1, 2^2): KL = log 2 + (1 + 1)/(2*4) - 1/2 = log 2 - 1/4 = 0.44315.
// An independent scipy cKDTree simulation of the same estimator at n = m = 1000 (1000
// replicates) gave bias 0.002 +- 0.002 (sd 0.070) for k = 1 and 0.004 +- 0.001 (sd 0.042) for
// k = 5; the tolerance is a 0.01 bias allowance plus 4 standard errors.
TEST(Knn, RecoversShiftedScaledGaussianKL) {
  const double truth = std::log(2.0) - 0.25;
  for (int k : {1, 5}) {
    const auto est = klest::make_estimator("knn", {{"k", k}});
    const auto r = klest::testing::replicate(
        *est, [](klest::Rng& g) { return gauss(g, 1000, 1, 0, 1); },
        [](klest::Rng& g) { return gauss(g, 1000, 1, 1, 2); }, 60, 7);
    SCOPED_TRACE(r.seed_note());
    EXPECT_NEAR(r.mean, truth, 0.01 + 4 * r.std_error) << est->label();
    EXPECT_LT(r.sd, k == 1 ? 0.11 : 0.07) << "replicate spread far above the published one";
  }
}

// 2-D mean shift by (1, 1) with unit covariance: KL = |mu|^2 / 2 = 1. The estimator is biased
// low here at finite n: an independent scipy cKDTree simulation (200 replicates, n = m = 2000)
// gave means 0.955 (sd 0.076) for k = 1 and 0.933 (sd 0.056) for k = 3. The allowance is
// 2 standard errors of that reference mean (0.011) plus 4 standard errors of ours.
TEST(Knn, RecoversTwoDimensionalMeanShift) {
  struct Case { int k; double reference_mean; };
  for (const Case c : {Case{1, 0.955}, Case{3, 0.933}}) {
    const auto est = klest::make_estimator("knn", {{"k", c.k}});
    const auto r = klest::testing::replicate(
        *est, [](klest::Rng& g) { return gauss(g, 2000, 2, 0, 1); },
        [](klest::Rng& g) { return gauss(g, 2000, 2, 1, 1); }, 100, 8);
    SCOPED_TRACE(r.seed_note());
    EXPECT_NEAR(r.mean, c.reference_mean, 0.011 + 4 * r.std_error) << est->label();
  }
}

// Independent samples of one law: KL = 0. Fixed-k WKV is unbiased for equal laws up to
// O(1/n); the allowance is 4 standard errors.
TEST(Knn, SameDistributionGivesNearZero) {
  const auto est = klest::make_estimator("knn(k=2)");
  const auto r = klest::testing::replicate(
      *est, [](klest::Rng& g) { return gauss(g, 1000, 3); },
      [](klest::Rng& g) { return gauss(g, 1000, 3); }, 40, 9);
  SCOPED_TRACE(r.seed_note());
  EXPECT_NEAR(r.mean, 0.0, 0.005 + 4 * r.std_error);
}

Samples transform(const Samples& s, const std::function<void(std::span<double>)>& f) {
  Samples out = s;
  for (std::size_t i = 0; i < out.rows(); ++i) f(out.row(i));
  return out;
}

TEST(Knn, InvariantUnderCommonTranslationScalingAndRotation) {
  klest::Rng rng = klest::rng_for(3);
  const Samples x = gauss(rng, 500, 2, 0, 1), y = gauss(rng, 400, 2, 0.5, 1.3);
  const auto est = klest::make_estimator("knn(k=4, l=2)");
  const double base = est->estimate(x, y).value;

  auto translate = [](std::span<double> r) { r[0] += 3.25; r[1] -= 7.5; };
  auto scale = [](std::span<double> r) { r[0] *= 3.7; r[1] *= 3.7; };
  const double a = 0.7;
  auto rotate = [a](std::span<double> r) {
    const double u = r[0], v = r[1];
    r[0] = std::cos(a) * u - std::sin(a) * v;
    r[1] = std::sin(a) * u + std::cos(a) * v;
  };
  // Only rounding of the transformed coordinates separates these from the base value.
  EXPECT_NEAR(est->estimate(transform(x, translate), transform(y, translate)).value, base, 1e-9);
  EXPECT_NEAR(est->estimate(transform(x, scale), transform(y, scale)).value, base, 1e-9);
  EXPECT_NEAR(est->estimate(transform(x, rotate), transform(y, rotate)).value, base, 1e-9);
}

TEST(Knn, ExtremeMagnitudesGiveTheSameEstimate) {
  klest::Rng rng = klest::rng_for(4);
  const Samples x = gauss(rng, 300, 3), y = gauss(rng, 300, 3, 0.2, 1);
  const auto est = klest::make_estimator("knn(k=2)");
  const double base = est->estimate(x, y).value;
  for (double f : {1e-200, 1e-150, 1e150, 1e200}) {
    auto scale = [f](std::span<double> r) { for (double& v : r) v *= f; };
    EXPECT_NEAR(est->estimate(transform(x, scale), transform(y, scale)).value, base, 1e-9)
        << "scale " << f;
  }
}

// Two copies of each of the first three rows of x: those six points have rho_1 = 0.
Samples with_duplicates(const Samples& x) {
  Samples out = x;
  for (std::size_t i = 0; i < 3; ++i) {
    auto dst = out.row(10 + i);
    std::copy(x.row(i).begin(), x.row(i).end(), dst.begin());
  }
  return out;
}

TEST(Knn, TiesAreAnErrorByDefaultNamingTheRows) {
  klest::Rng rng = klest::rng_for(6);
  const Samples x = with_duplicates(gauss(rng, 50, 2)), y = gauss(rng, 50, 2);
  const auto est = klest::make_estimator("knn");
  EXPECT_THAT([&] { est->estimate(x, y); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("knn(k=1, l=1, ties=error, metric=euclidean)"), HasSubstr("p row 1 coincides with p row 11"),
                  HasSubstr("6 of 50 points"), HasSubstr("ties=skip"), HasSubstr("ties=jitter"))));
  // A point of p repeated in q makes nu zero.
  const Samples x2 = gauss(rng, 50, 2);
  Samples y3 = y;
  EXPECT_NO_THROW(est->estimate(x2, y3));
  std::copy(x2.row(4).begin(), x2.row(4).end(), y3.row(7).begin());
  EXPECT_THAT([&] { est->estimate(x2, y3); },
              ThrowsMessage<klest::InputError>(HasSubstr("p row 5 coincides with q row 8")));
}

TEST(Knn, SkipDropsTiedTermsAndRenormalises) {
  klest::Rng rng = klest::rng_for(7);
  const Samples x = with_duplicates(gauss(rng, 60, 2)), y = gauss(rng, 70, 2, 0.4, 1);
  const auto r = klest::make_estimator("knn(ties=skip)")->estimate(x, y);
  EXPECT_EQ(r.diag.get("skipped"), 6.0);
  // By hand: the mean over the 54 untied points of 2 log(nu/rho), plus log(m/(n-1)).
  const auto untied = [&] {
    double s = 0;
    for (std::size_t i = 0; i < x.rows(); ++i) {
      if (i < 3 || (i >= 10 && i < 13)) continue;
      double rho = INFINITY, nu = INFINITY;
      for (std::size_t j = 0; j < x.rows(); ++j) {
        if (j == i) continue;
        rho = std::min(rho, std::hypot(x.row(i)[0] - x.row(j)[0], x.row(i)[1] - x.row(j)[1]));
      }
      for (std::size_t j = 0; j < y.rows(); ++j) {
        nu = std::min(nu, std::hypot(x.row(i)[0] - y.row(j)[0], x.row(i)[1] - y.row(j)[1]));
      }
      s += std::log(nu / rho);
    }
    return 2 * s / 54 + std::log(70.0 / 59.0);
  }();
  EXPECT_NEAR(r.value, untied, 1e-12);
}

TEST(Knn, JitterIsDeterministicReportedAndSmall) {
  // Data rounded to a grid of 0.01: many exact repeats.
  klest::Rng rng = klest::rng_for(8);
  Samples x = gauss(rng, 400, 1), y = gauss(rng, 400, 1, 0.5, 1);
  for (double& v : x.values()) v = std::round(v * 100) / 100;
  for (double& v : y.values()) v = std::round(v * 100) / 100;
  const auto est = klest::make_estimator("knn(k=3, ties=jitter)");
  klest::Rng r1 = klest::rng_for(1), r2 = klest::rng_for(1), r3 = klest::rng_for(2);
  const auto a = est->estimate(x, y, r1), b = est->estimate(x, y, r2), c = est->estimate(x, y, r3);
  EXPECT_EQ(a.value, b.value);
  EXPECT_NE(a.value, c.value);
  EXPECT_GT(a.diag.get("tied_points").value_or(0), 0);
  EXPECT_NEAR(a.diag.get("jitter_width_max").value_or(0), 0.01, 1e-9);
  // KL(N(0,1) || N(0.5,1)) = 0.125; one draw of n = 400 with k = 3 has sd ~ 0.06.
  EXPECT_NEAR(a.value, 0.125, 0.25);
}

TEST(Knn, RejectsBadParametersAndShortOrMismatchedSamples) {
  EXPECT_THAT([] { klest::make_estimator("knn(k=0)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'k' is 0")));
  EXPECT_THAT([] { klest::make_estimator("knn(ties=ignore)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("'ties'")));
  klest::Rng rng = klest::rng_for(9);
  const auto est = klest::make_estimator("knn(k=5)");
  EXPECT_THAT([&] { est->estimate(gauss(rng, 5, 2), gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(HasSubstr("knn(k=5, l=5, ties=error, metric=euclidean)"),
                                                     HasSubstr("sample from p has 5 points, but needs at least 6"))));
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 2), gauss(rng, 4, 2)); },
              ThrowsMessage<klest::InputError>(HasSubstr("sample from q has 4 points, but needs at least 5")));
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 2), gauss(rng, 50, 3)); },
              ThrowsMessage<klest::InputError>(AllOf(HasSubstr("50x2"), HasSubstr("50x3"))));
  Samples bad = gauss(rng, 50, 2);
  bad.row(16)[1] = NAN;
  EXPECT_THAT([&] { est->estimate(bad, gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(HasSubstr("row 17"), HasSubstr("column 2"))));
  EXPECT_THAT([&] { est->estimate(Samples(), gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(HasSubstr("sample from p is empty")));
}

}  // namespace

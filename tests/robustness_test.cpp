// Numerical robustness of the library: estimates that must not depend on the units of the data
// (samples scaled by 1e-150 and 1e150), near-singular covariances for gaussian_fit, heavy-tailed
// (Cauchy) samples of size 1e5, and log-densities far out in the tails of every distribution
// family.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/truth.hpp"
#include "testing.hpp"

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr double unit_roundoff = std::numeric_limits<double>::epsilon() / 2;  // 2^-53

klest::Samples scaled(const klest::Samples& s, double c) {
  klest::Samples out(s);
  for (double& v : out.values()) v *= c;
  return out;
}

// The smallest distance between two distinct rows of a or b (pooled), by brute force.
double smallest_gap(const klest::Samples& a, const klest::Samples& b) {
  std::vector<const double*> rows;
  for (std::size_t i = 0; i < a.rows(); ++i) rows.push_back(a.row(i).data());
  for (std::size_t i = 0; i < b.rows(); ++i) rows.push_back(b.row(i).data());
  const std::size_t d = a.dim();
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = i + 1; j < rows.size(); ++j) {
      double s = 0;
      for (std::size_t k = 0; k < d; ++k) s += (rows[i][k] - rows[j][k]) * (rows[i][k] - rows[j][k]);
      if (s > 0) best = std::min(best, std::sqrt(s));
    }
  }
  return best;
}

double largest_magnitude(const klest::Samples& a, const klest::Samples& b) {
  double m = 0;
  for (double v : a.values()) m = std::max(m, std::abs(v));
  for (double v : b.values()) m = std::max(m, std::abs(v));
  return m;
}

// ---- scale invariance ------------------------------------------------------------------------
//
// KL(P||Q) is invariant under a common invertible affine map of both samples, and so are these
// estimators: knn (both distances of a term scale alike), kde with rule bandwidths (h_j scales
// with the column's sd, so every kernel argument (x - x_j)/h_j is unchanged and the log det H of
// p and q shift alike) and gaussian_fit (the Gaussian KL is affine invariant). So samples
// multiplied by c = 1e-150 or 1e150 (and 1e-300, 1e300, and the exact 2^-600, 2^600) must give
// the unscaled estimate up to rounding.
//
// Tolerance. x * c is rounded to within a relative 2^-53 per coordinate, which moves a distance
// or kernel argument between rows i, j by at most 2 * 2^-53 * max|x| / |x_i - x_j| relative to
// it, so a log-distance (knn) or a kernel exponent (kde, whose arguments |u| are at most about
// 10 for the nearby pairs that carry the sum) by at most ~ 4 * 2^-53 * max|x| / min gap; the
// logs of the scaled distances and bandwidths are about |log c| = 345 in size, and their
// differences lose ~ 2^-53 * 345 each. Both are computed from the data below; the
// tolerance is 100 times their sum (about 1e-10 here, where the differences measured stay
// below 3e-13), far below the O(1e-3) or larger change a lost invariance would cause (an
// absolute epsilon added to a distance, a squared distance that underflows to 0, a bandwidth
// floor).
class ScaleInvariance : public ::testing::TestWithParam<std::string> {};

TEST_P(ScaleInvariance, SamplesScaledBy1eMinus150And1e150GiveTheUnscaledEstimate) {
  const auto est = klest::make_estimator(GetParam());
  klest::Rng rng = klest::rng_for(20240611, {1});
  // Two data sets: Gaussian, and uniform on nested boxes ([0, 1)^2 inside [-0.2, 1.3) x
  // [-0.2, 1.1)). With the compact Epanechnikov kernel the Gaussian one gives an infinite
  // estimate (a tail point of p with no other point within reach), which must then stay the
  // same infinity at every scale; the uniform one keeps it finite.
  klest::Samples uq = klest::testing::uniform(rng, 300, 2);
  for (std::size_t i = 0; i < uq.rows(); ++i) {
    uq.row(i)[0] = -0.2 + 1.5 * uq.row(i)[0];
    uq.row(i)[1] = -0.2 + 1.3 * uq.row(i)[1];
  }
  const std::vector<std::pair<klest::Samples, klest::Samples>> data{
      {klest::testing::gauss(rng, 400, 2), klest::testing::gauss(rng, 300, 2, 0.5, 1.5)},
      {klest::testing::uniform(rng, 400, 2), uq}};
  std::size_t finite = 0;
  for (std::size_t set = 0; set < data.size(); ++set) {
    const auto& [p, q] = data[set];
    const double base = est->estimate(p, q).value;
    ASSERT_FALSE(std::isnan(base)) << est->label();
    finite += std::isfinite(base);
    const double spread = largest_magnitude(p, q) / smallest_gap(p, q);
    for (double c : {1e-150, 1e150, 1e-300, 1e300, std::ldexp(1.0, -600), std::ldexp(1.0, 600)}) {
      const std::string where = "data set " + std::to_string(set + 1) + ", scale " +
                                klest::format_number(c);
      SCOPED_TRACE(est->label() + ", " + where);
      const double tol = 100 * (4 * unit_roundoff * spread +
                                4 * unit_roundoff * (std::abs(std::log(c)) + 1));
      double v = 0;
      ASSERT_NO_THROW(v = est->estimate(scaled(p, c), scaled(q, c)).value);
      if (std::isinf(base)) {
        EXPECT_EQ(v, base);
      } else {
        EXPECT_NEAR(v, base, tol);
      }
      RecordProperty(where, "difference " + klest::format_number(v - base) + ", tolerance " +
                                klest::format_number(tol));
    }
  }
  EXPECT_GE(finite, 1u) << "no finite estimate: the comparison proves little";
}

INSTANTIATE_TEST_SUITE_P(Robust, ScaleInvariance,
                         ::testing::Values("knn(k=1)", "knn(k=4, l=2)", "knn(k=3, metric=max)",
                                           "kde", "kde(bandwidth=scott, kernel=epanechnikov)",
                                           "gaussian_fit", "gaussian_fit(ddof=1)"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return s;
                         });

// A common shift far from the origin (1e8, with unit spread) is an affine map too; gaussian_fit
// centres both samples before fitting, so it keeps its value up to the rounding of x + 1e8
// (absolute 2^-53 * 1e8 ~ 1e-8 per value, relative ~1e-8 to the unit spread; the KL is a smooth
// function of the fitted moments, so it moves by O(1e-8); tolerance 1e-6).
TEST(Robust, GaussianFitIgnoresACommonLargeOffset) {
  const auto est = klest::make_estimator("gaussian_fit");
  klest::Rng rng = klest::rng_for(7, {2});
  const klest::Samples p = klest::testing::gauss(rng, 500, 3);
  const klest::Samples q = klest::testing::gauss(rng, 500, 3, 0.3, 1.2);
  klest::Samples ps(p), qs(q);
  for (double& v : ps.values()) v += 1e8;
  for (double& v : qs.values()) v += 1e8;
  EXPECT_NEAR(est->estimate(ps, qs).value, est->estimate(p, q).value, 1e-6);
}

// ---- near-singular covariances -----------------------------------------------------------------
//
// p = (z1, z1 + eps z2) for fixed standard normal draws z1, z2: the fitted covariance is
// A S_z A^T with A = [[1, 0], [1, eps]], so det S_p = eps^2 det S_z exactly, and the Gaussian KL
// against a fixed q is -log(eps) + C + O(eps) (the trace and mean terms move by O(eps)). So
// KL + log(eps) must stay constant as eps shrinks, until the fit is singular to within
// rounding; from there on gaussian_fit must say so (InputError naming the label and the
// column), never return NaN or a value ruled by rounding.
TEST(Robust, GaussianFitOnNearSingularCovariancesIsFiniteAndExactOrAClearError) {
  const auto est = klest::make_estimator("gaussian_fit");
  klest::Rng rng = klest::rng_for(11, {3});
  const klest::Samples z = klest::testing::gauss(rng, 400, 2);
  const klest::Samples q = klest::testing::gauss(rng, 400, 2, 0.2, 1.1);
  auto collapsed = [&](double eps) {
    klest::Samples p(z.rows(), 2);
    for (std::size_t i = 0; i < z.rows(); ++i) {
      p.row(i)[0] = z.row(i)[0];
      p.row(i)[1] = z.row(i)[0] + eps * z.row(i)[1];
    }
    return p;
  };
  std::vector<double> offsets, epsilons;  // KL + log(eps), from eps = 1e-3 on
  std::size_t errors = 0;
  for (int e = 1; e <= 17; ++e) {
    const double eps = std::pow(10.0, -e);
    SCOPED_TRACE("eps " + klest::format_number(eps));
    for (int side = 0; side < 2; ++side) {  // the collapsed sample as p, then as q
      const klest::Samples p = collapsed(eps);
      try {
        const double v = side == 0 ? est->estimate(p, q).value : est->estimate(q, p).value;
        EXPECT_FALSE(std::isnan(v));
        EXPECT_TRUE(std::isfinite(v)) << v;
        if (side == 0 && e >= 3) {
          offsets.push_back(v + std::log(eps));
          epsilons.push_back(eps);
        }
      } catch (const klest::InputError& e) {
        ++errors;
        EXPECT_THAT(e.what(), AllOf(HasSubstr("estimator 'gaussian_fit(ddof=0)'"),
                                    HasSubstr("singular"), HasSubstr("column 2")));
        // Only a fit that is singular to within the 1e-12 pivot threshold may be refused:
        // the unexplained variance fraction of column 2 is about eps^2.
        EXPECT_LT(eps, 1e-5);
      }
    }
  }
  // eps = 1e-17 is below the rounding of z1 + eps z2: the columns are then identical.
  EXPECT_GE(errors, 2u);
  ASSERT_GE(offsets.size(), 2u);
  // Tolerance for offset i against offset 0: the O(eps) terms come from cov(z1, z2) and
  // mean(z2), both O(1/sqrt(n)) = 0.05 for independent draws, times entries of S_q^-1 of order
  // 1, so |coefficient| < 1 with room: eps_0 + eps_i. The pivot of column 2 (about eps^2) is
  // 1 - rho^2 computed from sums of n products, with an absolute rounding of about
  // sqrt(n) 2^-53; -1/2 log(pivot) in the KL then errs by sqrt(n) 2^-53 / (2 eps^2), taken
  // 4 times: 2 sqrt(n) 2^-53 (1/eps_0^2 + 1/eps_i^2) (4e-3 at eps = 1e-6, the last accepted).
  const double rounding = 2 * std::sqrt(double(z.rows())) * unit_roundoff;
  for (std::size_t i = 1; i < offsets.size(); ++i) {
    const double e0 = epsilons[0], ei = epsilons[i];
    EXPECT_NEAR(offsets[i], offsets[0], (e0 + ei) + rounding * (1 / (e0 * e0) + 1 / (ei * ei)))
        << "eps " << ei;
    RecordProperty("offset change at eps " + klest::format_number(ei),
                   klest::format_number(offsets[i] - offsets[0]));
  }
  RecordProperty("refused", std::to_string(errors));
}

// ---- heavy tails ---------------------------------------------------------------------------------
//
// Cauchy samples of size 1e5 (points as far out as ~1e5 scales, a few near 1e9): knn(k=5) must
// stay finite and close to the closed form KL(C(0,1) || C(1,2)) = log(1 + ((1-2)^2 + (0-1)^2) /
// (4*1*2)) = log(1.25). Tolerance: 4 standard errors of the replicate mean plus a bias allowance
// of 0.005 nats. At n = 1e5 the fixed-k bias of the k-NN estimator is O(k/n) in the bulk; the
// tails add the terms of the few extreme points, whose k-NN balls are not small against the
// scale on which the density changes, i.e. about (number of such points)/n, well below 0.005.
// (A separate bias study of this pair, `klest run` with knn(k=5), 40 replications at n = m =
// 1e5, seed 99, measured a bias of -0.0005 +- 0.0007 and a replicate sd of 0.0042.)
TEST(Robust, CauchySamplesOfSize1e5GiveAFiniteEstimateNearTheTruth) {
  const auto p = klest::make_distribution("cauchy(0, 1)");
  const auto q = klest::make_distribution("cauchy(loc=1, scale=2)");
  const klest::Truth truth = klest::true_kl(*p, *q);
  ASSERT_EQ(truth.method, klest::TruthMethod::closed_form);
  ASSERT_NEAR(truth.value, std::log(1.25), 1e-14);

  const auto knn = klest::make_estimator("knn(k=5)");
  const std::size_t n = 100'000, reps = 6;
  const auto start = std::chrono::steady_clock::now();
  const auto r = klest::testing::replicate(
      *knn, [&](klest::Rng& rng) { return p->sample(rng, n); },
      [&](klest::Rng& rng) { return q->sample(rng, n); }, reps, 31);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  SCOPED_TRACE(r.seed_note());
  for (double v : r.values) EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_NEAR(r.mean, truth.value, 0.005 + 4 * r.std_error);
  // The replicate sd is about sqrt(Var_P[log p/q] / n)-sized; a value far above 0.05 would mean
  // that a few tail points dominate.
  EXPECT_LT(r.sd, 0.05);
  RecordProperty("seconds", std::to_string(seconds));
  RecordProperty("mean", klest::format_number(r.mean));
  RecordProperty("sd", klest::format_number(r.sd));
  RecordProperty("std_error", klest::format_number(r.std_error));
}

// ---- log-densities far in the tails ---------------------------------------------------------------

// Points from the far tails and the edges of the double range.
std::vector<double> extreme_points() {
  const double big = std::numeric_limits<double>::max();
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double small = std::numeric_limits<double>::min();
  return {0.0,    1e-300, -1e-300, tiny,  -tiny, small,  -small, 1e-30, 0.5,    1.0,   2.0,
          1e15,   -1e15,  1e100,   -1e100, 1e200, -1e200, 1e300,  -1e300, big,  -big,  3.0e154};
}

// Every family (at its example parameters and a few others that reach different code paths):
// log_density at extreme finite points is never NaN, and never +inf except at a finite edge of
// the support, where a density may be unbounded (gamma with shape < 1 at 0).
TEST(Robust, LogDensitiesAtExtremePointsAreNeverNaN) {
  std::vector<std::string> specs;
  for (const auto* info : klest::distribution_infos()) specs.push_back(info->example);
  for (const char* s : {"gamma(shape=0.5, rate=1)", "gamma(shape=2, rate=1e-3)",
                        "student_t(df=0.5)", "student_t(df=1e6)", "normal(0, 1e-150)",
                        "normal(1e300, 1e300)", "beta(0.5, 0.5)", "weibull(shape=0.5, scale=1)",
                        "pareto(scale=1, shape=0.5)", "lognormal(0, 3)", "poisson(1e6)",
                        "von_mises(mu=0, kappa=1e300)", "negative_binomial(r=1e15, p=0.5)",
                        "laplace(0, 1e-200)", "cauchy(0, 1e-300)"}) {
    specs.emplace_back(s);
  }
  std::size_t evaluated = 0;
  for (const std::string& spec : specs) {
    std::unique_ptr<klest::Distribution> d;
    try {
      d = klest::make_distribution(spec);
    } catch (const klest::Error& e) {
      ADD_FAILURE() << spec << ": " << e.what();
      continue;
    }
    const std::size_t dim = d->dim();
    const auto box = d->support();
    for (double x : extreme_points()) {
      // The point with every coordinate x, and x in the first coordinate only (others inside).
      for (int pattern = 0; pattern < 2; ++pattern) {
        std::vector<double> point(dim, x);
        if (pattern == 1) {
          if (dim == 1) continue;
          for (std::size_t j = 1; j < dim; ++j) {
            point[j] = std::clamp(0.5, box[j].lo, box[j].hi);
          }
        }
        const double v = d->log_density(point);
        ++evaluated;
        SCOPED_TRACE(d->spec() + " at x = " + klest::format_number(x) +
                     (pattern == 1 ? " (first coordinate)" : ""));
        EXPECT_FALSE(std::isnan(v));
        bool at_edge = false;
        for (std::size_t j = 0; j < dim; ++j) {
          at_edge = at_edge || point[j] == box[j].lo || point[j] == box[j].hi;
        }
        if (!at_edge) {
          EXPECT_LT(v, std::numeric_limits<double>::infinity());
        }
      }
    }
  }
  EXPECT_GT(evaluated, 500u);
}

// Where the true log-density is a representable number, it is computed, not lost to overflow of
// an intermediate x^2: expected values from the formulas, evaluated in their asymptotic form
// log(1 + t^2) = 2 log t + log1p(t^-2) (exact to rounding for t >= 1e100).
TEST(Robust, FarTailLogDensitiesAreTheFiniteValuesOfTheFormulas) {
  const double pi = std::numbers::pi;
  auto at = [](const char* spec, double x) {
    const double v = klest::make_distribution(spec)->log_density(std::vector<double>{x});
    return v;
  };
  // normal: -0.5 log(2 pi) - x^2 / 2; finite at 1e100, below the double range at 1e200.
  EXPECT_NEAR(at("normal(0, 1)", 1e100), -0.5e200, 1e186);
  EXPECT_EQ(at("normal(0, 1)", 1e200), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(at("normal(0, 1)", -1e300), -std::numeric_limits<double>::infinity());
  // cauchy(0, 1): -log(pi) - log(1 + x^2).
  for (double x : {1e200, -1e300, std::numeric_limits<double>::max()}) {
    const double t = std::abs(x);
    EXPECT_NEAR(at("cauchy(0, 1)", x), -std::log(pi) - 2 * std::log(t), 1e-12 * std::log(t))
        << x;
  }
  // student_t(df = 3): lgamma(2) - lgamma(1.5) - 0.5 log(3 pi) - 2 log(1 + x^2 / 3).
  for (double x : {1e200, -1e250}) {
    const double t = std::abs(x) / std::sqrt(3.0);
    const double want =
        std::lgamma(2.0) - std::lgamma(1.5) - 0.5 * std::log(3 * pi) - 2 * 2 * std::log(t);
    EXPECT_NEAR(at("student_t(df=3)", x), want, 1e-12 * std::abs(want)) << x;
  }
  // gamma(shape = 2, rate = 1): log x - x; gamma(0.5, 1): -0.5 log x - x - lgamma(0.5).
  EXPECT_NEAR(at("gamma(2, 1)", 1e-300), std::log(1e-300), 1e-12 * 691);
  EXPECT_NEAR(at("gamma(shape=0.5, rate=1)", 1e-300),
              -0.5 * std::log(1e-300) - std::lgamma(0.5), 1e-12 * 345);
  EXPECT_NEAR(at("gamma(2, 1)", 1e300), std::log(1e300) - 1e300, 1e288);
  // laplace(0, 1): -log 2 - |x|.
  EXPECT_NEAR(at("laplace(0, 1)", -1e300), -std::log(2.0) - 1e300, 1e288);
}

}  // namespace

// Tests of the one-sample k-NN estimator against a known density q (Perez-Cruz 2008, Eq. 18):
// a hand-computed case, an O(n^2) brute-force evaluation of the formula with hand-written
// log-densities, closed-form Gaussian KL in 1-D and 2-D under both norms, the +inf case, ties
// and bad input.

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <span>

#include <boost/math/special_functions/digamma.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "testing.hpp"

namespace {

using klest::Samples;
using klest::testing::gauss;
using klest::testing::rows;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr double pi = std::numbers::pi;
using LogQ = std::function<double(std::span<const double>)>;

// log N(x; mean, sd^2), written out.
double log_normal(double x, double mean, double sd) {
  const double u = (x - mean) / sd;
  return -0.5 * std::log(2 * pi) - std::log(sd) - 0.5 * u * u;
}

// log N(x; (1, 0), [[2, 0.5], [0.5, 1]]): determinant 1.75, inverse [[1, -0.5], [-0.5, 2]] / 1.75.
double log_q2(std::span<const double> x) {
  const double a = x[0] - 1, b = x[1];
  return -std::log(2 * pi) - 0.5 * std::log(1.75) - 0.5 * (a * a - a * b + 2 * b * b) / 1.75;
}
constexpr const char* q2_spec = "mvnormal(mean=[1, 0], cov=[[2, 0.5], [0.5, 1]])";

// The formula evaluated directly: every distance, sorted, the k-th taken (the point itself
// excluded); V_d from its definition; psi from Boost; sums in long double.
double brute_force(const Samples& x, std::size_t k, bool max_norm, const LogQ& log_q) {
  const std::size_t n = x.rows(), d = x.dim();
  long double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<long double> dist;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      long double s = 0;
      for (std::size_t c = 0; c < d; ++c) {
        const long double t = std::fabs((long double)x.row(i)[c] - x.row(j)[c]);
        s = max_norm ? std::max(s, t) : s + t * t;
      }
      dist.push_back(max_norm ? s : std::sqrt(s));
    }
    std::sort(dist.begin(), dist.end());
    sum += -(long double)d * std::log(dist[k - 1]) - log_q(x.row(i));
  }
  const double log_v = max_norm ? double(d) * std::log(2.0)
                                : 0.5 * double(d) * std::log(pi) - std::lgamma(0.5 * double(d) + 1);
  return double(sum / n) + boost::math::digamma(double(k)) - std::log(double(n - 1)) - log_v;
}

// x = {0, 1, 3}, k = 1, default q = N(0, 1): rho = 1, 1, 2; V_1 = 2 under both norms;
// sum log phi(x_i) = -1.5 log(2 pi) - (0 + 1 + 9) / 2. So
// D = psi(1) - log 2 - log 2 - (log 2) / 3 + 0.5 log(2 pi) + 5/3 = 0.391046...
TEST(KnnOneSample, HandComputedThreePoints) {
  const double want = -std::numbers::egamma - 2 * std::log(2.0) - std::log(2.0) / 3 +
                      0.5 * std::log(2 * pi) + 5.0 / 3;
  const Samples x = rows({0, 1, 3}, 1), y = rows({0}, 1);
  EXPECT_NEAR(klest::make_estimator("knn_one_sample")->estimate(x, y).value, want, 1e-14);
  EXPECT_NEAR(klest::make_estimator("knn_one_sample(metric=max)")->estimate(x, y).value, want,
              1e-14);
}

TEST(KnnOneSample, MatchesBruteForceOnSmallRandomData) {
  struct Case {
    std::size_t n, d, k;
    const char* metric;
    std::string q;
    LogQ log_q;
  };
  auto q1 = [](std::span<const double> x) { return log_normal(x[0], 0.5, 1.5); };
  auto q3 = [](std::span<const double> x) {  // a 1-D q applied to each of the coordinates
    double s = 0;
    for (double v : x) s += log_normal(v, 0, 2);
    return s;
  };
  const Case cases[] = {
      {30, 1, 1, "euclidean", "normal(0.5, 1.5)", q1}, {41, 1, 3, "max", "normal(0.5, 1.5)", q1},
      {50, 2, 1, "euclidean", q2_spec, log_q2},        {37, 2, 4, "max", q2_spec, log_q2},
      {64, 3, 2, "euclidean", "normal(0, 2)", q3},     {25, 3, 1, "max", "normal(0, 2)", q3}};
  std::uint32_t c = 0;
  for (const Case& cs : cases) {
    klest::Rng rng = klest::rng_for(21, {c++});
    const Samples x = gauss(rng, cs.n, cs.d, 0.2, 1.1);
    const auto est = klest::make_estimator("knn_one_sample(k=" + std::to_string(cs.k) +
                                           ", q=" + cs.q + ", metric=" + cs.metric + ")");
    const double want = brute_force(x, cs.k, std::string(cs.metric) == "max", cs.log_q);
    EXPECT_NEAR(est->estimate(x, gauss(rng, 5, cs.d)).value, want,
                1e-12 * std::max(1.0, std::abs(want)))
        << est->label();
  }
}

TEST(KnnOneSample, DefaultQIsTheStandardNormalInTheDataDimension) {
  EXPECT_EQ(klest::make_estimator("knn_one_sample")->label(),
            "knn_one_sample(k=1, q=normal(mean=0, sd=1), ties=error, metric=euclidean)");
  klest::Rng rng = klest::rng_for(22);
  const Samples x = gauss(rng, 300, 3, 0.1, 1.2), y = gauss(rng, 10, 3);
  const double by_default = klest::make_estimator("knn_one_sample(k=2)")->estimate(x, y).value;
  const double explicit_q = klest::make_estimator("knn_one_sample(k=2, q=mvnormal(mean=[0, 0, 0]))")
                                ->estimate(x, y)
                                .value;
  EXPECT_NEAR(by_default, explicit_q, 1e-12);
}

TEST(KnnOneSample, IgnoresTheSampleFromQ) {
  klest::Rng rng = klest::rng_for(23);
  const Samples x = gauss(rng, 200, 2);
  const auto est = klest::make_estimator("knn_one_sample(k=3)");
  const double a = est->estimate(x, gauss(rng, 500, 2, 5, 3)).value;
  EXPECT_EQ(est->estimate(x, rows({0, 0}, 2)).value, a);
}

double rmse(const klest::testing::Replicates& r, double truth) {
  double s = 0;
  for (double v : r.values) s += (v - truth) * (v - truth);
  return std::sqrt(s / double(r.values.size()));
}

// P = N(0, 1), Q = N(1, 2^2) known: KL = log 2 + (1 + 1) / 8 - 1/2 = log 2 - 1/4 = 0.44315.
// An independent brute-force simulation of the same formula (std::mt19937_64 data, 1000-4000
// replicates) gave: n = 200: k = 1 bias +0.004 (sd 0.111), k = 5 bias +0.014 (sd 0.057);
// n = 2000: k = 1 bias -0.002 +- 0.001 (sd 0.034), k = 5 bias +0.002 +- 0.001 (sd 0.019).
// Allowances: 0.03 (n = 200) and 0.01 (n = 2000) for bias, plus 4 standard errors. The error
// falls like n^-1/2, so the RMSE at n = 2000 should be about 0.32 of that at n = 200; 0.6 leaves
// room for the sampling error of the RMSEs themselves (about 10% with these replicate counts).
TEST(KnnOneSample, RecoversKnownGaussianKLAndImprovesWithN) {
  const double truth = std::log(2.0) - 0.25;
  for (int k : {1, 5}) {
    const auto est = klest::make_estimator("knn_one_sample(k=" + std::to_string(k) +
                                           ", q=normal(mean=1, sd=2))");
    auto run = [&](std::size_t n, std::size_t reps, std::uint64_t seed) {
      return klest::testing::replicate(
          *est, [n](klest::Rng& g) { return gauss(g, n, 1, 0, 1); },
          [](klest::Rng& g) { return gauss(g, 1, 1); }, reps, seed);
    };
    const auto small = run(200, 100, 31), large = run(2000, 40, 32);
    SCOPED_TRACE(small.seed_note() + ", " + large.seed_note());
    EXPECT_NEAR(small.mean, truth, 0.03 + 4 * small.std_error) << est->label();
    EXPECT_NEAR(large.mean, truth, 0.01 + 4 * large.std_error) << est->label();
    EXPECT_LT(rmse(large, truth), 0.6 * rmse(small, truth)) << est->label();
  }
}

// P = N(0, I_2), Q = N((1, 0), [[2, 0.5], [0.5, 1]]) known:
// KL = (tr(S^-1) + mu' S^-1 mu - 2 + log det S) / 2 = (3/1.75 + 1/1.75 - 2 + log 1.75) / 2
//    = 0.422665.
// The max-norm changes both rho and V_d (2^d instead of pi); the estimate must stay on target.
// Independent brute-force simulation (k = 1): n = 200: bias +0.013 (Euclidean), +0.021 (max),
// sd 0.12; n = 2000 (300 replicates): +0.003 +- 0.002 and +0.006 +- 0.002, sd 0.040 and 0.035.
// Allowances 0.04 (n = 200) and 0.012 (n = 2000) plus 4 standard errors; RMSE ratio as above.
TEST(KnnOneSample, RecoversTwoDimensionalKLWithEitherMetric) {
  const double truth = 0.5 * (3 / 1.75 + 1 / 1.75 - 2 + std::log(1.75));
  for (const char* metric : {"euclidean", "max"}) {
    const auto est = klest::make_estimator(std::string("knn_one_sample(q=") + q2_spec +
                                           ", metric=" + metric + ")");
    auto run = [&](std::size_t n, std::size_t reps, std::uint64_t seed) {
      return klest::testing::replicate(
          *est, [n](klest::Rng& g) { return gauss(g, n, 2); },
          [](klest::Rng& g) { return gauss(g, 1, 2); }, reps, seed);
    };
    const auto small = run(200, 100, 33), large = run(2000, 40, 34);
    SCOPED_TRACE(small.seed_note() + ", " + large.seed_note());
    EXPECT_NEAR(small.mean, truth, 0.04 + 4 * small.std_error) << est->label();
    EXPECT_NEAR(large.mean, truth, 0.012 + 4 * large.std_error) << est->label();
    EXPECT_LT(rmse(large, truth), 0.6 * rmse(small, truth)) << est->label();
  }
}

// A point of P where q = 0 proves KL(P||Q) = +inf (ESTIMATORS.md Sec. 3.2), ties or not.
TEST(KnnOneSample, ZeroDensityAtASamplePointGivesInfinity) {
  const Samples x = rows({0.2, 0.5, 1.5, 0.7, -0.1, 0.5}, 1), y = rows({0.3}, 1);
  for (const char* ties : {"error", "skip", "jitter"}) {
    const auto r =
        klest::make_estimator(std::string("knn_one_sample(q=uniform(0, 1), ties=") + ties + ")")
            ->estimate(x, y);
    EXPECT_EQ(r.value, INFINITY) << ties;
    EXPECT_EQ(r.diag.get("q_zero_points"), 2.0) << ties;
  }
  // A 1-D q applied per coordinate: one zero coordinate is enough.
  const auto r = klest::make_estimator("knn_one_sample(q=exponential(1))")
                     ->estimate(rows({1, 2, 3, 4, 5, -6}, 2), rows({1, 1}, 2));
  EXPECT_EQ(r.value, INFINITY);
  EXPECT_EQ(r.diag.get("q_zero_points"), 1.0);
}

// Two copies of each of the first three rows of x: those six points have rho_1 = 0.
Samples with_duplicates(const Samples& x) {
  Samples out = x;
  for (std::size_t i = 0; i < 3; ++i) {
    std::copy(x.row(i).begin(), x.row(i).end(), out.row(10 + i).begin());
  }
  return out;
}

TEST(KnnOneSample, TiesErrorSkipOrJitter) {
  klest::Rng rng = klest::rng_for(24);
  const Samples x = with_duplicates(gauss(rng, 60, 2)), y = gauss(rng, 5, 2);
  EXPECT_THAT(
      [&] { klest::make_estimator("knn_one_sample")->estimate(x, y); },
      ThrowsMessage<klest::InputError>(AllOf(
          HasSubstr("knn_one_sample(k=1, q=normal(mean=0, sd=1), ties=error, metric=euclidean)"),
          HasSubstr("p row 1 coincides with p row 11"), HasSubstr("6 of 60 points"),
          HasSubstr("ties=skip"), HasSubstr("larger rank k"))));
  // k = 2 needs two other copies: a pair alone is not a tie.
  EXPECT_NO_THROW(klest::make_estimator("knn_one_sample(k=2)")->estimate(x, y));

  // skip: the mean over the 54 untied points of -2 log rho - log q, with n - 1 = 59 kept.
  const auto r = klest::make_estimator("knn_one_sample(ties=skip)")->estimate(x, y);
  EXPECT_EQ(r.diag.get("skipped"), 6.0);
  double s = 0;
  for (std::size_t i = 0; i < x.rows(); ++i) {
    if (i < 3 || (i >= 10 && i < 13)) continue;
    double rho = INFINITY;
    for (std::size_t j = 0; j < x.rows(); ++j) {
      if (j == i) continue;
      rho = std::min(rho, std::hypot(x.row(i)[0] - x.row(j)[0], x.row(i)[1] - x.row(j)[1]));
    }
    s += -2 * std::log(rho) - log_normal(x.row(i)[0], 0, 1) - log_normal(x.row(i)[1], 0, 1);
  }
  EXPECT_NEAR(r.value, s / 54 - std::numbers::egamma - std::log(59.0) - std::log(pi), 1e-12);

  // jitter: data on a grid of 0.01; the width is the resolution of P alone.
  Samples xr = gauss(rng, 400, 1);
  for (double& v : xr.values()) v = std::round(v * 100) / 100;
  const Samples yr = rows({1000.123456}, 1);  // unused, and must not change the width
  const auto est = klest::make_estimator("knn_one_sample(k=2, ties=jitter)");
  klest::Rng r1 = klest::rng_for(1), r2 = klest::rng_for(1), r3 = klest::rng_for(2);
  const auto a = est->estimate(xr, yr, r1), b = est->estimate(xr, yr, r2),
             c = est->estimate(xr, yr, r3);
  EXPECT_EQ(a.value, b.value);
  EXPECT_NE(a.value, c.value);
  EXPECT_GT(a.diag.get("tied_points").value_or(0), 0);
  EXPECT_NEAR(a.diag.get("jitter_width_max").value_or(0), 0.01, 1e-9);
  // KL(N(0,1) || N(0,1)) = 0; one draw of n = 400 with k = 2 has sd about 0.06.
  EXPECT_NEAR(a.value, 0.0, 0.25);
}

TEST(KnnOneSample, RejectsBadQAndBadInput) {
  klest::Rng rng = klest::rng_for(25);
  const Samples x = gauss(rng, 50, 2), y = gauss(rng, 3, 2);
  EXPECT_THAT(
      [&] { klest::make_estimator("knn_one_sample(q=mvnormal(mean=[0, 0, 0]))")->estimate(x, y); },
      ThrowsMessage<klest::InputError>(
          AllOf(HasSubstr("estimator 'knn_one_sample(k=1, q=mvnormal(mean=[0, 0, 0])"),
                HasSubstr("has dimension 3, but the samples have dimension 2"))));
  EXPECT_THAT([] { klest::make_estimator("knn_one_sample(q=poisson(2))"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("parameter 'q'"), HasSubstr("must be continuous"))));
  EXPECT_THAT([] { klest::make_estimator("knn_one_sample(q=normal(0, -1))"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("estimator 'knn_one_sample(k=1, q=normal(0, -1)"),
                        HasSubstr("parameter 'q': distribution 'normal'"))));
  EXPECT_THAT([] { klest::make_estimator("knn_one_sample(q=gaussian)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("unknown distribution 'gaussian'")));
  EXPECT_THAT([] { klest::make_estimator("knn_one_sample(k=0)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'k' is 0")));
  EXPECT_THAT([] { klest::make_estimator("knn_one_sample(q=3)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'q' is 3")));
  EXPECT_THAT([&] { klest::make_estimator("knn_one_sample(k=5)")->estimate(gauss(rng, 5, 2), y); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("knn_one_sample(k=5"),
                        HasSubstr("sample from p has 5 points, but needs at least 6"))));
  EXPECT_THAT([&] { klest::make_estimator("knn_one_sample")->estimate(x, gauss(rng, 3, 1)); },
              ThrowsMessage<klest::InputError>(HasSubstr("samples differ in dimension")));
  // A pole of q hit exactly makes a term -inf: the sum is undefined.
  EXPECT_THAT(
      [] {
        klest::make_estimator("knn_one_sample(q=beta(0.5, 0.5))")
            ->estimate(rows({0.5, 0.25, 0, 0.75}, 1), rows({0.5}, 1));
      },
      ThrowsMessage<klest::InputError>(HasSubstr("is infinite at p row 3")));
}

}  // namespace

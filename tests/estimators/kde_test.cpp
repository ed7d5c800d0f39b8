// Tests of the kde estimator (kernel density resubstitution with a leave-one-out estimate for
// P): against hand and brute-force computations on tiny samples, consistency on a Gaussian
// shift, the Epanechnikov +inf case, log-space evaluation in the tails, and bad input.

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <numbers>
#include <vector>

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


// The estimator written out naively: densities as plain sums of kernel values (no log space),
// in long double, bandwidths from the two-pass sample sd. Only for tiny samples where nothing
// underflows.
long double brute_force(const Samples& x, const Samples& y, bool epanechnikov, const char* rule,
                        double fixed_h = 0) {
  const std::size_t n = x.rows(), m = y.rows(), d = x.dim();
  auto bandwidths = [&](const Samples& s) {
    const long double N = s.rows(), D = d;
    const long double factor = std::string(rule) == "scott"
                                   ? std::pow(N, -1 / (D + 4))
                                   : std::pow(4 / ((D + 2) * N), 1 / (D + 4));
    std::vector<long double> h(d);
    for (std::size_t k = 0; k < d; ++k) {
      long double mean = 0, ss = 0;
      for (std::size_t i = 0; i < s.rows(); ++i) mean += s.row(i)[k];
      mean /= N;
      for (std::size_t i = 0; i < s.rows(); ++i) ss += (s.row(i)[k] - mean) * (s.row(i)[k] - mean);
      h[k] = fixed_h > 0 ? fixed_h : factor * std::sqrt(ss / (N - 1));
    }
    return h;
  };
  // Volumes of the unit ball in 1, 2, 3 dimensions: 2, pi, 4 pi / 3.
  const long double ball[] = {0, 2, std::numbers::pi_v<long double>,
                              4 * std::numbers::pi_v<long double> / 3};
  auto kernel = [&](std::span<const double> a, std::span<const double> b,
                    const std::vector<long double>& h) {
    long double u2 = 0, det = 1;
    for (std::size_t k = 0; k < d; ++k) {
      const long double u = (a[k] - b[k]) / h[k];
      u2 += u * u;
      det *= h[k];
    }
    if (!epanechnikov) return std::exp(-u2 / 2) / std::pow(2 * std::numbers::pi_v<long double>, d / 2.0L) / det;
    return u2 < 1 ? (d + 2) / (2 * ball[d]) * (1 - u2) / det : 0.0L;
  };
  const auto hp = bandwidths(x), hq = bandwidths(y);
  long double sum = 0;
  bool p_zero = false, q_zero = false;
  for (std::size_t i = 0; i < n; ++i) {
    long double p = 0, q = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) p += kernel(x.row(i), x.row(j), hp);
    }
    for (std::size_t j = 0; j < m; ++j) q += kernel(x.row(i), y.row(j), hq);
    if (q == 0) q_zero = true;
    if (p == 0) p_zero = true;
    sum += std::log(p / (n - 1)) - std::log(q / m);
  }
  // The documented convention when a density estimate is 0: any q = 0 gives +inf, else any
  // p_{-i} = 0 gives -inf.
  if (q_zero) return INFINITY;
  if (p_zero) return -INFINITY;
  return sum / n;
}

TEST(Kde, LabelShowsEveryParameter) {
  EXPECT_EQ(klest::make_estimator("kde")->label(),
            "kde(kernel=gaussian, bandwidth=silverman, h=0)");
  EXPECT_EQ(klest::make_estimator("kde(kernel=epanechnikov, bandwidth=scott, h=0.5)")->label(),
            "kde(kernel=epanechnikov, bandwidth=scott, h=0.5)");
  EXPECT_THAT([] { klest::make_estimator("kde(kernel=box)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("'kernel'")));
  EXPECT_THAT([] { klest::make_estimator("kde(bandwidth=lscv)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("'bandwidth'")));
  EXPECT_THAT([] { klest::make_estimator("kde(h=-1)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'h' is -1")));
}

// p = {0, 1, 3}, q = {0.5, 2}, Gaussian kernel with h = 1, phi the standard normal density:
//   p_{-1}(0) = (phi(1) + phi(3)) / 2     q(0) = (phi(0.5) + phi(2)) / 2
//   p_{-2}(1) = (phi(1) + phi(2)) / 2     q(1) = (phi(0.5) + phi(1)) / 2
//   p_{-3}(3) = (phi(3) + phi(2)) / 2     q(3) = (phi(2.5) + phi(1)) / 2
//   D = (1/3) sum_i log(p_{-i}(x_i) / q(x_i)); the 1/2 and the 1/sqrt(2 pi) cancel.
TEST(Kde, MatchesHandComputationWithFixedBandwidth) {
  auto e = [](double u) { return std::exp(-u * u / 2); };
  const double want = (std::log((e(1) + e(3)) / (e(0.5) + e(2))) +
                       std::log((e(1) + e(2)) / (e(0.5) + e(1))) +
                       std::log((e(3) + e(2)) / (e(2.5) + e(1)))) / 3;
  const Samples p = rows({0, 1, 3}, 1), q = rows({0.5, 2}, 1);
  EXPECT_NEAR(klest::make_estimator("kde(h=1)")->estimate(p, q).value, want, 1e-14);
  EXPECT_NEAR(double(brute_force(p, q, false, "silverman", 1.0)), want, 1e-14);
}

// Rule-based bandwidths on tiny 1-D and 2-D samples, both kernels, against the loops above.
// The first two pairs are clustered so that every Epanechnikov density is positive; in the
// third some P point has no other P point within reach (estimate -inf), in the fourth some
// P point also has no Q point within reach (+inf takes precedence).
TEST(Kde, MatchesBruteForceOnTinySamples) {
  struct Case { Samples p, q; double epanechnikov_sign; };
  const Case cases[] = {
      {rows({0, 0.05, 1, 1.05}, 1), rows({0.1, 0.9, 1.1, 0.0, 0.5}, 1), 0},
      {rows({0, 0, 0.05, 0.02, 1, 1, 1.03, 0.96}, 2),
       rows({0.1, 0, 0, 0.1, 0.9, 1, 1, 0.9, 0.5, 0.5}, 2), 0},
      {rows({-0.3, 0.4, 1.1, 0.2}, 1), rows({0.1, 0.9, -0.5, 0.6, 0.3}, 1), -1},
      {rows({0.0, 0.1, 0.3, -0.2, 0.2, 0.2, -0.1, 0.1, 0.1, 0.0}, 2),
       rows({0.2, 0.0, 0.3, 0.1, -0.1, -0.1, 0.1, 0.2, 0.0, 0.1}, 2), 1},
  };
  for (const char* rule : {"silverman", "scott"}) {
    for (bool ep : {false, true}) {
      const std::string spec = std::string("kde(kernel=") + (ep ? "epanechnikov" : "gaussian") +
                               ", bandwidth=" + rule + ")";
      const auto est = klest::make_estimator(spec);
      int c = 0;
      for (const Case& cs : cases) {
        SCOPED_TRACE(spec + ", case " + std::to_string(++c));
        const double want = double(brute_force(cs.p, cs.q, ep, rule));
        const double got = est->estimate(cs.p, cs.q).value;
        if (ep && cs.epanechnikov_sign != 0) {
          EXPECT_EQ(got, cs.epanechnikov_sign * std::numeric_limits<double>::infinity());
          EXPECT_EQ(got, want);
        } else {
          ASSERT_TRUE(std::isfinite(want));
          EXPECT_NEAR(got, want, 1e-13 * std::max(1.0, std::abs(want)));
        }
      }
    }
  }
  // A wide fixed bandwidth makes every Epanechnikov term finite on the sparse case too.
  EXPECT_NEAR(klest::make_estimator("kde(kernel=epanechnikov, h=3)")->estimate(cases[3].p, cases[3].q).value,
              double(brute_force(cases[3].p, cases[3].q, true, "silverman", 3.0)), 1e-13);
  const auto sparse = klest::make_estimator("kde(kernel=epanechnikov)")->estimate(cases[2].p, cases[2].q);
  EXPECT_EQ(sparse.diag.get("p_zero_points"), 2.0);
  EXPECT_FALSE(sparse.diag.get("q_zero_points").has_value());
}

// A P point 40 sd into Q's tail: the naive sum of kernel values underflows (exp(-800) = 0 in
// double), the log-sum-exp form keeps log q finite, about -800.
TEST(Kde, TailPointsStayFiniteInLogSpace) {
  const Samples p = rows({0, 1, 40, 41}, 1), q = rows({-1, 0, 1}, 1);
  const auto r = klest::make_estimator("kde(h=1)")->estimate(p, q);
  EXPECT_TRUE(std::isfinite(r.value));
  auto e = [](double u) { return std::exp(-u * u / 2); };
  const double lp_near = std::log((e(1) + e(40) + e(41)) / 3);  // for x = 0 and 1 (e(40) = 0)
  const double lq0 = std::log((e(1) + e(0) + e(1)) / 3), lq1 = std::log((e(2) + e(1) + e(0)) / 3);
  // For x = 40: p_{-i} = (e(40) + e(39) + e(1)) / 3 ~ e(1)/3, q = (e(41) + e(40) + e(39)) / 3,
  // whose log is -39^2/2 + log((1 + e^-39.5 + ...) / 3) = -760.5 - log 3 to double precision.
  const double lq40 = -39.0 * 39 / 2 - std::log(3.0), lq41 = -40.0 * 40 / 2 - std::log(3.0);
  const double lp_far = std::log(e(1) / 3);
  const double want = (2 * lp_near - lq0 - lq1 + 2 * lp_far - lq40 - lq41) / 4;
  EXPECT_NEAR(r.value, want, 1e-10);
}

// P = N(0,1), Q = N(1,1), truth 1/2. Smoothing both laws with the kernel shrinks the KL to
// about 0.5 / (1 + h^2) (h = 1.06 n^-1/5: 0.44 at n = 200, 0.47 at n = 2000), but the
// resubstitution terms partly offset this. Measured here (seed 31): mean 0.474, sd 0.118 at
// n = 200 (100 replicates); mean 0.496, sd 0.047 at n = 2000 (30 replicates). Allowances: bias
// 0.05 at n = 200 and 0.02 at n = 2000 (about twice the measured bias), plus 4 standard errors.
// The root mean square error must at least halve from n = 200 to n = 2000 (measured 0.120 to
// 0.046).
TEST(Kde, ConsistentOnGaussianShiftAndErrorShrinks) {
  const auto est = klest::make_estimator("kde");
  struct Size { std::size_t n, reps; double bias_allowance; };
  double rmse[2];
  int c = 0;
  for (const Size s : {Size{200, 100, 0.05}, Size{2000, 30, 0.02}}) {
    const auto r = klest::testing::replicate(
        *est, [&](klest::Rng& g) { return gauss(g, s.n, 1, 0, 1); },
        [&](klest::Rng& g) { return gauss(g, s.n, 1, 1, 1); }, s.reps, 31);
    SCOPED_TRACE(r.seed_note());
    double ss = 0;
    for (double v : r.values) ss += (v - 0.5) * (v - 0.5);
    rmse[c++] = std::sqrt(ss / double(r.values.size()));
    EXPECT_NEAR(r.mean, 0.5, s.bias_allowance + 4 * r.std_error);
  }
  EXPECT_LT(rmse[1], rmse[0] / 2);
}

// Q's sample lies far from P's: with the compact Epanechnikov kernel q = 0 at every P point, so
// log q = -inf and the estimate is +inf, an honest answer. The Gaussian kernel stays finite.
TEST(Kde, EpanechnikovWithoutQNeighboursIsPlusInfinity) {
  const Samples p = rows({0.0, 0.2, 0.5, 0.9}, 1), q = rows({5.0, 5.5, 6.2}, 1);
  const auto r = klest::make_estimator("kde(kernel=epanechnikov)")->estimate(p, q);
  EXPECT_EQ(r.value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.diag.get("q_zero_points"), 4.0);
  EXPECT_TRUE(std::isfinite(klest::make_estimator("kde")->estimate(p, q).value));
  // One P point out of Q's reach is enough.
  const Samples q2 = rows({0.0, 0.2, 0.5, 0.3}, 1);
  const Samples p2 = rows({0.1, 0.3, 0.4, 3.0, 3.1}, 1);
  const auto r2 = klest::make_estimator("kde(kernel=epanechnikov, h=0.5)")->estimate(p2, q2);
  EXPECT_EQ(r2.value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r2.diag.get("q_zero_points"), 2.0);
}

TEST(Kde, ZeroVarianceColumnIsAnErrorNamingTheSample) {
  klest::Rng rng = klest::rng_for(32);
  const auto est = klest::make_estimator("kde");
  Samples q = gauss(rng, 50, 3);
  for (std::size_t i = 0; i < q.rows(); ++i) q.row(i)[1] = 4.5;
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 3), q); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("estimator 'kde(kernel=gaussian, bandwidth=silverman, h=0)'"),
                  HasSubstr("column 2 of the sample from q has zero variance"),
                  HasSubstr("every value is 4.5"))));
  Samples p = gauss(rng, 50, 2);
  for (std::size_t i = 0; i < p.rows(); ++i) p.row(i)[0] = -1;
  EXPECT_THAT([&] { klest::make_estimator("kde(bandwidth=scott)")->estimate(p, gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("kde(kernel=gaussian, bandwidth=scott, h=0)"),
                  HasSubstr("column 1 of the sample from p has zero variance"),
                  HasSubstr("scott rule"))));
  // A single point of Q has no spread for the rule; a fixed bandwidth accepts it.
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 2), gauss(rng, 1, 2)); },
              ThrowsMessage<klest::InputError>(HasSubstr("it has a single point")));
  EXPECT_TRUE(std::isfinite(
      klest::make_estimator("kde(h=0.5)")->estimate(gauss(rng, 50, 2), gauss(rng, 1, 2)).value));
}

TEST(Kde, RejectsShortOrMismatchedSamples) {
  klest::Rng rng = klest::rng_for(33);
  const auto est = klest::make_estimator("kde");
  EXPECT_THAT([&] { est->estimate(gauss(rng, 1, 2), gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("kde(kernel=gaussian, bandwidth=silverman, h=0)"),
                  HasSubstr("sample from p has 1 point, but needs at least 2"))));
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 2), gauss(rng, 50, 3)); },
              ThrowsMessage<klest::InputError>(AllOf(HasSubstr("50x2"), HasSubstr("50x3"))));
}

}  // namespace

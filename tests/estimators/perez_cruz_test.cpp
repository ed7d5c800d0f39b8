// Tests of the 1-D empirical-CDF estimator of Perez-Cruz (2008): slopes worked out by hand, a
// direct evaluation of the interpolated CDFs built from their definition, the anchors and the
// points outside Q's range, closed-form Gaussian KL, invariance, ties and bad input.

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

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

// The interpolated empirical CDF from its definition: 0 at the left anchor, (i - 1/2)/n at the
// i-th smallest point, 1 at the right anchor, linear in between; the anchors half the first
// and last gaps between distinct values beyond the ends. Evaluated by scanning the knots.
std::function<double(double)> interpolated_cdf(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  const std::size_t n = s.size();
  std::vector<double> knot, value;
  double lo_gap = 0, hi_gap = 0;
  for (std::size_t i = 1; i < n && lo_gap == 0; ++i) lo_gap = s[i] - s.front();
  for (std::size_t i = n - 1; i-- > 0 && hi_gap == 0;) hi_gap = s.back() - s[i];
  knot.push_back(s.front() - lo_gap / 2);
  value.push_back(0);
  for (std::size_t i = 0; i < n; ++i) {
    knot.push_back(s[i]);
    value.push_back((double(i) + 0.5) / double(n));
  }
  knot.push_back(s.back() + hi_gap / 2);
  value.push_back(1);
  return [knot, value](double x) {
    if (x <= knot.front()) return 0.0;
    if (x >= knot.back()) return 1.0;
    std::size_t j = 1;
    while (knot[j] < x) ++j;  // knot[j - 1] < x <= knot[j]
    return value[j - 1] + (value[j] - value[j - 1]) * (x - knot[j - 1]) / (knot[j] - knot[j - 1]);
  };
}

// (1/n') sum log(dPc / dQc) - 1 with dF(x) = F(x) - F(x - eps), eps far below every spacing,
// over the n' points where dQc > 0 (the others are counted in `outside`).
double by_finite_differences(const std::vector<double>& x, const std::vector<double>& y, double eps,
                             std::size_t* outside = nullptr) {
  const auto pc = interpolated_cdf(x), qc = interpolated_cdf(y);
  double s = 0;
  std::size_t used = 0;
  for (double v : x) {
    const double dq = qc(v) - qc(v - eps);
    if (dq == 0) continue;
    s += std::log((pc(v) - pc(v - eps)) / dq);
    ++used;
  }
  if (outside) *outside = x.size() - used;
  return s / double(used) - 1;
}

std::vector<double> values(const Samples& s) { return {s.values().begin(), s.values().end()}; }

// x = {0, 1, 3} (n = 3), y = {-1, 0.5, 2, 4} (m = 4).
// P's slopes: at 0 the anchor piece, half the spacing 1 wide, rising 1/6: 1/3; at 1: (1/3)/1;
// at 3: (1/3)/2 = 1/6. Q's slopes: 0 and 1 lie in the y-gaps (-1, 0.5] and (0.5, 2] of width
// 1.5: (1/4)/1.5 = 1/6; 3 lies in (2, 4]: (1/4)/2 = 1/8.
// D = [log 2 + log 2 + log(4/3)] / 3 - 1.
TEST(PerezCruz, HandComputedSlopes) {
  const double want = (2 * std::log(2.0) + std::log(4.0 / 3)) / 3 - 1;
  const Samples x = rows({3, 0, 1}, 1), y = rows({2, -1, 4, 0.5}, 1);
  EXPECT_NEAR(klest::make_estimator("perez_cruz")->estimate(x, y).value, want, 1e-15);
  EXPECT_NEAR(by_finite_differences(values(x), values(y), 1e-7), want, 1e-7);
}

TEST(PerezCruz, MatchesTheInterpolatedCdfsOnRandomData) {
  const std::size_t sizes[][2] = {{40, 55}, {73, 20}, {2, 2}, {200, 300}};
  std::uint32_t c = 0;
  std::size_t total_outside = 0;
  for (const auto& nm : sizes) {
    klest::Rng rng = klest::rng_for(41, {c++});
    const Samples x = gauss(rng, nm[0], 1, 0, 1), y = gauss(rng, nm[1], 1, 0.3, 1.5);
    const auto r = klest::make_estimator("perez_cruz(outside=drop)")->estimate(x, y);
    std::size_t outside = 0;
    const double want = by_finite_differences(values(x), values(y), 1e-9, &outside);
    if (outside == nm[0]) {
      EXPECT_EQ(r.value, INFINITY);  // no term left: every x is outside
    } else {
      // Rounding of F(x) - F(x - eps) is about 1e-16 / eps relative.
      EXPECT_NEAR(r.value, want, 1e-5) << nm[0] << " " << nm[1];
    }
    EXPECT_EQ(r.diag.get("outside_q_points"), double(outside)) << nm[0] << " " << nm[1];
    total_outside += outside;
  }
  EXPECT_GT(total_outside, 0u) << "the cases should exercise points outside Q's range";
}

// y = {0, 1, 2, 3}: anchors at -0.5 and 3.5, every gap 1, so Q's slope is 1/4 on (-0.5, 3.5].
// x = {-0.6, -0.5, -0.4, 1.5, 2.5, 3.5, 3.6} (n = 7): -0.6 and -0.5 (left slope 0 at the anchor
// itself) and 3.6 are outside; 3.5 is inside. The kept points' P spacings: -0.4: 0.1;
// 1.5: 1.9; 2.5: 1; 3.5: 1. Terms log(gap_y / spacing_x): log 10, -log 1.9, 0, 0; so with
// outside=drop D = (log 10 - log 1.9) / 4 + log(4/7) - 1. With outside=nearest (the default)
// the outside points keep their terms, Q's gap there being twice the distance to the nearest
// y: -0.6: 1.2 (P spacing 0.1, the smallest x taking the spacing above it), -0.5: 1.0 (the end
// gap, at the anchor), 3.6: 1.2 (spacing 0.1); D = (2 log 12 + 2 log 10 - log 1.9) / 7 +
// log(4/7) - 1.
TEST(PerezCruz, AnchorsAndPointsOutsideTheRangeOfQ) {
  const Samples x = rows({-0.6, -0.5, -0.4, 1.5, 2.5, 3.5, 3.6}, 1), y = rows({3, 1, 0, 2}, 1);
  const auto r = klest::make_estimator("perez_cruz(outside=drop)")->estimate(x, y);
  EXPECT_NEAR(r.value, (std::log(10.0) - std::log(1.9)) / 4 + std::log(4.0 / 7) - 1, 1e-14);
  EXPECT_EQ(r.diag.get("outside_q_points"), 3.0);
  const auto near = klest::make_estimator("perez_cruz")->estimate(x, y);
  EXPECT_NEAR(near.value,
              (2 * std::log(12.0) + 2 * std::log(10.0) - std::log(1.9)) / 7 + std::log(4.0 / 7) - 1,
              1e-14);
  EXPECT_EQ(near.diag.get("outside_q_points"), 3.0);

  const auto inf = klest::make_estimator("perez_cruz(outside=infinite)")->estimate(x, y);
  EXPECT_EQ(inf.value, INFINITY);
  EXPECT_EQ(inf.diag.get("outside_q_points"), 3.0);

  // Nothing inside: no term is left, and P evidently has mass where Q has none.
  const auto none =
      klest::make_estimator("perez_cruz(outside=drop)")->estimate(rows({5, 6, 7}, 1), y);
  EXPECT_EQ(none.value, INFINITY);
  EXPECT_EQ(none.diag.get("outside_q_points"), 3.0);
  // nearest: gaps 2 (5 - 3), 2 (6 - 3), 2 (7 - 3); P spacings all 1.
  const auto far = klest::make_estimator("perez_cruz")->estimate(rows({5, 6, 7}, 1), y);
  EXPECT_NEAR(far.value, (std::log(4.0) + std::log(6.0) + std::log(8.0)) / 3 + std::log(4.0 / 3) - 1,
              1e-14);

  // Repeated y's: the anchors use the gaps between distinct values, here 1 at both ends.
  const Samples yy = rows({0, 0, 1, 2, 3, 3}, 1);
  const auto rr = klest::make_estimator("perez_cruz(outside=drop)")->estimate(x, yy);
  EXPECT_EQ(rr.diag.get("outside_q_points"), 3.0);
  // Every gap of yy holding a kept point is 1 wide, so only log(m / n) changes.
  EXPECT_NEAR(rr.value, r.value + std::log(6.0 / 4), 1e-14);
}

double rmse(const klest::testing::Replicates& r, double truth) {
  double s = 0;
  for (double v : r.values) s += (v - truth) * (v - truth);
  return std::sqrt(s / double(r.values.size()));
}

// P = N(0,1), Q = N(1, 2^2): KL = log 2 - 1/4 = 0.44315. An independent simulation of the same
// construction (knots and anchors built from the definition, std::mt19937_64 data) gave
// n = m = 100: mean 0.4515 +- 0.0012 (sd 0.170, 20000 replicates) and n = m = 1000:
// 0.4443 +- 0.0008 (sd 0.054, 4000 replicates), with 0.04 and 0.001 points per sample outside
// Q's range; ESTIMATORS.md Sec. 1.4(b) reports 0.4575 (sd 0.175) and 0.4438 (sd 0.056).
// Allowances: 0.015 (n = 100) and 0.005 (n = 1000) for bias, plus 4 standard errors. The error
// falls like n^-1/2: the RMSE at n = 1000 should be about 0.32 of that at n = 100.
TEST(PerezCruz, RecoversGaussianKLAndImprovesWithN) {
  const double truth = std::log(2.0) - 0.25;
  const auto est = klest::make_estimator("perez_cruz");
  auto run = [&](std::size_t n, std::size_t reps, std::uint64_t seed) {
    return klest::testing::replicate(
        *est, [n](klest::Rng& g) { return gauss(g, n, 1, 0, 1); },
        [n](klest::Rng& g) { return gauss(g, n, 1, 1, 2); }, reps, seed);
  };
  const auto small = run(100, 200, 42), large = run(1000, 60, 43);
  SCOPED_TRACE(small.seed_note() + ", " + large.seed_note());
  EXPECT_NEAR(small.mean, truth, 0.015 + 4 * small.std_error);
  EXPECT_NEAR(large.mean, truth, 0.005 + 4 * large.std_error);
  EXPECT_LT(rmse(large, truth), 0.6 * rmse(small, truth));
  EXPECT_LT(large.sd, 0.08) << "replicate spread far above the simulated 0.054";
}

// The data that broke the old default (outside=drop): P = U(0, 2), Q = U(0, 1), infinite truth.
// Dropping the half of P beyond Q's range gave log(1/2) = -0.69. With outside=nearest, for
// n = m and large n: a point of P inside (0, 1) has P spacing ~ Exp(n/2) (E[-log] = log(n/2) +
// gamma) and a size-biased Q gap with m gap ~ Gamma(2, 1) (E log gap = 1 - gamma - log m), so
// its term plus log(m/n) has mean 1 - log 2; a point at 1 + u beyond has Q gap 2u, u ~ U(0, 1)
// (E log 2u = log 2 - 1), so its term plus log(m/n) has mean log m - 1 + gamma. Half each,
// minus 1: E D = (log m + gamma - log 2) / 2 - 1, which grows without bound (2.40 at m = 1000,
// 3.55 at m = 10^4). Given the number k of points beyond (binomial, its spread alone moves D by
// about 0.1 at n = 1000), E D = (k (log m - 1 + gamma) + (n - k)(1 - log 2)) / n - 1; each term
// has variance below 1 + pi^2/6 (log 2u: 1, log spacing: pi^2/6; the size-biased gap less), so
// the allowance is 4 sqrt(2.65 / n) plus 0.02 for the O(1/n) end effects. infinite gives +inf,
// and drop still reports -0.69 (kept for comparison).
TEST(PerezCruz, SupportMismatchIsNotHiddenByDefault) {
  const auto est = klest::make_estimator("perez_cruz");
  for (std::size_t n : {1000u, 10000u}) {
    klest::Rng rp = klest::rng_for(46, {std::uint32_t(n), 0}), rq = klest::rng_for(46, {std::uint32_t(n), 1});
    Samples x = klest::testing::uniform(rp, n, 1);
    for (double& v : x.values()) v *= 2;
    const Samples y = klest::testing::uniform(rq, n, 1);
    const auto r = est->estimate(x, y);
    const double k = *r.diag.get("outside_q_points"), nn = double(n);
    EXPECT_NEAR(k, nn / 2, 4 * std::sqrt(nn / 4));
    const double want =
        (k * (std::log(nn) - 1 + std::numbers::egamma) + (nn - k) * (1 - std::log(2.0))) / nn - 1;
    EXPECT_NEAR(r.value, want, 4 * std::sqrt(2.65 / nn) + 0.02) << "n = " << n;
    EXPECT_GT(r.value, (std::log(nn) + std::numbers::egamma - std::log(2.0)) / 2 - 1.5);
    EXPECT_EQ(klest::make_estimator("perez_cruz(outside=infinite)")->estimate(x, y).value, INFINITY);
    EXPECT_NEAR(klest::make_estimator("perez_cruz(outside=drop)")->estimate(x, y).value,
                -std::log(2.0), 0.1);
  }
}

Samples affine(const Samples& s, double a, double b) {
  Samples out = s;
  for (double& v : out.values()) v = a * v + b;
  return out;
}

TEST(PerezCruz, InvariantUnderCommonAffineMapsAndExtremeMagnitudes) {
  klest::Rng rng = klest::rng_for(44);
  const Samples x = gauss(rng, 300, 1), y = gauss(rng, 250, 1, 0.5, 1.3);
  const auto est = klest::make_estimator("perez_cruz");
  const double base = est->estimate(x, y).value;
  // Only the rounding of the mapped values separates these from the base value. A negative
  // factor mirrors the line, which is not an invariance of the left-slope construction.
  for (double a : {3.7, 1e-200, 1e200, 1e300}) {
    EXPECT_NEAR(est->estimate(affine(x, a, 0), affine(y, a, 0)).value, base, 1e-9) << a;
  }
  EXPECT_NEAR(est->estimate(affine(x, 1, 12.5), affine(y, 1, 12.5)).value, base, 1e-9);
  // x = {-1, 0, 1}, y = {-1.5, 1.5, 1.7}: every P spacing is 1, every x lies in the y-gap of 3,
  // so D = log 3 - 1. Scaled by 1e308 that gap (3e308) overflows a double, not its log.
  for (double a : {1.0, 1e308}) {
    EXPECT_NEAR(
        est->estimate(affine(rows({-1, 0, 1}, 1), a, 0), affine(rows({-1.5, 1.5, 1.7}, 1), a, 0))
            .value,
        std::log(3.0) - 1, 1e-12)  // the products a x round
        << a;
  }
}

TEST(PerezCruz, TiesErrorSkipOrJitter) {
  const Samples y = rows({-2, -1, 0, 1, 2, 3}, 1);
  // Values 0.5 (rows 2 and 5) and 1.5 (rows 3 and 4) repeat.
  const Samples x = rows({0.2, 0.5, 1.5, 1.5, 0.5, 2.5}, 1);
  EXPECT_THAT(
      [&] { klest::make_estimator("perez_cruz")->estimate(x, y); },
      ThrowsMessage<klest::InputError>(AllOf(
          HasSubstr("estimator 'perez_cruz(ties=error, outside=nearest)'"),
          HasSubstr("p row 2 coincides with p row 5 (value 0.5)"), HasSubstr("4 of 6 points of p"),
          HasSubstr("ties=skip"), HasSubstr("ties=jitter"))));

  // skip: the kept points are 0.2 (spacing 0.3 above it, as the smallest) and 2.5 (spacing 1
  // to 1.5); Q's gaps are 1 around both. D = (log(1/0.3) + log 1) / 2 + log(6/6) - 1.
  const auto r = klest::make_estimator("perez_cruz(ties=skip)")->estimate(x, y);
  EXPECT_NEAR(r.value, std::log(1 / 0.3) / 2 - 1, 1e-14);
  EXPECT_EQ(r.diag.get("skipped"), 4.0);
  EXPECT_THAT(
      [&] {
        klest::make_estimator("perez_cruz(ties=skip)")->estimate(rows({1, 1, 2, 2}, 1), y);
      },
      ThrowsMessage<klest::InputError>(HasSubstr("no term is left")));

  // jitter: data on a grid of 0.01.
  klest::Rng rng = klest::rng_for(45);
  Samples xr = gauss(rng, 500, 1), yr = gauss(rng, 500, 1, 0.5, 1);
  for (double& v : xr.values()) v = std::round(v * 100) / 100;
  for (double& v : yr.values()) v = std::round(v * 100) / 100;
  const auto est = klest::make_estimator("perez_cruz(ties=jitter)");
  klest::Rng r1 = klest::rng_for(1), r2 = klest::rng_for(1), r3 = klest::rng_for(2);
  const auto a = est->estimate(xr, yr, r1), b = est->estimate(xr, yr, r2),
             c = est->estimate(xr, yr, r3);
  EXPECT_EQ(a.value, b.value);
  EXPECT_NE(a.value, c.value);
  EXPECT_GT(a.diag.get("tied_points").value_or(0), 0);
  EXPECT_NEAR(a.diag.get("jitter_width_max").value_or(0), 0.01, 1e-9);
  // KL(N(0,1) || N(0.5,1)) = 0.125; one draw at n = m = 500 has sd about 0.08.
  EXPECT_NEAR(a.value, 0.125, 0.4);
  // Repeated values in the sample from Q alone are not ties.
  EXPECT_NO_THROW(klest::make_estimator("perez_cruz")->estimate(gauss(rng, 50, 1), yr));
}

TEST(PerezCruz, RejectsBadInput) {
  klest::Rng rng = klest::rng_for(46);
  const auto est = klest::make_estimator("perez_cruz");
  EXPECT_THAT(
      [&] { est->estimate(gauss(rng, 50, 2), gauss(rng, 50, 2)); },
      ThrowsMessage<klest::InputError>(AllOf(HasSubstr("perez_cruz(ties=error, outside=nearest)"),
                                             HasSubstr("supports at most 1"))));
  EXPECT_THAT([&] { est->estimate(rows({1}, 1), gauss(rng, 50, 1)); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("sample from p has 1 point, but needs at least 2")));
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 1), rows({1}, 1)); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("sample from q has 1 point, but needs at least 2")));
  EXPECT_THAT(
      [&] {
        est->estimate(gauss(rng, 50, 1), rows({2, 2, 2}, 1));
      },
      ThrowsMessage<klest::InputError>(AllOf(HasSubstr("perez_cruz(ties=error, outside=nearest)"),
                                             HasSubstr("every point of the sample from q is 2"))));
  EXPECT_THAT([] { klest::make_estimator("perez_cruz(outside=clamp)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'outside'")));
  EXPECT_THAT([] { klest::make_estimator("perez_cruz(ties=ignore)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'ties'")));
}

}  // namespace

#include "detail/closed_forms.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "detail/special.hpp"

namespace klest::detail {

ClosedForm bernoulli_kl(double a, double b) {
  return bd0_terms(a, b, a - b) + bd0_terms(1 - a, 1 - b, b - a);
}

ClosedForm gumbel_kl(double r, double s, double s_magnitude) {
  const double lg1 = boost::math::lgamma(1 + r);
  const double u = s + lg1;
  const double e = expm1mx(u);
  // u carries a few ulps of |s| + s_magnitude + |lgamma(1 + r)|, which e^u - 1 - u amplifies by
  // |e^u - 1|.
  const double u_error = std::abs(std::expm1(u)) * (std::abs(s) + s_magnitude + std::abs(lg1));
  const ClosedForm deviance{e, (std::abs(u) < 0.1 ? e : std::abs(std::expm1(u)) + std::abs(u)) +
                                   u_error};
  return deviance + kl_terms({boost::math::lgamma(r), std::numbers::egamma * (r - 1)});
}

ClosedForm exp_terms(double u, double u_magnitude) {
  const double e = std::exp(u);
  return {e, e * (1 + u_magnitude)};
}

namespace {
const double half_log_2pi = 0.5 * std::log(2 * std::numbers::pi);

// D_S(y, x) = S(y) - S(x) + (y - x) T(x) >= 0, S convex (psi'(x) > 1/x + 1/(2x^2)).
ClosedForm remainder_bregman(double y, double x) {
  return lgamma_remainder(y) - lgamma_remainder(x) + (y - x) * digamma_remainder(x);
}

// a b - c d from exact products (fma), falling back to the rounded form on overflow.
double difference_of_products(double a, double b, double c, double d) {
  const double ab = a * b, cd = c * d;
  if (!std::isfinite(ab) || !std::isfinite(cd)) return ab - cd;
  return (ab - cd) + (std::fma(a, b, -ab) - std::fma(c, d, -cd));
}
}  // namespace

ClosedForm lgamma_remainder(double x) {
  if (x >= 9) return stirling_tail(x);
  const double lg = boost::math::lgamma(x), main = (x - 0.5) * std::log(x);
  return kl_terms({lg, -main, x, -half_log_2pi});
}

ClosedForm digamma_remainder(double x) {
  if (x >= 10) {
    static constexpr double c[] = {1.0 / 12,        -1.0 / 120, 1.0 / 252,
                                   -1.0 / 240,      1.0 / 132,  -691.0 / 32760,
                                   1.0 / 12,        -3617.0 / 8160, 43867.0 / 14364};
    const double inv2 = 1 / (x * x);
    double sum = 0, pw = inv2;
    for (double ck : c) {
      sum += ck * pw;
      pw *= inv2;
    }
    return sum;  // alternating but decreasing fast: a few ulps of the first term
  }
  return kl_terms({std::log(x), -0.5 / x, -boost::math::digamma(x)});
}

ClosedForm bd0_terms(double x, double m, double d) {
  const double v = bd0(x, m, d);
  if (std::abs(d) < 0.1 * (x + m)) return v;
  return {v, v + x * std::abs(std::log(x)) + m * std::abs(std::log(m)) + std::abs(d)};
}

ClosedForm r_minus_1_minus_log_r_terms(double r) {
  const double v = r_minus_1_minus_log_r(r);
  if (r > 0.5 && r < 2) return {v, v + std::abs(r - 1)};
  return {v, r + 1 + std::abs(std::log(r))};
}

ClosedForm mean_shift_term(double dm, double m, double mean, double sd) {
  const double v = 0.5 * dm * dm;
  return {v, v + std::abs(dm) * (std::abs(m) + std::abs(mean)) / sd};
}

ClosedForm gamma_kl(double a1, double b1, double a2, double b2) {
  const double m = a1 * (b2 / b1);
  const double d = difference_of_products(a2, b1, a1, b2) / b1;  // a2 - m
  // d is exact up to one rounding, so m's rounding enters only through log m and d/(a2 + m),
  // which bd0_terms accounts for.
  return bd0_terms(a2, m, d) + 0.5 * r_minus_1_minus_log_r_terms(a2 / a1) + remainder_bregman(a2, a1);
}

ClosedForm lgamma_difference(double x, double d) {
  if (x < 10) return kl_terms({boost::math::lgamma(x), -boost::math::lgamma(x + d)});
  const double l = std::log1p(d / x);
  return kl_terms({-d * std::log(x), -(x + d - 0.5) * l, d}) + lgamma_remainder(x) -
         lgamma_remainder(x + d);
}

ClosedForm log_beta_terms(double a, double b) {
  const double s = std::min(a, b), l = std::max(a, b);
  return ClosedForm(boost::math::lgamma(s), std::abs(boost::math::lgamma(s))) +
         lgamma_difference(l, s);
}

ClosedForm gamma_cross_entropy_less_mean_log(double a, double b, double mu, ClosedForm jensen) {
  const double m = b * mu;
  const double d = std::fma(-b, mu, a);  // a - b mu, one rounding
  // m (and mu before it) round by a few ulps: the deviance moves by |a - m|/m per unit of m.
  ClosedForm dev = bd0_terms(a, m, d);
  dev.magnitude += 4 * std::abs(d);
  return dev + a * jensen +
         kl_terms({-0.5 * std::log(a), 0.5 * std::log(2 * std::numbers::pi)}) +
         lgamma_remainder(a);
}

ClosedForm gamma_entropy_remainder(double a) {
  return lgamma_remainder(a) - ClosedForm(0.5 / a) + (a - 1) * digamma_remainder(a);
}

ClosedForm beta_entropy_remainder(double a, double b) {
  const double c = a + b;
  return lgamma_remainder(a) + lgamma_remainder(b) - lgamma_remainder(c) +
         kl_terms({-0.5 / a, -0.5 / b, 1 / c}) + (a - 1) * digamma_remainder(a) +
         (b - 1) * digamma_remainder(b) - (c - 2) * digamma_remainder(c);
}

ClosedForm beta_entropy(double a, double b) {
  const double c = a + b;
  return 0.5 * kl_terms({std::log(a), std::log(b), -3 * std::log(c),
                         std::log(2 * std::numbers::pi), 1.0}) +
         beta_entropy_remainder(a, b);
}

ClosedForm dirichlet_kl(std::span<const double> alpha1, std::span<const double> alpha2) {
  const std::size_t k = alpha1.size();
  double s1 = 0, s2 = 0;
  for (std::size_t i = 0; i < k; ++i) {
    s1 += alpha1[i];
    s2 += alpha2[i];
  }
  // alpha2_0 sum_i bd0(p2_i, p1_i) with p2_i - p1_i from exact products; the rounding of the
  // sums moves each p by up to k ulps, and the deviance by s2 |p2_i - p1_i| per ulp.
  ClosedForm deviance{0, 0};
  ClosedForm rest{0, 0};
  for (std::size_t i = 0; i < k; ++i) {
    const double p1 = alpha1[i] / s1, p2 = alpha2[i] / s2;
    const double d = difference_of_products(alpha2[i], s1, alpha1[i], s2) / (s1 * s2);
    ClosedForm t = bd0_terms(p2, p1, d);
    t.magnitude += 2 * double(k) * std::abs(d);
    deviance = deviance + t;
    rest = rest + 0.5 * r_minus_1_minus_log_r_terms(alpha2[i] / alpha1[i]) +
           remainder_bregman(alpha2[i], alpha1[i]);
  }
  rest = rest - 0.5 * r_minus_1_minus_log_r_terms(s2 / s1) - remainder_bregman(s2, s1);
  return s2 * deviance + rest;
}

}  // namespace klest::detail

#include "detail/special.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/log1p.hpp>

namespace klest::detail {

double bd0(double x, double m, double d) {
  if (x == 0) return m;
  if (m == 0) return std::numeric_limits<double>::infinity();
  // x + m or 2x near the largest double would overflow below (inf * 0 = NaN in the series):
  // bd0 is homogeneous of degree 1, so evaluate it at half the arguments.
  if (!(x + m <= 0x1p1023)) return 2 * bd0(0.5 * x, 0.5 * m, 0.5 * d);
  if (std::abs(d) < 0.1 * (x + m)) {
    const double v = d / (x + m), v2 = v * v;
    double s = d * v, ej = 2 * x * v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v2;
      const double s1 = s + ej / (2 * j + 1);
      if (s1 == s) break;
      s = s1;
    }
    return s;
  }
  return x * (std::log(x) - std::log(m)) - d;
}

double stirlerr(double n) {
  if (n > 15) {
    const double n2 = 1 / (n * n);
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - n2 / 1188) * n2) * n2) * n2) / n;
  }
  return boost::math::lgamma(n + 1) - (n + 0.5) * std::log(n) + n -
         0.5 * std::log(2 * std::numbers::pi);
}

double stirling_tail(double a) {
  static constexpr double c[] = {1.0 / 12,     -1.0 / 360,        1.0 / 1260,
                                 -1.0 / 1680,  1.0 / 1188,        -691.0 / 360360,
                                 1.0 / 156,    -3617.0 / 122400,  43867.0 / 244188};
  const double inv2 = 1 / (a * a);
  double s = 0, pw = 1 / a;
  for (double ck : c) {
    s += ck * pw;
    pw *= inv2;
  }
  return s;
}

double balance(double r, double k, double p, double q) {
  const double a = r * q, b = k * p;
  const double ea = std::fma(r, q, -a), eb = std::fma(k, p, -b);
  const double eq = (1 - q) - p;  // 1 - p = q + eq, both steps exact (Sterbenz)
  return (a - b) + ((ea - eb) + r * eq);
}

double r_minus_1_minus_log_r(double r) {
  if (r > 0.5 && r < 2) return -boost::math::log1pmx(r - 1);
  return r - 1 - std::log(r);
}

double expm1mx(double t) {
  if (std::abs(t) < 0.1) {
    double term = 0.5 * t * t, sum = 0;
    for (int k = 3; k < 15; ++k) {
      sum += term;
      term *= t / k;
    }
    return sum;
  }
  return std::expm1(t) - t;
}

double log1p_square(double t) { return t < 1e150 ? std::log1p(t * t) : 2 * std::log(t); }

double log_beta(double a, double b) {
  return boost::math::lgamma(a) + boost::math::lgamma(b) - boost::math::lgamma(a + b);
}

}  // namespace klest::detail

// Kernel density plug-in (resubstitution) KL estimator, with a leave-one-out density estimate
// for P at P's own points:
//
//   D(P||Q) ~ (1/n) sum_i [ log p_{-i}(x_i) - log q(x_i) ]
//   p_{-i}(x) = 1/(n-1) sum_{j != i} K_{H_p}(x - x_j)      (x_i left out of its own estimate)
//   q(x)      = 1/m     sum_j        K_{H_q}(x - y_j)      (x_i is not in the sample from Q)
//
// Both densities are evaluated in log space with log-sum-exp, so a P point deep in Q's tail gives
// a large finite -log q rather than an underflow to q = 0 and a spurious +inf.
//
// Kernels (u = H^-1 (x - x_j), H = diag(h_1, ..., h_d), K_H(v) = K(H^-1 v) / prod_j h_j):
//   gaussian:     K(u) = (2 pi)^(-d/2) exp(-|u|^2 / 2)
//   epanechnikov: K(u) = (d + 2) / (2 c_d) (1 - |u|^2) for |u| < 1, else 0, with
//                 c_d = pi^(d/2) / Gamma(d/2 + 1) the volume of the unit d-ball (the spherical
//                 multivariate Epanechnikov kernel, Silverman 1986, Sec. 4.2.1).
//
// Bandwidths are diagonal, per coordinate, computed from each sample separately (its own size
// and spread: n and sd of x for H_p, m and sd of y for H_q): h_j = factor * sd_j, with sd_j the
// sample standard deviation of column j (divisor size - 1) and
//   scott:     factor = N^(-1/(d+4))             (D. W. Scott, Multivariate Density Estimation,
//                                                  Wiley 1992; scipy's scotts_factor)
//   silverman: factor = (4 / ((d + 2) N))^(1/(d+4))   (Silverman 1986, Ch. 4: the optimal width
//              for normal data and the normal kernel; scipy's silverman_factor)
// These are the same factors as scipy.stats.gaussian_kde, which however uses a full kernel
// covariance; here it is diagonal. Both rules are normal-reference rules for the Gaussian
// kernel; the Epanechnikov kernel gets the same h_j unscaled, so its support radius is h_j
// (narrower than the Epanechnikov-optimal width, about 2.2x wider in 1-D by the ratio of the
// two kernels' canonical bandwidths, 15^(1/5) / (2 sqrt(pi))^(-1/5) = 2.21).
// A real h > 0 overrides the rule: every coordinate of both samples then uses the bandwidth h
// in data units (not scale-invariant), and constant columns and single points are allowed.
// With the rules, a column with zero variance in either sample (always so for a single point)
// gives h_j = 0 and an InputError naming the sample and the column.
//
// With the Epanechnikov kernel the densities have compact support. A point of P with no point
// of Q within the kernel's support (|u| < 1) has q = 0, so log q = -inf and the estimate is
// +inf: that is the plug-in's honest answer (its Q estimate puts no mass where P has some), not
// a failure.
// A point of P with no other point of P within reach has p_{-i} = 0 and a term of -inf; the
// estimate is then -inf, unless some q is also 0, in which case +inf is returned (the sum is
// undefined; +inf reports the support mismatch). Diagnostics "q_zero_points" and
// "p_zero_points" count such points whenever there are any.
//
// Reference: B. W. Silverman, Density Estimation for Statistics and Data Analysis, Chapman &
// Hall, 1986 (kernels, leave-one-out density estimates, bandwidth rules). The resubstitution
// plug-in form is described above; see also ESTIMATORS.md Sec. 2.1.
//
// Assumptions: continuous densities; the estimate has an O(h^2) smoothing bias (it estimates
// the KL between the kernel-smoothed laws, roughly) and O(1/(N h^d)) variance-type terms.
// Cost: O(n (n + m) d) time (every pair is evaluated, no truncation), O(n + m) extra memory per
// thread. Meant for n, m up to about 1e4; a k-d tree truncation of far pairs is future work.
// The n query points run through klest::detail::parallel_for; each writes its own terms, which
// are summed afterwards in index order, so results do not depend on the thread count.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "detail/parallel.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

enum class Kernel { gaussian, epanechnikov };

// A diagonal bandwidth for one sample: 1/h_j per coordinate and log det H = sum_j log h_j.
struct Bandwidth {
  std::vector<double> inv_h;
  double log_det = 0;
};

// log of the kernel's normalising constant at u = 0 without the bandwidth, i.e. log K(0) for the
// Gaussian and log((d + 2) / (2 c_d)) for the Epanechnikov kernel.
double log_kernel_constant(Kernel kernel, std::size_t d) {
  const double dd = double(d);
  if (kernel == Kernel::gaussian) return -0.5 * dd * std::log(2 * std::numbers::pi);
  const double log_ball = 0.5 * dd * std::log(std::numbers::pi) - std::lgamma(0.5 * dd + 1);
  return std::log((dd + 2) / 2) - log_ball;
}

// log of sum_j K_H(x - s_j) over the rows j of s except `skip`, without the kernel constant
// and the bandwidth determinant. `buf` holds at least s.rows() entries.
double log_kernel_sum(Kernel kernel, std::span<const double> x, klest::SampleView s,
                      const Bandwidth& bw, std::size_t skip, double* buf) {
  const std::size_t d = s.dim();
  double top = -infinity;
  std::size_t count = 0;
  for (std::size_t j = 0; j < s.rows(); ++j) {
    if (j == skip) continue;
    const auto r = s.row(j);
    double u2 = 0;
    for (std::size_t k = 0; k < d; ++k) {
      const double u = (x[k] - r[k]) * bw.inv_h[k];
      u2 += u * u;
    }
    double a;
    if (kernel == Kernel::gaussian) {
      a = -0.5 * u2;
    } else {
      if (!(u2 < 1)) continue;  // outside the kernel's support: contributes exactly 0
      a = std::log1p(-u2);
    }
    buf[count++] = a;
    top = std::max(top, a);
  }
  if (count == 0 || top == -infinity) return -infinity;
  // Log-sum-exp: the largest term is exp(0) = 1, so the sum is >= 1 and never underflows.
  double sum = 0;
  for (std::size_t j = 0; j < count; ++j) sum += std::exp(buf[j] - top);
  return top + std::log(sum);
}

class Kde {
 public:
  static constexpr std::string_view key = "kde";
  static constexpr std::string_view summary =
      "kernel density plug-in (resubstitution), leave-one-out for P, log-sum-exp, diagonal "
      "rule-of-thumb bandwidths";
  static constexpr std::string_view reference =
      "Silverman (1986), Density Estimation for Statistics and Data Analysis, Chapman & Hall";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex =
      "@book{silverman1986density,\n"
      "  author    = {Silverman, Bernard W.},\n"
      "  title     = {Density Estimation for Statistics and Data Analysis},\n"
      "  publisher = {Chapman \\& Hall},\n"
      "  address   = {London},\n"
      "  year      = {1986}\n}";

  static klest::ParamSpec params() {
    return {
        klest::param("kernel", "gaussian", "kernel: gaussian or (spherical) epanechnikov",
                     {"gaussian", "epanechnikov"}),
        klest::param("bandwidth", "silverman",
                     "rule for the per-coordinate bandwidths h_j = factor * sd_j of each sample: "
                     "silverman (4/((d+2)N))^(1/(d+4)) or scott N^(-1/(d+4))",
                     {"silverman", "scott"}),
        klest::param("h", 0.0,
                     "a fixed bandwidth in data units for every coordinate of both samples; 0 "
                     "uses the bandwidth rule",
                     klest::at_least(0)),
    };
  }

  explicit Kde(const klest::Params& p)
      : kernel_(p.get<std::string>("kernel") == "epanechnikov" ? Kernel::epanechnikov
                                                                : Kernel::gaussian),
        rule_(p.get<std::string>("bandwidth")),
        h_(p.get<double>("h")),
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = 2, .min_q = 1};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y) const {
    const std::size_t n = x.rows(), m = y.rows(), d = x.dim();
    const Bandwidth bp = bandwidth(x, "p"), bq = bandwidth(y, "q");
    const double c = log_kernel_constant(kernel_, d);
    const double log_norm_p = c - bp.log_det - std::log(double(n - 1));
    const double log_norm_q = c - bq.log_det - std::log(double(m));

    std::vector<double> log_p(n), log_q(n);
    klest::detail::parallel_for(n, [&](std::size_t i) {
      thread_local std::vector<double> buf;
      buf.resize(std::max(n, m));
      const auto xi = x.row(i);
      log_p[i] = log_kernel_sum(kernel_, xi, x, bp, i, buf.data()) + log_norm_p;
      log_q[i] = log_kernel_sum(kernel_, xi, y, bq, m, buf.data()) + log_norm_q;
    });

    // Neumaier summation in index order: deterministic whatever the thread count.
    double sum = 0, carry = 0;
    std::size_t p_zero = 0, q_zero = 0;
    for (std::size_t i = 0; i < n; ++i) {
      p_zero += log_p[i] == -infinity;
      q_zero += log_q[i] == -infinity;
      if (log_p[i] == -infinity || log_q[i] == -infinity) continue;
      const double term = log_p[i] - log_q[i];
      const double t = sum + term;
      carry += std::abs(sum) >= std::abs(term) ? (sum - t) + term : (term - t) + sum;
      sum = t;
    }
    klest::Estimate e;
    if (q_zero > 0) {
      e.value = infinity;
    } else if (p_zero > 0) {
      e.value = -infinity;
    } else {
      e.value = (sum + carry) / double(n);
    }
    if (q_zero > 0) e.diag.set("q_zero_points", double(q_zero));
    if (p_zero > 0) e.diag.set("p_zero_points", double(p_zero));
    return e;
  }

 private:
  Bandwidth bandwidth(klest::SampleView s, const char* which) const {
    const std::size_t n = s.rows(), d = s.dim();
    Bandwidth bw{std::vector<double>(d), 0.0};
    if (h_ > 0) {
      for (double& v : bw.inv_h) v = 1 / h_;
      bw.log_det = double(d) * std::log(h_);
      return bw;
    }
    const double dd = double(d), nn = double(n);
    const double factor = rule_ == "scott" ? std::pow(nn, -1 / (dd + 4))
                                           : std::pow(4 / ((dd + 2) * nn), 1 / (dd + 4));
    for (std::size_t k = 0; k < d; ++k) {
      const double sd = column_sd(s, k);
      if (!(sd > 0) || !std::isfinite(sd)) {
        throw klest::InputError(fmt::format(
            "estimator '{}': column {} of the sample from {} has zero variance ({}), so the {} "
            "rule gives a zero bandwidth; give a fixed bandwidth h > 0 or drop the column",
            label_, k + 1, which,
            n == 1 ? std::string("it has a single point")
                   : fmt::format("every value is {}", s.row(0)[k]),
            rule_));
      }
      const double h = factor * sd;
      bw.inv_h[k] = 1 / h;
      bw.log_det += std::log(h);
    }
    return bw;
  }

  // Sample standard deviation (divisor n - 1) of column k; 0 when the column is constant
  // (checked exactly, since the computed mean of equal values need not equal them). The column
  // is scaled by a power of two first so that squares neither overflow nor underflow.
  static double column_sd(klest::SampleView s, std::size_t k) {
    const std::size_t n = s.rows();
    if (n < 2) return 0;
    double largest = 0;
    bool constant = true;
    for (std::size_t i = 0; i < n; ++i) {
      largest = std::max(largest, std::abs(s.row(i)[k]));
      constant = constant && s.row(i)[k] == s.row(0)[k];
    }
    if (constant) return 0;
    int e = 0;
    std::frexp(largest, &e);
    double mean = 0;
    for (std::size_t i = 0; i < n; ++i) mean += std::ldexp(s.row(i)[k], -e);
    mean /= double(n);
    double ss = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = std::ldexp(s.row(i)[k], -e) - mean;
      ss += v * v;
    }
    return std::ldexp(std::sqrt(ss / double(n - 1)), e);
  }

  Kernel kernel_;
  std::string rule_;
  double h_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(Kde);

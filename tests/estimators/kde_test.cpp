// Tests of the kde estimator (kernel density resubstitution with a leave-one-out estimate for
// P): against hand and brute-force computations on tiny samples for every bandwidth shape, the
// whitening and affine equivalences of the full shape, likelihood cross-validation against a
// grid search of the same objective, truncated against exact sums, far-tail queries, consistency
// on Gaussian pairs, the Epanechnikov +inf case, log-space evaluation in the tails, and bad
// input.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include "klest/distribution.hpp"
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

using Real = long double;
using Matrix = std::vector<std::vector<Real>>;

constexpr double inf = std::numeric_limits<double>::infinity();

// ---- an independent, naive implementation ------------------------------------------------------
//
// Densities as plain sums of kernel values (no log space, no whitening, no truncation), in long
// double, with the bandwidth matrix H formed explicitly and inverted by Gauss-Jordan
// elimination. Only for small samples where nothing underflows (long double reaches e^-11000).

Matrix covariance(const Samples& s) {
  const std::size_t n = s.rows(), d = s.dim();
  std::vector<Real> mean(d, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < d; ++k) mean[k] += s.row(i)[k];
  }
  for (Real& v : mean) v /= Real(n);
  Matrix c(d, std::vector<Real>(d, 0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t a = 0; a < d; ++a) {
      for (std::size_t b = 0; b < d; ++b) {
        c[a][b] += (s.row(i)[a] - mean[a]) * (s.row(i)[b] - mean[b]);
      }
    }
  }
  for (auto& r : c) {
    for (Real& v : r) v /= Real(n - 1);
  }
  return c;
}

// Silverman (1986), Sec. 4.3.2, eq. 4.15 and Table 4.1: the normal-reference optimal width is
// A(K) sd N^(-1/(d+4)) with A = (4/(d+2))^(1/(d+4)) for the normal kernel and
// A = (8 (d+4) (2 sqrt(pi))^d / c_d)^(1/(d+4)) for the Epanechnikov kernel, c_d the volume of the
// unit d-ball; their ratio rescales the rules for the Epanechnikov kernel (2.214 in 1-D: 2.344
// / 1.059; 2.40 in 2-D).
Real epanechnikov_ratio(std::size_t d) {
  const Real D = d, pi = std::numbers::pi_v<Real>;
  const Real ball = std::pow(pi, D / 2) / std::tgamma(D / 2 + 1);
  const Real a_e = std::pow(8 * (D + 4) * std::pow(2 * std::sqrt(pi), D) / ball, 1 / (D + 4));
  const Real a_n = std::pow(4 / (D + 2), 1 / (D + 4));
  return a_e / a_n;
}

// The bandwidth matrix H of one sample as kde.cpp's header defines it: factor f from the rule
// (silverman for lcv), times the Epanechnikov ratio for that kernel, times `c`, and the shape.
Matrix bandwidth_matrix(const Samples& s, const std::string& rule, const std::string& shape,
                        double fixed_h = 0, Real c = 1, bool epanechnikov = false) {
  const std::size_t d = s.dim();
  Matrix h(d, std::vector<Real>(d, 0));
  if (fixed_h > 0) {
    for (std::size_t k = 0; k < d; ++k) h[k][k] = Real(fixed_h) * fixed_h;
    return h;
  }
  const Real N = s.rows(), D = d;
  const Real f = c * (epanechnikov ? epanechnikov_ratio(d) : Real(1)) *
                 (rule == "scott" ? std::pow(N, -1 / (D + 4))
                                  : std::pow(4 / ((D + 2) * N), 1 / (D + 4)));
  const Matrix cov = covariance(s);
  Real trace = 0;
  for (std::size_t k = 0; k < d; ++k) trace += cov[k][k];
  for (std::size_t a = 0; a < d; ++a) {
    for (std::size_t b = 0; b < d; ++b) {
      if (shape == "full") h[a][b] = f * f * cov[a][b];
    }
    if (shape == "diagonal") h[a][a] = f * f * cov[a][a];
    if (shape == "scalar") h[a][a] = f * f * trace / D;
  }
  return h;
}

// H^-1 and det H by Gauss-Jordan elimination with partial pivoting.
std::pair<Matrix, Real> inverse_and_determinant(Matrix a) {
  const std::size_t d = a.size();
  Matrix inv(d, std::vector<Real>(d, 0));
  for (std::size_t k = 0; k < d; ++k) inv[k][k] = 1;
  Real det = 1;
  for (std::size_t col = 0; col < d; ++col) {
    std::size_t piv = col;
    for (std::size_t r = col + 1; r < d; ++r) {
      if (std::abs(a[r][col]) > std::abs(a[piv][col])) piv = r;
    }
    if (piv != col) {
      std::swap(a[piv], a[col]);
      std::swap(inv[piv], inv[col]);
      det = -det;
    }
    const Real p = a[col][col];
    det *= p;
    for (std::size_t k = 0; k < d; ++k) {
      a[col][k] /= p;
      inv[col][k] /= p;
    }
    for (std::size_t r = 0; r < d; ++r) {
      if (r == col) continue;
      const Real f = a[r][col];
      for (std::size_t k = 0; k < d; ++k) {
        a[r][k] -= f * a[col][k];
        inv[r][k] -= f * inv[col][k];
      }
    }
  }
  return {inv, det};
}

// The kernel density estimate of sample s at x with bandwidth matrix h, row `skip` left out.
// With `nearest`, an Epanechnikov sum without any point within reach is replaced by the
// nearest-neighbour density 1 / (N V_d r^d sqrt(det h)), r^2 = min_j v_j^T h^-1 v_j.
Real density(const Samples& s, std::span<const double> x, const Matrix& h, bool epanechnikov,
             std::size_t skip, bool nearest = false) {
  const std::size_t d = s.dim();
  const auto [hinv, det] = inverse_and_determinant(h);
  const Real pi = std::numbers::pi_v<Real>;
  const Real ball = std::pow(pi, Real(d) / 2) / std::tgamma(Real(d) / 2 + 1);
  Real sum = 0, nearest2 = std::numeric_limits<Real>::infinity();
  std::size_t count = 0;
  for (std::size_t j = 0; j < s.rows(); ++j) {
    if (j == skip) continue;
    ++count;
    std::vector<Real> v(d);
    for (std::size_t k = 0; k < d; ++k) v[k] = Real(x[k]) - s.row(j)[k];
    Real u2 = 0;
    for (std::size_t a = 0; a < d; ++a) {
      for (std::size_t b = 0; b < d; ++b) u2 += v[a] * hinv[a][b] * v[b];
    }
    nearest2 = std::min(nearest2, u2);
    if (!epanechnikov) {
      sum += std::exp(-u2 / 2) / std::pow(2 * pi, Real(d) / 2) / std::sqrt(det);
    } else if (u2 < 1) {
      sum += (Real(d) + 2) / (2 * ball) * (1 - u2) / std::sqrt(det);
    }
  }
  if (epanechnikov && nearest && sum == 0) {
    return 1 / (Real(count) * ball * std::pow(nearest2, Real(d) / 2) * std::sqrt(det));
  }
  return sum / Real(count);
}

// The estimator written out with the densities above. The documented convention when a
// density estimate is 0: any q = 0 gives +inf, else any p_{-i} = 0 gives -inf.
Real brute_force(const Samples& x, const Samples& y, const Matrix& hp, const Matrix& hq,
                 bool epanechnikov, bool nearest = false) {
  const std::size_t n = x.rows();
  Real sum = 0;
  bool p_zero = false, q_zero = false;
  for (std::size_t i = 0; i < n; ++i) {
    const Real p = density(x, x.row(i), hp, epanechnikov, i, nearest);
    const Real q = density(y, x.row(i), hq, epanechnikov, y.rows(), nearest);
    if (q == 0) q_zero = true;
    if (p == 0) p_zero = true;
    sum += std::log(p) - std::log(q);
  }
  if (q_zero) return inf;
  if (p_zero) return -inf;
  return sum / Real(n);
}

Real brute_force(const Samples& x, const Samples& y, bool epanechnikov, const std::string& rule,
                 double fixed_h = 0, const std::string& shape = "diagonal") {
  // Rule bandwidths take the nearest-neighbour fallback; a fixed h does not.
  return brute_force(x, y, bandwidth_matrix(x, rule, shape, fixed_h, 1, epanechnikov),
                     bandwidth_matrix(y, rule, shape, fixed_h, 1, epanechnikov), epanechnikov,
                     !(fixed_h > 0));
}

// The 1-D Gaussian-kernel LCV objective of kde.cpp up to a constant:
//   sum_i log sum_{j != i} exp(-(s_i - s_j)^2 / (2 c^2 h0^2)) - N log c.
Real lcv_objective(const Samples& s, Real h0, Real c) {
  Real total = 0;
  for (std::size_t i = 0; i < s.rows(); ++i) {
    Real sum = 0;
    for (std::size_t j = 0; j < s.rows(); ++j) {
      if (j == i) continue;
      const Real u = (Real(s.row(i)[0]) - s.row(j)[0]) / (c * h0);
      sum += std::exp(-u * u / 2);
    }
    total += std::log(sum);
  }
  return total - Real(s.rows()) * std::log(c);
}

Real sample_sd(const Samples& s, std::size_t k = 0) { return std::sqrt(covariance(s)[k][k]); }

// Lower Cholesky factor of a symmetric positive definite matrix.
Matrix cholesky(const Matrix& a) {
  const std::size_t d = a.size();
  Matrix l(d, std::vector<Real>(d, 0));
  for (std::size_t j = 0; j < d; ++j) {
    Real s = a[j][j];
    for (std::size_t k = 0; k < j; ++k) s -= l[j][k] * l[j][k];
    l[j][j] = std::sqrt(s);
    for (std::size_t i = j + 1; i < d; ++i) {
      Real v = a[i][j];
      for (std::size_t k = 0; k < j; ++k) v -= l[i][k] * l[j][k];
      l[i][j] = v / l[j][j];
    }
  }
  return l;
}

// Rows mapped by x -> A (x - from) + to.
Samples affine(const Samples& s, const Matrix& a, const std::vector<Real>& from,
               const std::vector<Real>& to) {
  const std::size_t d = s.dim();
  Samples out(s.rows(), d);
  for (std::size_t i = 0; i < s.rows(); ++i) {
    for (std::size_t r = 0; r < d; ++r) {
      Real v = to[r];
      for (std::size_t k = 0; k < d; ++k) v += a[r][k] * (s.row(i)[k] - from[k]);
      out.row(i)[r] = double(v);
    }
  }
  return out;
}

// Inverse of a lower-triangular matrix.
Matrix lower_inverse(const Matrix& l) { return inverse_and_determinant(l).first; }

std::vector<Real> column_means(const Samples& s) {
  std::vector<Real> m(s.dim(), 0);
  for (std::size_t i = 0; i < s.rows(); ++i) {
    for (std::size_t k = 0; k < s.dim(); ++k) m[k] += s.row(i)[k];
  }
  for (Real& v : m) v /= Real(s.rows());
  return m;
}

double estimate(const std::string& spec, const Samples& p, const Samples& q) {
  return klest::make_estimator(spec)->estimate(p, q).value;
}

// a == b if either is infinite (the compact kernel's +-inf must match), else |a - b| <= tol.
void expect_close(double a, double b, double tol) {
  if (std::isinf(a) || std::isinf(b)) {
    EXPECT_EQ(a, b);
  } else {
    EXPECT_NEAR(a, b, tol);
  }
}

// ---- parameters -------------------------------------------------------------------------------

TEST(Kde, LabelShowsEveryParameter) {
  EXPECT_EQ(klest::make_estimator("kde")->label(),
            "kde(kernel=gaussian, bandwidth=silverman, h=0, shape=diagonal)");
  EXPECT_EQ(klest::make_estimator("kde(kernel=epanechnikov, bandwidth=scott, h=0.5)")->label(),
            "kde(kernel=epanechnikov, bandwidth=scott, h=0.5, shape=diagonal)");
  // truncate changes the estimate by at most the stated bound: shown only when switched off.
  EXPECT_EQ(klest::make_estimator("kde(bandwidth=lcv, shape=full, truncate=false)")->label(),
            "kde(kernel=gaussian, bandwidth=lcv, h=0, shape=full, truncate=false)");
  EXPECT_EQ(klest::make_estimator("kde(shape=scalar, truncate=true)")->label(),
            "kde(kernel=gaussian, bandwidth=silverman, h=0, shape=scalar)");
  EXPECT_THAT([] { klest::make_estimator("kde(kernel=box)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("'kernel'")));
  EXPECT_THAT([] { klest::make_estimator("kde(bandwidth=lscv)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("'bandwidth'")));
  EXPECT_THAT([] { klest::make_estimator("kde(shape=spherical)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("'shape'")));
  EXPECT_THAT([] { klest::make_estimator("kde(h=-1)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'h' is -1")));
  // A fixed h leaves lcv nothing to choose and is not a full matrix.
  EXPECT_THAT([] { klest::make_estimator("kde(bandwidth=lcv, h=0.5)"); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("estimator 'kde(kernel=gaussian, bandwidth=lcv, h=0.5, "
                            "shape=diagonal)'"),
                  HasSubstr("bandwidth=lcv chooses the bandwidth"), HasSubstr("h = 0.5"))));
  EXPECT_THAT([] { klest::make_estimator("kde(shape=full, h=2)"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("shape=full"), HasSubstr("h = 2"), HasSubstr("shape=scalar"))));
  EXPECT_EQ(klest::make_estimator("kde(bandwidth=lcv)")->requirements().min_q, 2u);
  EXPECT_EQ(klest::make_estimator("kde")->requirements().min_q, 1u);
}

// ---- hand and brute-force computations ----------------------------------------------------------

// p = {0, 1, 3}, q = {0.5, 2}, Gaussian kernel with h = 1, phi the standard normal density:
//   p_{-1}(0) = (phi(1) + phi(3)) / 2     q(0) = (phi(0.5) + phi(2)) / 2
//   p_{-2}(1) = (phi(1) + phi(2)) / 2     q(1) = (phi(0.5) + phi(1)) / 2
//   p_{-3}(3) = (phi(3) + phi(2)) / 2     q(3) = (phi(2.5) + phi(1)) / 2
//   D = (1/3) sum_i log(p_{-i}(x_i) / q(x_i)); the 1/2 and the 1/sqrt(2 pi) cancel.
// Every shape gives H = I with a fixed h = 1 in 1-D.
TEST(Kde, MatchesHandComputationWithFixedBandwidth) {
  auto e = [](double u) { return std::exp(-u * u / 2); };
  const double want = (std::log((e(1) + e(3)) / (e(0.5) + e(2))) +
                       std::log((e(1) + e(2)) / (e(0.5) + e(1))) +
                       std::log((e(3) + e(2)) / (e(2.5) + e(1)))) / 3;
  const Samples p = rows({0, 1, 3}, 1), q = rows({0.5, 2}, 1);
  EXPECT_NEAR(estimate("kde(h=1)", p, q), want, 1e-14);
  EXPECT_NEAR(estimate("kde(h=1, shape=scalar)", p, q), want, 1e-14);
  EXPECT_NEAR(estimate("kde(h=1, truncate=false)", p, q), want, 1e-14);
  EXPECT_NEAR(double(brute_force(p, q, false, "silverman", 1.0)), want, 1e-14);
  const auto r = klest::make_estimator("kde(h=1)")->estimate(p, q);
  EXPECT_DOUBLE_EQ(*r.diag.get("h_p"), 1.0);
  EXPECT_DOUBLE_EQ(*r.diag.get("h_q"), 1.0);
}

// Two points per sample in 2-D, silverman rule, factor f = (4 / ((2 + 2) 2))^(1/6) = 2^(-1/6)
// for both samples (n = m = 2).
//   p = {(0, 0), (1, 2)}: column sds 2^(-1/2) and 2^(1/2), so h_p = (2^(-2/3), 2^(1/3)).
//   q = {(0, 1), (2, 0)}: column sds 2^(1/2) and 2^(-1/2), so h_q = (2^(1/3), 2^(-2/3)).
// Both have h_1 h_2 = 2^(-1/3), so the kernel constants (2 pi)^-1 2^(1/3) cancel, and with
// g(u2) = exp(-u2 / 2):
//   p_{-1}(x_1) = p_{-2}(x_2) ~ g(1 / h_p1^2 + 4 / h_p2^2) = g(2^(4/3) + 2^(4/3)),
//   q(x_1) ~ [g(1 / h_q2^2) + g(4 / h_q1^2)] / 2 = [g(2^(4/3)) + g(2^(4/3))] / 2,
//   q(x_2) ~ [g(1 / h_q1^2 + 1 / h_q2^2) + g(1 / h_q1^2 + 4 / h_q2^2)] / 2
//          = [g(2^(-2/3) + 2^(4/3)) + g(2^(-2/3) + 2^(10/3))] / 2.
TEST(Kde, DiagonalBandwidthMatchesHandComputationOnTwoPoints) {
  auto g = [](double u2) { return std::exp(-u2 / 2); };
  const double t43 = std::pow(2.0, 4.0 / 3), tm23 = std::pow(2.0, -2.0 / 3),
               t103 = std::pow(2.0, 10.0 / 3);
  const double lp = std::log(g(t43 + t43));
  const double lq1 = std::log((g(t43) + g(t43)) / 2);
  const double lq2 = std::log((g(tm23 + t43) + g(tm23 + t103)) / 2);
  const double want = (lp - lq1 + lp - lq2) / 2;
  const Samples p = rows({0, 0, 1, 2}, 2), q = rows({0, 1, 2, 0}, 2);
  const auto r = klest::make_estimator("kde(shape=diagonal)")->estimate(p, q);
  EXPECT_NEAR(r.value, want, 1e-13);
  // h_p and h_q: the geometric means sqrt(h_1 h_2) = 2^(-1/6).
  EXPECT_NEAR(*r.diag.get("h_p"), std::pow(2.0, -1.0 / 6), 1e-15);
  EXPECT_NEAR(*r.diag.get("h_q"), std::pow(2.0, -1.0 / 6), 1e-15);
  EXPECT_NEAR(estimate("kde(shape=diagonal, truncate=false)", p, q), want, 1e-13);
}

// The same points with shape=scalar: both samples have mean column variance (1/2 + 2) / 2 =
// 5/4, so h^2 = f^2 5/4 = 2^(-1/3) 5/4 for both and, with g as above and squared distances
// |x_1 - x_2|^2 = 5, |x_1 - y|^2 = 1, 4, |x_2 - y|^2 = 2, 5:
//   D = (1/2) [2 log g(5/h^2) - log((g(1/h^2) + g(4/h^2)) / 2) - log((g(2/h^2) + g(5/h^2)) / 2)].
TEST(Kde, ScalarBandwidthMatchesHandComputationOnTwoPoints) {
  auto g = [](double u2) { return std::exp(-u2 / 2); };
  const double h2 = std::pow(2.0, -1.0 / 3) * 1.25;
  const double want = (2 * std::log(g(5 / h2)) - std::log((g(1 / h2) + g(4 / h2)) / 2) -
                       std::log((g(2 / h2) + g(5 / h2)) / 2)) / 2;
  const Samples p = rows({0, 0, 1, 2}, 2), q = rows({0, 1, 2, 0}, 2);
  const auto r = klest::make_estimator("kde(shape=scalar)")->estimate(p, q);
  EXPECT_NEAR(r.value, want, 1e-13);
  EXPECT_NEAR(*r.diag.get("h_p"), std::sqrt(h2), 1e-15);
  EXPECT_NEAR(*r.diag.get("h_q"), std::sqrt(h2), 1e-15);
}

// Rule-based bandwidths on tiny 1-D and 2-D samples, both kernels, against the loops above.
// The first two pairs are clustered so that every Epanechnikov density is positive; in the
// third some P point has no other P point within reach, in the fourth some P point also has no
// Q point within reach: with rule bandwidths those take the nearest-neighbour fallback; with a
// small fixed h they give -inf and +inf (+inf takes precedence).
TEST(Kde, MatchesBruteForceOnTinySamples) {
  struct Case { Samples p, q; double epanechnikov_sign; };
  const Case cases[] = {
      {rows({0, 0.05, 1, 1.05}, 1), rows({0.1, 0.9, 1.1, 0.0, 0.5}, 1), 0},
      {rows({0, 0, 0.05, 0.02, 1, 1, 1.03, 0.96}, 2),
       rows({0.1, 0, 0, 0.1, 0.9, 1, 1, 0.9, 0.5, 0.5}, 2), 0},
      {rows({0, 0.01, 0.02, 5}, 1), rows({0, 0.5, 5, 2.5, 4}, 1), -1},
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
        // With rule bandwidths every case is finite: the empty sums take the nearest-neighbour
        // density.
        const double want = double(brute_force(cs.p, cs.q, ep, rule));
        const double got = est->estimate(cs.p, cs.q).value;
        ASSERT_TRUE(std::isfinite(want));
        EXPECT_NEAR(got, want, 1e-13 * std::max(1.0, std::abs(want)));
      }
    }
  }
  // A fixed h is taken as given: the sparse cases give the plug-in's -inf and +inf, as the
  // brute force does without the fallback.
  for (int c = 2; c < 4; ++c) {
    const double h = c == 2 ? 0.5 : 0.05;
    const double want = double(brute_force(cases[c].p, cases[c].q, true, "silverman", h));
    EXPECT_EQ(want, cases[c].epanechnikov_sign * inf) << "case " << c + 1;
    EXPECT_EQ(estimate("kde(kernel=epanechnikov, h=" + std::to_string(h) + ")", cases[c].p,
                       cases[c].q),
              want)
        << "case " << c + 1;
  }
  // A wide fixed bandwidth makes every Epanechnikov term finite on the sparse case too.
  EXPECT_NEAR(estimate("kde(kernel=epanechnikov, h=3)", cases[3].p, cases[3].q),
              double(brute_force(cases[3].p, cases[3].q, true, "silverman", 3.0)), 1e-13);
  const auto sparse = klest::make_estimator("kde(kernel=epanechnikov)")->estimate(cases[2].p, cases[2].q);
  EXPECT_EQ(sparse.diag.get("p_widened_points"), 1.0);
  EXPECT_FALSE(sparse.diag.get("p_zero_points").has_value());
  EXPECT_FALSE(sparse.diag.get("q_zero_points").has_value());
}

// shape=full against H = f^2 S formed and inverted explicitly, on small correlated samples in
// 2-D and 3-D, both kernels and both rules; shape=scalar and the lcv-free rules likewise.
// Tolerance: the two computations differ by rounding only (whitening and Cholesky against an
// explicit inverse, double against long double): kernel exponents of size up to ~50 carry
// relative errors ~1e-15, so 1e-12 on an estimate of order 1.
TEST(Kde, FullAndScalarShapesMatchExplicitMatrixComputations) {
  klest::Rng rng = klest::rng_for(41);
  for (std::size_t d : {2u, 3u}) {
    // Correlated: x = A z with A lower triangular with unit diagonal and 0.7 below it.
    auto correlated = [&](std::size_t n, double shift) {
      Samples z = gauss(rng, n, d);
      Samples x(n, d);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t r = 0; r < d; ++r) {
          double v = shift;
          for (std::size_t k = 0; k <= r; ++k) v += (k == r ? 1.0 : 0.7) * z.row(i)[k];
          x.row(i)[r] = v;
        }
      }
      return x;
    };
    const Samples p = correlated(12, 0), q = correlated(9, 0.4);
    for (const char* shape : {"full", "scalar", "diagonal"}) {
      for (const char* rule : {"silverman", "scott"}) {
        for (bool ep : {false, true}) {
          const std::string spec = std::string("kde(kernel=") +
                                   (ep ? "epanechnikov" : "gaussian") + ", bandwidth=" + rule +
                                   ", shape=" + shape + ")";
          SCOPED_TRACE(spec + ", d = " + std::to_string(d));
          const double want = double(brute_force(p, q, ep, rule, 0, shape));
          const double got = estimate(spec, p, q);
          if (std::isinf(want)) {
            EXPECT_EQ(got, want);
          } else {
            EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::abs(want)));
          }
        }
      }
    }
  }
}

// In 1-D the three shapes are the same bandwidth sd * f.
TEST(Kde, ShapesCoincideInOneDimension) {
  klest::Rng rng = klest::rng_for(42);
  const Samples p = gauss(rng, 300, 1), q = gauss(rng, 200, 1, 1, 2);
  for (const char* kernel : {"gaussian", "epanechnikov"}) {
    SCOPED_TRACE(kernel);
    const std::string base = std::string("kde(kernel=") + kernel + ", shape=";
    const double diagonal = estimate(base + "diagonal)", p, q);
    expect_close(estimate(base + "scalar)", p, q), diagonal, 1e-13);
    expect_close(estimate(base + "full)", p, q), diagonal, 1e-13);
  }
}

// ---- whitening ---------------------------------------------------------------------------------
//
// shape=full smooths each sample with H = f^2 S, S its own covariance. Take q with exactly P's
// sample covariance S_x (q = L_x L_y0^-1 (y0 - mean) + shift, L the Cholesky factors), and whiten
// both samples by L_x^-1: both whitened samples then have covariance I, where shape=scalar (and
// diagonal) gives H = f^2 I. In the whitened coordinates every density is the original one
// times det L_x, the Jacobian, the same for p and q, so it cancels in log p - log q and the
// three estimates agree (to rounding: the whitened data are rounded to double, relative 1e-16,
// moving kernel exponents of size ~50 by ~1e-14; tolerance 1e-11).
TEST(Kde, FullShapeEqualsScalarShapeOnWhitenedData) {
  klest::Rng rng = klest::rng_for(43);
  const Matrix a = {{1.0L, 0}, {0.8L, 0.6L}};
  const Samples p = affine(gauss(rng, 60, 2), a, {0, 0}, {3, -1});
  const Samples y0 = gauss(rng, 45, 2);
  const Matrix lx = cholesky(covariance(p)), ly = cholesky(covariance(y0));
  const Matrix ly_inv = lower_inverse(ly);
  Matrix map(2, std::vector<Real>(2, 0));
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t c = 0; c < 2; ++c) {
      for (std::size_t k = 0; k < 2; ++k) map[r][c] += lx[r][k] * ly_inv[k][c];
    }
  }
  const Samples q = affine(y0, map, column_means(y0), {3.5, -0.7});
  // q's covariance is now P's (to rounding).
  const Matrix sq = covariance(q), sp = covariance(p);
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t c = 0; c < 2; ++c) ASSERT_NEAR(double(sq[r][c]), double(sp[r][c]), 1e-12);
  }
  const Matrix lx_inv = lower_inverse(lx);
  const std::vector<Real> centre = column_means(p);
  const Samples pw = affine(p, lx_inv, centre, {0, 0}), qw = affine(q, lx_inv, centre, {0, 0});
  for (const char* kernel : {"gaussian", "epanechnikov"}) {
    for (const char* rule : {"silverman", "scott"}) {
      const std::string args = std::string("kernel=") + kernel + ", bandwidth=" + rule;
      SCOPED_TRACE(args);
      const double full = estimate("kde(" + args + ", shape=full)", p, q);
      if (std::string(kernel) == "gaussian") {
        ASSERT_TRUE(std::isfinite(full));
      }
      expect_close(estimate("kde(" + args + ", shape=scalar)", pw, qw), full, 1e-11);
      expect_close(estimate("kde(" + args + ", shape=diagonal)", pw, qw), full, 1e-11);
      expect_close(estimate("kde(" + args + ", shape=full)", pw, qw), full, 1e-11);
    }
  }
  // The reported bandwidths carry the Jacobian: h = f det(L_x)^(1/2) before whitening, f after.
  const auto before = klest::make_estimator("kde(shape=full)")->estimate(p, q);
  const auto after = klest::make_estimator("kde(shape=full)")->estimate(pw, qw);
  const double jacobian = std::sqrt(double(lx[0][0] * lx[1][1]));
  EXPECT_NEAR(*before.diag.get("h_p") / *after.diag.get("h_p"), jacobian, 1e-12);
  EXPECT_NEAR(*before.diag.get("h_q") / *after.diag.get("h_q"), jacobian, 1e-12);
}

// The estimate with shape=full is invariant under every invertible affine map of both samples
// (H transforms as A H A^T); shape=scalar under similarities (rotation, common scale, shift);
// shape=diagonal under per-coordinate scaling and shifts but not rotations. Same tolerance
// reasoning as above. The last check shows the comparisons can fail: rotating changes the
// diagonal-shape estimate by far more than rounding.
TEST(Kde, ShapesAreInvariantUnderTheirMaps) {
  klest::Rng rng = klest::rng_for(44);
  const Matrix mix = {{1.0L, 0}, {0.6L, 0.8L}};
  // Uniform on [0, 1]^2 inside uniform on [-0.2, 1.2]^2 (then mixed), so that the compact kernel
  // too has every density positive and the estimates are finite.
  const Samples p = affine(klest::testing::uniform(rng, 500, 2), mix, {0, 0}, {0, 0});
  const Matrix widen = {{1.4L, 0}, {0, 1.4L}};
  const Samples q = affine(affine(klest::testing::uniform(rng, 300, 2), widen, {0, 0}, {-0.2L, -0.2L}),
                           mix, {0, 0}, {0, 0});
  const Real th = 0.5;
  const Matrix general = {{2.0L, 1.0L}, {-0.5L, 3.0L}};
  const Matrix similarity = {{3 * std::cos(th), -3 * std::sin(th)}, {3 * std::sin(th), 3 * std::cos(th)}};
  const Matrix scaling = {{0.01L, 0}, {0, 50.0L}};
  auto both = [&](const Matrix& a) {
    return std::make_pair(affine(p, a, {0, 0}, {10, -4}), affine(q, a, {0, 0}, {10, -4}));
  };
  for (const char* kernel : {"gaussian", "epanechnikov"}) {
    SCOPED_TRACE(kernel);
    // The Gaussian sums to 1e-13 (their default bound, 1e-6, is looser than this comparison).
    const std::string base = std::string("kde(tolerance=1e-13, kernel=") + kernel + ", shape=";
    const auto [pg, qg] = both(general);
    const auto [ps, qs] = both(similarity);
    const auto [pd, qd] = both(scaling);
    const double full = estimate(base + "full)", p, q);
    const double scalar = estimate(base + "scalar)", p, q);
    const double diagonal = estimate(base + "diagonal)", p, q);
    ASSERT_TRUE(std::isfinite(full) && std::isfinite(scalar) && std::isfinite(diagonal))
        << full << " " << scalar << " " << diagonal;
    EXPECT_NEAR(estimate(base + "full)", pg, qg), full, 1e-11);
    EXPECT_NEAR(estimate(base + "scalar)", ps, qs), scalar, 1e-11);
    EXPECT_NEAR(estimate(base + "diagonal)", pd, qd), diagonal, 1e-11);
    EXPECT_GT(std::abs(estimate(base + "diagonal)", ps, qs) - diagonal), 1e-3);
  }
}

// ---- likelihood cross-validation ------------------------------------------------------------
//
// The factor c chosen by golden section must agree with the maximiser of the same objective on
// a grid of log c with spacing 2e-3 over [log 1/8, log 4], computed here by brute force (plain
// sums in long double). The objective is smooth and unimodal on these samples (checked below),
// so the grid's best point lies within half a spacing (1e-3) of the maximiser and the golden
// section's within its final bracket (1.6e-3): tolerance 3e-3 in log c. The reported bandwidths must be c times the silverman bandwidth,
// and the estimate the plug-in with those bandwidths.
TEST(Kde, LcvMaximisesTheLeaveOneOutLikelihood) {
  klest::Rng rng = klest::rng_for(45);
  const Samples p = gauss(rng, 80, 1), q = gauss(rng, 60, 1, 1, 2);
  // The sums to 1e-13 (their default bound, 1e-6, is looser than this comparison).
  const auto r = klest::make_estimator("kde(bandwidth=lcv, tolerance=1e-13)")->estimate(p, q);
  struct Side { const Samples& s; const char* name; };
  std::vector<Real> chosen;
  for (const Side side : {Side{p, "p"}, Side{q, "q"}}) {
    SCOPED_TRACE(side.name);
    const Real n = side.s.rows();
    const Real h0 = std::pow(4 / (3 * n), Real(0.2)) * sample_sd(side.s);
    std::vector<Real> grid;
    const Real lo = std::log(Real(0.125)), hi = std::log(Real(4));
    for (Real t = lo; t <= hi; t += Real(2e-3)) grid.push_back(lcv_objective(side.s, h0, std::exp(t)));
    const std::size_t best = std::size_t(std::max_element(grid.begin(), grid.end()) - grid.begin());
    ASSERT_GT(best, 0u);
    ASSERT_LT(best + 1, grid.size());
    // Unimodal: increasing up to the maximum, decreasing after it.
    for (std::size_t i = 1; i <= best; ++i) ASSERT_GT(grid[i], grid[i - 1]) << i;
    for (std::size_t i = best + 1; i < grid.size(); ++i) ASSERT_LT(grid[i], grid[i - 1]) << i;
    const double c = *r.diag.get(std::string("lcv_factor_") + side.name);
    EXPECT_NEAR(std::log(c), double(lo + Real(best) * Real(2e-3)), 3e-3);
    EXPECT_NEAR(*r.diag.get(std::string("h_") + side.name), double(c * h0), 1e-12 * double(h0));
    chosen.push_back(c * h0);
  }
  const Matrix hp = {{chosen[0] * chosen[0]}}, hq = {{chosen[1] * chosen[1]}};
  EXPECT_NEAR(r.value, double(brute_force(p, q, hp, hq, false)), 1e-12);
}

// Where the rule's width is far too wide, LCV runs to the lower end of the bracket. Two clusters
// N(-20, 1) and N(20, 1): the sample sd is about 20, so the silverman width is about 20 times
// that of one cluster (about 0.42 at 100 points), i.e. the best c is near 0.06 < 1/8 and the
// objective grows as c falls across the whole bracket: c ends within the final golden-section
// bracket of 1/8, [1/8, 1/8 e^0.0016]. Repeated points make LCV grow without bound as c -> 0
// (p_{-i}(x_i) >= K(0)/((n-1) h)); the bracket stops it at 1/8 too, and the estimate is finite.
TEST(Kde, LcvStopsAtTheLowerEndOfItsBracket) {
  klest::Rng rng = klest::rng_for(46);
  Samples p = gauss(rng, 200, 1), q = gauss(rng, 150, 1, 0.5, 1);
  for (std::size_t i = 0; i < p.rows(); ++i) p.row(i)[0] += i % 2 ? 20 : -20;
  for (std::size_t i = 0; i < q.rows(); ++i) q.row(i)[0] += i % 2 ? 20 : -20;
  const auto r2 = klest::make_estimator("kde(bandwidth=lcv)")->estimate(p, q);
  for (const char* side : {"lcv_factor_p", "lcv_factor_q"}) {
    EXPECT_GE(*r2.diag.get(side), 0.125) << side;
    EXPECT_LE(*r2.diag.get(side), 0.125 * std::exp(0.0016)) << side;
  }
  // Every value three times.
  Samples rep(3 * 40, 1);
  const Samples base = gauss(rng, 40, 1);
  for (std::size_t i = 0; i < rep.rows(); ++i) rep.row(i)[0] = base.row(i / 3)[0];
  const auto r = klest::make_estimator("kde(bandwidth=lcv)")->estimate(rep, gauss(rng, 50, 1));
  EXPECT_LE(*r.diag.get("lcv_factor_p"), 0.125 * std::exp(0.0016));
  EXPECT_TRUE(std::isfinite(r.value));
}

// ---- truncation ---------------------------------------------------------------------------------
//
// The tree's sums must agree with the exact ones (truncate=false) to the bound in kde.cpp's
// header: each Gaussian sum within the relative error `tolerance` (1e-6 by default), so each log
// density within -log(1 - tol) and D, a mean of differences of two of them, within twice that,
// plus the rounding of summing in another order (~1e-15 relative per log density). The
// Epanechnikov truncation is exact: only the order of summation differs (1e-13). Sizes and a
// looser tolerance that make the expansions and the midpoint rule carry most of the sums.
TEST(Kde, TruncationAgreesWithTheExactSumsToTheStatedBound) {
  klest::Rng rng = klest::rng_for(47);
  for (std::size_t d : {1u, 2u, 3u, 4u, 5u}) {
    const Samples p = gauss(rng, 900, d), q = gauss(rng, 700, d, 0.5, 1.5);
    for (const char* shape : {"scalar", "diagonal", "full"}) {
      for (const char* kernel : {"gaussian", "epanechnikov"}) {
        for (double tol : {1e-6, 1e-3}) {
          if (std::string(kernel) == "epanechnikov" && tol != 1e-6) continue;  // exact anyway
          const std::string args = std::string("kernel=") + kernel + ", shape=" + shape;
          SCOPED_TRACE(args + ", d = " + std::to_string(d) + ", tolerance " + std::to_string(tol));
          const auto cut = klest::make_estimator("kde(" + args + ", tolerance=" +
                                                 std::to_string(tol) + ")")->estimate(p, q);
          const auto exact =
              klest::make_estimator("kde(" + args + ", truncate=false)")->estimate(p, q);
          if (std::isinf(exact.value)) {
            EXPECT_EQ(cut.value, exact.value);
          } else {
            EXPECT_NEAR(cut.value, exact.value,
                        std::string(kernel) == "gaussian" ? -2 * std::log1p(-tol) + 1e-13 : 1e-13);
          }
          EXPECT_EQ(cut.diag.get("p_zero_points"), exact.diag.get("p_zero_points"));
          EXPECT_EQ(cut.diag.get("q_zero_points"), exact.diag.get("q_zero_points"));
        }
      }
    }
  }
}

// The bound sum by sum: with two points in P, each log p is a single kernel term (exact) and D
// is the mean of two log q errors, each within -log(1 - tol). Q large and the bandwidth from
// small (most of Q far, in few-bandwidth boxes: expansions and midpoints) to wide (the query
// inside big near boxes), the P points at the centre, in the bulk and in the tail.
TEST(Kde, EachGaussianSumMeetsItsErrorBound) {
  klest::Rng rng = klest::rng_for(59);
  for (std::size_t d : {1u, 2u, 3u}) {
    const Samples q = gauss(rng, 4000, d);
    for (double x0 : {0.0, 1.3, 3.5}) {
      Samples p(2, d);
      for (std::size_t k = 0; k < d; ++k) {
        p.row(0)[k] = x0 / std::sqrt(double(d));
        p.row(1)[k] = -0.5 * x0;
      }
      for (const char* h : {"0.02", "0.1", "0.5"}) {
        for (double tol : {1e-6, 1e-2}) {
          SCOPED_TRACE("d = " + std::to_string(d) + ", x0 = " + std::to_string(x0) + ", h = " +
                       h + ", tolerance " + std::to_string(tol));
          const double exact = estimate(std::string("kde(h=") + h + ", truncate=false)", p, q);
          const double got = estimate(std::string("kde(h=") + h + ", tolerance=" +
                                      std::to_string(tol) + ")", p, q);
          EXPECT_NEAR(got, exact, -std::log1p(-tol) + 1e-12);
        }
      }
    }
  }
}

// Points in far tails: a P point about 64 bandwidths away from every Q point and over 40 from
// every other P point has no neighbour within 7.4 bandwidths; its densities must come out
// finite (log q about -64^2 / 2 = -2050: exp(-2050) underflows in double but not in the long
// double of the brute force, which gives the value to compare with). Fixed h = 1 in 2-D. The
// tolerance 1e-9 allows for the rounding of kernel exponents of size ~2000 (relative 1e-16).
TEST(Kde, FarTailQueriesStayFinite) {
  klest::Rng rng = klest::rng_for(48);
  Samples p = gauss(rng, 300, 2), q = gauss(rng, 250, 2, 0, 1);
  p.row(7)[0] = 44;  // about 40 away from the other P points, 44 from the Q points
  p.row(7)[1] = 0;
  Samples q2 = q;
  for (std::size_t j = 0; j < q2.rows(); ++j) q2.row(j)[0] -= 20;  // now p row 7 is ~64 away
  // The tree's sums to 1e-13 (their default bound, 1e-6, is looser than this comparison).
  for (const char* spec : {"kde(h=1, tolerance=1e-13)", "kde(h=1, truncate=false)"}) {
    SCOPED_TRACE(spec);
    const double got = estimate(spec, p, q2);
    ASSERT_TRUE(std::isfinite(got));
    EXPECT_NEAR(got, double(brute_force(p, q2, false, "silverman", 1.0)), 1e-9);
  }
  // With the rule and every shape as well, against the exact sums.
  for (const char* shape : {"scalar", "diagonal", "full"}) {
    const std::string spec = std::string("kde(shape=") + shape;
    const double got = estimate(spec + ", tolerance=1e-13)", p, q2);
    ASSERT_TRUE(std::isfinite(got)) << shape;
    EXPECT_NEAR(got, estimate(spec + ", truncate=false)", p, q2), 1e-9) << shape;
  }
}

// ---- consistency ----------------------------------------------------------------------------------

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

// P = N(0,1), Q = N(1, 2^2), truth log 2 + (1 + 1)/8 - 1/2 = 0.44315, with bandwidth=lcv.
// An independent simulation (this estimator, seed 777, not the seed below): at n = m = 100,
// 400 replicates, bias 0.039, sd 0.099, RMSE 0.106; at n = m = 1000, 60 replicates, bias
// 0.014 (+- 0.004), sd 0.032, RMSE 0.035. Allowances: bias 0.08 at n = 100 and 0.03 at
// n = 1000 (about twice the measured bias), plus 4 standard errors of the replicate mean. The
// RMSE must at least halve from n = 100 to 1000 (measured ratio 3.0).
TEST(Kde, LcvConsistentOnNormalAgainstWideNormal) {
  const auto est = klest::make_estimator("kde(bandwidth=lcv)");
  const double truth = std::log(2.0) + 2.0 / 8 - 0.5;
  struct Size { std::size_t n, reps; double bias_allowance; };
  double rmse[2];
  int c = 0;
  for (const Size s : {Size{100, 40, 0.08}, Size{1000, 10, 0.03}}) {
    const auto r = klest::testing::replicate(
        *est, [&](klest::Rng& g) { return gauss(g, s.n, 1, 0, 1); },
        [&](klest::Rng& g) { return gauss(g, s.n, 1, 1, 2); }, s.reps, 49);
    SCOPED_TRACE(r.seed_note());
    double ss = 0;
    for (double v : r.values) ss += (v - truth) * (v - truth);
    rmse[c++] = std::sqrt(ss / double(r.values.size()));
    EXPECT_NEAR(r.mean, truth, s.bias_allowance + 4 * r.std_error);
  }
  EXPECT_LT(rmse[1], rmse[0] / 2);
}

// A P point 40 sd into Q's tail: the naive sum of kernel values underflows (exp(-800) = 0 in
// double), the log-sum-exp form keeps log q finite, about -800.
TEST(Kde, TailPointsStayFiniteInLogSpace) {
  const Samples p = rows({0, 1, 40, 41}, 1), q = rows({-1, 0, 1}, 1);
  auto e = [](double u) { return std::exp(-u * u / 2); };
  const double lp_near = std::log((e(1) + e(40) + e(41)) / 3);  // for x = 0 and 1 (e(40) = 0)
  const double lq0 = std::log((e(1) + e(0) + e(1)) / 3), lq1 = std::log((e(2) + e(1) + e(0)) / 3);
  // For x = 40: p_{-i} = (e(40) + e(39) + e(1)) / 3 ~ e(1)/3, q = (e(41) + e(40) + e(39)) / 3,
  // whose log is -39^2/2 + log((1 + e^-39.5 + ...) / 3) = -760.5 - log 3 to double precision.
  const double lq40 = -39.0 * 39 / 2 - std::log(3.0), lq41 = -40.0 * 40 / 2 - std::log(3.0);
  const double lp_far = std::log(e(1) / 3);
  const double want = (2 * lp_near - lq0 - lq1 + 2 * lp_far - lq40 - lq41) / 4;
  for (const char* spec : {"kde(h=1)", "kde(h=1, truncate=false)"}) {
    const auto r = klest::make_estimator(spec)->estimate(p, q);
    EXPECT_TRUE(std::isfinite(r.value)) << spec;
    EXPECT_NEAR(r.value, want, 1e-10) << spec;
  }
}

// Q's sample lies far from P's. With a fixed h the compact Epanechnikov kernel gives q = 0 at
// every P point, so log q = -inf and the estimate is +inf, the plug-in's answer for that h. With
// a rule bandwidth each such point takes Q's nearest-neighbour density instead (the brute force
// above implements it independently). The Gaussian kernel stays finite.
TEST(Kde, EpanechnikovWithoutQNeighbours) {
  const Samples p = rows({0.0, 0.2, 0.5, 0.9}, 1), q = rows({5.0, 5.5, 6.2}, 1);
  const auto fixed = klest::make_estimator("kde(kernel=epanechnikov, h=0.5)")->estimate(p, q);
  EXPECT_EQ(fixed.value, inf);
  EXPECT_EQ(fixed.diag.get("q_zero_points"), 4.0);
  const auto r = klest::make_estimator("kde(kernel=epanechnikov)")->estimate(p, q);
  EXPECT_NEAR(r.value, double(brute_force(p, q, true, "silverman")), 1e-13);
  EXPECT_EQ(r.diag.get("q_widened_points"), 4.0);
  EXPECT_FALSE(r.diag.get("q_zero_points").has_value());
  EXPECT_TRUE(std::isfinite(estimate("kde", p, q)));
  // One P point out of Q's reach is enough.
  const Samples q2 = rows({0.0, 0.2, 0.5, 0.3}, 1);
  const Samples p2 = rows({0.1, 0.3, 0.4, 3.0, 3.1}, 1);
  const auto r2 = klest::make_estimator("kde(kernel=epanechnikov, h=0.5)")->estimate(p2, q2);
  EXPECT_EQ(r2.value, inf);
  EXPECT_EQ(r2.diag.get("q_zero_points"), 2.0);
}

// The data that broke the default bandwidth: the rule bandwidths, made for the Gaussian kernel,
// were used unscaled as the Epanechnikov support radius, and isolated tail points gave -inf or
// +inf on ordinary pairs (issue data: N(0,1) vs N(1,2^2) among them). With the canonical
// rescaling and the nearest-neighbour fallback every estimate is finite. 10 replications at
// n = m = 1000 per pair; the allowance is the smoothing bias measured over 20 replications
// (N(0,1) vs N(1,2^2): +0.016; P = Q: +0.002; 5-D correlated pair: -0.024) plus 4 standard errors.
TEST(Kde, EpanechnikovRuleBandwidthStaysFiniteOnOrdinaryPairs) {
  struct Pair { const char* p; const char* q; double truth, bias; };
  const Pair pairs[] = {
      {"normal(0, 1)", "normal(1, 2)", std::log(2.0) - 0.25, 0.03},
      {"normal(0, 1)", "normal(0, 1)", 0.0, 0.01},
      {"mvnormal(mean=[0, 0, 0, 0, 0], cov=[[1, 0.5, 0, 0, 0], [0.5, 1, 0, 0, 0], [0, 0, 1, 0, 0], "
       "[0, 0, 0, 1, 0], [0, 0, 0, 0, 1]])",
       "mvnormal(mean=[0.5, 0.5, 0, 0, 0], cov=[[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], "
       "[0, 0, 0, 1, 0], [0, 0, 0, 0, 2]])",
       0.4904146265058632, 0.05},
  };
  const auto est = klest::make_estimator("kde(kernel=epanechnikov)");
  std::uint64_t seed = 60;
  for (const Pair& pr : pairs) {
    const auto P = klest::make_distribution(pr.p), Q = klest::make_distribution(pr.q);
    const auto r = klest::testing::replicate(
        *est, [&](klest::Rng& g) { return P->sample(g, 1000); },
        [&](klest::Rng& g) { return Q->sample(g, 1000); }, 10, ++seed);
    SCOPED_TRACE(std::string(pr.p) + " || " + pr.q + ", " + r.seed_note());
    for (double v : r.values) EXPECT_TRUE(std::isfinite(v)) << v;
    EXPECT_NEAR(r.mean, pr.truth, pr.bias + 4 * r.std_error);
  }
}

// Internal threads must not change the result, including the LCV search (whose objective is
// summed in index order too). Above 2048 queries parallel_for uses threads.
TEST(Kde, ThreadCountDoesNotChangeTheLcvResult) {
  klest::Rng rng = klest::rng_for(50);
  const Samples p = gauss(rng, 2500, 2), q = gauss(rng, 2200, 2, 0.5, 1);
  const auto est = klest::make_estimator("kde(kernel=epanechnikov, bandwidth=lcv, shape=full)");
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto serial = est->estimate(p, q);
  omp_set_num_threads(2);
  const auto parallel = est->estimate(p, q);
  omp_set_num_threads(before);
  EXPECT_EQ(serial.value, parallel.value);
  EXPECT_EQ(serial.diag.get("lcv_factor_p"), parallel.diag.get("lcv_factor_p"));
  EXPECT_EQ(serial.diag.get("lcv_factor_q"), parallel.diag.get("lcv_factor_q"));
}

// ---- bad input ------------------------------------------------------------------------------------

TEST(Kde, ZeroVarianceColumnIsAnErrorNamingTheSample) {
  klest::Rng rng = klest::rng_for(32);
  const auto est = klest::make_estimator("kde");
  Samples q = gauss(rng, 50, 3);
  for (std::size_t i = 0; i < q.rows(); ++i) q.row(i)[1] = 4.5;
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 3), q); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("estimator 'kde(kernel=gaussian, bandwidth=silverman, h=0, "
                            "shape=diagonal)'"),
                  HasSubstr("column 2 of the sample from q has zero variance"),
                  HasSubstr("every value is 4.5"))));
  EXPECT_THAT([&] { klest::make_estimator("kde(shape=full)")->estimate(gauss(rng, 50, 3), q); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("column 2 of the sample from q has zero variance"),
                  HasSubstr("shape=scalar"))));
  // One constant column does not make the scalar bandwidth zero.
  EXPECT_TRUE(std::isfinite(estimate("kde(shape=scalar)", gauss(rng, 50, 3), q)));
  Samples p = gauss(rng, 50, 2);
  for (std::size_t i = 0; i < p.rows(); ++i) p.row(i)[0] = -1;
  EXPECT_THAT([&] { klest::make_estimator("kde(bandwidth=scott)")->estimate(p, gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("kde(kernel=gaussian, bandwidth=scott, h=0, shape=diagonal)"),
                  HasSubstr("column 1 of the sample from p has zero variance"),
                  HasSubstr("scott rule"))));
  for (std::size_t i = 0; i < p.rows(); ++i) p.row(i)[1] = 2;
  EXPECT_THAT([&] { klest::make_estimator("kde(shape=scalar)")->estimate(p, gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("every column of the sample from p has zero variance"),
                  HasSubstr("all its points are equal"))));
  // A single point of Q has no spread for the rule; a fixed bandwidth accepts it.
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 2), gauss(rng, 1, 2)); },
              ThrowsMessage<klest::InputError>(HasSubstr("it has a single point")));
  EXPECT_TRUE(std::isfinite(estimate("kde(h=0.5)", gauss(rng, 50, 2), gauss(rng, 1, 2))));
}

TEST(Kde, FullShapeNeedsANonSingularCovariance) {
  klest::Rng rng = klest::rng_for(34);
  const auto est = klest::make_estimator("kde(shape=full)");
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 3), gauss(rng, 3, 3)); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("estimator 'kde(kernel=gaussian, bandwidth=silverman, h=0, "
                            "shape=full)'"),
                  HasSubstr("sample from q has 3 points"), HasSubstr("d + 1 = 4"))));
  // (z1, z2, z1 - 2 z2): the third column is a combination of the others.
  Samples p = gauss(rng, 40, 3);
  for (std::size_t i = 0; i < p.rows(); ++i) p.row(i)[2] = p.row(i)[0] - 2 * p.row(i)[1];
  EXPECT_THAT([&] { est->estimate(p, gauss(rng, 40, 3)); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("sample covariance of the sample from p is singular"),
                  HasSubstr("column 3"), HasSubstr("shape=diagonal"))));
  // The diagonal shape takes it.
  EXPECT_TRUE(std::isfinite(estimate("kde", p, gauss(rng, 40, 3))));
}

TEST(Kde, RejectsShortOrMismatchedSamplesAndTinyBandwidths) {
  klest::Rng rng = klest::rng_for(33);
  const auto est = klest::make_estimator("kde");
  EXPECT_THAT([&] { est->estimate(gauss(rng, 1, 2), gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(
                  HasSubstr("kde(kernel=gaussian, bandwidth=silverman, h=0, shape=diagonal)"),
                  HasSubstr("sample from p has 1 point, but needs at least 2"))));
  EXPECT_THAT([&] { est->estimate(gauss(rng, 50, 2), gauss(rng, 50, 3)); },
              ThrowsMessage<klest::InputError>(AllOf(HasSubstr("50x2"), HasSubstr("50x3"))));
  // LCV of Q needs a leave-one-out estimate of Q: two points.
  EXPECT_THAT(
      [&] { klest::make_estimator("kde(bandwidth=lcv)")->estimate(gauss(rng, 50, 2), gauss(rng, 1, 2)); },
      ThrowsMessage<klest::InputError>(AllOf(HasSubstr("bandwidth=lcv"),
                                             HasSubstr("sample from q has 1 point"))));
  // Kernel arguments beyond 1e150 bandwidths would overflow squared distances.
  EXPECT_THAT([&] { estimate("kde(h=1e-200)", gauss(rng, 50, 2), gauss(rng, 50, 2)); },
              ThrowsMessage<klest::InputError>(AllOf(HasSubstr("kde(kernel=gaussian"),
                                                     HasSubstr("h = 1e-200 is too small"))));
}

}  // namespace

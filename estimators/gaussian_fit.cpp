// Parametric Gaussian plug-in baseline: fit a Gaussian to each sample by maximum likelihood and
// return the closed-form KL between the two fits.
//
//   mu_p = mean of x,  S_p = (1/(n - ddof)) sum_i (x_i - mu_p)(x_i - mu_p)^T   (likewise q, y, m)
//   D(P||Q) ~ 1/2 [ tr(S_q^-1 S_p) + (mu_q - mu_p)^T S_q^-1 (mu_q - mu_p) - d + log det S_q / det S_p ]
//
// ddof = 0 (the default) divides by n: the maximum-likelihood covariance. ddof = 1 divides by
// n - 1 (the unbiased covariance); it is offered for comparison only.
// Computed in Cholesky form, never with an explicit inverse: with S_p = L1 L1^T, S_q = L2 L2^T,
// M = L2^-1 L1 (a triangular solve), t_i = 2 log(L1_ii / L2_ii) and delta = L2^-1 (mu_q - mu_p),
//   D = 1/2 [ sum_i (e^t_i - 1 - t_i) + sum_{i>j} M_ij^2 + |delta|^2 ],
// a sum of non-negative terms (so never negative, and no cancellation when the fits are close);
// the log determinants come from the Cholesky diagonals.
//
// Reference: the plug-in Gaussian baseline, i.e. maximum-likelihood Gaussian fit with the
// closed-form Gaussian KL; see W. D. Penny, "KL-divergences of normal, gamma, Dirichlet and
// Wishart densities", Wellcome Department of Cognitive Neurology, UCL, tech. report (2001),
// for the formula.
//
// Assumptions: continuous data. It converges to KL between the moment-matched Gaussians, so it
// is consistent only when P and Q are Gaussian. At P = Q its bias is about (k/2)(1/n + 1/m),
// k = d + d(d+1)/2, the number of fitted parameters (each side contributes k / (2 n) by the
// usual chi-square approximation of the likelihood ratio). Each fitted covariance must be non-singular:
// n, m >= d + 1 points, no constant column, no column a linear combination of the others;
// otherwise it throws InputError saying which sample and why.
// Both samples are rescaled column by column by common powers of two (exact, and KL is
// invariant under a common affine map), so data of extreme magnitude neither overflows nor
// underflows. Cost: O((n + m) d^2 + d^3) time, O((n + m) d) extra memory.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "detail/gaussian.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMap = Eigen::Map<const Matrix>;

// A pivot of the Cholesky factor of a correlation matrix is the fraction of a column's variance
// not explained by the columns before it. Exactly collinear data leaves only rounding error
// there (about 1e-16, growing slowly with n); genuine data with a residual correlation this
// strong is treated as singular too, since the KL would then be dominated by rounding.
constexpr double singular_fraction = 1e-12;

// The power of two 2^-e with 2^e just above max|v| over a column of both matrices (1 if 0).
double power_of_two_scale(double largest) {
  if (!(largest > 0)) return 1.0;
  int e = 0;
  std::frexp(largest, &e);
  return std::ldexp(1.0, -e);
}

// The number of distinct rows of s.
std::size_t distinct_rows(klest::SampleView s) {
  std::vector<std::size_t> order(s.rows());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto less = [&](std::size_t a, std::size_t b) {
    const auto ra = s.row(a), rb = s.row(b);
    return std::lexicographical_compare(ra.begin(), ra.end(), rb.begin(), rb.end());
  };
  std::sort(order.begin(), order.end(), less);
  std::size_t count = order.empty() ? 0 : 1;
  for (std::size_t i = 1; i < order.size(); ++i) count += less(order[i - 1], order[i]);
  return count;
}

struct Fit {
  Eigen::VectorXd mean;  // in the scaled units
  Matrix chol;           // lower Cholesky factor of the fitted covariance, scaled units
};

class GaussianFit {
 public:
  static constexpr std::string_view key = "gaussian_fit";
  static constexpr std::string_view summary =
      "parametric baseline: maximum-likelihood Gaussian fits, closed-form Gaussian KL";
  static constexpr std::string_view reference =
      "plug-in Gaussian baseline: maximum-likelihood Gaussian fit with the closed-form Gaussian "
      "KL; see Penny (2001), UCL tech. report, for the formula";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex =
      "@techreport{penny2001kl,\n"
      "  author      = {Penny, William D.},\n"
      "  title       = {{KL}-Divergences of Normal, Gamma, {D}irichlet and {W}ishart "
      "Densities},\n"
      "  institution = {Wellcome Department of Cognitive Neurology, University College "
      "London},\n"
      "  year        = {2001}\n}";

  static klest::ParamSpec params() {
    return {klest::param("ddof", 0,
                         "covariance divisor n - ddof: 0 is the maximum-likelihood fit, 1 the "
                         "unbiased covariance",
                         klest::between(0, 1))};
  }

  explicit GaussianFit(const klest::Params& p)
      : ddof_(p.get<int>("ddof")), label_(p.label()) {}

  // The true minimum is d + 1 points, which depends on the data; estimate() checks it. Two
  // points are the least any dimension needs.
  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = 2, .min_q = 2};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y) const {
    const std::size_t d = x.dim();
    check_size(x, "p", d);
    check_size(y, "q", d);
    check_constant_columns(x, "p");
    check_constant_columns(y, "q");

    // First common scaling: every column into [-1, 1], so sums for the means cannot overflow.
    const RowMap xm(x.data(), Eigen::Index(x.rows()), Eigen::Index(d));
    const RowMap ym(y.data(), Eigen::Index(y.rows()), Eigen::Index(d));
    const Eigen::RowVectorXd s1 = column_scales(xm.cwiseAbs().colwise().maxCoeff(),
                                                ym.cwiseAbs().colwise().maxCoeff());
    Matrix xc = xm * s1.asDiagonal(), yc = ym * s1.asDiagonal();
    Eigen::RowVectorXd mx = xc.colwise().mean(), my = yc.colwise().mean();
    xc.rowwise() -= mx;
    yc.rowwise() -= my;
    // Second common scaling: the centred values to order 1, so that products of tiny spreads
    // about a large offset do not underflow.
    const Eigen::RowVectorXd s2 = column_scales(xc.cwiseAbs().colwise().maxCoeff(),
                                                yc.cwiseAbs().colwise().maxCoeff());
    xc = xc * s2.asDiagonal();
    yc = yc * s2.asDiagonal();
    const Eigen::VectorXd delta0 = ((my - mx).cwiseProduct(s2)).transpose();

    const Matrix l1 = cholesky(xc, x, "p");
    const Matrix l2 = cholesky(yc, y, "q");

    const double kl = klest::detail::gaussian_kl_cholesky(l1, l2, delta0);
    // Every term is non-negative; a NaN can only come from inf - inf inside a triangular solve,
    // which happens only once an entry has overflowed, i.e. the KL exceeds about 1e308.
    klest::Estimate e;
    e.value = std::isnan(kl) ? std::numeric_limits<double>::infinity() : kl;
    return e;
  }

 private:
  static Eigen::RowVectorXd column_scales(const Eigen::RowVectorXd& a,
                                          const Eigen::RowVectorXd& b) {
    Eigen::RowVectorXd s(a.size());
    for (Eigen::Index j = 0; j < a.size(); ++j) s(j) = power_of_two_scale(std::max(a(j), b(j)));
    return s;
  }

  [[noreturn]] void singular(const std::string& which, const std::string& why) const {
    throw klest::InputError(fmt::format(
        "estimator '{}': the fitted covariance of {} is singular ({})", label_, which, why));
  }

  void check_size(klest::SampleView s, const std::string& which, std::size_t d) const {
    if (s.rows() < d + 1) {
      throw klest::InputError(fmt::format(
          "estimator '{}': sample from {} has {} points, but needs at least d + 1 = {} in "
          "dimension {} for a non-singular fitted covariance",
          label_, which, s.rows(), d + 1, d));
    }
  }

  void check_constant_columns(klest::SampleView s, const std::string& which) const {
    for (std::size_t j = 0; j < s.dim(); ++j) {
      const double first = s.row(0)[j];
      bool constant = true;
      for (std::size_t i = 1; i < s.rows() && constant; ++i) constant = s.row(i)[j] == first;
      if (constant) singular(which, fmt::format("column {} is constant", j + 1));
    }
  }

  // The lower Cholesky factor of the fitted covariance of the centred, scaled rows `c`. It is
  // taken of the correlation matrix (so the singularity test is scale-free) and scaled back.
  // Written out rather than Eigen's LLT so that a failure names the column.
  Matrix cholesky(const Matrix& c, klest::SampleView raw, const std::string& which) const {
    const Eigen::Index d = c.cols();
    const Matrix cov = (c.transpose() * c) / double(Eigen::Index(c.rows()) - ddof_);
    const Eigen::VectorXd sd = cov.diagonal().cwiseSqrt();
    Matrix l = Matrix::Zero(d, d);
    for (Eigen::Index j = 0; j < d; ++j) {
      double pivot = 1.0;  // the correlation matrix has a unit diagonal
      for (Eigen::Index k = 0; k < j; ++k) pivot -= l(j, k) * l(j, k);
      if (!(pivot > singular_fraction)) {
        const std::size_t distinct = distinct_rows(raw);
        if (distinct < std::size_t(d) + 1) {
          singular(which, fmt::format("it has only {} distinct points, but needs at least "
                                      "d + 1 = {} in dimension {}",
                                      distinct, d + 1, d));
        }
        singular(which, fmt::format("column {} is a linear combination of the columns before "
                                    "it, to within rounding",
                                    j + 1));
      }
      l(j, j) = std::sqrt(pivot);
      for (Eigen::Index i = j + 1; i < d; ++i) {
        double v = cov(i, j) / (sd(i) * sd(j));
        for (Eigen::Index k = 0; k < j; ++k) v -= l(i, k) * l(j, k);
        l(i, j) = v / l(j, j);
      }
    }
    return sd.asDiagonal() * l;
  }

  int ddof_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(GaussianFit);

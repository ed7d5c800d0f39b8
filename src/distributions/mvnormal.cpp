// Multivariate normal N(mean, cov) with a full covariance, and its closed-form KL pairs.
//   log p(x) = -d/2 log(2 pi) - sum_i log L_ii - |L^-1 (x - mean)|^2 / 2,   cov = L L^T
// L is the Cholesky factor (Eigen's LLT); cov must be symmetric (relative tolerance 1e-12)
// and positive definite. cov defaults to the identity of mean's dimension.
// Sampling: x = mean + L z with z a vector of klest::standard_normal draws.
// Closed form (W. D. Penny, "KL-divergences of normal, gamma, Dirichlet and Wishart densities",
// UCL tech. report, 2001; TFP and PyTorch register it) in Cholesky form:
// with M = L2^-1 L1 (lower triangular), t_i = 2 log(L1_ii / L2_ii) and delta = L2^-1 (m2 - m1),
//   KL = 1/2 [ sum_i (e^t_i - 1 - t_i) + sum_{i>j} M_ij^2 + |delta|^2 ],
// a sum of non-negative terms (detail::gaussian_kl_cholesky), so P close to Q loses no
// accuracy to cancellation. No explicit inverse is formed. For d = 1 the pairs with the normal
// family use the same formula.

#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "detail/scratch.hpp"
#include "detail/gaussian.hpp"
#include "detail/special.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {


[[noreturn]] void fail(const std::string& what) {
  throw klest::InputError("distribution 'mvnormal': " + what);
}

std::string shown(const klest::SpecValue& v) { return klest::to_string(v); }

// Reads parameter `name` as a flat list of numbers.
std::vector<double> number_list(const klest::Params& p, std::string_view name) {
  const klest::SpecValue& v = p.at(name);
  bool ok = v.is_list();
  if (ok) {
    for (const klest::SpecValue& e : v.list()) ok = ok && e.is_number();
  }
  if (!ok) {
    fail("parameter '" + std::string(name) + "' is " + shown(v) +
         ", but must be a list of numbers");
  }
  return p.get<std::vector<double>>(name);
}

class MvNormal final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "mvnormal";
  static constexpr std::string_view summary = "multivariate normal N(mean, cov), full covariance";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "mvnormal(mean=[0, 0], cov=[[1, 0.5], [0.5, 2]])";
  static klest::ParamSpec schema() {
    return {klest::param_value("mean", klest::ParamType::list, "mean vector [m_1, ..., m_d]"),
            klest::param_value("cov", klest::ParamType::list, klest::SpecList{},
                               "covariance matrix [[..], ..], symmetric positive definite "
                               "(default [] is the identity)")};
  }

  explicit MvNormal(klest::Params p) : Distribution(std::move(p)) {
    mean_ = number_list(params(), "mean");
    if (mean_.empty()) fail("parameter 'mean' is [], but must have at least one entry");
    const std::size_t d = mean_.size();
    const klest::SpecValue& cv = params().at("cov");
    Eigen::MatrixXd cov = Eigen::MatrixXd::Identity(Eigen::Index(d), Eigen::Index(d));
    if (cv.list().empty()) {
      // The identity, stored explicitly so that spec() is canonical.
      klest::SpecList rows;
      for (std::size_t i = 0; i < d; ++i) {
        klest::SpecList row;
        for (std::size_t j = 0; j < d; ++j) row.emplace_back(i == j ? 1.0 : 0.0);
        rows.emplace_back(std::move(row));
      }
      set_params(params().with("cov", klest::SpecValue(std::move(rows))));
    } else {
      cov = read_cov(cv, d);
    }
    factor(cov);
  }

  std::size_t dim() const override { return mean_.size(); }
  klest::Support kind() const override { return klest::Support::continuous; }

  double log_density(std::span<const double> x) const override {
    const std::size_t d = mean_.size();
    klest::detail::ScratchBuffer<16> z(d);
    double q = 0;
    for (std::size_t i = 0; i < d; ++i) {
      double s = x[i] - mean_[i];
      for (std::size_t j = 0; j < i; ++j) s -= chol_(Eigen::Index(i), Eigen::Index(j)) * z[j];
      z[i] = s / chol_(Eigen::Index(i), Eigen::Index(i));
      q += z[i] * z[i];
    }
    // Far out, z may overflow to +-inf and later rows to inf - inf: the density is 0 there.
    if (!(q < std::numeric_limits<double>::infinity())) {
      return -std::numeric_limits<double>::infinity();
    }
    return -0.5 * double(d) * std::log(2 * std::numbers::pi) - half_log_det_ - 0.5 * q;
  }

  void sample(klest::Rng& rng, std::span<double> out) const override {
    const std::size_t d = mean_.size();
    klest::detail::ScratchBuffer<16> z(d);
    for (std::size_t j = 0; j < d; ++j) z[j] = klest::standard_normal(rng);
    for (std::size_t i = 0; i < d; ++i) {
      double s = mean_[i];
      for (std::size_t j = 0; j <= i; ++j) s += chol_(Eigen::Index(i), Eigen::Index(j)) * z[j];
      out[i] = s;
    }
  }

  std::vector<klest::Interval> support() const override {
    return std::vector<klest::Interval>(mean_.size());
  }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const double var = chol_(0, 0) * chol_(0, 0);
    const klest::Tail t{klest::Tail::Kind::exp_power, 2, 0.5 / var};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {mean_[0]}; }
  double scale() const override { return chol_(0, 0); }

  const std::vector<double>& mean() const { return mean_; }
  /// Lower Cholesky factor of cov.
  const Eigen::MatrixXd& chol() const { return chol_; }

 private:
  static Eigen::MatrixXd read_cov(const klest::SpecValue& cv, std::size_t d) {
    const klest::SpecList& rows = cv.list();
    const std::string dims = std::to_string(d) + " (the length of mean)";
    if (rows.size() != d) {
      fail("parameter 'cov' has " + std::to_string(rows.size()) + " rows, but must have " + dims);
    }
    Eigen::MatrixXd c(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
    for (std::size_t i = 0; i < d; ++i) {
      const klest::SpecValue& row = rows[i];
      if (!row.is_list()) {
        fail("parameter 'cov' has row " + std::to_string(i + 1) + " = " + shown(row) +
             ", but each row must be a list of numbers");
      }
      if (row.list().size() != d) {
        fail("parameter 'cov' has row " + std::to_string(i + 1) + " with " +
             std::to_string(row.list().size()) + " entries, but each row must have " + dims);
      }
      for (std::size_t j = 0; j < d; ++j) {
        const klest::SpecValue& e = row.list()[j];
        if (!e.is_number()) {
          fail("parameter 'cov' has entry [" + std::to_string(i + 1) + "][" +
               std::to_string(j + 1) + "] = " + shown(e) + ", but entries must be numbers");
        }
        c(Eigen::Index(i), Eigen::Index(j)) = e.number();
      }
    }
    for (Eigen::Index i = 0; i < c.rows(); ++i) {
      for (Eigen::Index j = 0; j < i; ++j) {
        const double a = c(i, j), b = c(j, i);
        const double size =
            std::max({std::abs(a), std::abs(b), std::sqrt(std::abs(c(i, i) * c(j, j)))});
        if (!(std::abs(a - b) <= 1e-12 * size)) {
          fail("cov is not symmetric (cov[" + std::to_string(j + 1) + "][" + std::to_string(i + 1) +
               "] is " + klest::format_number(b) + " but cov[" + std::to_string(i + 1) + "][" +
               std::to_string(j + 1) + "] is " + klest::format_number(a) + ")");
        }
      }
    }
    return 0.5 * (c + c.transpose());
  }

  void factor(const Eigen::MatrixXd& cov) {
    Eigen::LLT<Eigen::MatrixXd> llt(cov);
    bool ok = llt.info() == Eigen::Success;
    if (ok) {
      chol_ = llt.matrixL();
      for (Eigen::Index i = 0; i < chol_.rows(); ++i) ok = ok && chol_(i, i) > 0;
    }
    if (!ok) {
      // Name the first leading principal minor that is not positive (Sylvester's criterion).
      // Elimination without pivoting: minor k is the product of the first k pivots.
      Eigen::MatrixXd a = cov;
      double minor = 1;
      for (Eigen::Index k = 0; k < a.rows(); ++k) {
        const double pivot = a(k, k);
        minor *= pivot;
        if (!(pivot > 0)) {
          fail("cov is not positive definite (leading minor " + std::to_string(k + 1) + " is " +
               klest::format_number(minor) + ")");
        }
        for (Eigen::Index i = k + 1; i < a.rows(); ++i) {
          for (Eigen::Index j = k + 1; j < a.rows(); ++j) a(i, j) -= a(i, k) * a(k, j) / pivot;
        }
      }
      fail(
          "cov is not positive definite (numerically singular: its Cholesky factorisation "
          "fails)");
    }
    half_log_det_ = 0;
    for (Eigen::Index i = 0; i < chol_.rows(); ++i) half_log_det_ += std::log(chol_(i, i));
  }

  std::vector<double> mean_;
  Eigen::MatrixXd chol_;
  double half_log_det_ = 0;
};

// The Cholesky form of KL(N(m1, L1 L1^T) || N(m2, L2 L2^T)).
klest::Truth gaussian_kl(const std::vector<double>& m1, const Eigen::MatrixXd& l1,
                         const std::vector<double>& m2, const Eigen::MatrixXd& l2,
                         const klest::Distribution& p, const klest::Distribution& q) {
  const Eigen::Index d = l1.rows();
  Eigen::VectorXd delta(d);
  for (Eigen::Index i = 0; i < d; ++i) delta(i) = m2[std::size_t(i)] - m1[std::size_t(i)];
  const double value = klest::detail::gaussian_kl_cholesky(l1, l2, std::move(delta));
  // Every term of the Cholesky form is >= 0; the triangular solves add a few ulps of 1 + value
  // per dimension, and e^t - 1 - t inherits t's rounding (an ulp of its logs) times e^t.
  double t_size = 0;
  for (Eigen::Index i = 0; i < d; ++i) {
    t_size = std::max(t_size, 2 * (std::abs(std::log(l1(i, i))) + std::abs(std::log(l2(i, i)))));
  }
  return klest::closed_form_truth({value, double(d) * (1 + value) * (1 + t_size)},
                                  "Cholesky form of the Gaussian KL (Penny 2001, UCL tech. report)",
                                  p, q);
}

// N(mean, sd^2) as a 1x1 Cholesky factor.
std::pair<std::vector<double>, Eigen::MatrixXd> as_mvnormal(const klest::Distribution& normal) {
  return {{normal.params().get<double>("mean")},
          Eigen::MatrixXd::Constant(1, 1, normal.params().get<double>("sd"))};
}

[[maybe_unused]] const bool registered_pairs = [] {
  klest::register_kl(
      {"mvnormal", "mvnormal", "Gaussian KL in Cholesky form; Penny (2001), UCL tech. report"},
      [](const klest::Distribution& p, const klest::Distribution& q,
         const klest::TruthOptions&) -> std::optional<klest::Truth> {
        const auto& a = dynamic_cast<const MvNormal&>(p);
        const auto& b = dynamic_cast<const MvNormal&>(q);
        if (a.dim() != b.dim()) return std::nullopt;
        return gaussian_kl(a.mean(), a.chol(), b.mean(), b.chol(), p, q);
      });
  klest::register_kl({"mvnormal", "normal", "Gaussian KL (d = 1); Penny (2001), UCL tech. report"},
                     [](const klest::Distribution& p, const klest::Distribution& q,
                        const klest::TruthOptions&) -> std::optional<klest::Truth> {
                       const auto& a = dynamic_cast<const MvNormal&>(p);
                       if (a.dim() != 1) return std::nullopt;
                       const auto [m2, l2] = as_mvnormal(q);
                       return gaussian_kl(a.mean(), a.chol(), m2, l2, p, q);
                     });
  klest::register_kl({"normal", "mvnormal", "Gaussian KL (d = 1); Penny (2001), UCL tech. report"},
                     [](const klest::Distribution& p, const klest::Distribution& q,
                        const klest::TruthOptions&) -> std::optional<klest::Truth> {
                       const auto& b = dynamic_cast<const MvNormal&>(q);
                       if (b.dim() != 1) return std::nullopt;
                       const auto [m1, l1] = as_mvnormal(p);
                       return gaussian_kl(m1, l1, b.mean(), b.chol(), p, q);
                     });
  return true;
}();

}  // namespace

KLEST_REGISTER_DISTRIBUTION(MvNormal);

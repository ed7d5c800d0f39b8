// Affine image of a continuous distribution: Y = A X + b with X ~ base, A an invertible d x d
// matrix and b a shift (default 0).
//   log p_Y(y) = log p_X(A^-1 (y - b)) - log |det A|
// A^-1 (y - b) is a solve with A's fully pivoted LU factors (Eigen), never an explicit inverse.
// Sampling: x from the base, then y = A x + b.
// Support: each coordinate's interval is sum_j A_ij [lo_j, hi_j] (interval arithmetic), which
// is the bounding box of the image of the base's box: exact for diagonal and (signed, scaled)
// permutation matrices; for other matrices it may exceed the smallest box if the base's support
// does not fill its box. In 1-D the tails map as x -> a x + b: a < 0 swaps the sides, exp_power
// coefficients scale by |a|^-rate and double_exp rates by 1/|a|.
// Closed form: KL is invariant under a common bijection (change of variables: the Jacobian
// factors of p and q cancel in the ratio; S. Kullback, "Information Theory and Statistics",
// 1959), so KL(A P + b || A Q + b) = KL(P || Q) when both matrices and shifts are identical, as
// for PyTorch's TransformedDistribution pair.

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "detail/components.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

[[noreturn]] void fail(const std::string& what) {
  throw klest::InputError("distribution 'affine': " + what);
}

class Affine final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "affine";
  static constexpr std::string_view summary =
      "affine image A X + b of a continuous distribution X ~ base (A invertible)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example =
      "affine(base=mvnormal(mean=[0, 0]), matrix=[[2, 1], [0, 1]], shift=[1, -1])";
  static klest::ParamSpec schema() {
    return {klest::param_value("base", klest::ParamType::spec, "the distribution of X"),
            klest::param_value("matrix", klest::ParamType::list,
                               "invertible d x d matrix A as rows [[..], ..]"),
            klest::param_value("shift", klest::ParamType::list, klest::SpecList{},
                               "shift b [b_1, ..., b_d] (default [] is 0)")};
  }

  explicit Affine(klest::Params p) : Distribution(std::move(p)) {
    base_ = klest::detail::make_component(params().get<klest::Spec>("base"),
                                          "distribution 'affine': base: ");
    if (base_->kind() != klest::Support::continuous) {
      fail("base '" + base_->spec() + "' is " + std::string(klest::to_string(base_->kind())) +
           ", but must be continuous");
    }
    const std::size_t d = base_->dim();
    const std::string dims =
        std::to_string(d) + " (the dimension of the base '" + base_->spec() + "')";

    const klest::SpecList& rows = params().at("matrix").list();
    if (rows.size() != d) {
      fail("parameter 'matrix' has " + std::to_string(rows.size()) + " rows, but must have " +
           dims);
    }
    matrix_.resize(Eigen::Index(d), Eigen::Index(d));
    for (std::size_t i = 0; i < d; ++i) {
      if (!rows[i].is_list()) {
        fail("parameter 'matrix' has row " + std::to_string(i + 1) + " = " +
             klest::to_string(rows[i]) + ", but each row must be a list of numbers");
      }
      const klest::SpecList& row = rows[i].list();
      if (row.size() != d) {
        fail("parameter 'matrix' has row " + std::to_string(i + 1) + " with " +
             std::to_string(row.size()) + " entries, but each row must have " + dims);
      }
      for (std::size_t j = 0; j < d; ++j) {
        if (!row[j].is_number()) {
          fail("parameter 'matrix' has entry [" + std::to_string(i + 1) + "][" +
               std::to_string(j + 1) + "] = " + klest::to_string(row[j]) +
               ", but entries must be numbers");
        }
        matrix_(Eigen::Index(i), Eigen::Index(j)) = row[j].number();
      }
    }
    lu_.compute(matrix_);
    if (!lu_.isInvertible()) {
      fail("parameter 'matrix' is singular (numerical rank " + std::to_string(lu_.rank()) + " of " +
           std::to_string(d) + ")");
    }
    log_abs_det_ = 0;
    const auto& u = lu_.matrixLU();
    for (Eigen::Index i = 0; i < u.rows(); ++i) log_abs_det_ += std::log(std::abs(u(i, i)));

    const klest::SpecValue& sv = params().at("shift");
    shift_.assign(d, 0.0);
    if (sv.list().empty()) {
      set_params(params().with("shift", klest::SpecValue(klest::SpecList(d, 0.0))));
    } else {
      const klest::SpecList& s = sv.list();
      for (const klest::SpecValue& e : s) {
        if (!e.is_number()) {
          fail("parameter 'shift' is " + klest::to_string(sv) + ", but must be a list of numbers");
        }
      }
      if (s.size() != d) {
        fail("parameter 'shift' has " + std::to_string(s.size()) + " entries, but must have " +
             dims);
      }
      for (std::size_t i = 0; i < d; ++i) shift_[i] = s[i].number();
    }
    set_params(params().with("base", klest::SpecValue(base_->params().spec())));
  }

  std::size_t dim() const override { return base_->dim(); }
  klest::Support kind() const override { return klest::Support::continuous; }

  double log_density(std::span<const double> y) const override {
    const Eigen::Index d = matrix_.rows();
    Eigen::VectorXd r(d);
    for (Eigen::Index i = 0; i < d; ++i) r(i) = y[std::size_t(i)] - shift_[std::size_t(i)];
    const Eigen::VectorXd x = lu_.solve(r);
    const double l = base_->log_density({x.data(), std::size_t(d)});
    return l - log_abs_det_;
  }

  void sample(klest::Rng& rng, std::span<double> out) const override {
    const Eigen::Index d = matrix_.rows();
    Eigen::VectorXd x(d);
    base_->sample(rng, {x.data(), std::size_t(d)});
    for (Eigen::Index i = 0; i < d; ++i) {
      double s = shift_[std::size_t(i)];
      for (Eigen::Index j = 0; j < d; ++j) s += matrix_(i, j) * x(j);
      out[std::size_t(i)] = s;
    }
  }

  std::vector<klest::Interval> support() const override {
    const auto box = base_->support();
    std::vector<klest::Interval> out(box.size());
    for (std::size_t i = 0; i < box.size(); ++i) {
      double lo = shift_[i], hi = shift_[i];
      for (std::size_t j = 0; j < box.size(); ++j) {
        const double a = matrix_(Eigen::Index(i), Eigen::Index(j));
        if (a == 0) continue;  // 0 * inf would be NaN; the term is 0
        const double u = a * box[j].lo, v = a * box[j].hi;
        lo += std::min(u, v);
        hi += std::max(u, v);
      }
      out[i] = {lo, hi};
    }
    return out;
  }

  std::pair<klest::Tail, klest::Tail> tails() const override {
    const double a = matrix_(0, 0);
    auto map = [a](klest::Tail t) {
      if (t.kind == klest::Tail::Kind::exp_power) t.coef *= std::pow(std::abs(a), -t.rate);
      if (t.kind == klest::Tail::Kind::double_exp) t.rate /= std::abs(a);
      return t;
    };
    const auto [left, right] = base_->tails();
    if (a < 0) return {map(right), map(left)};
    return {map(left), map(right)};
  }

  std::vector<double> landmarks() const override {
    std::vector<double> out;
    for (double x : base_->landmarks()) out.push_back(matrix_(0, 0) * x + shift_[0]);
    std::sort(out.begin(), out.end());
    return out;
  }
  double scale() const override { return std::abs(matrix_(0, 0)) * base_->scale(); }

  const klest::Distribution& base() const { return *base_; }

 private:
  std::unique_ptr<klest::Distribution> base_;
  Eigen::MatrixXd matrix_;
  Eigen::FullPivLU<Eigen::MatrixXd> lu_;
  double log_abs_det_ = 0;
  std::vector<double> shift_;
};

[[maybe_unused]] const bool registered_pairs = [] {
  klest::register_kl(
      {"affine", "affine",
       "invariance of KL under a common bijection (as PyTorch's TransformedDistribution pair)"},
      [](const klest::Distribution& p, const klest::Distribution& q,
         const klest::TruthOptions& options) -> std::optional<klest::Truth> {
        if (!(p.params().at("matrix") == q.params().at("matrix")) ||
            !(p.params().at("shift") == q.params().at("shift"))) {
          return std::nullopt;
        }
        const auto& a = dynamic_cast<const Affine&>(p);
        const auto& b = dynamic_cast<const Affine&>(q);
        klest::Truth t = klest::true_kl(a.base(), b.base(), options);
        t.detail = "KL of the bases under a common affine map: " + t.detail;
        return t;
      });
  return true;
}();

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Affine);

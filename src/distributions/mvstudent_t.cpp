// Multivariate Student t with df degrees of freedom, location loc and scale matrix S (the
// covariance is S df/(df - 2) for df > 2): X = loc + Y sqrt(df/W) with Y ~ N(0, S) and
// W ~ chi-square(df) independent.
//   log p(x) = lgamma((df + d)/2) - lgamma(df/2) - d/2 log(df pi) - log det(S)/2
//              - (df + d)/2 log1p(q/df),   q = (x - loc)^T S^-1 (x - loc),
// with q and log det(S) from the Cholesky factor of S, through an mvnormal(loc, S) (so the
// same checks of S apply: symmetric, positive definite; default the identity).
// Sampling: one mvnormal(loc, S) draw (d standard normals), then W = 2 G, G ~ Gamma(df/2, 1)
// (detail::log_gamma_variate).
// Closed forms: none; neither TFP (MultivariateStudentTLinearOperator) nor PyTorch registers a
// pair for it, and there is no closed form for two t's. The engine uses Monte Carlo (d >= 2).

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>

#include "detail/scratch.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

class MvStudentT final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "mvstudent_t";
  static constexpr std::string_view summary =
      "multivariate Student t with df, location loc and scale matrix (spec like mvnormal)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example =
      "mvstudent_t(df=5, loc=[0, 0], scale=[[1, 0.5], [0.5, 2]])";
  static klest::ParamSpec schema() {
    return {klest::param("df", 1.0, "degrees of freedom (real > 0)",
                         klest::Range{0.0, 1e300, true, false})
                .mandatory(),
            klest::param_value("loc", klest::ParamType::list, "location vector [m_1, ..., m_d]"),
            klest::param_value("scale", klest::ParamType::list, klest::SpecList{},
                               "scale matrix S [[..], ..], symmetric positive definite (the "
                               "covariance is S df/(df - 2); default [] is the identity)")};
  }

  explicit MvStudentT(klest::Params p) : Distribution(std::move(p)), df_(params().get<double>("df")) {
    klest::Spec normal;
    normal.name = "mvnormal";
    normal.args.push_back({"mean", params().at("loc")});
    normal.args.push_back({"cov", params().at("scale")});
    try {
      normal_ = klest::make_distribution(normal);
    } catch (const klest::InputError& e) {
      // Name this family and its parameters, not the mvnormal it is built on.
      std::string what = e.what();
      for (auto [from, to] : {std::pair<std::string, std::string>{"'mvnormal'", "'mvstudent_t'"},
                              {"'mean'", "'loc'"},
                              {"'cov'", "'scale'"},
                              {"cov ", "scale "}}) {
        for (std::size_t at = what.find(from); at != std::string::npos;
             at = what.find(from, at + to.size())) {
          what.replace(at, from.size(), to);
        }
      }
      throw klest::InputError(what);
    }
    set_params(params().with("scale", normal_->params().at("cov")));
    loc_ = params().get<std::vector<double>>("loc");
    const double d = double(loc_.size());
    // log N(loc; loc, S) = -d/2 log(2 pi) - log det(S)/2
    const double half_log_det =
        -normal_->log_density(loc_) - 0.5 * d * std::log(2 * std::numbers::pi);
    log_norm_ = boost::math::lgamma(0.5 * (df_ + d)) - boost::math::lgamma(0.5 * df_) -
                0.5 * d * std::log(df_ * std::numbers::pi) - half_log_det;
    log_normal_at_loc_ = normal_->log_density(loc_);
  }

  std::size_t dim() const override { return loc_.size(); }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double ln = normal_->log_density(x);
    if (ln == -inf) return -inf;
    const double q = std::max(0.0, 2 * (log_normal_at_loc_ - ln));
    return log_norm_ - 0.5 * (df_ + double(dim())) * std::log1p(q / df_);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    normal_->sample(rng, out);
    const double log_w = std::log(2.0) + klest::detail::log_gamma_variate(rng, 0.5 * df_);
    const double f = std::exp(0.5 * (std::log(df_) - log_w));
    for (std::size_t i = 0; i < dim(); ++i) {
      const double x = loc_[i] + (out[i] - loc_[i]) * f;
      // A tiny df can put a draw beyond the double range: keep it finite, far out.
      out[i] = std::isfinite(x) ? x : std::copysign(std::numeric_limits<double>::max(), x);
    }
  }
  std::vector<klest::Interval> support() const override {
    return std::vector<klest::Interval>(dim());
  }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const klest::Tail t{klest::Tail::Kind::power, df_, 0};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {loc_[0]}; }
  double scale() const override { return normal_->scale(); }

 private:
  double df_;
  std::unique_ptr<klest::Distribution> normal_;
  std::vector<double> loc_;
  double log_norm_ = 0, log_normal_at_loc_ = 0;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(MvStudentT);

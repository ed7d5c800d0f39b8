// Dirichlet distribution Dir(alpha_1, ..., alpha_K), K >= 2, on the probability simplex.
// The simplex is (K - 1)-dimensional, so a point is given by its first K - 1 coordinates
// x_1..x_(K-1) (x_K = 1 - sum of them): dim() is K - 1, and samples fed to estimators are
// those K - 1 coordinates (all K would lie on a hyperplane, where no density exists).
//   log p(x) = lgamma(alpha_0) - sum_i lgamma(alpha_i) + sum_i (alpha_i - 1) log x_i,
//   alpha_0 = sum_i alpha_i, for x_i > 0 and x_1 + ... + x_(K-1) < 1; -inf elsewhere.
// Sampling: x_i = G_i / sum_j G_j with G_i ~ Gamma(alpha_i, 1) (detail::log_gamma_variate, in
// logs, so tiny alphas do not give 0/0; e.g. L. Devroye, "Non-Uniform Random Variate
// Generation", 1986, ch. XI), first G_1 then G_2 and so on.
// Closed form: dirichlet‖dirichlet (W. D. Penny, "KL-divergences of normal, gamma, Dirichlet
// and Wishart densities", UCL tech. report, 2001; TFP and PyTorch register it), evaluated
// without cancellation by detail::dirichlet_kl.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>

#include "detail/closed_forms.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

class Dirichlet final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "dirichlet";
  static constexpr std::string_view summary =
      "Dirichlet on the simplex; a point is its first K - 1 coordinates (d = K - 1)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "dirichlet(alpha=[2, 3, 4])";
  static klest::ParamSpec schema() {
    return {klest::param_value("alpha", klest::ParamType::list,
                               "concentrations [alpha_1, ..., alpha_K], K >= 2, each > 0")};
  }
  explicit Dirichlet(klest::Params p) : Distribution(std::move(p)) {
    try {
      alpha_ = params().get<std::vector<double>>("alpha");
    } catch (const std::invalid_argument&) {
      fail("parameter 'alpha' is " + klest::to_string(params().at("alpha")) +
           ", but must be a list of numbers");
    }
    if (alpha_.size() < 2) {
      fail("parameter 'alpha' has " + std::to_string(alpha_.size()) +
           " numbers, but must have at least 2 (K categories give K - 1 coordinates)");
    }
    double sum = 0;
    log_norm_ = 0;
    for (std::size_t i = 0; i < alpha_.size(); ++i) {
      if (!(alpha_[i] > 0 && alpha_[i] <= 1e300)) {
        fail("parameter 'alpha[" + std::to_string(i) + "]' is " +
             klest::format_number(alpha_[i]) + ", but must be in (0, 1e300]");
      }
      sum += alpha_[i];
      log_norm_ -= boost::math::lgamma(alpha_[i]);
    }
    log_norm_ += boost::math::lgamma(sum);
    alpha0_ = sum;
  }

  std::size_t dim() const override { return alpha_.size() - 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const std::size_t d = dim();
    double rest = 1, lp = log_norm_;
    for (std::size_t i = 0; i < d; ++i) {
      if (!(x[i] >= 0 && x[i] <= 1)) return -inf;
      rest -= x[i];
      const double t = power_term(alpha_[i], x[i]);
      if (std::isnan(lp + t)) return -inf;  // +inf at one corner, -inf at another
      lp += t;
    }
    if (!(rest >= 0)) return -inf;
    const double t = power_term(alpha_[d], rest);
    return std::isnan(lp + t) ? -inf : lp + t;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    std::vector<double> lg(alpha_.size());
    for (std::size_t i = 0; i < alpha_.size(); ++i) {
      lg[i] = klest::detail::log_gamma_variate(rng, alpha_[i]);
    }
    const double top = *std::max_element(lg.begin(), lg.end());
    double total = 0;
    for (double l : lg) total += std::exp(l - top);
    const double log_total = top + std::log(total);
    for (std::size_t i = 0; i < dim(); ++i) {
      // Coordinates that underflow are kept at the smallest positive double, inside the support.
      out[i] = std::max(std::exp(lg[i] - log_total), std::numeric_limits<double>::denorm_min());
    }
  }
  std::vector<klest::Interval> support() const override {
    return std::vector<klest::Interval>(dim(), klest::Interval{0.0, 1.0});
  }
  std::pair<klest::Tail, klest::Tail> tails() const override { return {}; }  // bounded
  std::vector<double> landmarks() const override {
    // K = 2 is Beta(alpha_1, alpha_2): its ends and mode.
    if (dim() != 1) return {};
    const double a = alpha_[0], b = alpha_[1];
    if (a > 1 && b > 1) return {0.0, (a - 1) / (a + b - 2), 1.0};
    return {0.0, 1.0};
  }
  double scale() const override {
    // The largest marginal sd: x_i ~ Beta(alpha_i, alpha_0 - alpha_i).
    double sd = 0;
    for (std::size_t i = 0; i < dim(); ++i) {
      const double m = alpha_[i] / alpha0_;
      sd = std::max(sd, std::sqrt(m * (1 - m) / (alpha0_ + 1)));
    }
    return sd;
  }

  const std::vector<double>& alpha() const { return alpha_; }

 private:
  [[noreturn]] static void fail(const std::string& what) {
    throw klest::InputError("distribution 'dirichlet': " + what);
  }
  // (a - 1) log t with the limits at t = 0.
  static double power_term(double a, double t) {
    if (a == 1) return 0;
    if (t == 0) return a < 1 ? inf : -inf;
    return (a - 1) * std::log(t);
  }

  std::vector<double> alpha_;
  double alpha0_ = 0, log_norm_ = 0;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Dirichlet);

KLEST_REGISTER_KL("dirichlet", "dirichlet",
                  "Penny (2001), UCL tech. report; TFP and PyTorch register it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::dirichlet_kl(dynamic_cast<const Dirichlet&>(p).alpha(),
                                                       dynamic_cast<const Dirichlet&>(q).alpha());
                  });

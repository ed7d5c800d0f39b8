// Weibull distribution with shape k and scale lambda (a scale, not a rate).
//   log p(x) = log(k/lambda) + (k - 1) log(x/lambda) - (x/lambda)^k,   x >= 0
// (+inf at x = 0 when k < 1, -inf there when k > 1.)
// Sampling: inverse CDF, lambda E^(1/k) with E = -log(1 - U) ~ Exp(1)
// (detail::standard_exponential).
// Closed forms (gamma = Euler's constant, E log X = log lambda - gamma/k,
// E X^s = lambda^s Gamma(1 + s/k)):
//   weibull||weibull: C. Bauckhage, "Computing the Kullback-Leibler divergence between two
//     Weibull distributions", arXiv:1310.3713 (2013); TFP registers it.
//   weibull||gamma (rate): cross-entropy minus entropy, as registered by TFP.

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/gamma.hpp>

#include "detail/closed_forms.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::gumbel_kl;
using klest::detail::standard_exponential;

class Weibull final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "weibull";
  static constexpr std::string_view summary = "Weibull with shape k and scale lambda";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "weibull(shape=2, scale=1)";
  static klest::ParamSpec schema() {
    return {klest::param("shape", 1.0, "shape k", klest::greater_than(0)).mandatory(),
            klest::param("scale", 1.0, "scale lambda", klest::greater_than(0))};
  }
  explicit Weibull(klest::Params p)
      : Distribution(std::move(p)), k_(params().get<double>("shape")),
        lambda_(params().get<double>("scale")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (!(x[0] >= 0) || x[0] == inf) return -inf;
    if (x[0] == 0) {
      // (k - 1) log 0 would be 0 * -inf for k = 1.
      if (k_ == 1) return -std::log(lambda_);
      return k_ < 1 ? inf : -inf;
    }
    const double l = std::log(x[0]) - std::log(lambda_);  // x/lambda may underflow
    return std::log(k_ / lambda_) + (k_ - 1) * l - std::exp(k_ * l);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = lambda_ * std::pow(standard_exponential(rng), 1 / k_);
  }
  std::vector<klest::Interval> support() const override {
    return {klest::Interval{0, std::numeric_limits<double>::infinity()}};
  }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    return {klest::Tail{},
            klest::Tail{klest::Tail::Kind::exp_power, k_, std::pow(lambda_, -k_)}};
  }
  std::vector<double> landmarks() const override {
    const double mode = k_ > 1 ? lambda_ * std::pow((k_ - 1) / k_, 1 / k_) : 0.0;
    return {mode, lambda_ * std::pow(std::numbers::ln2, 1 / k_)};  // mode, median
  }
  double scale() const override {
    // Interquartile range: the standard deviation is astronomically large for small k.
    return lambda_ * (std::pow(std::log(4.0), 1 / k_) - std::pow(std::log(4.0 / 3.0), 1 / k_));
  }

 private:
  double k_, lambda_;
};

double get(const klest::Distribution& d, const char* name) {
  return d.params().get<double>(name);
}

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Weibull);

// With t = k2/k1 and L = log(lambda1/lambda2), Bauckhage's formula
//   KL = log(k1/k2) - k2 L - gamma (1 - t) + exp(k2 L) Gamma(1 + t) - 1
// is the Gumbel KL of the images under x -> -log x (KL is invariant under that bijection),
// with scale ratio t and shift k2 L: detail::gumbel_kl.
KLEST_REGISTER_KL("weibull", "weibull",
                  "Bauckhage (2013), arXiv:1310.3713; TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double k1 = get(p, "shape"), k2 = get(q, "shape"), t = k2 / k1;
                    const double l1 = std::log(get(p, "scale")), l2 = std::log(get(q, "scale"));
                    return gumbel_kl(t, k2 * (l1 - l2), k2 * (std::abs(l1) + std::abs(l2)));
                  });

// Q = gamma(shape a, rate b):
//   KL = log k - a log(b lambda) + lgamma(a) + a gamma/k - gamma + b lambda Gamma(1 + 1/k) - 1
KLEST_REGISTER_KL("weibull", "gamma",
                  "derived: cross-entropy minus entropy; TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double k = get(p, "shape"), l = get(p, "scale");
                    const double a = get(q, "shape"), b = get(q, "rate");
                    const double g = std::numbers::egamma;
                    // E X = l Gamma(1 + 1/k), E log X = log l - g/k, Jensen gap
                    // lgamma(1 + 1/k) + g/k, and E log X - H(P) = log k - g - 1.
                    const double lg = boost::math::lgamma(1 + 1 / k);
                    return klest::detail::gamma_cross_entropy_less_mean_log(
                               a, b, l * boost::math::tgamma(1 + 1 / k), klest::kl_terms({lg, g / k})) +
                           klest::kl_terms({std::log(k), -g, -1.0});
                  });

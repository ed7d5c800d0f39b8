// Lognormal distribution: log X ~ N(mu, sigma^2), mu and sigma of log X (not of X).
//   log p(x) = -log(x) - log(sigma) - log(2 pi)/2 - ((log x - mu)/sigma)^2 / 2,   x > 0
// Sampling: exp(mu + sigma Z) with Z from klest::standard_normal.
// mu is limited to [-700, 700] so that the bulk of X stays inside the range of a double.
// Closed form: lognormal||lognormal is the normal formula on (mu, sigma), by invariance of KL
// under the common bijection log (TFP registers it).

#include <cmath>
#include <limits>
#include <numbers>

#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

class Lognormal final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "lognormal";
  static constexpr std::string_view summary = "lognormal: log X ~ N(mu, sigma^2)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("mu", 0.0, "mean of log X", klest::between(-700, 700)),
            klest::param("sigma", 1.0, "standard deviation of log X", klest::greater_than(0))};
  }
  explicit Lognormal(klest::Params p)
      : Distribution(std::move(p)), mu_(params().get<double>("mu")),
        sigma_(params().get<double>("sigma")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    if (!(x[0] > 0)) return -std::numeric_limits<double>::infinity();
    const double lx = std::log(x[0]);
    const double z = (lx - mu_) / sigma_;
    return -lx - std::log(sigma_) - 0.5 * std::log(2 * std::numbers::pi) - 0.5 * z * z;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = std::exp(mu_ + sigma_ * klest::standard_normal(rng));
  }
  std::vector<klest::Interval> support() const override {
    return {klest::Interval{0, std::numeric_limits<double>::infinity()}};
  }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    // rate/coef as for exp_power, in log x: log p ~ -(1/(2 sigma^2)) (log x)^2.
    return {klest::Tail{}, klest::Tail{klest::Tail::Kind::lognormal, 2, 0.5 / (sigma_ * sigma_)}};
  }
  std::vector<double> landmarks() const override {
    return {std::exp(mu_ - sigma_ * sigma_), std::exp(mu_)};  // mode, median
  }
  double scale() const override {
    // Interquartile range: the standard deviation overflows for moderate sigma.
    return 2 * std::exp(mu_) * std::sinh(0.6744897501960817 * sigma_);
  }

 private:
  double mu_, sigma_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Lognormal);

// KL = log(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2
KLEST_REGISTER_KL("lognormal", "lognormal",
                  "normal formula on (mu, sigma) by invariance under log; TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const klest::Params &a = p.params(), &b = q.params();
                    const double s2 = b.get<double>("sigma");
                    const double r = a.get<double>("sigma") / s2;
                    const double dm = (a.get<double>("mu") - b.get<double>("mu")) / s2;
                    // (r^2 - 1 - log r^2)/2 + dm^2/2, both >= 0
                    if (!(r * r < std::numeric_limits<double>::infinity())) {
                      return std::numeric_limits<double>::infinity();
                    }
                    return 0.5 * klest::detail::r_minus_1_minus_log_r_terms(r * r) +
                           klest::ClosedForm(0.5 * dm * dm);
                  });

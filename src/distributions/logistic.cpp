// Logistic distribution with location mu and scale s (variance pi^2 s^2 / 3).
//   log p(x) = -log(s) - |z| - 2 log1p(exp(-|z|)),   z = (x - mu)/s
// (the density is symmetric in z; the |z| form never overflows).
// Sampling: inverse CDF, mu + s log(U/(1 - U)).
// Closed forms: none. logistic||logistic has no simple closed form, so the truth engine
// integrates it.

#include <cmath>
#include <numbers>

#include "klest/distribution.hpp"

namespace {

class Logistic final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "logistic";
  static constexpr std::string_view summary = "logistic with location and scale";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("loc", 0.0, "location (mean, median and mode)",
                         klest::between(-1e300, 1e300)),
            klest::param("scale", 1.0, "scale s", klest::greater_than(0))};
  }
  explicit Logistic(klest::Params p)
      : Distribution(std::move(p)), mu_(params().get<double>("loc")),
        s_(params().get<double>("scale")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double a = std::fabs((x[0] - mu_) / s_);
    return -std::log(s_) - a - 2 * std::log1p(std::exp(-a));
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    double u = 0;
    while (u == 0) u = klest::uniform01(rng);  // logit(0) = -inf
    out[0] = mu_ + s_ * (std::log(u) - std::log1p(-u));
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const klest::Tail t{klest::Tail::Kind::exp_power, 1, 1 / s_};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {mu_}; }
  double scale() const override { return s_ * std::numbers::pi / std::sqrt(3.0); }

 private:
  double mu_, s_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Logistic);

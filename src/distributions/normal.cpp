// Normal distribution N(mean, sd^2) and its closed-form KL pairs.
//   log p(x) = -log(sd) - log(2 pi)/2 - ((x - mean)/sd)^2 / 2
// Sampling: Boost.Random's ziggurat normal (klest::standard_normal), identical on every
// platform.

#include <cmath>
#include <limits>
#include <numbers>

#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

class Normal final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "normal";
  static constexpr std::string_view summary = "normal N(mean, sd^2)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("mean", 0.0, "location", klest::between(-1e300, 1e300)),
            klest::param("sd", 1.0, "standard deviation", klest::greater_than(0))};
  }
  explicit Normal(klest::Params p)
      : Distribution(std::move(p)), mean_(params().get<double>("mean")),
        sd_(params().get<double>("sd")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double z = (x[0] - mean_) / sd_;
    return -std::log(sd_) - 0.5 * std::log(2 * std::numbers::pi) - 0.5 * z * z;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = mean_ + sd_ * klest::standard_normal(rng);
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const klest::Tail t{klest::Tail::Kind::exp_power, 2, 0.5 / (sd_ * sd_)};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {mean_}; }
  double scale() const override { return sd_; }

 private:
  double mean_, sd_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Normal);

// KL = log(sd2/sd1) + (sd1^2 + (mean1 - mean2)^2) / (2 sd2^2) - 1/2
//    = (r^2 - 1 - log r^2)/2 + dm^2/2,   r = sd1/sd2, dm = (mean1 - mean2)/sd2: both >= 0.
KLEST_REGISTER_KL("normal", "normal", "standard; e.g. Penny (2001), UCL tech. report",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double m1 = p.params().get<double>("mean"), s1 = p.params().get<double>("sd");
                    const double m2 = q.params().get<double>("mean"), s2 = q.params().get<double>("sd");
                    const double r = s1 / s2, dm = (m1 - m2) / s2;
                    // sd ratio beyond the double range: r^2 / 2 outgrows log r, KL is +inf
                    // (computing it would give -inf + inf = NaN).
                    if (!(r * r < std::numeric_limits<double>::infinity())) {
                      return std::numeric_limits<double>::infinity();
                    }
                    return 0.5 * klest::detail::r_minus_1_minus_log_r_terms(r * r) +
                           klest::ClosedForm(0.5 * dm * dm);
                  });

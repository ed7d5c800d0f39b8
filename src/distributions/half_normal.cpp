// Half-normal distribution: |Z| sd for Z ~ N(0, 1), on [0, inf).
//   log p(x) = log(2/pi)/2 - log(sd) - (x/sd)^2/2 for x >= 0, -inf for x < 0
// Sampling: the absolute value of klest::standard_normal times sd.
// Closed form: half_normal‖half_normal, cross entropy minus entropy with E X^2 = sd1^2:
//   KL = log(sd2/sd1) + sd1^2/(2 sd2^2) - 1/2 = (r - 1 - log r)/2,   r = (sd1/sd2)^2,
// the normal KL at equal means (M. Gil, MSc thesis, Queen's University 2011, p. 119; TFP
// registers it).

#include <cmath>
#include <limits>
#include <numbers>

#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

class HalfNormal final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "half_normal";
  static constexpr std::string_view summary = "half-normal |N(0, sd^2)| on [0, inf)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("sd", 1.0, "scale: the sd of the normal folded at 0",
                         klest::Range{0.0, 1e300, true, false})};
  }
  explicit HalfNormal(klest::Params p)
      : Distribution(std::move(p)), sd_(params().get<double>("sd")),
        log_norm_(0.5 * std::log(2 / std::numbers::pi) - std::log(sd_)) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    if (!(x[0] >= 0)) return -inf;
    const double z = x[0] / sd_;
    return log_norm_ - 0.5 * z * z;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = std::abs(sd_ * klest::standard_normal(rng));
  }
  std::vector<klest::Interval> support() const override { return {{0.0, inf}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    return {klest::Tail{}, klest::Tail{klest::Tail::Kind::exp_power, 2, 0.5 / (sd_ * sd_)}};
  }
  std::vector<double> landmarks() const override { return {0.0}; }
  double scale() const override { return sd_; }

 private:
  double sd_, log_norm_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(HalfNormal);

KLEST_REGISTER_KL("half_normal", "half_normal",
                  "Gil (2011), MSc thesis, Queen's University, p. 119; TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double r = p.params().get<double>("sd") / q.params().get<double>("sd");
                    // r^2 beyond the double range: r^2/2 outgrows log r, KL is +inf.
                    if (!(r * r < inf)) return klest::ClosedForm(inf);
                    return 0.5 * klest::detail::r_minus_1_minus_log_r_terms(r * r);
                  });

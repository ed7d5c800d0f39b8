// Cauchy distribution with location loc and SCALE s (half width at half maximum), and its
// closed-form KL with another Cauchy.
//   log p(x) = -log(pi s) - log1p(z^2), z = (x - loc)/s
// Sampling: inversion, loc + s tan(pi (U - 1/2)) with U = klest::uniform01 (clamped to
// +-DBL_MAX if a huge scale overflows).
// Closed form: F. Chyzak, F. Nielsen, "A closed-form formula for the Kullback-Leibler
// divergence between Cauchy distributions", arXiv:1905.10965 (2019); TFP and PyTorch register
// it:
//   KL = log(((s1 + s2)^2 + (l1 - l2)^2) / (4 s1 s2)), symmetric and always finite,
// evaluated as log1p(((s1 - s2)^2 + (l1 - l2)^2) / (4 s1 s2)) so that it is accurate near 0
// (detail::log1p_square of the square root of the fraction, which cannot overflow).

#include <cmath>
#include <limits>
#include <numbers>

#include "detail/special.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::log1p_square;

constexpr double inf = std::numeric_limits<double>::infinity();

klest::Range positive() { return klest::Range{0.0, inf, true, true}; }

class Cauchy final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "cauchy";
  static constexpr std::string_view summary = "Cauchy with location and scale";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("loc", 0.0, "location (median)", klest::between(-1e300, 1e300)),
            klest::param("scale", 1.0, "scale (half width at half maximum)", positive())};
  }
  explicit Cauchy(klest::Params p)
      : Distribution(std::move(p)), loc_(params().get<double>("loc")),
        scale_(params().get<double>("scale")), log_pi_scale_(std::log(std::numbers::pi * scale_)) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    return -log_pi_scale_ - log1p_square(std::fabs(x[0] - loc_) / scale_);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    const double t = std::tan(std::numbers::pi * (klest::uniform01(rng) - 0.5));
    const double x = loc_ + scale_ * t;
    out[0] = std::isfinite(x) ? x : std::copysign(std::numeric_limits<double>::max(), t);
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const klest::Tail t{klest::Tail::Kind::power, 1, 0};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {loc_}; }
  double scale() const override { return scale_; }

 private:
  double loc_, scale_, log_pi_scale_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Cauchy);

KLEST_REGISTER_KL("cauchy", "cauchy",
                  "Chyzak & Nielsen (2019), arXiv:1905.10965; TFP and PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double l1 = p.params().get<double>("loc");
                    const double s1 = p.params().get<double>("scale");
                    const double l2 = q.params().get<double>("loc");
                    const double s2 = q.params().get<double>("scale");
                    const double t = std::hypot(s1 - s2, l1 - l2) /
                                     (2 * std::sqrt(s1) * std::sqrt(s2));
                    return log1p_square(t);
                  });

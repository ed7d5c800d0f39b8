// Laplace distribution with location loc and SCALE b (variance 2 b^2), and its closed-form KL
// pairs with the normal.
//   log p(x) = -log(2 scale) - |x - loc| / scale
// Sampling: loc + scale (E1 - E2), the difference of two standard exponentials
// E = -log1p(-U), U = klest::uniform01 (detail::standard_exponential).
// Closed forms:
//   laplace‖laplace  log(b2/b1) + |m1 - m2|/b2 + (b1/b2) exp(-|m1 - m2|/b1) - 1
//                    (M. Gil, "On Rényi divergence measures for continuous alphabet sources",
//                    MSc thesis, Queen's University, 2011; TFP and PyTorch register it);
//   laplace‖normal   (1/2) log(pi sd^2 / (2 b^2)) + b^2/sd^2 + (loc - mean)^2/(2 sd^2) - 1,
//                    cross entropy minus entropy with E (X - mean)^2 = 2 b^2 + (loc - mean)^2
//                    (PyTorch registers it);
//   normal‖laplace   log(2b) - (1/2) log(2 pi e sd^2) + E|X - loc|/b with the folded-normal mean
//                    E|X - loc| = sd sqrt(2/pi) exp(-z^2/2) + d erf(z/sqrt 2), d = mean - loc,
//                    z = d/sd: cross entropy minus entropy (PyTorch registers it).

#include <cmath>
#include <limits>
#include <numbers>

#include "detail/special.hpp"
#include "detail/variates.hpp"
#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::expm1mx;
using klest::detail::r_minus_1_minus_log_r;
using klest::detail::standard_exponential;

constexpr double inf = std::numeric_limits<double>::infinity();

klest::Range positive() { return klest::Range{0.0, inf, true, true}; }

class Laplace final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "laplace";
  static constexpr std::string_view summary =
      "Laplace with location and scale (variance 2 scale^2)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("loc", 0.0, "location (median)", klest::between(-1e300, 1e300)),
            klest::param("scale", 1.0, "scale b (variance 2 b^2)", positive())};
  }
  explicit Laplace(klest::Params p)
      : Distribution(std::move(p)), loc_(params().get<double>("loc")),
        scale_(params().get<double>("scale")), log_2scale_(std::log(2 * scale_)) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    return -log_2scale_ - std::fabs(x[0] - loc_) / scale_;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    const double e1 = standard_exponential(rng);
    const double e2 = standard_exponential(rng);
    out[0] = loc_ + scale_ * (e1 - e2);
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const klest::Tail t{klest::Tail::Kind::exp_power, 1, 1 / scale_};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {loc_}; }
  double scale() const override { return scale_; }

 private:
  double loc_, scale_, log_2scale_;
};

constexpr double log_2pi = 1.8378770664093454836;  // log(2 pi)

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Laplace);

// Written as (r - 1 - log r) + r (e^-y - 1 + y) with r = b1/b2, y = |m1 - m2|/b1: both >= 0.
KLEST_REGISTER_KL("laplace", "laplace",
                  "Gil (2011), MSc thesis, Queen's University; TFP and PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double m1 = p.params().get<double>("loc");
                    const double b1 = p.params().get<double>("scale");
                    const double m2 = q.params().get<double>("loc");
                    const double b2 = q.params().get<double>("scale");
                    const double r = b1 / b2, y = std::fabs(m1 - m2) / b1;
                    // y = |m1 - m2|/b1 rounds by an ulp of |m1| + |m2|; e^-y - 1 + y moves by
                    // (1 - e^-y) per unit.
                    const double dy = (std::fabs(m1) + std::fabs(m2)) / b1 * -std::expm1(-y);
                    return klest::detail::r_minus_1_minus_log_r_terms(r) +
                           klest::ClosedForm{r * expm1mx(-y), r * (expm1mx(-y) + dy)};
                  });

KLEST_REGISTER_KL("laplace", "normal", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double loc = p.params().get<double>("loc");
                    const double b = p.params().get<double>("scale");
                    const double mean = q.params().get<double>("mean");
                    const double sd = q.params().get<double>("sd");
                    // = (2 r^2 - 1 - log 2 r^2)/2 + z^2/2 + (log(pi) - 1)/2, all >= 0
                    const double r = b / sd, z = (loc - mean) / sd;
                    return 0.5 * klest::detail::r_minus_1_minus_log_r_terms(2 * r * r) +
                           klest::ClosedForm(0.5 * z * z) +
                           klest::ClosedForm(0.5 * (std::log(std::numbers::pi) - 1));
                  });

KLEST_REGISTER_KL("normal", "laplace",
                  "derived: cross-entropy minus entropy, folded-normal mean (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double mean = p.params().get<double>("mean");
                    const double sd = p.params().get<double>("sd");
                    const double loc = q.params().get<double>("loc");
                    const double b = q.params().get<double>("scale");
                    const double z = (mean - loc) / sd;
                    // E|X - loc| / sd for X ~ N(mean, sd^2)
                    const double folded = std::sqrt(2 / std::numbers::pi) * std::exp(-0.5 * z * z) +
                                          z * std::erf(z / std::numbers::sqrt2);
                    return klest::kl_terms({std::log(2 * b / sd), -0.5 * (log_2pi + 1),
                                            (sd / b) * folded});
                  });

// Inverse gamma distribution: X = 1/Y for Y ~ Gamma(shape alpha, RATE beta), so beta is the
// SCALE of X (mean beta/(alpha - 1) for alpha > 1).
//   log p(x) = alpha log beta - lgamma(alpha) - (alpha + 1) log x - beta/x for x > 0
// evaluated as log p_Y(1/x) - 2 log x with the gamma family's density (stable for large alpha),
// and sampled as beta / G, G ~ Gamma(alpha, 1) (detail::log_gamma_variate, in logs).
// Closed form: inverse_gamma‖inverse_gamma is the gamma KL of the reciprocals (KL is invariant
// under the common bijection x -> 1/x; TFP and PyTorch register transformed pairs with
// identical bijectors this way), detail::gamma_kl (Penny 2001).

#include <algorithm>
#include <cmath>
#include <limits>

#include "detail/closed_forms.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

klest::Range positive() { return klest::Range{0.0, 1e300, true, false}; }

class InverseGamma final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "inverse_gamma";
  static constexpr std::string_view summary = "inverse gamma 1/Gamma(shape, rate=scale) with "
                                              "shape and scale";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "inverse_gamma(shape=3, scale=2)";
  static klest::ParamSpec schema() {
    return {klest::param("shape", 1.0, "shape alpha (right tail ~ x^-(alpha + 1))", positive())
                .mandatory(),
            klest::param("scale", 1.0, "scale beta (the rate of the gamma 1/X)", positive())};
  }
  explicit InverseGamma(klest::Params p)
      : Distribution(std::move(p)), shape_(params().get<double>("shape")),
        scale_(params().get<double>("scale")),
        reciprocal_(klest::make_distribution("gamma(shape=" + klest::format_number(shape_) +
                                             ", rate=" + klest::format_number(scale_) + ")")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    if (!(x[0] > 0) || x[0] == inf) return -inf;
    const double y = 1 / x[0];
    if (y == inf) return -inf;  // subnormal x: the density vanishes to all digits
    return reciprocal_->log_density({&y, 1}) - 2 * std::log(x[0]);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    const double x = std::exp(std::log(scale_) - klest::detail::log_gamma_variate(rng, shape_));
    out[0] = std::clamp(x, std::numeric_limits<double>::min(),
                        std::numeric_limits<double>::max());
  }
  std::vector<klest::Interval> support() const override { return {{0.0, inf}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    return {klest::Tail{}, klest::Tail{klest::Tail::Kind::power, shape_, 0}};
  }
  std::vector<double> landmarks() const override { return {0.0, mode()}; }
  // Near the mode the density is about Gaussian with sd mode / sqrt(shape + 1) for large shapes.
  double scale() const override { return mode() / std::sqrt(std::max(1.0, shape_ + 1)); }

 private:
  double mode() const { return scale_ / (shape_ + 1); }

  double shape_, scale_;
  std::unique_ptr<klest::Distribution> reciprocal_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(InverseGamma);

KLEST_REGISTER_KL("inverse_gamma", "inverse_gamma",
                  "gamma KL of the reciprocals by invariance under x -> 1/x (Penny 2001); as "
                  "TFP/PyTorch transformed pairs",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::gamma_kl(
                        p.params().get<double>("shape"), p.params().get<double>("scale"),
                        q.params().get<double>("shape"), q.params().get<double>("scale"));
                  });

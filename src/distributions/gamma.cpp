// Gamma distribution with shape alpha and RATE beta (mean alpha/beta; Boost and std:: take a
// SCALE 1/beta instead), and its closed-form KL pairs with P gamma.
//   log p(x) = alpha log(beta) + (alpha - 1) log x - beta x - lgamma(alpha) for x > 0
// evaluated, for alpha >= 10, as log(beta) + a log1pmx((y - a)/a) - log(2 pi a)/2 - S(a) with
// y = beta x, a = alpha - 1 and S = detail::stirling_tail the Stirling series of lgamma(a + 1),
// which avoids the cancellation of terms of size alpha log alpha.
// Sampling: detail::log_gamma_variate (Marsaglia & Tsang (2000), "A simple method for generating
// gamma variables", for alpha >= 1; G(alpha) = G(alpha + 1) U^(1/alpha) below, kept in logs).
// Draws that underflow (tiny shapes put real mass below 1e-308) are returned as the smallest
// positive double.
// Closed forms, with E X = alpha/beta, E log X = psi(alpha) - log(beta) and entropy
// alpha - log(beta) + lgamma(alpha) + (1 - alpha) psi(alpha):
//   gamma‖gamma  W. D. Penny, "KL-divergences of normal, gamma, Dirichlet and Wishart
//                densities", UCL tech. report (2001); TFP and PyTorch register it;
//   gamma‖exponential, gamma‖normal  derived here as cross entropy minus entropy (PyTorch
//                registers the same pairs).

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/log1p.hpp>

#include "detail/closed_forms.hpp"
#include "detail/special.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::log_gamma_variate;
using klest::detail::stirling_tail;

constexpr double inf = std::numeric_limits<double>::infinity();

klest::Range positive() { return klest::Range{0.0, inf, true, true}; }

class Gamma final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "gamma";
  static constexpr std::string_view summary = "gamma with shape and rate (mean shape/rate)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "gamma(shape=2, rate=1)";
  static klest::ParamSpec schema() {
    return {klest::param("shape", 1.0, "shape alpha", positive()).mandatory(),
            klest::param("rate", 1.0, "rate beta (mean shape/rate; scale = 1/rate)", positive())};
  }
  explicit Gamma(klest::Params p)
      : Distribution(std::move(p)), shape_(params().get<double>("shape")),
        rate_(params().get<double>("rate")), log_rate_(std::log(rate_)) {
    const double a = shape_ - 1;
    log_norm_ = stirling() ? -0.5 * std::log(2 * std::numbers::pi * a) - stirling_tail(a)
                           : -boost::math::lgamma(shape_);
  }

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    if (!(x[0] >= 0)) return -inf;
    const double y = rate_ * x[0];
    if (y == 0) {  // the density at 0 is +inf, rate or 0 as shape <, = or > 1
      if (shape_ == 1) return log_rate_;
      return shape_ < 1 ? inf : -inf;
    }
    if (!std::isfinite(y)) return -inf;
    const double a = shape_ - 1;
    if (stirling()) {
      // log1pmx(t) = log(1 + t) - t, computed directly where it does not cancel
      const double t = (y - a) / a;
      const double l = std::fabs(t) < 0.5 ? boost::math::log1pmx(t) : std::log(y / a) - t;
      return log_rate_ + log_norm_ + a * l;
    }
    return log_rate_ + log_norm_ + a * std::log(y) - y;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    // Tiny shapes put real mass below the smallest double; keep draws inside (0, inf).
    const double x = std::exp(log_gamma_variate(rng, shape_) - log_rate_);
    out[0] = std::max(x, std::numeric_limits<double>::denorm_min());
  }
  std::vector<klest::Interval> support() const override { return {{0.0, inf}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    return {klest::Tail{}, klest::Tail{klest::Tail::Kind::exp_power, 1, rate_}};
  }
  std::vector<double> landmarks() const override {
    if (shape_ > 1) return {0.0, (shape_ - 1) / rate_};
    return {0.0};
  }
  double scale() const override { return std::sqrt(shape_) / rate_; }

 private:
  bool stirling() const { return shape_ >= 10; }

  double shape_, rate_, log_rate_, log_norm_ = 0;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Gamma);

KLEST_REGISTER_KL("gamma", "gamma", "Penny (2001), UCL tech. report; TFP and PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::gamma_kl(
                        p.params().get<double>("shape"), p.params().get<double>("rate"),
                        q.params().get<double>("shape"), q.params().get<double>("rate"));
                  });

// Exponential(l) is Gamma(1, l).
KLEST_REGISTER_KL("gamma", "exponential", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::gamma_kl(p.params().get<double>("shape"),
                                                   p.params().get<double>("rate"), 1,
                                                   q.params().get<double>("rate"));
                  });

// Cross entropy log(sd sqrt(2 pi)) + (Var X + (E X - mean)^2) / (2 sd^2) minus the entropy
// log(2 pi e a)/2 - log b + R(a) (detail::gamma_entropy_remainder): with s = sqrt(a)/(b sd),
// the ratio of the standard deviations, KL = (s^2 - 1 - log s^2)/2 + dm^2/2 - R(a).
KLEST_REGISTER_KL("gamma", "normal", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double shape = p.params().get<double>("shape");
                    const double rate = p.params().get<double>("rate");
                    const double mean = q.params().get<double>("mean");
                    const double sd = q.params().get<double>("sd");
                    const double s = std::sqrt(shape) / rate / sd;
                    // shape/rate - mean = (shape - mean rate)/rate from one fma
                    const double dm = std::fma(-mean, rate, shape) / rate / sd;
                    return 0.5 * klest::detail::r_minus_1_minus_log_r_terms(s * s) +
                           klest::detail::mean_shift_term(dm, shape / rate, mean, sd) -
                           klest::detail::gamma_entropy_remainder(shape);
                  });

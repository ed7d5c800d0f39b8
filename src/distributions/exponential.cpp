// Exponential distribution with RATE lambda (mean 1/lambda), and its closed-form KL pairs with
// P exponential.
//   log p(x) = log(rate) - rate x for x >= 0, -inf for x < 0
// Sampling: inversion, detail::standard_exponential()/rate, i.e. -log1p(-U)/rate with
// U = klest::uniform01 in [0, 1).
// Closed forms, each cross entropy minus the entropy 1 - log(rate), using E X = 1/rate and
// E log X = -gamma_E - log(rate):
//   exponential‖exponential  log(l1/l2) + l2/l1 - 1, the gamma KL of W. D. Penny,
//                            "KL-divergences of normal, gamma, Dirichlet and Wishart
//                            densities" (UCL tech. report, 2001) at shape 1; PyTorch registers
//                            it; evaluated as detail::r_minus_1_minus_log_r(l2/l1);
//   exponential‖gamma, exponential‖normal  derived here (PyTorch registers the same pairs).

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/gamma.hpp>

#include "detail/closed_forms.hpp"
#include "detail/special.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::r_minus_1_minus_log_r;
using klest::detail::standard_exponential;

constexpr double inf = std::numeric_limits<double>::infinity();

// The range (0, inf): an infinite rate is no distribution.
klest::Range positive() { return klest::Range{0.0, inf, true, true}; }

class Exponential final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "exponential";
  static constexpr std::string_view summary = "exponential with rate (mean 1/rate)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("rate", 1.0, "rate lambda (mean 1/rate)", positive())};
  }
  explicit Exponential(klest::Params p)
      : Distribution(std::move(p)), rate_(params().get<double>("rate")),
        log_rate_(std::log(rate_)) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    return x[0] >= 0 ? log_rate_ - rate_ * x[0] : -inf;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = standard_exponential(rng) / rate_;
  }
  std::vector<klest::Interval> support() const override { return {{0.0, inf}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    return {klest::Tail{}, klest::Tail{klest::Tail::Kind::exp_power, 1, rate_}};
  }
  std::vector<double> landmarks() const override { return {0.0}; }
  double scale() const override { return 1 / rate_; }

 private:
  double rate_, log_rate_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Exponential);

KLEST_REGISTER_KL("exponential", "exponential",
                  "Penny (2001), UCL tech. report (gamma, shape 1); PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double l1 = p.params().get<double>("rate");
                    const double l2 = q.params().get<double>("rate");
                    return klest::detail::r_minus_1_minus_log_r_terms(l2 / l1);
                  });

// Exponential(l) is Gamma(1, l): KL = shape log(l/rate) + (shape - 1) gamma_E + lgamma(shape) +
// rate/l - 1, evaluated as detail::gamma_kl.
KLEST_REGISTER_KL("exponential", "gamma", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::gamma_kl(1, p.params().get<double>("rate"),
                                                   q.params().get<double>("shape"),
                                                   q.params().get<double>("rate"));
                  });

// KL = log(l sd sqrt(2 pi)) - 1 + (1/l^2 + (1/l - mean)^2) / (2 sd^2).
KLEST_REGISTER_KL("exponential", "normal", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double l = p.params().get<double>("rate");
                    const double mean = q.params().get<double>("mean");
                    const double sd = q.params().get<double>("sd");
                    // = (s^2 - 1 - log s^2)/2 + dm^2/2 + (log(2 pi) - 1)/2, s = 1/(l sd), with
                    // 1/l - mean = (1 - mean l)/l from one fma.
                    const double s = 1 / (l * sd), dm = std::fma(-mean, l, 1.0) / l / sd;
                    return 0.5 * klest::detail::r_minus_1_minus_log_r_terms(s * s) +
                           klest::ClosedForm(0.5 * dm * dm) +
                           klest::ClosedForm(0.5 * (std::log(2 * std::numbers::pi) - 1));
                  });

// Negative binomial distribution: the number of failures before the r-th success, with real
// r > 0 and success probability p in (0, 1], on k = 0, 1, 2, ... (p = 1: point mass at 0).
//   log p(k) = lgamma(k + r) - lgamma(r) - log(k!) + r log p + k log(1 - p)
// evaluated as log(r/(r + k)) + log[C(r + k, r) p^r (1 - p)^k], the second factor by Loader's
// saddle-point form of the binomial probability with n = r + k real (C. Loader, "Fast and
// accurate computation of binomial probabilities", 2000; stirlerr, bd0 and balance in
// detail/special.hpp), free of lgamma cancellation.
// Sampling: gamma-Poisson mixture, lambda ~ Gamma(shape r, scale (1 - p)/p) by Boost.Random's
// gamma_distribution (which takes a scale), then Poisson(lambda) by Boost.Random (by its normal
// approximation in the rare case lambda >= 2^62, where an int64 would overflow); it does not use
// detail::log_gamma_variate, whose draws differ. The mean r (1 - p)/p must be <= 1e15
// (detail::max_count_mean, as poisson's rate), so that the bulk of the mass lies below 2^53,
// where doubles hold integers exactly.
// Closed form:
//   negative_binomial||negative_binomial  same r: r times the geometric formula,
//     r [log(p1/p2) + ((1 - p1)/p1) log((1 - p1)/(1 - p2))] = r bern(p1, p2)/p1 (exponential
//     family with sufficient statistic k: F. Nielsen and R. Nock, "Entropies and cross-entropies
//     of exponential families", ICIP 2010); P the point mass at 0 (p1 = 1): -log q(0) =
//     -r2 log p2 for any r. Otherwise nullopt: the engine sums.

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>

#include <boost/random/gamma_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>

#include "detail/closed_forms.hpp"
#include "detail/counts.hpp"
#include "detail/special.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::balance;
using klest::detail::bd0;
using klest::detail::bernoulli_kl;
using klest::detail::stirlerr;

constexpr double inf = std::numeric_limits<double>::infinity();

class NegativeBinomial final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "negative_binomial";
  static constexpr std::string_view summary =
      "negative binomial: failures before the r-th success, success probability p";
  static constexpr klest::Support family_kind = klest::Support::discrete;
  static constexpr std::string_view example = "negative_binomial(r=2.5, p=0.4)";
  static klest::ParamSpec schema() {
    return {klest::param("r", 1.0, "number of successes (real > 0)",
                         klest::Range{0.0, 1e15, true, false})
                .mandatory(),
            klest::param("p", 0.5, "success probability", klest::Range{0.0, 1.0, true, false})
                .mandatory()};
  }
  explicit NegativeBinomial(klest::Params p)
      : Distribution(std::move(p)), r_(params().get<double>("r")),
        p_(params().get<double>("p")) {
    klest::detail::check_count_mean(key, p_, r_ * (1 - p_) / p_, "r (1 - p)/p");
  }

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::discrete; }
  double log_density(std::span<const double> x) const override {
    const double k = x[0];
    if (!(k >= 0) || k == inf || std::floor(k) != k) return -inf;
    if (k == 0) return r_ * std::log(p_);
    if (p_ == 1) return -inf;
    // Binomial "successes" r and "failures" k out of n = r + k, with r - n p = r q - k p.
    const double q = 1 - p_, n = r_ + k, d = balance(r_, k, p_, q);
    const double log_r_over_n = -std::log1p(k / r_);
    const double log_rk_over_n =
        k < r_ ? std::log(k) + log_r_over_n : std::log(r_) - std::log1p(r_ / k);
    return log_r_over_n + stirlerr(n) - stirlerr(r_) - stirlerr(k) - bd0(r_, n * p_, d) -
           bd0(k, n * q, -d) - 0.5 * (std::log(2 * std::numbers::pi) + log_rk_over_n);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = 0;
    if (p_ == 1) return;
    const double lambda = boost::random::gamma_distribution<double>(r_, (1 - p_) / p_)(rng);
    if (!(lambda > 0)) return;
    if (lambda < 0x1p62) {
      out[0] = double(boost::random::poisson_distribution<std::int64_t, double>(lambda)(rng));
    } else {
      // Beyond an int64 (tiny r only): the normal approximation, skewness below 5e-10.
      out[0] = std::round(lambda + std::sqrt(lambda) * klest::standard_normal(rng));
    }
  }
  std::vector<klest::Interval> support() const override {
    return {klest::Interval{0, p_ == 1 ? 0.0 : inf}};
  }
  std::vector<double> landmarks() const override {
    if (r_ <= 1 || p_ == 1) return {0};
    const double m = (r_ - 1) * (1 - p_) / p_, f = std::floor(m);
    if (f == m && f >= 1) return {f - 1, f};  // two modes when (r - 1)(1 - p)/p is an integer
    return {f};
  }
  double scale() const override { return std::sqrt(r_ * (1 - p_)) / p_; }

 private:
  double r_, p_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(NegativeBinomial);

// Registered with register_kl: for different r there is no closed form and the engine sums.
[[maybe_unused]] static const bool klest_registered_negative_binomial_negative_binomial = [] {
  const std::string ref =
      "same r: r x geometric KL (exponential family, Nielsen & Nock 2010); point mass P: "
      "-log q(0)";
  klest::register_kl(
      {"negative_binomial", "negative_binomial", ref},
      [ref](const klest::Distribution& p, const klest::Distribution& q,
            const klest::TruthOptions&) -> std::optional<klest::Truth> {
        const double r1 = p.params().get<double>("r"), p1 = p.params().get<double>("p");
        const double r2 = q.params().get<double>("r"), p2 = q.params().get<double>("p");
        klest::ClosedForm value = 0.0;
        if (p1 == 1) {
          value = 0.0 - r2 * std::log(p2);  // 0.0 - : no -0
        } else if (r1 == r2) {
          value = (r1 / p1) * bernoulli_kl(p1, p2);
        } else {
          return std::nullopt;
        }
        return klest::closed_form_truth(value, ref, p, q);
      });
  return true;
}();

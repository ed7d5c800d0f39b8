// Geometric distribution: the number of failures before the first success, success
// probability p in (0, 1], on k = 0, 1, 2, ... (p = 1 is the point mass at 0).
//   log p(k) = log p + k log(1 - p)
// Sampling: inverse CDF, floor(log(U) / log(1 - p)) with U = 1 - klest::uniform01 in (0, 1].
// The mean (1 - p)/p must be <= 1e15 (detail::max_count_mean, as poisson's rate), so that the
// bulk of the mass lies below 2^53, where doubles hold integers exactly.
// Closed form:
//   geometric||geometric  log(p1/p2) + ((1 - p1)/p1) log((1 - p1)/(1 - p2)), the
//                         exponential-family form in the sufficient statistic k (F. Nielsen and
//                         R. Nock, "Entropies and cross-entropies of exponential families",
//                         ICIP 2010; PyTorch registers it), which is bern(p1, p2)/p1 with bern
//                         the Bernoulli KL (detail::bernoulli_kl), evaluated as such; +inf for
//                         p2 = 1 > p1.

#include <cmath>
#include <limits>

#include "detail/closed_forms.hpp"
#include "detail/counts.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::bernoulli_kl;

constexpr double inf = std::numeric_limits<double>::infinity();

class Geometric final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "geometric";
  static constexpr std::string_view summary =
      "geometric: failures before the first success, success probability p";
  static constexpr klest::Support family_kind = klest::Support::discrete;
  static constexpr std::string_view example = "geometric(p=0.3)";
  static klest::ParamSpec schema() {
    return {klest::param("p", 0.5, "success probability", klest::Range{0.0, 1.0, true, false})
                .mandatory()};
  }
  explicit Geometric(klest::Params p)
      : Distribution(std::move(p)), p_(params().get<double>("p")), log_q_(std::log1p(-p_)) {
    klest::detail::check_count_mean(key, p_, (1 - p_) / p_, "(1 - p)/p");
  }

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::discrete; }
  double log_density(std::span<const double> x) const override {
    const double k = x[0];
    if (!(k >= 0) || k == inf || std::floor(k) != k) return -inf;
    if (k == 0) return std::log(p_);  // k log(1 - p) would be 0 * -inf for p = 1
    return std::log(p_) + k * log_q_;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    if (p_ == 1) {
      out[0] = 0;
      return;
    }
    const double u = 1 - klest::uniform01(rng);
    out[0] = std::floor(std::log(u) / log_q_) + 0.0;  // + 0.0 turns -0 into 0
  }
  std::vector<klest::Interval> support() const override {
    return {klest::Interval{0, p_ == 1 ? 0.0 : inf}};
  }
  std::vector<double> landmarks() const override { return {0}; }
  double scale() const override { return std::sqrt(1 - p_) / p_; }

 private:
  double p_, log_q_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Geometric);

KLEST_REGISTER_KL("geometric", "geometric",
                  "exponential family, Nielsen & Nock (2010), ICIP; PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double p1 = p.params().get<double>("p");
                    const double p2 = q.params().get<double>("p");
                    return (1 / p1) * bernoulli_kl(p1, p2);
                  });

// Poisson distribution with mean `rate` (lambda) on k = 0, 1, 2, ...
//   log p(k) = k log(lambda) - lambda - log(k!)
// evaluated as -stirlerr(k) - bd0(k, lambda) - log(2 pi k)/2 (C. Loader, "Fast and accurate
// computation of binomial probabilities", 2000; both in detail/special.hpp), which avoids the
// cancellation of the three large terms above when k and lambda are large. rate <= 1e15
// (detail::max_count_mean) keeps the counts that carry mass exactly representable as doubles
// (below 2^53).
// Sampling: Boost.Random's poisson_distribution (inversion for rate < 10, else PTRD).
// Closed forms:
//   poisson||poisson  lambda1 log(lambda1/lambda2) + lambda2 - lambda1 = bd0(lambda1, lambda2),
//                     the exponential-family form (F. Nielsen and R. Nock, "Entropies and
//                     cross-entropies of exponential families", ICIP 2010); PyTorch registers
//                     it. Never infinite.
// (binomial||poisson and poisson||binomial live in binomial.cpp.)

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include <boost/random/poisson_distribution.hpp>

#include "detail/counts.hpp"
#include "detail/special.hpp"
#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::bd0;
using klest::detail::stirlerr;

constexpr double inf = std::numeric_limits<double>::infinity();

class Poisson final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "poisson";
  static constexpr std::string_view summary = "Poisson with mean rate, on 0, 1, 2, ...";
  static constexpr klest::Support family_kind = klest::Support::discrete;
  static constexpr std::string_view example = "poisson(rate=2)";
  static klest::ParamSpec schema() {
    return {klest::param("rate", 1.0, "mean lambda",
                         klest::Range{0.0, klest::detail::max_count_mean, true, false})
                .mandatory()};
  }
  explicit Poisson(klest::Params p)
      : Distribution(std::move(p)), rate_(params().get<double>("rate")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::discrete; }
  double log_density(std::span<const double> x) const override {
    const double k = x[0];
    if (!(k >= 0) || k == inf || std::floor(k) != k) return -inf;
    if (k == 0) return -rate_;
    return -stirlerr(k) - bd0(k, rate_, k - rate_) - 0.5 * std::log(2 * std::numbers::pi * k);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    boost::random::poisson_distribution<std::int64_t, double> d(rate_);
    out[0] = double(d(rng));
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{0, inf}}; }
  std::vector<double> landmarks() const override {
    const double m = std::floor(rate_);
    if (m == rate_) return {m - 1, m};  // two modes when the rate is an integer
    return {m};
  }
  double scale() const override { return std::sqrt(rate_); }

 private:
  double rate_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Poisson);

KLEST_REGISTER_KL("poisson", "poisson", "exponential family, Nielsen & Nock (2010), ICIP; PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double l1 = p.params().get<double>("rate");
                    const double l2 = q.params().get<double>("rate");
                    return klest::detail::bd0_terms(l1, l2, l1 - l2);
                  });

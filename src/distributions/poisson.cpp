// Poisson distribution with mean `rate` (lambda) on k = 0, 1, 2, ...
//   log p(k) = k log(lambda) - lambda - log(k!)
// evaluated as -stirlerr(k) - bd0(k, lambda) - log(2 pi k)/2 (C. Loader, "Fast and accurate
// computation of binomial probabilities", 2000), which avoids the cancellation of the three
// large terms above when k and lambda are large. rate <= 1e15 keeps the counts that carry
// mass exactly representable as doubles (below 2^53).
// Sampling: Boost.Random's poisson_distribution (inversion for rate < 10, else PTRD).
// Closed forms:
//   poisson||poisson  lambda1 log(lambda1/lambda2) + lambda2 - lambda1 = bd0(lambda1, lambda2)
//                     (GROUND-TRUTH.md §16; PyTorch). Never infinite.
// (binomial||poisson and poisson||binomial live in binomial.cpp.)

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/random/poisson_distribution.hpp>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// x log(x/m) + m - x >= 0 (Loader's bd0), by its series in v = d/(x + m) when x is close to m.
// d = x - m is passed in because callers often know it more accurately than x - m.
double bd0(double x, double m, double d) {
  if (x == 0) return m;
  if (m == 0) return inf;
  if (std::abs(d) < 0.1 * (x + m)) {
    const double v = d / (x + m), v2 = v * v;
    double s = d * v, ej = 2 * x * v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v2;
      const double s1 = s + ej / (2 * j + 1);
      if (s1 == s) break;
      s = s1;
    }
    return s;
  }
  return x * (std::log(x) - std::log(m)) - d;
}

// log(n!) - [(n + 1/2) log n - n + log(2 pi)/2], n > 0: Stirling's series beyond 15, where its
// next term is below 3e-16; below that directly (the cancellation costs only ~1e-14 absolute).
double stirlerr(double n) {
  if (n > 15) {
    const double n2 = 1 / (n * n);
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - n2 / 1188) * n2) * n2) * n2) / n;
  }
  return boost::math::lgamma(n + 1) - (n + 0.5) * std::log(n) + n -
         0.5 * std::log(2 * std::numbers::pi);
}

class Poisson final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "poisson";
  static constexpr std::string_view summary = "Poisson with mean rate, on 0, 1, 2, ...";
  static constexpr klest::Support family_kind = klest::Support::discrete;
  static constexpr std::string_view example = "poisson(rate=2)";
  static klest::ParamSpec schema() {
    return {klest::param("rate", 1.0, "mean lambda", klest::Range{0.0, 1e15, true, false})
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

KLEST_REGISTER_KL("poisson", "poisson", "GROUND-TRUTH.md §16; PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double l1 = p.params().get<double>("rate");
                    const double l2 = q.params().get<double>("rate");
                    return bd0(l1, l2, l1 - l2);
                  });

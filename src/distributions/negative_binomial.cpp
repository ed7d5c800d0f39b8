// Negative binomial distribution: the number of failures before the r-th success, with real
// r > 0 and success probability p in (0, 1], on k = 0, 1, 2, ... (p = 1: point mass at 0).
//   log p(k) = lgamma(k + r) - lgamma(r) - log(k!) + r log p + k log(1 - p)
// evaluated as log(r/(r + k)) + log[C(r + k, r) p^r (1 - p)^k], the second factor by Loader's
// saddle-point form of the binomial probability with n = r + k real (C. Loader, "Fast and
// accurate computation of binomial probabilities", 2000), free of lgamma cancellation.
// Sampling: gamma-Poisson mixture, lambda ~ Gamma(shape r, scale (1 - p)/p) by Boost.Random's
// gamma_distribution (which takes a scale), then Poisson(lambda) by Boost.Random (by its normal
// approximation in the rare case lambda >= 2^62, where an int64 would overflow). The mean
// r (1 - p)/p must be <= 1e15, as poisson's rate, so that the bulk of the mass lies below 2^53,
// where doubles hold integers exactly.
// Closed form:
//   negative_binomial||negative_binomial  same r: r times the geometric formula,
//     r [log(p1/p2) + ((1 - p1)/p1) log((1 - p1)/(1 - p2))] = r bern(p1, p2)/p1 (exponential
//     family with sufficient statistic k, GROUND-TRUTH.md §0.2 and §18); P the point mass at 0
//     (p1 = 1): -log q(0) = -r2 log p2 for any r. Otherwise nullopt: the engine sums.

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
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

// KL(Bernoulli(a) || Bernoulli(b)) as two bd0 terms (their linear parts cancel), so that it
// stays accurate as a -> b.
double bernoulli_kl(double a, double b) {
  return bd0(a, b, a - b) + bd0(1 - a, 1 - b, b - a);
}

// r (1 - p) - k p with q = 1 - p as rounded: exact products (fma) and the rounding of q put
// back, so that the result stays accurate when the two products nearly cancel (a - b is then
// exact).
double balance(double r, double k, double p, double q) {
  const double a = r * q, b = k * p;
  const double ea = std::fma(r, q, -a), eb = std::fma(k, p, -b);
  const double eq = (1 - q) - p;  // 1 - p = q + eq, both steps exact (Sterbenz)
  return (a - b) + ((ea - eb) + r * eq);
}

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
    const double mean = r_ * (1 - p_) / p_;
    if (!(mean <= 1e15)) {
      throw klest::InputError("distribution 'negative_binomial': parameter 'p' is " +
                              klest::format_number(p_) +
                              ", but must give a mean r (1 - p)/p <= 1e15 (it gives " +
                              klest::format_number(mean) + ")");
    }
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
      "same r: r times the geometric form (GROUND-TRUTH.md §18); point mass P: -log q(0)";
  klest::register_kl(
      {"negative_binomial", "negative_binomial", ref},
      [ref](const klest::Distribution& p, const klest::Distribution& q,
            const klest::TruthOptions&) -> std::optional<klest::Truth> {
        const double r1 = p.params().get<double>("r"), p1 = p.params().get<double>("p");
        const double r2 = q.params().get<double>("r"), p2 = q.params().get<double>("p");
        double value = 0;
        if (p1 == 1) {
          value = 0.0 - r2 * std::log(p2);  // 0.0 - : no -0
        } else if (r1 == r2) {
          value = r1 * bernoulli_kl(p1, p2) / p1;
        } else {
          return std::nullopt;
        }
        const double err =
            std::isinf(value) ? 0.0 : 4 * std::numeric_limits<double>::epsilon() * value;
        return klest::Truth{value, err, klest::TruthMethod::closed_form, ref};
      });
  return true;
}();

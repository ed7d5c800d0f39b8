// Binomial distribution: successes in n trials with success probability p, on k = 0, ..., n;
// p = 0 and p = 1 (point masses at 0 and n) are allowed, and so is n = 0.
//   log p(k) = log C(n, k) + k log p + (n - k) log(1 - p)
// evaluated for 0 < k < n as stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n p)
// - bd0(n - k, n q) - log(2 pi k (n - k)/n)/2 (C. Loader, "Fast and accurate computation of
// binomial probabilities", 2000; stirlerr, bd0 and balance in detail/special.hpp), free of the
// cancellation between lgamma terms.
// Sampling: Boost.Random's binomial_distribution (inversion for (n + 1) min(p, 1 - p) < 11,
// else BTRD).
// Closed forms (q = 1 - p, bern(a, b) = a log(a/b) + (1 - a) log((1 - a)/(1 - b))):
//   binomial||binomial  same n: n bern(p1, p2), a sum of n independent Bernoulli KLs
//                       (detail::bernoulli_kl; PyTorch registers it), +inf where
//                       p2 in {0, 1} is unmatched; n1 > n2: +inf (P has mass above n2);
//                       n1 < n2: no closed form, nullopt so that the engine sums. A point mass
//                       P (p1 in {0, 1} or n1 = 0) gives -log q(k0) for any n.
//   binomial||poisson   derived: KL(Bin(n,p) || Pois(lambda)) = KL(Bin(n,p) || Pois(np))
//                       + bd0(np, lambda), since log Pois(k; lambda) - log Pois(k; np) is linear
//                       in k with E k = np; the first term is the exact sum over k of
//                       b(k) [log b(k) - log Pois(k; np)], where the bd0(k, np) and stirlerr(k)
//                       parts cancel analytically (for small k and np a direct form cancels
//                       less; see binomial_poisson_log_ratio). Terms with b(k) < e^-800 are
//                       dropped; more than 1e7 terms (n p (1 - p) > 1.5e10): nullopt.
//   poisson||binomial   +inf: a Poisson puts mass on every k > n (so does PyTorch).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>

#include <boost/random/binomial_distribution.hpp>

#include "detail/closed_forms.hpp"
#include "detail/special.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::balance;
using klest::detail::bd0;
using klest::detail::bernoulli_kl;
using klest::detail::stirlerr;

constexpr double inf = std::numeric_limits<double>::infinity();

// log(1 - k/n), accurate both for k << n and for k close to n.
double log_one_minus(double k, double n) {
  return 2 * k < n ? std::log1p(-k / n) : std::log((n - k) / n);
}

// log b(k) for an integer k in [0, n].
double binomial_log_pmf(double k, double n, double p) {
  if (p == 0) return k == 0 ? 0.0 : -inf;
  if (p == 1) return k == n ? 0.0 : -inf;
  if (k == 0) return n * std::log1p(-p);
  if (k == n) return n * std::log(p);
  const double q = 1 - p, d = balance(k, n - k, p, q);  // k - n p
  return stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p, d) - bd0(n - k, n * q, -d) -
         0.5 * (std::log(2 * std::numbers::pi) + std::log(k) + log_one_minus(k, n));
}

class Binomial final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "binomial";
  static constexpr std::string_view summary = "binomial: successes in n trials with probability p";
  static constexpr klest::Support family_kind = klest::Support::discrete;
  static constexpr std::string_view example = "binomial(n=10, p=0.3)";
  static klest::ParamSpec schema() {
    return {klest::param("n", 1, "number of trials", klest::at_least(0)).mandatory(),
            klest::param("p", 0.5, "success probability", klest::between(0, 1)).mandatory()};
  }
  explicit Binomial(klest::Params p)
      : Distribution(std::move(p)), n_(double(params().get<std::int64_t>("n"))),
        p_(params().get<double>("p")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::discrete; }
  double log_density(std::span<const double> x) const override {
    const double k = x[0];
    if (!(k >= 0 && k <= n_) || std::floor(k) != k) return -inf;
    return binomial_log_pmf(k, n_, p_);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    if (p_ == 0 || p_ == 1 || n_ == 0) {
      out[0] = p_ == 1 ? n_ : 0.0;
      return;
    }
    boost::random::binomial_distribution<std::int64_t, double> d(std::int64_t(n_), p_);
    out[0] = double(d(rng));
  }
  std::vector<klest::Interval> support() const override {
    if (p_ == 0) return {klest::Interval{0, 0}};
    if (p_ == 1) return {klest::Interval{n_, n_}};
    return {klest::Interval{0, n_}};
  }
  std::vector<double> landmarks() const override {
    if (p_ == 1) return {n_};
    const double m = (n_ + 1) * p_, f = std::floor(m);
    if (f == m && f >= 1) return {f - 1, f};  // two modes when (n + 1) p is an integer
    return {f};
  }
  double scale() const override { return std::sqrt(n_ * p_ * (1 - p_)); }

 private:
  double n_, p_;
};

// -(log(1 - p) + p) = p^2/2 + p^3/3 + ..., by its series for small p.
double minus_log1p_plus(double p) {
  if (p > 0.1) return -(std::log1p(-p) + p);
  double s = 0, pj = p;
  for (int j = 2; j < 100; ++j) {
    pj *= p;
    const double s1 = s + pj / j;
    if (s1 == s) break;
    s = s1;
  }
  return s;
}

// A value and the sum of the magnitudes of the parts it was computed from (its rounding scale).
struct Scaled {
  double value, scale;
};

// D(k) = log b(k) - log Pois(k; np). Loader's form, whose bd0(k, np) and stirlerr(k) parts
// cancel analytically; and, for k <= 64, the direct form
//   D(k) = sum_{j<k} log(1 - j/n) + (n - k) log(1 - p) + np,
// which cancels less when np is small. Whichever has the smaller rounding scale is used.
Scaled binomial_poisson_log_ratio(double k, double n, double p) {
  const double q = 1 - p;
  Scaled loader{0, 0};
  if (k == 0) {
    loader.value = -bd0(n, n * q, n * p);
    loader.scale = std::abs(loader.value);
  } else if (k == n) {
    const double a = stirlerr(n), b = 0.5 * std::log(2 * std::numbers::pi * n);
    loader = {a - n * q + b, std::abs(a) + n * q + std::abs(b)};
  } else {
    const double a = stirlerr(n), b = stirlerr(n - k),
                 c = bd0(n - k, n * q, -balance(k, n - k, p, q)), e = 0.5 * log_one_minus(k, n);
    loader = {a - b - c - e, std::abs(a) + std::abs(b) + c + std::abs(e)};
  }
  if (k > 64 || p == 1) return loader;
  double s = 0, s_scale = 0;
  for (double j = 1; j < k; j += 1) {
    const double t = std::log1p(-j / n);
    s += t;
    s_scale -= t;
  }
  const double a = n * minus_log1p_plus(p), b = k * std::log1p(-p);
  const Scaled direct{s - a - b, s_scale + a + std::abs(b)};
  return direct.scale < loader.scale ? direct : loader;
}

// KL(Bin(n, p) || Pois(lambda)) = KL(Bin(n, p) || Pois(np)) + bd0(np, lambda), the first by its
// sum over k outwards from the mode, log-concavity making b(k) decrease monotonically on both
// sides. nullopt if that would take more than 1e7 terms.
std::optional<klest::ClosedForm> binomial_poisson_kl(double n, double p, double lambda) {
  const double sd = std::sqrt(n * p * (1 - p));
  if (80 * sd > 1e7) return std::nullopt;
  double sum = 0, carry = 0, l1 = 0, rounding = 0;
  auto add = [&](double k) {
    const double lb = binomial_log_pmf(k, n, p);
    if (!(lb > -800)) return false;
    const double b = std::exp(lb);
    const Scaled d = binomial_poisson_log_ratio(k, n, p);
    const double term = b * d.value;
    const double t = sum + term;  // Neumaier summation
    carry += std::abs(sum) >= std::abs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
    l1 += std::abs(term) * (8 + std::abs(lb));  // b(k) is good to a few ulps of log b(k)
    rounding += b * d.scale;
    return true;
  };
  const double mode = std::min(n, std::floor((n + 1) * p));
  for (double k = mode; k <= n && add(k); k += 1) {
  }
  for (double k = mode - 1; k >= 0 && add(k); k -= 1) {
  }
  const klest::ClosedForm mean_shift = klest::detail::bd0_terms(n * p, lambda, n * p - lambda);
  const double value = sum + carry + mean_shift.value;
  // Rounding is a few ulps of each term's parts, of each term (b(k)'s own error) and of the
  // mean shift.
  return klest::ClosedForm{value, rounding + l1 + mean_shift.magnitude};
}

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Binomial);

// Registered with register_kl: for n1 < n2 there is no closed form and the engine sums.
[[maybe_unused]] static const bool klest_registered_binomial_binomial = [] {
  const std::string ref =
      "same n: n x Bernoulli KL (as PyTorch); +inf for n1 > n2; point mass P: -log q(k0)";
  klest::register_kl(
      {"binomial", "binomial", ref},
      [ref](const klest::Distribution& p, const klest::Distribution& q,
            const klest::TruthOptions&) -> std::optional<klest::Truth> {
        const double n1 = double(p.params().get<std::int64_t>("n"));
        const double p1 = p.params().get<double>("p");
        const double n2 = double(q.params().get<std::int64_t>("n"));
        const double p2 = q.params().get<double>("p");
        klest::ClosedForm value = 0.0;
        if (n1 == 0 || p1 == 0 || p1 == 1) {
          const double k0 = p1 == 1 ? n1 : 0.0;
          value = 0.0 - q.log_density({&k0, 1});  // 0.0 - : no -0
        } else if (n1 == n2) {
          value = n1 * bernoulli_kl(p1, p2);
        } else if (n1 > n2) {
          value = inf;
        } else {
          return std::nullopt;
        }
        return klest::closed_form_truth(value, ref, p, q);
      });
  return true;
}();

[[maybe_unused]] static const bool klest_registered_binomial_poisson = [] {
  const std::string ref =
      "derived: exact sum over the binomial's support of b(k) log(b(k)/Pois(k; np)) plus "
      "bd0(np, lambda)";
  klest::register_kl({"binomial", "poisson", ref},
                     [ref](const klest::Distribution& p, const klest::Distribution& q,
                           const klest::TruthOptions&) -> std::optional<klest::Truth> {
                       const auto kl = binomial_poisson_kl(
                           double(p.params().get<std::int64_t>("n")),
                           p.params().get<double>("p"), q.params().get<double>("rate"));
                       if (!kl) return std::nullopt;
                       return klest::closed_form_truth(*kl, ref, p, q);
                     });
  return true;
}();

KLEST_REGISTER_KL("poisson", "binomial",
                  "support: a Poisson has mass above any n; as PyTorch",
                  [](const klest::Distribution&, const klest::Distribution&) { return inf; });

// Uniform distribution U(low, high) on the closed interval [low, high], and its closed-form KL
// pairs with P uniform.
//   log p(x) = -log(high - low) for low <= x <= high, -inf elsewhere
// Sampling: low + (high - low) U with U = klest::uniform01.
// Closed forms, each derived as cross entropy minus the entropy log(high - low):
//   uniform‖uniform  log((b2 - a2)/(b1 - a1)) when nested, else +inf (TFP and PyTorch
//                    register it);
//   uniform‖{beta, exponential, gamma, normal}  derived here (PyTorch registers the same pairs);
//                    +inf when [low, high] is not inside the support of Q.

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/gamma.hpp>

#include "detail/special.hpp"
#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::log_beta;

constexpr double inf = std::numeric_limits<double>::infinity();

class Uniform final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "uniform";
  static constexpr std::string_view summary = "uniform U(low, high)";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("low", 0.0, "lower end", klest::between(-1e300, 1e300)),
            klest::param("high", 1.0, "upper end (> low)", klest::between(-1e300, 1e300))};
  }
  explicit Uniform(klest::Params p)
      : Distribution(std::move(p)), low_(params().get<double>("low")),
        high_(params().get<double>("high")) {
    if (!(high_ > low_)) {
      throw klest::InputError("distribution 'uniform': parameter 'high' is " +
                              klest::format_number(high_) + ", but must be > low (" +
                              klest::format_number(low_) + ")");
    }
    log_width_ = std::log(high_ - low_);
  }

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    return (x[0] >= low_ && x[0] <= high_) ? -log_width_ : -inf;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = low_ + (high_ - low_) * klest::uniform01(rng);
  }
  std::vector<klest::Interval> support() const override { return {{low_, high_}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override { return {}; }  // both bounded
  std::vector<double> landmarks() const override { return {low_, high_}; }
  double scale() const override { return (high_ - low_) / std::sqrt(12.0); }

 private:
  double low_, high_, log_width_ = 0;
};

struct Ends {
  double lo, hi;
};
Ends ends(const klest::Distribution& u) {
  return {u.params().get<double>("low"), u.params().get<double>("high")};
}

// E[log X] for X ~ U(lo, hi), 0 <= lo < hi: (hi log hi - lo log lo)/(hi - lo) - 1, which
// cancels when the interval is narrow; there log m + E log(1 + t), t ~ U(-r, r), r = h/m, whose
// series is -sum_k r^(2k) / (2k (2k + 1)).
klest::ClosedForm mean_log(double lo, double hi) {
  const double m = 0.5 * (lo + hi), r = 0.5 * (hi - lo) / m;
  if (r < 0.1) {
    double s = 0, r2 = r * r, pw = r2;
    for (int k = 1; k <= 10; ++k, pw *= r2) s -= pw / (2.0 * k * (2 * k + 1));
    return klest::kl_terms({std::log(m), s});
  }
  const double xlogx_lo = lo > 0 ? lo * std::log(lo) : 0.0;
  const double xlogx_hi = hi * std::log(hi);
  return {(xlogx_hi - xlogx_lo) / (hi - lo) - 1,
          (std::abs(xlogx_hi) + std::abs(xlogx_lo)) / (hi - lo) + 1};
}

// E log(1 - X) for X ~ U(lo, hi), 0 <= lo < hi <= 1: mean_log of 1 - X ~ U(1 - hi, 1 - lo),
// with log1p(-mid) for its centre where that interval is narrow (so that X near 0 keeps its
// digits, which 1 - hi would round away).
klest::ClosedForm mean_log1m(double lo, double hi) {
  const double mid = 0.5 * (lo + hi), r = 0.5 * (hi - lo) / (1 - mid);
  if (r < 0.1) {
    double s = 0, r2 = r * r, pw = r2;
    for (int k = 1; k <= 10; ++k, pw *= r2) s -= pw / (2.0 * k * (2 * k + 1));
    // 1 - mid rounds (only where mid < 1/2) by an ulp of itself, moving s by two.
    return {std::log1p(-mid) + s, std::abs(std::log1p(-mid)) + 3 * std::abs(s)};
  }
  klest::ClosedForm m = mean_log(1 - hi, 1 - lo);
  m.magnitude += 1;  // 1 - hi, 1 - lo round (only below 1/2) by an ulp of themselves (> 1/2)
  return m;
}

// log E X - E log X >= 0 for X ~ U(lo, hi): minus the series of mean_log where the interval is
// narrow, else by difference.
klest::ClosedForm jensen_gap(double lo, double hi) {
  const double m = 0.5 * (lo + hi), r = 0.5 * (hi - lo) / m;
  if (r < 0.1) {
    double s = 0, r2 = r * r, pw = r2;
    for (int k = 1; k <= 10; ++k, pw *= r2) s += pw / (2.0 * k * (2 * k + 1));
    return s;
  }
  return klest::ClosedForm(std::log(m)) - mean_log(lo, hi);
}

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Uniform);

KLEST_REGISTER_KL("uniform", "uniform",
                  "derived: log of the width ratio if nested, else inf; TFP and PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const Ends a = ends(p), b = ends(q);
                    if (a.lo < b.lo || a.hi > b.hi) return inf;
                    return std::log((b.hi - b.lo) / (a.hi - a.lo));
                  });

// Cross entropy: log B(a, b) - (a - 1) E log X - (b - 1) E log(1 - X),
// where 1 - X ~ U(1 - hi, 1 - lo).
KLEST_REGISTER_KL("uniform", "beta", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const Ends u = ends(p);
                    if (u.lo < 0 || u.hi > 1) return inf;
                    const double a = q.params().get<double>("a"), b = q.params().get<double>("b");
                    klest::ClosedForm cross = klest::detail::log_beta_terms(a, b);
                    if (a != 1) cross = cross - (a - 1) * mean_log(u.lo, u.hi);
                    if (b != 1) {
                      // 1 - hi and 1 - lo round by an ulp of 1: log moves by 1/(1 - hi) per unit.
                      cross = cross - (b - 1) * mean_log1m(u.lo, u.hi);
                    }
                    return cross - klest::ClosedForm(std::log(u.hi - u.lo));
                  });

// Cross entropy: -log(rate) + rate E X.
KLEST_REGISTER_KL("uniform", "exponential", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const Ends u = ends(p);
                    if (u.lo < 0) return inf;
                    const double rate = q.params().get<double>("rate");
                    return klest::kl_terms(
                        {-std::log(rate * (u.hi - u.lo)), rate * 0.5 * (u.lo + u.hi)});
                  });

// Cross entropy: lgamma(shape) - shape log(rate) - (shape - 1) E log X + rate E X.
KLEST_REGISTER_KL("uniform", "gamma", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const Ends u = ends(p);
                    if (u.lo < 0) return inf;
                    const double shape = q.params().get<double>("shape");
                    const double rate = q.params().get<double>("rate");
                    const klest::ClosedForm ell = mean_log(u.lo, u.hi);
                    const double mid = 0.5 * (u.lo + u.hi);
                    return klest::detail::gamma_cross_entropy_less_mean_log(
                               shape, rate, mid, jensen_gap(u.lo, u.hi)) +
                           ell - klest::ClosedForm(std::log(u.hi - u.lo));
                  });

// Cross entropy: log(sd sqrt(2 pi)) + E(X - mean)^2 / (2 sd^2),
// with E(X - mean)^2 = w^2/12 + (mid - mean)^2.
KLEST_REGISTER_KL("uniform", "normal", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const Ends u = ends(p);
                    const double mean = q.params().get<double>("mean");
                    const double sd = q.params().get<double>("sd");
                    const double w = (u.hi - u.lo) / sd, mid = 0.5 * (u.lo + u.hi);
                    const double dm = (mid - mean) / sd;
                    return klest::kl_terms({0.5 * std::log(2 * std::numbers::pi), -std::log(w),
                                            w * w / 24}) +
                           klest::detail::mean_shift_term(dm, mid, mean, sd);
                  });

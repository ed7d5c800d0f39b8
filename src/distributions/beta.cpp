// Beta distribution Beta(a, b) on [0, 1], and its closed-form KL pairs with P beta.
//   log p(x) = (a - 1) log x + (b - 1) log1p(-x) - log B(a, b) for 0 <= x <= 1
// (+inf at an end whose exponent is negative).
// Sampling: detail::beta_variate, X = G_a / (G_a + G_b) from two Gamma(., 1) variates
// (Marsaglia & Tsang 2000, with G(s) = G(s + 1) U^(1/s) for s < 1), combined in logs so that
// small a, b do not give 0/0; draws are kept inside (0, 1), at worst at the smallest positive
// double or the largest below 1.
// Closed forms, with E X = a/(a + b), Var X = ab/((a + b)^2 (a + b + 1)),
// E log X = psi(a) - psi(a + b) and entropy
// H = log B(a, b) - (a - 1) psi(a) - (b - 1) psi(b) + (a + b - 2) psi(a + b):
//   beta‖beta  the Dirichlet KL for K = 2 (W. D. Penny, "KL-divergences of normal, gamma,
//              Dirichlet and Wishart densities", UCL tech. report, 2001); TFP and PyTorch;
//   beta‖{uniform, exponential, gamma, normal}  derived here as cross entropy minus entropy
//   (PyTorch registers the same pairs); beta‖uniform is +inf unless [0, 1] lies inside
//   [low, high], else log(high - low) - H.

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "detail/closed_forms.hpp"
#include "detail/special.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::beta_variate;
using klest::detail::log_beta;

constexpr double inf = std::numeric_limits<double>::infinity();

klest::Range positive() { return klest::Range{0.0, inf, true, true}; }

// (e - 1) log t for t in [0, 1], with the limits at t = 0.
double power_term(double e, double log_t, bool t_is_zero) {
  if (e == 1) return 0;
  if (t_is_zero) return e < 1 ? inf : -inf;
  return (e - 1) * log_t;
}

class Beta final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "beta";
  static constexpr std::string_view summary = "beta Beta(a, b) on [0, 1]";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "beta(a=2, b=3)";
  static klest::ParamSpec schema() {
    return {klest::param("a", 1.0, "first shape (exponent of x is a - 1)", positive()).mandatory(),
            klest::param("b", 1.0, "second shape (exponent of 1 - x is b - 1)", positive())
                .mandatory()};
  }
  explicit Beta(klest::Params p)
      : Distribution(std::move(p)), a_(params().get<double>("a")), b_(params().get<double>("b")),
        log_beta_(log_beta(a_, b_)) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double t = x[0];
    if (!(t >= 0 && t <= 1)) return -inf;
    const double left = power_term(a_, t > 0 ? std::log(t) : 0, t == 0);
    const double right = power_term(b_, t < 1 ? std::log1p(-t) : 0, t == 1);
    return left + right - log_beta_;  // at most one of them is infinite
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = beta_variate(rng, a_, b_);
  }
  std::vector<klest::Interval> support() const override { return {{0.0, 1.0}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override { return {}; }  // both bounded
  std::vector<double> landmarks() const override {
    if (a_ > 1 && b_ > 1) return {0.0, (a_ - 1) / (a_ + b_ - 2), 1.0};
    return {0.0, 1.0};
  }
  double scale() const override {
    const double s = a_ + b_;
    return std::sqrt(a_ * b_ / (s + 1)) / s;
  }

 private:
  double a_, b_, log_beta_;
};

struct Shapes {
  double a, b;
};
Shapes shapes(const klest::Distribution& d) {
  return {d.params().get<double>("a"), d.params().get<double>("b")};
}

klest::ClosedForm entropy(Shapes s) { return klest::detail::beta_entropy(s.a, s.b); }

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Beta);

KLEST_REGISTER_KL("beta", "beta",
                  "Penny (2001), UCL tech. report (Dirichlet, K = 2); TFP and PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const Shapes s1 = shapes(p), s2 = shapes(q);
                    const double a1[] = {s1.a, s1.b}, a2[] = {s2.a, s2.b};
                    return klest::detail::dirichlet_kl(a1, a2);
                  });

KLEST_REGISTER_KL("beta", "uniform",
                  "derived: cross-entropy minus entropy, log width - H (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double low = q.params().get<double>("low");
                    const double high = q.params().get<double>("high");
                    if (low > 0 || high < 1) return inf;
                    return klest::ClosedForm(std::log(high - low)) - entropy(shapes(p));
                  });

// Cross entropy: -log(rate) + rate E X.
KLEST_REGISTER_KL("beta", "exponential", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const Shapes s = shapes(p);
                    const double rate = q.params().get<double>("rate");
                    return klest::kl_terms({-std::log(rate), rate * s.a / (s.a + s.b)}) -
                           entropy(s);
                  });

// Cross entropy: lgamma(shape) - shape log(rate) - (shape - 1) E log X + rate E X.
KLEST_REGISTER_KL("beta", "gamma", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    using boost::math::digamma;
                    const Shapes s = shapes(p);
                    const double shape = q.params().get<double>("shape");
                    const double rate = q.params().get<double>("rate");
                    const double c = s.a + s.b;
                    const klest::ClosedForm mean_log = klest::kl_terms({digamma(s.a), -digamma(c)});
                    // Jensen gap log(a/c) - psi(a) + psi(c) = 1/(2a) + T(a) - 1/(2c) - T(c)
                    const klest::ClosedForm gap = klest::kl_terms({0.5 / s.a, -0.5 / c}) +
                                                  klest::detail::digamma_remainder(s.a) -
                                                  klest::detail::digamma_remainder(c);
                    return klest::detail::gamma_cross_entropy_less_mean_log(shape, rate, s.a / c,
                                                                            gap) +
                           mean_log - entropy(s);
                  });

// Cross entropy log(sd sqrt(2 pi)) + (Var X + (E X - mean)^2) / (2 sd^2) minus the entropy
// (log(2 pi e v))/2 + R with v = ab/c^3 (detail::beta_entropy): with u = v/sd^2 and
// Var X = v c/(c + 1), KL = (u - 1 - log u)/2 - u/(2 (c + 1)) + dm^2/2 - R.
KLEST_REGISTER_KL("beta", "normal", "derived: cross-entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const Shapes s = shapes(p);
                    const double mean = q.params().get<double>("mean");
                    const double sd = q.params().get<double>("sd");
                    const double c = s.a + s.b, m = s.a / c;
                    // a/(a + b) - mean = (a - mean c - mean c_err)/c with c + c_err = a + b
                    // exactly (Knuth's two-sum) and one fma: no rounding of a/c against mean.
                    const double cb = c - s.a, c_err = (s.a - (c - cb)) + (s.b - cb);
                    const double dm = (std::fma(-mean, c, s.a) - mean * c_err) / c / sd;
                    const double logs[] = {std::log(s.a), std::log(s.b), std::log(c),
                                           std::log(sd)};
                    const double log_u = logs[0] + logs[1] - 3 * logs[2] - 2 * logs[3];
                    // log u carries a few ulps of the logs it is summed from, which move the
                    // spread term by |1 - 1/u| u per unit.
                    const double log_err = std::abs(logs[0]) + std::abs(logs[1]) +
                                           3 * std::abs(logs[2]) + 2 * std::abs(logs[3]);
                    const double u = std::exp(log_u);
                    const double spread = klest::detail::r_minus_1_minus_log_r(u);
                    const klest::ClosedForm spread_terms{
                        spread, spread + (std::abs(u - 1) + 1) * log_err};
                    return 0.5 * spread_terms - klest::ClosedForm(0.5 * u / (c + 1)) +
                           klest::detail::mean_shift_term(dm, m, mean, sd) -
                           klest::detail::beta_entropy_remainder(s.a, s.b);
                  });

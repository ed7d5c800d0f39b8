// Beta distribution Beta(a, b) on [0, 1], and its closed-form KL pairs with P beta.
//   log p(x) = (a - 1) log x + (b - 1) log1p(-x) - log B(a, b) for 0 <= x <= 1
// (+inf at an end whose exponent is negative).
// Sampling: X = G_a / (G_a + G_b) from two Gamma(., 1) variates (Marsaglia & Tsang 2000, with
// G(s) = G(s + 1) U^(1/s) for s < 1), combined in logs so that small a, b do not give 0/0;
// draws are kept inside (0, 1), at worst at the smallest positive double or the largest below 1.
// Closed forms (GROUND-TRUTH.md §5 and §0.3), with E X = a/(a + b),
// Var X = ab/((a + b)^2 (a + b + 1)), E log X = psi(a) - psi(a + b) and entropy
// H = log B(a, b) - (a - 1) psi(a) - (b - 1) psi(b) + (a + b - 2) psi(a + b):
//   beta‖beta  GROUND-TRUTH.md §5 (TFP, PyTorch);
//   beta‖{uniform, exponential, gamma, normal}  derived here (PyTorch registers the same
//   pairs); beta‖uniform is +inf unless [0, 1] lies inside [low, high].

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

klest::Range positive() { return klest::Range{0.0, inf, true, true}; }

double log_beta_fn(double a, double b) {
  return boost::math::lgamma(a) + boost::math::lgamma(b) - boost::math::lgamma(a + b);
}

// log of a Gamma(shape, 1) variate.
double log_gamma_variate(klest::Rng& rng, double shape) {
  if (shape < 1) {
    const double u = klest::uniform01(rng);
    return log_gamma_variate(rng, shape + 1) + std::log1p(-u) / shape;
  }
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double z = 0, v = 0;
    do {
      z = klest::standard_normal(rng);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    if (std::log(klest::uniform01(rng)) < 0.5 * z * z + d - d * v + d * std::log(v)) {
      return std::log(d * v);
    }
  }
}

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
        log_beta_(log_beta_fn(a_, b_)) {}

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
    const double la = log_gamma_variate(rng, a_), lb = log_gamma_variate(rng, b_);
    const double x = 1 / (1 + std::exp(lb - la));
    out[0] = std::clamp(x, std::numeric_limits<double>::denorm_min(), std::nextafter(1.0, 0.0));
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

double entropy(Shapes s) {
  using boost::math::digamma;
  return log_beta_fn(s.a, s.b) - (s.a - 1) * digamma(s.a) - (s.b - 1) * digamma(s.b) +
         (s.a + s.b - 2) * digamma(s.a + s.b);
}

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Beta);

KLEST_REGISTER_KL("beta", "beta", "GROUND-TRUTH.md §5; TFP and PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    using boost::math::digamma;
                    const Shapes s1 = shapes(p), s2 = shapes(q);
                    return log_beta_fn(s2.a, s2.b) - log_beta_fn(s1.a, s1.b) +
                           (s1.a - s2.a) * digamma(s1.a) + (s1.b - s2.b) * digamma(s1.b) +
                           (s2.a - s1.a + s2.b - s1.b) * digamma(s1.a + s1.b);
                  });

KLEST_REGISTER_KL("beta", "uniform", "GROUND-TRUTH.md §5 (-H + log width); PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double low = q.params().get<double>("low");
                    const double high = q.params().get<double>("high");
                    if (low > 0 || high < 1) return inf;
                    return std::log(high - low) - entropy(shapes(p));
                  });

// Cross entropy: -log(rate) + rate E X.
KLEST_REGISTER_KL("beta", "exponential", "derived: cross entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const Shapes s = shapes(p);
                    const double rate = q.params().get<double>("rate");
                    return -std::log(rate) + rate * s.a / (s.a + s.b) - entropy(s);
                  });

// Cross entropy: lgamma(shape) - shape log(rate) - (shape - 1) E log X + rate E X.
KLEST_REGISTER_KL("beta", "gamma", "derived: cross entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    using boost::math::digamma;
                    const Shapes s = shapes(p);
                    const double shape = q.params().get<double>("shape");
                    const double rate = q.params().get<double>("rate");
                    const double mean_log = digamma(s.a) - digamma(s.a + s.b);
                    return boost::math::lgamma(shape) - shape * std::log(rate) -
                           (shape - 1) * mean_log + rate * s.a / (s.a + s.b) - entropy(s);
                  });

// Cross entropy: log(sd sqrt(2 pi)) + (Var X + (E X - mean)^2) / (2 sd^2).
KLEST_REGISTER_KL("beta", "normal", "derived: cross entropy minus entropy (as PyTorch)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const Shapes s = shapes(p);
                    const double mean = q.params().get<double>("mean");
                    const double sd = q.params().get<double>("sd");
                    const double n = s.a + s.b;
                    const double sp = std::sqrt(s.a * s.b / (n + 1)) / (n * sd);
                    const double dm = (s.a / n - mean) / sd;
                    return 0.5 * std::log(2 * std::numbers::pi) + std::log(sd) +
                           0.5 * (sp * sp + dm * dm) - entropy(s);
                  });

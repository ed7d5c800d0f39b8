// Gumbel distribution of the maximum type with location mu and scale beta.
//   log p(x) = -log(beta) - z - exp(-z),   z = (x - mu)/beta
// Sampling: inverse CDF, mu - beta log(E) with E = -log(1 - U) ~ Exp(1).
// Closed forms, all derived as KL = cross-entropy - entropy with
// H(gumbel) = log beta + gamma + 1, E X = mu + gamma beta, Var X = pi^2 beta^2 / 6,
// E exp(-X/beta2) and -log q for a gumbel Q = log beta + z + exp(-z) (gamma = Euler's constant):
//   gumbel||gumbel: detail::gumbel_kl, from E exp(-tZ) = Gamma(1 + t) for a standard Gumbel Z
//     (equals PyTorch's _kl_gumbel_gumbel; TFP registers it too).
//   gumbel||normal, and exponential||gumbel, gamma||gumbel (rate), normal||gumbel,
//   uniform||gumbel: as registered by PyTorch (torch/distributions/kl.py).

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/log1p.hpp>

#include "detail/closed_forms.hpp"
#include "detail/special.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::gumbel_kl;

class Gumbel final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "gumbel";
  static constexpr std::string_view summary = "Gumbel (maximum type) with location and scale";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static klest::ParamSpec schema() {
    return {klest::param("loc", 0.0, "location (the mode)", klest::between(-1e300, 1e300)),
            klest::param("scale", 1.0, "scale beta", klest::greater_than(0))};
  }
  explicit Gumbel(klest::Params p)
      : Distribution(std::move(p)), mu_(params().get<double>("loc")),
        beta_(params().get<double>("scale")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double z = (x[0] - mu_) / beta_;
    const double e = std::exp(-z);
    if (e == std::numeric_limits<double>::infinity()) return -e;  // not -z - e = inf - inf
    return -std::log(beta_) - z - e;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    double u = 0;
    while (u == 0) u = klest::uniform01(rng);  // E = 0 would give +inf
    out[0] = mu_ - beta_ * std::log(-std::log1p(-u));
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    return {klest::Tail{klest::Tail::Kind::double_exp, 1 / beta_, 0},
            klest::Tail{klest::Tail::Kind::exp_power, 1, 1 / beta_}};
  }
  std::vector<double> landmarks() const override { return {mu_}; }
  double scale() const override { return beta_ * std::numbers::pi / std::sqrt(6.0); }

 private:
  double mu_, beta_;
};

double get(const klest::Distribution& d, const char* name) {
  return d.params().get<double>(name);
}

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Gumbel);

// With r = b1/b2 and d = (mu1 - mu2)/b2:
//   KL = -log r + gamma (r - 1) + d + exp(-d) Gamma(1 + r) - 1.
KLEST_REGISTER_KL("gumbel", "gumbel",
                  "derived: cross-entropy minus entropy, E exp(-tZ) = Gamma(1+t); as PyTorch, TFP",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double r = get(p, "scale") / get(q, "scale");
                    const double d = (get(p, "loc") - get(q, "loc")) / get(q, "scale");
                    return gumbel_kl(r, -d,
                                     (std::abs(get(p, "loc")) + std::abs(get(q, "loc"))) /
                                         get(q, "scale"));
                  });

// KL = log(sd/beta) + log(2 pi)/2 + (pi^2 beta^2/6 + (mu + gamma beta - mean)^2)/(2 sd^2)
//      - gamma - 1
KLEST_REGISTER_KL("gumbel", "normal", "cross-entropy minus entropy; PyTorch registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double sd = get(q, "sd");
                    const double rho = get(p, "scale") / sd;
                    const double shift = (get(p, "loc") - get(q, "mean")) / sd +
                                         std::numbers::egamma * rho;
                    const double m1 = get(p, "loc") / sd, m2 = get(q, "mean") / sd;
                    return klest::kl_terms({-std::log(rho), 0.5 * std::log(2 * std::numbers::pi),
                                            std::numbers::pi * std::numbers::pi / 12 * rho * rho,
                                            -std::numbers::egamma - 1}) +
                           klest::detail::mean_shift_term(shift, m1 + std::numbers::egamma * rho,
                                                          m2, 1.0);
                  });

// P = exponential(rate l), c = l beta: E exp(-X/beta) = c/(c + 1), so
//   KL = log c + 1/c - mu/beta + exp(mu/beta) c/(c + 1) - 1
KLEST_REGISTER_KL("exponential", "gumbel", "cross-entropy minus entropy; PyTorch registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double beta = get(q, "scale");
                    const double c = get(p, "rate") * beta, m = get(q, "loc") / beta;
                    const double l = std::log1p(1 / c);
                    return klest::kl_terms({std::log(c), 1 / c, -m, -1.0}) +
                           klest::detail::exp_terms(m - l, std::abs(m) + l);
                  });

// P = gamma(shape a, rate b), c = b beta: E exp(-X/beta) = (c/(c + 1))^a,
// H(P) = a - log b + lgamma(a) + (1 - a) digamma(a), so
//   KL = log c + a/c - mu/beta + exp(mu/beta) (c/(c + 1))^a - a - lgamma(a) + (a - 1) digamma(a)
KLEST_REGISTER_KL("gamma", "gumbel", "cross-entropy minus entropy; PyTorch registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double a = get(p, "shape"), beta = get(q, "scale");
                    const double b = get(p, "rate"), mu = get(q, "loc"), c = b * beta;
                    // -a - lgamma(a) + (a - 1) psi(a) = -log(2 pi e a)/2 - R(a), the gamma
                    // entropy at rate 1 (detail::gamma_entropy_remainder). With
                    // delta = a/c - mu/beta = (a - mu b)/c (one fma), g = 1/c - log1p(1/c) >= 0
                    // and w = a g - delta, the exponential is e^w and
                    //   a/c - mu/beta + e^w = 1 + a g + (e^w - 1 - w),
                    // so no terms of size a/c are left to cancel.
                    const double delta = std::fma(-mu, b, a) / c;
                    const double g = -boost::math::log1pmx(1 / c);
                    const double w = a * g - delta;
                    const double e = klest::detail::expm1mx(w);
                    const double w_size = (a + std::abs(mu) * b) / c + a * g;
                    return klest::kl_terms({std::log(c), 1.0, a * g,
                                            -0.5 * std::log(2 * std::numbers::pi * std::numbers::e * a)}) +
                           klest::ClosedForm{e, (std::abs(w) < 0.1 ? e : std::abs(std::expm1(w)) + std::abs(w)) +
                                                    std::abs(std::expm1(w)) * w_size} -
                           klest::detail::gamma_entropy_remainder(a);
                  });

// P = normal(mean, sd): E exp(-X/beta) = exp(-mean/beta + sd^2/(2 beta^2)), so
//   KL = log(beta/sd) + (mean - mu)/beta + exp((mu - mean)/beta + sd^2/(2 beta^2))
//        - log(2 pi)/2 - 1/2
KLEST_REGISTER_KL("normal", "gumbel", "cross-entropy minus entropy; PyTorch registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double beta = get(q, "scale");
                    const double s = get(p, "sd") / beta;
                    const double d = (get(p, "mean") - get(q, "loc")) / beta;
                    // d rounds by an ulp of |mean| + |loc| over beta
                    const double dd = (std::abs(get(p, "mean")) + std::abs(get(q, "loc"))) / beta;
                    return klest::kl_terms({-std::log(s), -0.5 * std::log(2 * std::numbers::pi),
                                            -0.5}) +
                           klest::ClosedForm{d, std::abs(d) + dd} +
                           klest::detail::exp_terms(-d + 0.5 * s * s, dd + 0.5 * s * s);
                  });

// P = uniform(low, high), w = (high - low)/beta, v = (mu - low)/beta:
// E exp(-X/beta) = exp(-low/beta) (1 - exp(-w))/w, so
//   KL = -log w + w/2 - v + exp(v) (1 - exp(-w))/w
KLEST_REGISTER_KL("uniform", "gumbel", "cross-entropy minus entropy; PyTorch registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double beta = get(q, "scale"), low = get(p, "low");
                    const double w = (get(p, "high") - low) / beta;
                    const double v = (get(q, "loc") - low) / beta;
                    const double lw = std::log(-std::expm1(-w)) - std::log(w);
                    const double dv = (std::abs(get(q, "loc")) + std::abs(low)) / beta;
                    return klest::kl_terms({-std::log(w), 0.5 * w}) +
                           klest::ClosedForm{-v, std::abs(v) + dv} +
                           klest::detail::exp_terms(v + lw, dv + std::abs(v) + std::abs(lw) +
                                                                std::abs(std::log(w)));
                  });

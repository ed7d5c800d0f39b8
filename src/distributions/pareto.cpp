// Pareto distribution (type I) with scale x_m (the lower end of the support) and shape alpha.
//   log p(x) = log(alpha) - log(x_m) - (alpha + 1) log(x/x_m),   x >= x_m
// Sampling: inverse CDF, x_m (1 - U)^(-1/alpha) = x_m exp(E/alpha) with E the standard
// exponential -log(1 - U) of detail::standard_exponential.
// Closed forms, all derived as KL = cross-entropy - entropy, with
// H(pareto) = log(x_m/alpha) + 1/alpha + 1, E log X = log x_m + 1/alpha,
// E X = alpha x_m/(alpha - 1) (alpha > 1), Var X = alpha x_m^2/((alpha - 1)^2 (alpha - 2))
// (alpha > 2):
//   pareto||pareto: TFP and PyTorch register it; +inf if x_m1 < x_m2.
//   pareto||exponential, pareto||gamma (rate): +inf for alpha <= 1 (E X diverges);
//   pareto||normal: +inf for alpha <= 2 (E X^2 diverges);
//   uniform||pareto: +inf if low < x_m. All four as registered by PyTorch.

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/log1p.hpp>

#include "detail/variates.hpp"
#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::standard_exponential;

constexpr double inf = std::numeric_limits<double>::infinity();

class Pareto final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "pareto";
  static constexpr std::string_view summary = "Pareto with scale x_m (support start), shape alpha";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "pareto(scale=1, shape=3)";
  static klest::ParamSpec schema() {
    return {klest::param("scale", 1.0, "x_m, the lower end of the support", klest::greater_than(0)),
            klest::param("shape", 1.0, "tail index alpha", klest::greater_than(0)).mandatory()};
  }
  explicit Pareto(klest::Params p)
      : Distribution(std::move(p)), xm_(params().get<double>("scale")),
        alpha_(params().get<double>("shape")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    if (!(x[0] >= xm_)) return -inf;
    return std::log(alpha_) - std::log(xm_) - (alpha_ + 1) * (std::log(x[0]) - std::log(xm_));
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = xm_ * std::exp(standard_exponential(rng) / alpha_);
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{xm_, inf}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    return {klest::Tail{}, klest::Tail{klest::Tail::Kind::power, alpha_, 0}};
  }
  std::vector<double> landmarks() const override { return {xm_}; }
  double scale() const override {
    // Interquartile range: the variance is infinite for alpha <= 2.
    return xm_ * (std::pow(4.0, 1 / alpha_) - std::pow(4.0 / 3.0, 1 / alpha_));
  }

 private:
  double xm_, alpha_;
};

double get(const klest::Distribution& d, const char* name) {
  return d.params().get<double>(name);
}

// log(x_m/alpha) + 1/alpha + 1, the entropy of pareto(x_m, alpha), without the log(x_m).

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Pareto);

// KL = log(a1/a2) + a2 log(x_m1/x_m2) + a2/a1 - 1 for x_m1 >= x_m2
KLEST_REGISTER_KL("pareto", "pareto",
                  "cross-entropy minus entropy; TFP and PyTorch register it (inf if x_m1 < x_m2)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double x1 = get(p, "scale"), x2 = get(q, "scale");
                    if (x1 < x2) return inf;
                    const double t = get(q, "shape") / get(p, "shape");
                    return klest::detail::r_minus_1_minus_log_r_terms(t) +
                           klest::ClosedForm(get(q, "shape") * std::log(x1 / x2));
                  });

// Q = exponential(rate l), c = l x_m: KL = -log c + c alpha/(alpha - 1) - H(P) + log x_m
KLEST_REGISTER_KL("pareto", "exponential",
                  "cross-entropy minus entropy; PyTorch registers it (inf for alpha <= 1)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double alpha = get(p, "shape");
                    if (alpha <= 1) return inf;
                    const double c = get(q, "rate") * get(p, "scale");
                    return klest::kl_terms({-std::log(c), c * alpha / (alpha - 1), std::log(alpha),
                                            -1 / alpha, -1.0});
                  });

// Q = gamma(shape a, rate b), c = b x_m:
//   KL = -a log c + lgamma(a) - (a - 1)/alpha + c alpha/(alpha - 1) - H(P) + log x_m
KLEST_REGISTER_KL("pareto", "gamma",
                  "cross-entropy minus entropy; PyTorch registers it (inf for alpha <= 1)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double alpha = get(p, "shape");
                    if (alpha <= 1) return inf;
                    // E X = x_m alpha/(alpha - 1), Jensen gap log E X - E log X =
                    // -log1p(-1/alpha) - 1/alpha, and E log X - H(P) = log alpha - 1.
                    const double a = get(q, "shape"), xm = get(p, "scale");
                    const double gap = -boost::math::log1pmx(-1 / alpha);
                    return klest::detail::gamma_cross_entropy_less_mean_log(
                               a, get(q, "rate"), xm * (alpha / (alpha - 1)), gap) +
                           klest::kl_terms({std::log(alpha), -1.0});
                  });

// Q = normal(mean, sd), rho = x_m/sd:
//   KL = log(2 pi)/2 - log rho + (Var X + (E X - mean)^2)/(2 sd^2) - H(P) + log x_m
KLEST_REGISTER_KL("pareto", "normal",
                  "cross-entropy minus entropy; PyTorch registers it (inf for alpha <= 2)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double alpha = get(p, "shape");
                    if (alpha <= 2) return inf;
                    const double sd = get(q, "sd"), rho = get(p, "scale") / sd;
                    const double var =
                        rho * rho * alpha / ((alpha - 1) * (alpha - 1) * (alpha - 2));
                    const double shift = rho * alpha / (alpha - 1) - get(q, "mean") / sd;
                    // shift rounds by an ulp of its two parts
                    const double mean_x = rho * alpha / (alpha - 1), m = get(q, "mean") / sd;
                    return klest::kl_terms({0.5 * std::log(2 * std::numbers::pi), -std::log(rho),
                                            0.5 * var, std::log(alpha), -1 / alpha, -1.0}) +
                           klest::detail::mean_shift_term(shift, mean_x, m, 1.0);
                  });

// P = uniform(low, high) with low >= x_m, d = (high - low)/high:
// E log X = log(high) - 1 - (1 - d) log(1 - d)/d, so
//   KL = -log alpha + alpha log(high/x_m) - log d + (alpha + 1)(-1 - (1 - d) log1p(-d)/d)
KLEST_REGISTER_KL("uniform", "pareto",
                  "cross-entropy minus entropy; PyTorch registers it (inf for low < x_m)",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double low = get(p, "low"), high = get(p, "high");
                    const double xm = get(q, "scale"), alpha = get(q, "shape");
                    if (low < xm) return inf;
                    const double d = (high - low) / high;
                    return klest::kl_terms({-std::log(alpha), alpha * std::log(high / xm),
                                            -std::log(d)}) +
                           (alpha + 1) * klest::kl_terms({-1.0, -(1 - d) * std::log1p(-d) / d});
                  });

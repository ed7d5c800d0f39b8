// von Mises distribution on the circle, represented on [-pi, pi), with mean direction mu and
// concentration kappa (kappa = 0 is the uniform distribution).
//   log p(x) = kappa cos(x - mu) - log(2 pi) - log I0(kappa)
//            = -2 kappa sin^2((x - mu)/2) - log(2 pi) - log I0e(kappa),   -pi <= x <= pi,
// with the exponentially scaled Bessel function I0e(k) = exp(-k) I0(k), so that large kappa
// neither overflows nor cancels.
// Sampling: the rejection algorithm of D. J. Best and N. I. Fisher, "Efficient simulation of
// the von Mises distribution", Applied Statistics 28 (1979) 152-157, with r - 1 and 1 - f
// evaluated without cancellation; the angle is wrapped into [-pi, pi).
// Closed form: von_mises||von_mises, derived as cross entropy minus entropy with
// E cos(X - mu1) = A(k1) (TFP registers it):
//   KL = log(I0(k2)/I0(k1)) + A(k1) (k1 - k2 cos(mu1 - mu2)),   A = I1/I0.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/bessel.hpp>

#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double pi = std::numbers::pi;

// log(exp(-x) I0(x)), A(x) = I1(x)/I0(x) and 1 - A(x), each without underflow or cancellation
// for any x >= 0 (for x near 1e300, exp(-x) I0(x) ~ 1e-150 and 1 - A ~ 1e-300 cannot be
// formed as products), and the magnitude that 1 - A was computed from.
struct ScaledBessel {
  double log_i0e, a, one_minus_a, one_minus_a_magnitude, log_i0e_magnitude;
  double log_i0 = 0;  // log I0(x) itself, for x < 25 only
  // For x >= 25 only: s0 - 1 of the Hankel series (I0e = (2 pi x)^-1/2 s0), and
  // 1 - A - 1/(2x), both O(1/x) and O(1/x^2) without cancellation.
  double s0_rest = 0, excess = 0;
};

ScaledBessel scaled_bessel(double x) {
  if (x < 25) {
    const double i0 = boost::math::cyl_bessel_i(0, x), i1 = boost::math::cyl_bessel_i(1, x);
    // For x < 1, log I0 = log1p(sum_k (x^2/4)^k / (k!)^2), which keeps its relative accuracy
    // where I0 - 1 is tiny.
    double log_i0 = std::log(i0);
    if (x < 1) {
      const double y = 0.25 * x * x;
      double term = 1, sum = 0;
      for (int k = 1; k < 30 && term > 1e-18 * sum; ++k) {
        term *= y / (double(k) * double(k));
        sum += term;
      }
      log_i0 = std::log1p(sum);
    }
    return {log_i0 - x, i1 / i0, (i0 - i1) / i0, (i0 + i1) / i0, log_i0 + x + 1, log_i0};
  }
  // Hankel's asymptotic expansion: exp(-x) I_nu(x) ~ (2 pi x)^(-1/2) sum_k t_k(nu), with
  // t_k = t_(k-1) ((2k - 1)^2 - 4 nu^2)/(8 k x). For x >= 25 its smallest term is below 1e-20.
  // The common factor (2 pi x)^(-1/2) cancels from A and 1 - A, and enters log I0e as a log.
  double t0 = 1, t1 = 1, s0 = 1, s1 = 1, sd = 0, s0_rest = 0, sd_rest = 0;
  for (int k = 1; k < 80; ++k) {
    const double odd = (2.0 * k - 1) * (2.0 * k - 1);
    t0 *= odd / (8 * k * x);
    t1 *= (odd - 4) / (8 * k * x);
    s0 += t0;
    s1 += t1;
    s0_rest += t0;
    sd += t0 - t1;
    if (k > 1) sd_rest += t0 - t1;  // the k = 1 term of sd is exactly 1/(2x)
    if (std::max(std::fabs(t0), std::fabs(t1)) < 1e-18 * sd) break;
  }
  const double half_log = 0.5 * std::log(2 * pi * x);
  ScaledBessel out{std::log(s0) - half_log, s1 / s0, sd / s0, sd / s0,
                   std::log(s0) + half_log + 1};
  out.s0_rest = s0_rest;
  out.excess = (sd_rest - s0_rest / (2 * x)) / s0;  // (sd - s0/(2x))/s0
  return out;
}

class VonMises final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "von_mises";
  static constexpr std::string_view summary = "von Mises on [-pi, pi) with direction mu, "
                                              "concentration kappa";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "von_mises(mu=0, kappa=2)";
  static klest::ParamSpec schema() {
    return {klest::param("mu", 0.0, "mean direction", klest::between(-pi, pi)),
            klest::param("kappa", 1.0, "concentration (0: uniform)", klest::between(0, 1e300))
                .mandatory()};
  }
  explicit VonMises(klest::Params p)
      : Distribution(std::move(p)), mu_(params().get<double>("mu")),
        kappa_(params().get<double>("kappa")),
        log_norm_(std::log(2 * pi) + scaled_bessel(kappa_).log_i0e) {
    // Best-Fisher constants: rho = (tau - sqrt(2 tau))/(2 kappa) with tau = 1 + sqrt(1 + 4k^2),
    // rewritten as 2 kappa/(tau + sqrt(2 tau)); d = r - 1 with r = (1 + rho^2)/(2 rho).
    const double s = std::hypot(1.0, 2 * kappa_);
    const double tau = 1 + s, root = std::sqrt(2 * tau);
    const double rho = 2 * kappa_ / (tau + root);
    const double one_minus_rho = (1 + 1 / (s + 2 * kappa_) + root) / (tau + root);
    d_ = one_minus_rho * one_minus_rho / (2 * rho);  // +inf for kappa = 0
  }

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    if (!(x[0] >= -pi && x[0] <= pi)) return -std::numeric_limits<double>::infinity();
    const double h = std::sin(0.5 * (x[0] - mu_));
    return -2 * kappa_ * h * h - log_norm_;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    if (!std::isfinite(d_)) {  // kappa = 0 (or subnormal): uniform
      out[0] = -pi + 2 * pi * klest::uniform01(rng);
      return;
    }
    double g = 0;  // 1 - f in Best and Fisher's notation; f = cos(angle from mu)
    for (;;) {
      const double half = 0.5 * pi * klest::uniform01(rng);
      const double sn = std::sin(half), cs = std::cos(half);
      const double w = 2 * sn * sn;  // 1 - z, z = cos(pi U1)
      g = d_ * w / (d_ + 2 * cs * cs);
      const double c = kappa_ * (d_ + g);
      const double u2 = klest::uniform01(rng);
      if (c * (2 - c) - u2 > 0 || std::log(c / u2) + 1 - c >= 0) break;
    }
    const double angle = 2 * std::asin(std::min(1.0, std::sqrt(0.5 * g)));  // acos(1 - g)
    double theta = klest::uniform01(rng) < 0.5 ? mu_ - angle : mu_ + angle;
    if (theta >= pi) theta -= 2 * pi;
    if (theta < -pi) theta += 2 * pi;
    out[0] = theta;
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{-pi, pi}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override { return {}; }  // bounded
  std::vector<double> landmarks() const override { return {mu_}; }
  double scale() const override { return std::min(pi, 1 / std::sqrt(kappa_)); }

 private:
  double mu_, kappa_, log_norm_;
  double d_ = 0;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(VonMises);

// In scaled form, with A = I1/I0:
//   KL = log I0e(k2) - log I0e(k1) + (k2 - k1)(1 - A(k1)) + 2 k2 A(k1) sin^2((mu1 - mu2)/2)
KLEST_REGISTER_KL("von_mises", "von_mises",
                  "derived: cross-entropy minus entropy, E cos(X - mu) = I1/I0; TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const klest::Params &a = p.params(), &b = q.params();
                    const double k1 = a.get<double>("kappa"), k2 = b.get<double>("kappa");
                    const double mu1 = a.get<double>("mu"), mu2 = b.get<double>("mu");
                    const double h = std::sin(0.5 * (mu1 - mu2));
                    const ScaledBessel b1 = scaled_bessel(k1), b2 = scaled_bessel(k2);
                    const double dk = k2 - k1;
                    const double spread = dk * b1.one_minus_a;
                    const double turn = 2 * k2 * b1.a * h * h;
                    // mu1 - mu2 and sin round by an ulp of pi: the turn moves by k2 A |h| eps
                    // per unit.
                    const klest::ClosedForm turn_terms{turn, turn + 8 * k2 * std::abs(h)};
                    if (k1 < 25 && k2 < 25) {
                      // Unscaled, log I0(k2) - log I0(k1) - A(k1)(k2 - k1) + turn: for small
                      // kappas the scaled form's -k2 + k1 cancels against its spread term.
                      return klest::kl_terms({b2.log_i0, -b1.log_i0, -b1.a * dk}) + turn_terms;
                    }
                    if (k1 >= 25 && k2 >= 25) {
                      // log I0e(k2) - log I0e(k1) = log(s0(k2)/s0(k1)) - log(k2/k1)/2 and
                      // (k2 - k1)(1 - A(k1)) = (k2/k1 - 1)/2 + (k2 - k1) excess(k1): the two
                      // halves combine into (r - 1 - log r)/2, r = k2/k1, so nearly equal large
                      // kappas keep their digits.
                      const double ls2 = std::log1p(b2.s0_rest), ls1 = std::log1p(b1.s0_rest);
                      return 0.5 * klest::detail::r_minus_1_minus_log_r_terms(k2 / k1) +
                             klest::kl_terms({ls2, -ls1, dk * b1.excess}) + turn_terms;
                    }
                    return klest::ClosedForm{b2.log_i0e - b1.log_i0e,
                                             b2.log_i0e_magnitude + b1.log_i0e_magnitude} +
                           klest::ClosedForm{spread, std::abs(dk) * b1.one_minus_a_magnitude} +
                           turn_terms;
                  });

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

#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double pi = std::numbers::pi;

// exp(-x) I0(x), exp(-x) I1(x) and their difference (computed directly: it is ~ I0e/(2x)).
struct ScaledBessel {
  double i0e, i1e, diff;
};

ScaledBessel scaled_bessel(double x) {
  if (x < 25) {
    const double e = std::exp(-x);
    const double i0 = boost::math::cyl_bessel_i(0, x) * e;
    const double i1 = boost::math::cyl_bessel_i(1, x) * e;
    return {i0, i1, i0 - i1};
  }
  // Hankel's asymptotic expansion: exp(-x) I_nu(x) ~ (2 pi x)^(-1/2) sum_k t_k(nu), with
  // t_k = t_(k-1) ((2k - 1)^2 - 4 nu^2)/(8 k x). For x >= 25 its smallest term is below 1e-20.
  double t0 = 1, t1 = 1, s0 = 1, s1 = 1, sd = 0;
  for (int k = 1; k < 80; ++k) {
    const double odd = (2.0 * k - 1) * (2.0 * k - 1);
    t0 *= odd / (8 * k * x);
    t1 *= (odd - 4) / (8 * k * x);
    s0 += t0;
    s1 += t1;
    sd += t0 - t1;
    if (std::max(std::fabs(t0), std::fabs(t1)) < 1e-18 * sd) break;
  }
  const double c = 1 / std::sqrt(2 * pi * x);
  return {c * s0, c * s1, c * sd};
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
        log_norm_(std::log(2 * pi) + std::log(scaled_bessel(kappa_).i0e)) {
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

// In scaled form, with A = I1e/I0e and 1 - A = (I0e - I1e)/I0e:
//   KL = log I0e(k2) - log I0e(k1) + (k2 - k1)(1 - A(k1)) + 2 k2 A(k1) sin^2((mu1 - mu2)/2)
KLEST_REGISTER_KL("von_mises", "von_mises",
                  "derived: cross-entropy minus entropy, E cos(X - mu) = I1/I0; TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const klest::Params &a = p.params(), &b = q.params();
                    const double k1 = a.get<double>("kappa"), k2 = b.get<double>("kappa");
                    const double h = std::sin(0.5 * (a.get<double>("mu") - b.get<double>("mu")));
                    const ScaledBessel b1 = scaled_bessel(k1), b2 = scaled_bessel(k2);
                    const double a1 = b1.i1e / b1.i0e;
                    return std::log(b2.i0e / b1.i0e) + (k2 - k1) * (b1.diff / b1.i0e) +
                           2 * k2 * a1 * h * h;
                  });

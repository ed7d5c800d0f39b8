// Student's t distribution with df degrees of freedom (real, > 0), location loc and SCALE s
// (variance s^2 df/(df - 2) for df > 2), and its closed-form KL against a normal.
//   log p(x) = lgamma((df+1)/2) - lgamma(df/2) - log(df pi)/2 - log s - (df+1)/2 log1p(z^2/df),
//   z = (x - loc)/s; the lgamma difference through Boost's tgamma_delta_ratio for df >= 2,
//   which avoids cancelling two large values.
// Sampling: Bailey's polar method (R. W. Bailey, "Polar generation of random variates with the
// t-distribution", Math. Comp. 62, 1994): (u, v) uniform in the unit disc, w = u^2 + v^2,
// T = u sqrt(df (w^(-2/df) - 1) / w); draws beyond the double range are clamped to +-DBL_MAX.
// Closed form, derived here as cross entropy minus entropy (no library registers it):
//   KL(t_df(loc, s) || N(mean, sd^2))
//     = -H + log(sd sqrt(2 pi)) + (s^2 df/(df - 2) + (loc - mean)^2)/(2 sd^2)
//   for df > 2, +inf for df <= 2 (the second moment diverges), with the entropy
//   H = (df+1)/2 [psi((df+1)/2) - psi(df/2)] + log(sqrt(df) B(df/2, 1/2)) + log s,
//   regrouped into terms that stay accurate for large df, where the KL against the
//   moment-matched normal is only about 3/(4 df^2).

#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/log1p.hpp>

#include "detail/special.hpp"
#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

using klest::detail::log1p_square;

constexpr double inf = std::numeric_limits<double>::infinity();

klest::Range positive() { return klest::Range{0.0, inf, true, true}; }

// lgamma((df + 1)/2) - lgamma(df/2)
double lgamma_half_step(double df) {
  const double a = df / 2;
  if (a < 1) return boost::math::lgamma(a + 0.5) - boost::math::lgamma(a);
  return -std::log(boost::math::tgamma_delta_ratio(a, 0.5));
}

class StudentT final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "student_t";
  static constexpr std::string_view summary = "Student's t with df, location and scale";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "student_t(df=5, loc=0, scale=1)";
  static klest::ParamSpec schema() {
    return {klest::param("df", 1.0, "degrees of freedom (real)", positive()).mandatory(),
            klest::param("loc", 0.0, "location (median)", klest::between(-1e300, 1e300)),
            klest::param("scale", 1.0, "scale s (variance s^2 df/(df - 2) for df > 2)",
                         positive())};
  }
  explicit StudentT(klest::Params p)
      : Distribution(std::move(p)), df_(params().get<double>("df")),
        loc_(params().get<double>("loc")), scale_(params().get<double>("scale")),
        log_norm_(lgamma_half_step(df_) - 0.5 * std::log(df_ * std::numbers::pi) -
                  std::log(scale_)),
        sqrt_df_(std::sqrt(df_)) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double t = std::fabs(x[0] - loc_) / scale_ / sqrt_df_;
    return log_norm_ - 0.5 * (df_ + 1) * log1p_square(t);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    double u = 0, w = 0;
    do {
      u = 2 * klest::uniform01(rng) - 1;
      const double v = 2 * klest::uniform01(rng) - 1;
      w = u * u + v * v;
    } while (!(w > 0 && w < 1));
    const double t = u * std::sqrt(df_ * std::expm1(-2 * std::log(w) / df_) / w);
    double x = loc_ + scale_ * t;
    if (!std::isfinite(x)) x = std::copysign(std::numeric_limits<double>::max(), t);
    out[0] = x;
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const klest::Tail t{klest::Tail::Kind::power, df_, 0};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {loc_}; }
  double scale() const override { return scale_; }

 private:
  double df_, loc_, scale_, log_norm_, sqrt_df_;
};

// psi(a + 1/2) - psi(a), to full relative accuracy also for large a, where both are near
// log a: there from the asymptotic series psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k),
// differenced term by term.
double digamma_half_step(double a) {
  if (a < 20) return boost::math::digamma(a + 0.5) - boost::math::digamma(a);
  static constexpr double c[] = {1.0 / 12,  -1.0 / 120, 1.0 / 252,
                                 -1.0 / 240, 1.0 / 132, -691.0 / 32760};  // B_2k / (2k)
  const double l = std::log1p(0.5 / a);  // log((a + 1/2)/a)
  double d = l + 1 / (4 * a * (a + 0.5)), pw = 1;
  for (int k = 1; k <= 6; ++k) {
    pw /= a * a;
    d -= c[k - 1] * pw * std::expm1(-2 * k * l);
  }
  return d;
}

// log(sqrt(2 pi e)) - H(t_df(0, 1)) = 1/2 - (a + 1/2)[psi(a + 1/2) - psi(a)] - log(sqrt(a)
// Gamma(a)/Gamma(a + 1/2)) with a = df/2; both brackets are O(1/df) and each is accurate.
klest::ClosedForm entropy_deficit(double df) {
  const double a = 0.5 * df;
  return klest::kl_terms({0.5, -(a + 0.5) * digamma_half_step(a), -0.5 * std::log(a),
                          lgamma_half_step(df)});
}

}  // namespace

KLEST_REGISTER_DISTRIBUTION(StudentT);

KLEST_REGISTER_KL("student_t", "normal",
                  "derived: cross-entropy minus entropy (inf for df <= 2); checked by quadrature",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const double df = p.params().get<double>("df");
                    if (df <= 2) return inf;
                    const double loc = p.params().get<double>("loc");
                    const double s = p.params().get<double>("scale");
                    const double mean = q.params().get<double>("mean");
                    const double sd = q.params().get<double>("sd");
                    const double r = s / sd, z = (loc - mean) / sd, u = r * r - 1;
                    // KL = deficit + (r^2 - 1)/2 - log r + r^2/(df - 2) + z^2/2; near the
                    // moment-matched normal the first and fourth terms cancel to O(1/df^2).
                    const double spread =
                        std::fabs(u) < 0.5 ? -0.5 * boost::math::log1pmx(u) : 0.5 * u - std::log(r);
                    return entropy_deficit(df) +
                           klest::kl_terms({spread, r * r / (df - 2), 0.5 * z * z});
                  });

// Geometric distribution: the number of failures before the first success, success
// probability p in (0, 1], on k = 0, 1, 2, ... (p = 1 is the point mass at 0).
//   log p(k) = log p + k log(1 - p)
// Sampling: inverse CDF, floor(log(U) / log(1 - p)) with U = 1 - klest::uniform01 in (0, 1].
// The mean (1 - p)/p must be <= 1e15, as poisson's rate, so that the bulk of the mass lies
// below 2^53, where doubles hold integers exactly.
// Closed form:
//   geometric||geometric  log(p1/p2) + ((1 - p1)/p1) log((1 - p1)/(1 - p2))
//                         (GROUND-TRUTH.md §18; PyTorch), which is bern(p1, p2)/p1 with bern
//                         the Bernoulli KL, evaluated as such; +inf for p2 = 1 > p1.

#include <cmath>
#include <limits>

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

// KL(Bernoulli(a) || Bernoulli(b)) as two bd0 terms (their linear parts cancel), so that it
// stays accurate as a -> b.
double bernoulli_kl(double a, double b) {
  return bd0(a, b, a - b) + bd0(1 - a, 1 - b, b - a);
}

class Geometric final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "geometric";
  static constexpr std::string_view summary =
      "geometric: failures before the first success, success probability p";
  static constexpr klest::Support family_kind = klest::Support::discrete;
  static constexpr std::string_view example = "geometric(p=0.3)";
  static klest::ParamSpec schema() {
    return {klest::param("p", 0.5, "success probability", klest::Range{0.0, 1.0, true, false})
                .mandatory()};
  }
  explicit Geometric(klest::Params p)
      : Distribution(std::move(p)), p_(params().get<double>("p")), log_q_(std::log1p(-p_)) {
    const double mean = (1 - p_) / p_;
    if (!(mean <= 1e15)) {
      throw klest::InputError("distribution 'geometric': parameter 'p' is " +
                              klest::format_number(p_) +
                              ", but must give a mean (1 - p)/p <= 1e15 (it gives " +
                              klest::format_number(mean) + ")");
    }
  }

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::discrete; }
  double log_density(std::span<const double> x) const override {
    const double k = x[0];
    if (!(k >= 0) || k == inf || std::floor(k) != k) return -inf;
    if (k == 0) return std::log(p_);  // k log(1 - p) would be 0 * -inf for p = 1
    return std::log(p_) + k * log_q_;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    if (p_ == 1) {
      out[0] = 0;
      return;
    }
    const double u = 1 - klest::uniform01(rng);
    out[0] = std::floor(std::log(u) / log_q_) + 0.0;  // + 0.0 turns -0 into 0
  }
  std::vector<klest::Interval> support() const override {
    return {klest::Interval{0, p_ == 1 ? 0.0 : inf}};
  }
  std::vector<double> landmarks() const override { return {0}; }
  double scale() const override { return std::sqrt(1 - p_) / p_; }

 private:
  double p_, log_q_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Geometric);

KLEST_REGISTER_KL("geometric", "geometric", "GROUND-TRUTH.md §18; PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const double p1 = p.params().get<double>("p");
                    const double p2 = q.params().get<double>("p");
                    return bernoulli_kl(p1, p2) / p1;
                  });

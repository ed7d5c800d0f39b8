// Parametric plug-in baseline for a named family: fit the family to each sample by maximum
// likelihood and return the closed-form KL between the two fits, taken from the ground-truth
// registry (klest::closed_form_kl, the same formulas `klest truth` and `klest list pairs` use).
//
//   theta_p = argmax_theta sum_i log f_theta(x_i),   theta_q likewise from y,
//   D(P||Q) ~ KL(f_theta_p || f_theta_q)   (closed form of the family pair)
//
// In d > 1 dimensions every coordinate is fitted on its own and the fits are combined into an
// independent product, product(components=[f_1, ..., f_d]); its registered closed form is the
// sum of the coordinate KLs (chain rule, Cover & Thomas 2006, Thm 2.5.3). The product ignores
// any dependence between coordinates: for correlated Gaussian data use gaussian_fit, which fits
// the full covariance. In d = 1 the family itself is built.
//
// Families and their maximum-likelihood estimators (n points x_1..x_n of one coordinate):
//   normal       mean = x̄, sd = sqrt((1/n) sum (x - x̄)^2)                     closed form
//   exponential  rate = 1/x̄ (x >= 0)                                            closed form
//   gamma        (x > 0) with s = log x̄ - mean(log x) > 0, the shape a solves
//                log a - psi(a) = s, rate = a/x̄ (Choi & Wette 1969): Newton from Minka's
//                start a0 = (3 - s + sqrt((s - 3)^2 + 24 s)) / (12 s) (Minka 2002); the map
//                a -> log a - psi(a) is convex and decreasing, so Newton converges
//                monotonically once it is left of the root (one step at most gets it there;
//                a step to a <= 0 is replaced by halving). s is summed as
//                mean(r - 1 - log r), r = x/x̄, a sum of non-negative terms, so near-constant
//                data cannot make it negative by cancellation: -log1pmx(r - 1) for |r - 1| <
//                1/2, else log r taken as log x - log x̄ (r - 1 rounds to -1 once r < 2^-53,
//                where log1p(r - 1) would be -inf: values below 1e-16 of the mean are common for
//                shapes below 1). log a - psi(a) and its
//                derivative use their asymptotic series for a >= 10 (where 1/a - psi'(a)
//                cancels), terms to a^-12, truncation below 1e-14 relative.
//   lognormal    (x > 0) mu = mean(log x), sigma = sd(log x) with divisor n        closed form
//   laplace      loc = median (the midpoint of the two middle values for even n, where every
//                point between them is a maximiser), scale = mean |x - loc|
//                (Norton 1984)                                                     closed form
//   beta         (0 < x < 1) (a, b) solve psi(a) - psi(a + b) = mean(log x),
//                psi(b) - psi(a + b) = mean(log(1 - x)): Newton on the concave log likelihood
//                (an exponential family in (a - 1, b - 1)) with step halving that keeps a, b > 0
//                and never lowers the likelihood, from the method-of-moments start
//                (Johnson, Kotz & Balakrishnan 1995, ch. 25; Minka 2000 for the Dirichlet).
//   poisson      (integers >= 0) rate = x̄                                      closed form
//   geometric    (integers >= 0, failures before the first success) p = 1/(1 + x̄)
//   categorical  (integers 0..K-1) probs_k = count_k / n, on the K = 1 + largest value seen in
//                either sample, so both fits share one alphabet; a category seen in P's sample
//                but not in Q's makes the KL +inf (honestly, as the fitted laws say).
// Weibull, negative binomial and binomial are left out: weibull has no registered closed
// form, the negative-binomial r has no MLE when the sample variance is below the mean, and the
// binomial n is not identifiable from a sample without being given.
//
// Data outside the family's support (a negative value for exponential or poisson, 0 for gamma
// or lognormal whose likelihood needs log x, 0 or 1 for beta) is an InputError naming the
// sample, row, column and value. (Non-integers for the discrete families are refused the same
// way by the estimator wrapper, since requirements().support is then discrete.) A degenerate fit --
// every value equal (zero variance, an all-zero sample for exponential, poisson or geometric, whose
// fits would be a point mass) -- is an InputError giving the reason. A fitted parameter outside
// the family's range (a lognormal mu beyond +-700, a poisson rate above 1e15) is an InputError
// quoting the family's own message. Categorical values must be below 100000 (a larger alphabet
// is not a categorical fit but a count model: use poisson or geometric).
//
// Sums are taken after scaling each coordinate by a power of two (exact), so values near the
// largest doubles do not overflow. In d = 1 the fitted parameters are reported as diagnostics
// (p_mean, p_sd, q_mean, ...; categorical: categories).
//
// Consistency: the estimate converges to KL between the fitted members of the family (the
// members closest to P and Q in KL), which equals KL(P||Q) only when P and Q belong to the
// family (and, in d > 1, have independent coordinates). Misfit example: the bimodal
// mixture 0.5 N(-2, 1) + 0.5 N(2, 1) against its moment-matched N(0, 5) gives ~0 with
// family=normal, while the truth is about 0.2.
// At P = Q with k fitted parameters per coordinate the bias is about (k d / 2)(1/n + 1/m), the
// chi-square approximation of the likelihood ratio (as for gaussian_fit, ESTIMATORS.md §5).
// Cost: O((n + m) d) for the moment fits, O((n + m) d log n) for laplace (median), and a few
// Newton steps of O(1) (gamma, after one pass over the data) or O(1) per step (beta) per
// coordinate; the categorical fit needs O(K) memory.
//
// References: R. A. Fisher, "On the mathematical foundations of theoretical statistics", Phil.
// Trans. R. Soc. A 222:309-368, 1922 (maximum likelihood); S. C. Choi and R. Wette, "Maximum
// likelihood estimation of the parameters of the gamma distribution and their bias",
// Technometrics 11(4):683-690, 1969; T. P. Minka, "Estimating a Gamma distribution", Microsoft
// Research tech. report, 2002, and "Estimating a Dirichlet distribution", 2000; R. M. Norton,
// "The double exponential distribution: using calculus to find a maximum likelihood
// estimator", The American Statistician 38(2):135-136, 1984; N. L. Johnson, S. Kotz and
// N. Balakrishnan, "Continuous Univariate Distributions", vol. 2, 2nd ed., Wiley 1995. The
// closed forms carry their own references in the registry (`klest list pairs`): normal,
// exponential, gamma: Penny (2001); lognormal: the normal formula on log x; laplace: Gil
// (2011); beta: Penny (2001), Dirichlet with K = 2; poisson, geometric: Nielsen & Nock (2010);
// categorical: Kullback & Leibler (1951); product: Cover & Thomas (2006).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/log1p.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <fmt/format.h>

#include "detail/special.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/truth.hpp"

namespace {

enum class Family {
  normal,
  exponential,
  gamma,
  lognormal,
  laplace,
  beta,
  poisson,
  geometric,
  categorical
};

// The choice list, in the order of the enum.
const std::vector<std::string>& family_names() {
  static const std::vector<std::string> names{"normal",    "exponential", "gamma",
                                              "lognormal", "laplace",     "beta",
                                              "poisson",   "geometric",   "categorical"};
  return names;
}

Family family_from(const std::string& name) {
  const auto& names = family_names();
  const auto it = std::find(names.begin(), names.end(), name);
  // bind_params has checked the choice, so this is a defect if it fires.
  if (it == names.end()) throw std::logic_error("exponential_family_fit: unknown family " + name);
  return Family(it - names.begin());
}

bool is_discrete(Family f) {
  return f == Family::poisson || f == Family::geometric || f == Family::categorical;
}

// Categorical values must lie below this: beyond it the fit is a count model, not a categorical.
constexpr double max_categories = 100000;

// 2^-e with 2^e just above `largest` (1 for 0), the exponent kept in range so the scale is a
// finite power of two: multiplying by it is exact.
double power_of_two_scale(double largest) {
  if (!(largest > 0)) return 1.0;
  int e = 0;
  std::frexp(largest, &e);
  return std::ldexp(1.0, std::clamp(e, -1000, 1000) * -1);
}

// Mean and the ML standard deviation (divisor n) of v, computed on values scaled into [-1, 1].
struct Moments {
  double mean = 0, sd = 0;
};
Moments moments(const std::vector<double>& v) {
  double largest = 0;
  for (double x : v) largest = std::max(largest, std::fabs(x));
  const double s = power_of_two_scale(largest);
  const double n = double(v.size());
  double sum = 0;
  for (double x : v) sum += x * s;
  const double mean_s = sum / n;
  double ss = 0;
  for (double x : v) ss += (x * s - mean_s) * (x * s - mean_s);
  return {mean_s / s, std::sqrt(ss / n) / s};
}

// log a - psi(a) and its derivative 1/a - psi'(a) < 0.
struct GammaShapeEquation {
  double value, slope;
};
GammaShapeEquation shape_equation(double a) {
  if (a >= 10) {
    // log a - psi(a) ~ 1/(2a) + sum_k B_2k / (2k a^2k): 1/12, -1/120, 1/252, -1/240, 1/132,
    // -691/32760 (Abramowitz & Stegun 6.3.18).
    const double u = 1 / (a * a);
    const double series =
        u * (1.0 / 12 +
             u * (-1.0 / 120 +
                  u * (1.0 / 252 + u * (-1.0 / 240 + u * (1.0 / 132 + u * (-691.0 / 32760))))));
    const double dseries =
        -u / a *
        (2.0 / 12 +
         u * (-4.0 / 120 +
              u * (6.0 / 252 + u * (-8.0 / 240 + u * (10.0 / 132 + u * (-12.0 * 691 / 32760))))));
    return {0.5 / a + series, -0.5 * u + dseries};
  }
  return {std::log(a) - boost::math::digamma(a), 1 / a - boost::math::trigamma(a)};
}

// The gamma shape solving log a - psi(a) = s for s > 0.
double gamma_shape(double s) {
  double a = (3 - s + std::sqrt((s - 3) * (s - 3) + 24 * s)) / (12 * s);
  for (int it = 0; it < 200; ++it) {
    const GammaShapeEquation f = shape_equation(a);
    double next = a - (f.value - s) / f.slope;
    if (!(next > 0)) next = a / 2;
    if (std::fabs(next - a) <= 1e-15 * a) return next;
    a = next;
  }
  return a;  // the iteration is monotone; 200 steps leave it at the rounding floor
}

// Maximum-likelihood (a, b) of a beta from g1 = mean(log x), g2 = mean(log(1 - x)) and the
// sample mean and variance for the starting point.
struct BetaShapes {
  double a, b;
};
BetaShapes beta_shapes(double g1, double g2, double mean, double var) {
  const auto loglik = [&](double a, double b) {
    return (a - 1) * g1 + (b - 1) * g2 - klest::detail::log_beta(a, b);
  };
  // Method of moments; near-constant data can make c overflow, and then (1, 1) is the start.
  const double c = mean * (1 - mean) / var - 1;
  const bool moments_ok = std::isfinite(c) && c > 0;
  double a = moments_ok ? mean * c : 1, b = moments_ok ? (1 - mean) * c : 1;
  double current = loglik(a, b);
  for (int it = 0; it < 500; ++it) {
    const double dab = boost::math::digamma(a + b);
    const double ga = g1 - boost::math::digamma(a) + dab;
    const double gb = g2 - boost::math::digamma(b) + dab;
    // Negative Hessian: [[t(a) - t(a+b), -t(a+b)], [-t(a+b), t(b) - t(a+b)]], positive definite.
    const double tab = boost::math::trigamma(a + b);
    const double h11 = boost::math::trigamma(a) - tab, h22 = boost::math::trigamma(b) - tab;
    const double h12 = -tab;
    const double det = h11 * h22 - h12 * h12;
    const double da = (h22 * ga - h12 * gb) / det, db = (h11 * gb - h12 * ga) / det;
    double t = 1;
    bool moved = false;
    for (int half = 0; half < 60; ++half, t /= 2) {
      const double na = a + t * da, nb = b + t * db;
      if (!(na > 0 && nb > 0)) continue;
      const double next = loglik(na, nb);
      // Near the maximum the likelihood changes by less than its rounding error: a full Newton
      // step is taken unless it lowers the likelihood by more than that.
      if (next >=
          current - 64 * std::numeric_limits<double>::epsilon() * (1 + std::fabs(current))) {
        moved = std::fabs(na - a) > 1e-15 * a || std::fabs(nb - b) > 1e-15 * b;
        a = na;
        b = nb;
        current = next;
        break;
      }
    }
    if (!moved) break;
    if (t == 1 && std::fabs(da) <= 1e-13 * a && std::fabs(db) <= 1e-13 * b) break;
  }
  return {a, b};
}

class ExponentialFamilyFit {
 public:
  static constexpr std::string_view key = "exponential_family_fit";
  static constexpr std::string_view summary =
      "parametric baseline: maximum-likelihood fits of a named family (per coordinate), "
      "closed-form KL between the fits";
  static constexpr std::string_view reference =
      "maximum likelihood (Fisher 1922; gamma: Choi & Wette 1969, Minka 2002; laplace: Norton "
      "1984) with the registered closed-form KL of the family pair (see 'klest list pairs')";
  static constexpr klest::Support accepts = klest::Support::any;
  static constexpr std::string_view bibtex =
      "@article{fisher1922mathematical,\n"
      "  author  = {Fisher, Ronald A.},\n"
      "  title   = {On the Mathematical Foundations of Theoretical Statistics},\n"
      "  journal = {Philosophical Transactions of the Royal Society of London. Series A},\n"
      "  volume  = {222},\n"
      "  pages   = {309--368},\n"
      "  year    = {1922}\n}";

  static klest::ParamSpec params() {
    return {klest::param("family", "normal",
                         "family fitted to each coordinate by maximum likelihood: normal, "
                         "exponential (x >= 0), gamma, lognormal (x > 0), laplace, beta "
                         "(0 < x < 1), poisson, geometric (integers >= 0), categorical "
                         "(integers 0..K-1)",
                         family_names())};
  }

  explicit ExponentialFamilyFit(const klest::Params& p)
      : family_(family_from(p.get<std::string>("family"))), label_(p.label()) {}

  // Two points are the least a non-degenerate fit needs; a categorical fit needs one.
  klest::Requirements requirements() const {
    const std::size_t least = family_ == Family::categorical ? 1 : 2;
    return {.support = is_discrete(family_) ? klest::Support::discrete : klest::Support::continuous,
            .min_p = least,
            .min_q = least};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y) const {
    const std::size_t d = x.dim();
    klest::Estimate e;
    std::size_t categories = 0;
    if (family_ == Family::categorical) {
      double largest = 0;
      check_support(x, "p");
      check_support(y, "q");
      for (double v : x.values()) largest = std::max(largest, v);
      for (double v : y.values()) largest = std::max(largest, v);
      categories = std::size_t(largest) + 1;
    }
    klest::SpecList p_fits, q_fits;
    for (std::size_t j = 0; j < d; ++j) {
      p_fits.emplace_back(fit(x, "p", j, categories, d == 1 ? &e.diag : nullptr));
      q_fits.emplace_back(fit(y, "q", j, categories, d == 1 ? &e.diag : nullptr));
    }
    if (family_ == Family::categorical && d == 1) e.diag.set("categories", double(categories));
    const auto p_law = build(p_fits, "p"), q_law = build(q_fits, "q");
    const std::optional<klest::Truth> kl = klest::closed_form_kl(*p_law, *q_law);
    if (!kl) {
      throw std::logic_error(fmt::format("estimator '{}': no closed form for {} || {}", label_,
                                         p_law->spec(), q_law->spec()));
    }
    e.value = kl->value;
    return e;
  }

 private:
  const std::string& name() const { return family_names()[std::size_t(family_)]; }

  // "sample from p: row 3, column 2", as the wrapper's own data checks say it.
  static std::string where(const std::string& side, std::size_t row, std::size_t col) {
    return fmt::format("sample from {}: row {}, column {}", side, row + 1, col + 1);
  }

  // The values the family's likelihood accepts, as said in messages.
  std::string support_text() const {
    switch (family_) {
      case Family::exponential:
        return "values >= 0";
      case Family::gamma:
      case Family::lognormal:
        return "values > 0 (its likelihood takes log x)";
      case Family::beta:
        return "values strictly between 0 and 1 (its likelihood takes log x and log(1 - x))";
      case Family::poisson:
      case Family::geometric:
        return "integers >= 0";
      case Family::categorical:
        return fmt::format("integers from 0 to {}", klest::format_number(max_categories - 1));
      default:
        return "finite values";
    }
  }

  bool in_support(double v) const {
    switch (family_) {
      case Family::exponential:
        return v >= 0;
      case Family::gamma:
      case Family::lognormal:
        return v > 0;
      case Family::beta:
        return v > 0 && v < 1;
      case Family::poisson:
      case Family::geometric:
        return v >= 0 && std::floor(v) == v;
      case Family::categorical:
        return v >= 0 && std::floor(v) == v && v < max_categories;
      default:
        return true;
    }
  }

  void check_support(klest::SampleView s, const std::string& side) const {
    for (std::size_t i = 0; i < s.rows(); ++i) {
      for (std::size_t j = 0; j < s.dim(); ++j) {
        const double v = s.row(i)[j];
        if (!in_support(v)) {
          throw klest::InputError(
              fmt::format("estimator '{}': {} is {}, but the {} family needs {}", label_,
                          where(side, i, j), klest::format_number(v), name(), support_text()));
        }
      }
    }
  }

  [[noreturn]] void degenerate(const std::string& side, std::size_t col, std::size_t d,
                               const std::string& why) const {
    const std::string what = d == 1 ? fmt::format("the sample from {}", side)
                                    : fmt::format("column {} of the sample from {}", col + 1, side);
    throw klest::InputError(fmt::format("estimator '{}': the {} fit to {} is degenerate: {}",
                                        label_, name(), what, why));
  }

  // The spec of the fitted law of column `col` of `s`; in d = 1 its parameters go to `diag`.
  klest::Spec fit(klest::SampleView s, const std::string& side, std::size_t col,
                  std::size_t categories, klest::Diagnostics* diag) const {
    const std::size_t n = s.rows(), d = s.dim();
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = s.row(i)[col];
      if (!in_support(v[i])) {
        throw klest::InputError(fmt::format("estimator '{}': {} is {}, but the {} family needs {}",
                                            label_, where(side, i, col), klest::format_number(v[i]),
                                            name(), support_text()));
      }
    }
    const bool constant = std::all_of(v.begin(), v.end(), [&](double a) { return a == v.front(); });
    const std::string constant_why =
        fmt::format("every value is {} (zero variance)", klest::format_number(v.front()));

    klest::Spec spec{name(), {}};
    auto put = [&](const std::string& param, double value) {
      spec.args.push_back({param, value});
      if (diag) diag->set(side + "_" + param, value);
    };
    switch (family_) {
      case Family::normal: {
        if (constant) degenerate(side, col, d, constant_why);
        const Moments m = moments(v);
        put("mean", m.mean);
        put("sd", m.sd);
        break;
      }
      case Family::exponential: {
        if (constant && v.front() == 0) degenerate(side, col, d, "every value is 0");
        put("rate", 1 / moments(v).mean);
        break;
      }
      case Family::gamma: {
        if (constant) degenerate(side, col, d, constant_why);
        const double mean = moments(v).mean;
        // s = mean(r - 1 - log r), r = x / mean: each term >= 0. Near r = 1 through log1pmx; away
        // from it log r as log x - log mean, since r - 1 rounds to -1 once r < 2^-53 and log1p
        // would then give -inf (gamma shapes below 1 put many values there).
        const double log_mean = std::log(mean);
        double s_sum = 0;
        for (double x : v) {
          const double t = x / mean - 1;
          s_sum += std::fabs(t) < 0.5 ? -boost::math::log1pmx(t) : t - (std::log(x) - log_mean);
        }
        const double shape = gamma_shape(s_sum / double(n));
        put("shape", shape);
        put("rate", shape / mean);
        break;
      }
      case Family::lognormal: {
        if (constant) degenerate(side, col, d, constant_why);
        for (double& x : v) x = std::log(x);
        const Moments m = moments(v);
        put("mu", m.mean);
        put("sigma", m.sd);
        break;
      }
      case Family::laplace: {
        if (constant) degenerate(side, col, d, constant_why);
        std::vector<double> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        const double loc = std::midpoint(sorted[(n - 1) / 2], sorted[n / 2]);
        std::vector<double> dev(n);
        for (std::size_t i = 0; i < n; ++i) dev[i] = std::fabs(v[i] - loc);
        // The mean of the non-negative deviations, by the same scaled sum as the moments.
        put("loc", loc);
        put("scale", moments(dev).mean);
        break;
      }
      case Family::beta: {
        if (constant) degenerate(side, col, d, constant_why);
        double g1 = 0, g2 = 0;
        for (double x : v) {
          g1 += std::log(x);
          g2 += std::log1p(-x);
        }
        const Moments m = moments(v);
        const BetaShapes ab = beta_shapes(g1 / double(n), g2 / double(n), m.mean, m.sd * m.sd);
        put("a", ab.a);
        put("b", ab.b);
        break;
      }
      case Family::poisson: {
        if (constant && v.front() == 0) degenerate(side, col, d, "every value is 0");
        put("rate", moments(v).mean);
        break;
      }
      case Family::geometric: {
        if (constant && v.front() == 0) {
          degenerate(side, col, d, "every value is 0 (the fit would be a point mass at 0)");
        }
        put("p", 1 / (1 + moments(v).mean));
        break;
      }
      case Family::categorical: {
        std::vector<double> counts(categories, 0.0);
        for (double x : v) counts[std::size_t(x)] += 1;
        klest::SpecList probs;
        probs.reserve(categories);
        for (double c : counts) probs.emplace_back(c / double(n));
        spec.args.push_back({"probs", klest::SpecValue(std::move(probs))});
        break;
      }
    }
    return spec;
  }

  // The fitted law: the family itself in d = 1, the product of the coordinate fits otherwise.
  std::unique_ptr<klest::Distribution> build(klest::SpecList fits, const std::string& side) const {
    try {
      if (fits.size() == 1) return klest::make_distribution(fits.front().spec());
      return klest::make_distribution(
          klest::Spec{"product", {{"components", klest::SpecValue(std::move(fits))}}});
    } catch (const klest::InputError& err) {
      throw klest::InputError(
          fmt::format("estimator '{}': the {} fit to the sample from {} is "
                      "outside the family's range: {}",
                      label_, name(), side, err.what()));
    }
  }

  Family family_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(ExponentialFamilyFit);

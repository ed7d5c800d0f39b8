#pragma once
// Ground truth for KL(P||Q): closed forms registered by pairs of families, then numerical
// routes. Every value says how it was obtained and how accurate it is.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klest/distribution.hpp"
#include "klest/rng.hpp"

namespace klest {

enum class TruthMethod {
  closed_form,  // a registered formula
  support,      // +inf because P puts mass where Q has none (decided from the supports)
  tails,        // +inf because E_P[-log q] diverges (decided from the tail classes)
  quadrature,   // 1-D adaptive quadrature (Boost.Math) of p (log p - log q)
  summation,    // discrete: sum over the support, tail bounded
  monte_carlo,  // mean of log p(X) - log q(X) over X ~ P, with its standard error
  given,        // stated by the user (an experiment file's truth = ...)
};
std::string_view to_string(TruthMethod m);

struct Truth {
  double value = 0;         // nats; may be +inf
  double abs_error = 0;     // bound or estimate of |value - truth|: a few ulps of the terms'
                            // magnitude for closed forms (closed_form_truth); the quadrature's
                            // estimate; 1 standard error for MC
  TruthMethod method = TruthMethod::closed_form;
  std::string detail;       // e.g. the reference of the formula, or "N = 1000000, seed 7"
};

struct TruthOptions {
  bool use_closed_form = true;         // false: skip the registry (to check it numerically)
  std::size_t mc_samples = 1'000'000;  // Monte Carlo sample size
  std::uint64_t seed = default_seed;   // Monte Carlo seed
  double rel_tol = 1e-10;              // quadrature / summation target relative accuracy
};

/// KL(P||Q) in nats. Order: support mismatch (+inf, method support), a registered closed form,
/// then for 1-D continuous pairs an infinite-tail check and quadrature, for discrete pairs
/// summation, otherwise Monte Carlo. Throws InputError if the dimensions differ.
Truth true_kl(const Distribution& p, const Distribution& q, const TruthOptions& options = {});

// ---- the closed-form registry ---------------------------------------------------------------

/// A closed form for one ordered pair of families. Returns nullopt where it does not apply to
/// these parameters (the engine then goes on to the numerical routes). It may call true_kl on
/// components (products, transforms). Values are nats and may be +inf.
using KlFormula =
    std::function<std::optional<Truth>(const Distribution& p, const Distribution& q,
                                       const TruthOptions& options)>;

struct KlPairInfo {
  std::string p_family, q_family;
  std::string reference;  // where the formula comes from
};

/// Registers a closed form; std::logic_error if the pair is taken (a build defect).
void register_kl(KlPairInfo info, KlFormula formula);
/// Every registered pair, sorted by (p_family, q_family).
std::vector<const KlPairInfo*> kl_pairs();
/// The registered closed form for these two distributions, if one exists and applies.
std::optional<Truth> closed_form_kl(const Distribution& p, const Distribution& q,
                                    const TruthOptions& options = {});

/// A closed-form value and the size of what it was computed from. `magnitude` is the sum of
/// the absolute values of the terms added to get `value`, where each term is accurate to a few
/// ulps of itself (Boost.Math lgamma/digamma/log1p and the detail:: helpers are); the sum then
/// carries a rounding error of a few ulps of that magnitude, which is what the engine reports
/// (closed_form_truth). A formula whose terms cancel must say so by passing its terms through
/// kl_terms; the implicit conversion from double is for formulas evaluated without cancellation
/// (a sum of non-negative terms), whose magnitude is the value itself.
struct ClosedForm {
  double value = 0;
  double magnitude = 0;
  ClosedForm(double v) : value(v), magnitude(v < 0 ? -v : v) {}  // NOLINT: implicit on purpose
  ClosedForm(double v, double m) : value(v), magnitude(m) {}
};

/// Arithmetic that carries the magnitudes along: sums add them, a factor scales them (the
/// factor is taken as exact or correctly rounded, which adds an ulp of the product, covered by
/// closed_form_ulps).
inline ClosedForm operator+(ClosedForm a, ClosedForm b) {
  return {a.value + b.value, a.magnitude + b.magnitude};
}
inline ClosedForm operator-(ClosedForm a) { return {-a.value, a.magnitude}; }
inline ClosedForm operator-(ClosedForm a, ClosedForm b) { return a + -b; }
inline ClosedForm operator*(double c, ClosedForm a) {
  return {c * a.value, (c < 0 ? -c : c) * a.magnitude};
}

/// The sum of `terms` with its magnitude (the sum of their absolute values). An infinite term
/// makes the value infinite (+inf wins over finite terms; +inf - inf is a bug in the caller).
ClosedForm kl_terms(std::initializer_list<double> terms);

/// How many ulps of the magnitude closed_form_truth reports as abs_error.
inline constexpr double closed_form_ulps = 8;

/// The one error convention of every closed form: a Truth with method closed_form, the value,
/// abs_error = closed_form_ulps * eps * magnitude (0 for +inf), and the reference as detail.
/// Throws std::logic_error if the value is NaN (a defect of the formula).
Truth closed_form_truth(const ClosedForm& kl, std::string reference, const Distribution& p,
                        const Distribution& q);

/// Convenience for the common case of a plain formula: wraps `f(p, q) -> ClosedForm` into a
/// KlFormula that always applies, through closed_form_truth.
KlFormula kl_formula(std::string reference, std::function<ClosedForm(const Distribution&,
                                                                     const Distribution&)> f);

namespace detail {
inline bool register_kl_pair(std::string p, std::string q, std::string reference,
                             std::function<ClosedForm(const Distribution&, const Distribution&)> f) {
  KlFormula formula = kl_formula(reference, std::move(f));
  register_kl({std::move(p), std::move(q), std::move(reference)}, std::move(formula));
  return true;
}
}  // namespace detail

}  // namespace klest

#define KLEST_KL_CONCAT2(a, b) a##b
#define KLEST_KL_CONCAT(a, b) KLEST_KL_CONCAT2(a, b)
/// Registers a closed form `ClosedForm(const Distribution& p, const Distribution& q)` (a plain
/// double where nothing cancels, see ClosedForm) for the pair of family keys P, Q (string
/// literals), with its reference:
///   KLEST_REGISTER_KL("normal", "normal", "standard", [](auto& p, auto& q) { ... });
#define KLEST_REGISTER_KL(P, Q, REFERENCE, ...)                                    \
  [[maybe_unused]] static const bool KLEST_KL_CONCAT(klest_registered_kl_, __LINE__) = \
      ::klest::detail::register_kl_pair(P, Q, REFERENCE, __VA_ARGS__)

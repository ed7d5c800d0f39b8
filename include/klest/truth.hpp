#pragma once
// Ground truth for KL(P||Q): closed forms registered by pairs of families, then numerical
// routes. Every value says how it was obtained and how accurate it is.

#include <cstdint>
#include <functional>
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
  double abs_error = 0;     // bound or estimate of |value - truth|: 0 for exact closed forms up
                            // to rounding; the quadrature's estimate; 1 standard error for MC
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

/// Convenience for the common case of a plain formula: wraps `f(p, q) -> double` into a Truth
/// with method closed_form, abs_error a few ulps of the value, and the reference as detail.
KlFormula kl_formula(std::string reference, std::function<double(const Distribution&,
                                                                 const Distribution&)> f);

namespace detail {
inline bool register_kl_pair(std::string p, std::string q, std::string reference,
                             std::function<double(const Distribution&, const Distribution&)> f) {
  KlFormula formula = kl_formula(reference, std::move(f));
  register_kl({std::move(p), std::move(q), std::move(reference)}, std::move(formula));
  return true;
}
}  // namespace detail

}  // namespace klest

#define KLEST_KL_CONCAT2(a, b) a##b
#define KLEST_KL_CONCAT(a, b) KLEST_KL_CONCAT2(a, b)
/// Registers a closed form `double(const Distribution& p, const Distribution& q)` for the pair
/// of family keys P, Q (string literals), with its reference:
///   KLEST_REGISTER_KL("normal", "normal", "standard", [](auto& p, auto& q) { ... });
#define KLEST_REGISTER_KL(P, Q, REFERENCE, ...)                                    \
  [[maybe_unused]] static const bool KLEST_KL_CONCAT(klest_registered_kl_, __LINE__) = \
      ::klest::detail::register_kl_pair(P, Q, REFERENCE, __VA_ARGS__)

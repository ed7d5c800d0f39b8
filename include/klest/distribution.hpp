#pragma once
// Distribution families: samplers, log-densities, supports and their registry.
//
// A family is one file in src/distributions/, a class derived from Distribution, registered
// with KLEST_REGISTER_DISTRIBUTION:
//
//   class Normal final : public klest::Distribution {
//    public:
//     static constexpr std::string_view key = "normal";
//     static constexpr std::string_view summary = "normal N(mean, sd^2)";
//     static constexpr klest::Support family_kind = klest::Support::continuous;  // or discrete,
//                                                     // or any (mixtures: depends on components)
//     static klest::ParamSpec schema();                // validated before the constructor runs
//     static constexpr std::string_view example = "normal(0, 1)";  // optional; needed when a
//                                                     // parameter has no default
//     explicit Normal(klest::Params p);                // checks what the schema cannot
//     // (the static names differ from the members params() and kind() on purpose)
//     ... overrides of the virtual functions below ...
//   };
//   KLEST_REGISTER_DISTRIBUTION(Normal);
//
// Distributions are immutable after construction and safe to use from several threads.

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klest/params.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"
#include "klest/spec.hpp"

namespace klest {

/// A closed interval [lo, hi] of the real line; either end may be infinite. For a discrete
/// family it bounds the integers that can carry mass.
struct Interval {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool contains(const Interval& other) const { return lo <= other.lo && other.hi <= hi; }
};

/// How a 1-D continuous density decays on one unbounded side, as x -> +-infinity. Used to decide
/// whether E_P[-log q] is finite before integrating.
struct Tail {
  enum class Kind {
    bounded,      // the support ends on this side
    exp_power,    // log density ~ -c |x|^rate          (normal: 2, laplace/exponential/gamma: 1)
    lognormal,    // log density ~ -c (log |x|)^2       (all moments finite)
    double_exp,   // log density ~ -exp(rate |x|)       (gumbel's left tail)
    power,        // density ~ |x|^-(rate + 1)          (cauchy 1, student_t df, pareto alpha)
  };
  Kind kind = Kind::bounded;
  double rate = 0;  // as in the comments above
  double coef = 0;  // exp_power only: c in -c |x|^rate (laplace(scale=b): 1/b; normal: 1/(2 sd^2))
};

class Distribution {
 public:
  /// `params` as bound from the family's schema (owner = family key).
  explicit Distribution(Params params) : params_(std::move(params)) {}
  virtual ~Distribution() = default;
  Distribution(const Distribution&) = delete;
  Distribution& operator=(const Distribution&) = delete;

  const std::string& family() const { return params_.owner(); }
  const Params& params() const { return params_; }
  /// Canonical spec with every parameter, e.g. "normal(mean=0, sd=1)".
  std::string spec() const { return params_.label(); }

  virtual std::size_t dim() const = 0;
  /// continuous (density w.r.t. Lebesgue measure) or discrete (mass on integers).
  virtual Support kind() const = 0;
  /// log pdf (continuous) or log pmf (discrete) at x (dim() values), computed in log space;
  /// -inf outside the support (and at non-integers for discrete families). Never NaN for
  /// finite x.
  virtual double log_density(std::span<const double> x) const = 0;
  /// Draws one point into `out` (dim() values) from the caller's generator.
  virtual void sample(Rng& rng, std::span<double> out) const = 0;
  /// The support as the smallest box containing it: one interval per coordinate (the closure
  /// of the set where the density is positive). It must be the smallest such box: true_kl
  /// answers +inf when P's box is not inside Q's.
  virtual std::vector<Interval> support() const = 0;

  // ---- 1-D only (dim() == 1); used by quadrature and the infinite-KL checks -----------------
  /// Left and right tail behaviour (continuous families).
  virtual std::pair<Tail, Tail> tails() const { return {}; }
  /// Points where the density has structure (modes, kinks, component centres): quadrature
  /// splits there.
  virtual std::vector<double> landmarks() const { return {}; }
  /// A typical length of the distribution (a standard deviation or an interquartile range).
  virtual double scale() const { return 1; }

  /// n draws, row-major.
  Samples sample(Rng& rng, std::size_t n) const;

 protected:
  /// For composites: replace the stored parameters by canonical ones (nested specs with every
  /// default filled in) so that spec() is canonical.
  void set_params(Params p) { params_ = std::move(p); }

 private:
  Params params_;
};

/// What the registry knows about a family.
struct DistributionInfo {
  std::string name;
  std::string summary;
  ParamSpec params;
  Support kind = Support::continuous;
  std::string example;  // a valid spec, e.g. "gamma(shape=2, rate=1)"; the key if none is given
};

using DistributionFactory = std::function<std::unique_ptr<Distribution>(Params)>;

void register_distribution(DistributionInfo info, DistributionFactory make);
/// Every registered family, sorted by name.
std::vector<const DistributionInfo*> distribution_infos();
const DistributionInfo* find_distribution(std::string_view name);

/// Builds a distribution from a spec: "normal(0, 1)", "mvnormal(mean=[0,0], cov=[[1,0],[0,1]])".
/// Throws InputError naming the family and parameter at fault, ConfigError for bad syntax.
std::unique_ptr<Distribution> make_distribution(const Spec& spec);
std::unique_ptr<Distribution> make_distribution(std::string_view spec_text);

namespace detail {
template <class T>
bool register_family() {
  std::string example(T::key);
  if constexpr (requires { T::example; }) example = std::string(T::example);
  register_distribution(
      DistributionInfo{std::string(T::key), std::string(T::summary), T::schema(), T::family_kind,
                       std::move(example)},
      [](Params p) -> std::unique_ptr<Distribution> { return std::make_unique<T>(std::move(p)); });
  return true;
}
}  // namespace detail

}  // namespace klest

/// Registers a Distribution subclass at start-up. Use once, at namespace scope, in its file.
#define KLEST_REGISTER_DISTRIBUTION(T) \
  [[maybe_unused]] static const bool klest_registered_family_##T = \
      ::klest::detail::register_family<T>()

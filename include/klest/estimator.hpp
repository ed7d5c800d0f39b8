#pragma once
// The estimator interface and registry.
//
// An estimator is written as a plain struct (no base class) in `estimators/<key>.cpp` and
// registered with KLEST_REGISTER_ESTIMATOR, which checks it against the EstimatorImpl concept:
//
//   struct Knn {
//     static constexpr std::string_view key = "knn";
//     static constexpr std::string_view summary = "...";     // one line
//     static constexpr std::string_view reference = "...";   // the paper
//     static constexpr klest::Support accepts = klest::Support::continuous;
//     static constexpr std::string_view bibtex = "@article{...}";  // optional
//     static klest::ParamSpec params();
//     explicit Knn(const klest::Params&);
//     klest::Requirements requirements() const;
//     klest::Estimate estimate(klest::SampleView p, klest::SampleView q, klest::Rng&) const;
//   };
//   KLEST_REGISTER_ESTIMATOR(Knn);
//
// `estimate` may return double or Estimate and may omit the Rng& (only randomized estimators
// take one; they never make their own generator). It is const and must be safe to call from
// several threads at once. The wrapper checks the inputs against requirements() first, so the
// implementation may assume non-empty, finite samples of equal dimension and the sizes it asked
// for.

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "klest/params.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"
#include "klest/spec.hpp"

namespace klest {

/// What an estimator instance needs of its inputs; checked before it is called.
struct Requirements {
  Support support = Support::continuous;
  std::size_t min_p = 1;    // points in the sample from P
  std::size_t min_q = 1;    // points in the sample from Q
  std::size_t max_dim = 0;  // 0: no limit
};

/// Named numbers an estimate reports beside its value (points skipped, jitter width, ...),
/// in the order they were set.
class Diagnostics {
 public:
  void set(std::string key, double value);
  std::optional<double> get(std::string_view key) const;
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, double>> items_;
};

/// KL(P||Q) in nats. May be +inf (or -inf for estimators that can go there); never NaN.
struct Estimate {
  double value = 0;
  Diagnostics diag;
};

/// What the registry knows about an estimator family.
struct EstimatorInfo {
  std::string name;
  std::string summary;
  std::string reference;
  ParamSpec params;
  Support accepts = Support::continuous;
  std::string bibtex;  // a BibTeX entry for the reference (optional), for report bibliographies
};

/// One estimator with validated parameters.
class Estimator {
 public:
  Estimator(const EstimatorInfo& info, Params params)
      : info_(&info), params_(std::move(params)) {}
  virtual ~Estimator() = default;
  Estimator(const Estimator&) = delete;
  Estimator& operator=(const Estimator&) = delete;

  const EstimatorInfo& info() const { return *info_; }
  const Params& params() const { return params_; }
  /// The canonical label with every parameter, e.g. "knn(k=5, l=5, ties=error)".
  std::string label() const { return params_.label(); }
  virtual Requirements requirements() const = 0;
  /// About how many bytes one estimate on samples of n and m points in dimension d needs besides
  /// the samples, so that a job too large for the machine is refused before it starts. An
  /// implementation may declare `double memory_bytes(std::size_t n, std::size_t m,
  /// std::size_t d) const`; otherwise default_memory_bytes is assumed.
  virtual double memory_bytes(std::size_t n, std::size_t m, std::size_t d) const = 0;

  /// KL(P||Q) in nats from a sample of P and a sample of Q. Throws InputError naming this
  /// estimator's label when a sample is empty, holds NaN or infinite values, is smaller than
  /// requirements() asks, exceeds its max_dim, holds a non-integer value where it accepts only
  /// discrete data, or when the dimensions differ. Randomized estimators draw from `rng`.
  Estimate estimate(SampleView p, SampleView q, Rng& rng) const;
  /// As above with a generator seeded from default_seed.
  Estimate estimate(SampleView p, SampleView q) const;

 protected:
  virtual Estimate do_estimate(SampleView p, SampleView q, Rng& rng) const = 0;

 private:
  const EstimatorInfo* info_;
  Params params_;
};

using EstimatorFactory = std::function<std::unique_ptr<Estimator>(const EstimatorInfo&, Params)>;

/// Adds an estimator family. Throws std::logic_error if the name is taken (a build defect).
void register_estimator(EstimatorInfo info, EstimatorFactory make);
/// Every registered family, sorted by name.
std::vector<const EstimatorInfo*> estimator_infos();
/// The family called `name`, or nullptr.
const EstimatorInfo* find_estimator(std::string_view name);

/// Builds an estimator from a spec. Throws InputError for an unknown name (listing the known
/// ones) or a bad parameter (naming it and what is allowed), ConfigError for a malformed spec.
std::unique_ptr<Estimator> make_estimator(const Spec& spec);
std::unique_ptr<Estimator> make_estimator(std::string_view spec_text);
/// make_estimator("knn", {{"k", 5}})
std::unique_ptr<Estimator> make_estimator(std::string_view name, std::vector<SpecArg> args);

// ---------------------------------------------------------------------------------------------

template <class T>
concept EstimatorImpl =
    std::constructible_from<T, const Params&> &&
    requires(const T& t, SampleView x, Rng& rng) {
      { T::key } -> std::convertible_to<std::string_view>;
      { T::summary } -> std::convertible_to<std::string_view>;
      { T::reference } -> std::convertible_to<std::string_view>;
      { T::accepts } -> std::convertible_to<Support>;
      { T::params() } -> std::convertible_to<ParamSpec>;
      { t.requirements() } -> std::same_as<Requirements>;
    } &&
    (requires(const T& t, SampleView x) {
      { t.estimate(x, x) } -> std::convertible_to<Estimate>;
    } || requires(const T& t, SampleView x) {
      { t.estimate(x, x) } -> std::same_as<double>;
    } || requires(const T& t, SampleView x, Rng& rng) {
      { t.estimate(x, x, rng) } -> std::convertible_to<Estimate>;
    } || requires(const T& t, SampleView x, Rng& rng) {
      { t.estimate(x, x, rng) } -> std::same_as<double>;
    });

/// The footprint assumed for an estimator that does not state its own: a few copies of both
/// samples (scaled or whitened values, a search tree, per-point results).
inline double default_memory_bytes(std::size_t n, std::size_t m, std::size_t d) {
  return double(n + m) * (4 * 8 * double(d) + 64);
}

namespace detail {

inline Estimate as_estimate(Estimate e) { return e; }
inline Estimate as_estimate(double value) {
  Estimate e;
  e.value = value;
  return e;
}

template <EstimatorImpl T>
class EstimatorModel final : public Estimator {
 public:
  EstimatorModel(const EstimatorInfo& info, Params params)
      : Estimator(info, std::move(params)), impl_(this->params()) {}
  Requirements requirements() const override { return impl_.requirements(); }
  double memory_bytes(std::size_t n, std::size_t m, std::size_t d) const override {
    if constexpr (requires { impl_.memory_bytes(n, m, d); }) {
      return impl_.memory_bytes(n, m, d);
    } else {
      return default_memory_bytes(n, m, d);
    }
  }

 protected:
  Estimate do_estimate(SampleView p, SampleView q, Rng& rng) const override {
    if constexpr (requires { impl_.estimate(p, q, rng); }) {
      return as_estimate(impl_.estimate(p, q, rng));
    } else {
      (void)rng;
      return as_estimate(impl_.estimate(p, q));
    }
  }

 private:
  T impl_;
};

template <EstimatorImpl T>
bool register_impl() {
  std::string bibtex;
  if constexpr (requires { T::bibtex; }) bibtex = std::string(T::bibtex);
  register_estimator(
      EstimatorInfo{std::string(T::key), std::string(T::summary), std::string(T::reference),
                    T::params(), T::accepts, std::move(bibtex)},
      [](const EstimatorInfo& info, Params params) -> std::unique_ptr<Estimator> {
        return std::make_unique<EstimatorModel<T>>(info, std::move(params));
      });
  return true;
}

}  // namespace detail
}  // namespace klest

/// Registers an EstimatorImpl type at start-up. Use once, at namespace scope, in its file.
#define KLEST_REGISTER_ESTIMATOR(T) \
  [[maybe_unused]] static const bool klest_registered_##T = ::klest::detail::register_impl<T>()

// Finite mixture sum_k w_k P_k of components of one dimension and one kind.
//   log p(x) = log sum_k w_k p_k(x), by log-sum-exp over the components with w_k > 0
// Weights must be >= 0 and sum to 1 within 1e-9 (they are then divided by their sum).
// Sampling: a component is picked with probability w_k by one uniform draw, then sampled.
// Support: the bounding box of the positive-weight components' boxes; in 1-D each tail is the
// heaviest component tail on that side. No closed forms (the KL between mixtures has none
// even for Gaussian components: J. R. Hershey and P. A. Olsen, "Approximating the Kullback
// Leibler divergence between Gaussian mixture models", ICASSP 2007): the truth engine
// integrates (1-D), sums (discrete) or uses Monte Carlo.

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "detail/components.hpp"
#include "detail/scratch.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

[[noreturn]] void fail(const std::string& what) {
  throw klest::InputError("distribution 'mixture': " + what);
}

// Orders tails from light to heavy: bounded, double_exp, exp_power, lognormal, power.
bool heavier(const klest::Tail& a, const klest::Tail& b) {
  using K = klest::Tail::Kind;
  auto rank = [](K k) {
    switch (k) {
      case K::bounded: return 0;
      case K::double_exp: return 1;
      case K::exp_power: return 2;
      case K::lognormal: return 3;
      case K::power: return 4;
    }
    return 0;
  };
  if (rank(a.kind) != rank(b.kind)) return rank(a.kind) > rank(b.kind);
  if (a.kind == K::bounded) return false;
  if (a.rate != b.rate) return a.rate < b.rate;  // a slower decay
  return a.coef < b.coef;
}

class Mixture final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "mixture";
  static constexpr std::string_view summary =
      "finite mixture sum_k w_k P_k of components of one dimension and kind";
  static constexpr klest::Support family_kind = klest::Support::any;
  static constexpr std::string_view example =
      "mixture(weights=[0.3, 0.7], components=[normal(-2, 1), normal(2, 1)])";
  static klest::ParamSpec schema() {
    return {klest::param_value("weights", klest::ParamType::list,
                               "mixing weights [w_1, ..., w_K], >= 0, summing to 1"),
            klest::param_value("components", klest::ParamType::spec_list,
                               "component specs [P_1, ..., P_K], all of one dimension and kind")};
  }

  explicit Mixture(klest::Params p) : Distribution(std::move(p)) {
    const klest::SpecValue& wv = params().at("weights");
    for (const klest::SpecValue& e : wv.list()) {
      if (!e.is_number()) {
        fail("parameter 'weights' is " + klest::to_string(wv) + ", but must be a list of numbers");
      }
      weights_.push_back(e.number());
    }
    if (weights_.empty()) fail("parameter 'weights' is [], but must have at least one entry");
    double total = 0;
    for (std::size_t k = 0; k < weights_.size(); ++k) {
      if (!(weights_[k] >= 0)) {
        fail("parameter 'weights' has entry " + std::to_string(k + 1) + " = " +
             klest::format_number(weights_[k]) + ", but weights must be >= 0");
      }
      total += weights_[k];
    }
    if (!(std::abs(total - 1) <= 1e-9)) {
      fail("parameter 'weights' sums to " + klest::format_number(total) +
           ", but must sum to 1 (within 1e-9)");
    }
    const auto specs = params().get<std::vector<klest::Spec>>("components");
    if (specs.size() != weights_.size()) {
      fail("parameter 'components' has " + std::to_string(specs.size()) +
           " entries, but 'weights' has " + std::to_string(weights_.size()));
    }
    klest::SpecList canonical;
    for (std::size_t k = 0; k < specs.size(); ++k) {
      components_.push_back(klest::detail::make_component(
          specs[k], "distribution 'mixture': component " + std::to_string(k + 1) + ": "));
      const klest::Distribution& c = *components_.back();
      const klest::Distribution& first = *components_.front();
      if (c.dim() != first.dim()) {
        fail("component " + std::to_string(k + 1) + " ('" + c.spec() + "') has dimension " +
             std::to_string(c.dim()) + ", but component 1 ('" + first.spec() + "') has " +
             std::to_string(first.dim()));
      }
      if (c.kind() != first.kind()) {
        fail("component " + std::to_string(k + 1) + " ('" + c.spec() + "') is " +
             std::string(klest::to_string(c.kind())) + ", but component 1 ('" + first.spec() +
             "') is " + std::string(klest::to_string(first.kind())));
      }
      canonical.emplace_back(c.params().spec());
    }
    set_params(params().with("components", klest::SpecValue(std::move(canonical))));

    double cum = 0;
    for (double w : weights_) {
      log_weights_.push_back(std::log(w / total));
      cum += w / total;
      cumulative_.push_back(cum);
    }
  }

  std::size_t dim() const override { return components_.front()->dim(); }
  klest::Support kind() const override { return components_.front()->kind(); }

  double log_density(std::span<const double> x) const override {
    klest::detail::ScratchBuffer<32> terms(components_.size());
    double top = -inf;
    for (std::size_t k = 0; k < components_.size(); ++k) {
      terms[k] = weights_[k] > 0 ? log_weights_[k] + components_[k]->log_density(x) : -inf;
      top = std::max(top, terms[k]);
    }
    if (std::isinf(top)) return top;
    double sum = 0;
    for (std::size_t k = 0; k < components_.size(); ++k) sum += std::exp(terms[k] - top);
    return top + std::log(sum);
  }

  void sample(klest::Rng& rng, std::span<double> out) const override {
    const double u = klest::uniform01(rng);
    std::size_t pick = last_positive();
    for (std::size_t k = 0; k < cumulative_.size(); ++k) {
      if (weights_[k] > 0 && u < cumulative_[k]) {
        pick = k;
        break;
      }
    }
    components_[pick]->sample(rng, out);
  }

  std::vector<klest::Interval> support() const override {
    std::vector<klest::Interval> box(dim(), klest::Interval{inf, -inf});
    for (std::size_t k = 0; k < components_.size(); ++k) {
      if (weights_[k] == 0) continue;
      const auto s = components_[k]->support();
      for (std::size_t j = 0; j < box.size(); ++j) {
        box[j].lo = std::min(box[j].lo, s[j].lo);
        box[j].hi = std::max(box[j].hi, s[j].hi);
      }
    }
    return box;
  }

  std::pair<klest::Tail, klest::Tail> tails() const override {
    std::pair<klest::Tail, klest::Tail> out;
    bool first = true;
    for (std::size_t k = 0; k < components_.size(); ++k) {
      if (weights_[k] == 0) continue;
      const auto t = components_[k]->tails();
      if (first || heavier(t.first, out.first)) out.first = t.first;
      if (first || heavier(t.second, out.second)) out.second = t.second;
      first = false;
    }
    return out;
  }

  std::vector<double> landmarks() const override {
    std::vector<double> out;
    for (std::size_t k = 0; k < components_.size(); ++k) {
      if (weights_[k] == 0) continue;
      const auto l = components_[k]->landmarks();
      out.insert(out.end(), l.begin(), l.end());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  // The standard deviation of a mixture, with each component's scale as its sd and the mean
  // of its landmarks as its centre.
  double scale() const override {
    double within = 0, mean = 0, mean_sq = 0, wsum = 0;
    for (std::size_t k = 0; k < components_.size(); ++k) {
      if (weights_[k] == 0) continue;
      const double w = weights_[k];
      const double s = components_[k]->scale();
      within += w * s * s;
      const auto l = components_[k]->landmarks();
      if (l.empty()) continue;
      double c = 0;
      for (double x : l) c += x;
      c /= double(l.size());
      mean += w * c;
      mean_sq += w * c * c;
      wsum += w;
    }
    const double between =
        wsum > 0 ? std::max(0.0, mean_sq / wsum - (mean / wsum) * (mean / wsum)) : 0.0;
    const double v = within + between;
    return v > 0 && std::isfinite(v) ? std::sqrt(v) : 1.0;
  }

 private:
  std::size_t last_positive() const {
    std::size_t k = weights_.size() - 1;
    while (k > 0 && weights_[k] == 0) --k;
    return k;
  }

  std::vector<double> weights_, log_weights_, cumulative_;
  std::vector<std::unique_ptr<klest::Distribution>> components_;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Mixture);

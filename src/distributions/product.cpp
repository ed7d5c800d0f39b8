// Independent product P_1 x ... x P_K: the coordinates of x are split into consecutive blocks,
// block k of dimension dim(P_k) drawn from P_k independently.
//   log p(x) = sum_k log p_k(x_k)
// All components must be of one kind (continuous or discrete). Sampling: each block from its
// component, in order. Support: the concatenated boxes. A 1-component product is its component
// (tails, landmarks and scale delegate).
// Closed form: KL of independent products is the sum of the marginal KLs (the chain rule for
// relative entropy, T. M. Cover and J. A. Thomas, "Elements of Information Theory", 2nd ed.
// 2006, Thm 2.5.3; PyTorch and TFP do the same for Independent); registered for products with
// the same number of components and matching component dimensions, each term through
// klest::true_kl.

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/components.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw klest::InputError("distribution 'product': " + what);
}

class Product final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "product";
  static constexpr std::string_view summary =
      "independent product P_1 x ... x P_K (dimensions add; one kind)";
  static constexpr klest::Support family_kind = klest::Support::any;
  static constexpr std::string_view example = "product(components=[normal(0, 1), normal(1, 2)])";
  static klest::ParamSpec schema() {
    return {klest::param_value("components", klest::ParamType::spec_list,
                               "component specs [P_1, ..., P_K], all continuous or all discrete")};
  }

  explicit Product(klest::Params p) : Distribution(std::move(p)) {
    const auto specs = params().get<std::vector<klest::Spec>>("components");
    if (specs.empty()) fail("parameter 'components' is [], but must have at least one entry");
    klest::SpecList canonical;
    for (std::size_t k = 0; k < specs.size(); ++k) {
      components_.push_back(klest::detail::make_component(
          specs[k], "distribution 'product': component " + std::to_string(k + 1) + ": "));
      const klest::Distribution& c = *components_.back();
      const klest::Distribution& first = *components_.front();
      if (c.kind() != first.kind()) {
        fail("component " + std::to_string(k + 1) + " ('" + c.spec() + "') is " +
             std::string(klest::to_string(c.kind())) + ", but component 1 ('" + first.spec() +
             "') is " + std::string(klest::to_string(first.kind())));
      }
      offsets_.push_back(dim_);
      dim_ += c.dim();
      canonical.emplace_back(c.params().spec());
    }
    set_params(params().with("components", klest::SpecValue(std::move(canonical))));
  }

  std::size_t dim() const override { return dim_; }
  klest::Support kind() const override { return components_.front()->kind(); }

  double log_density(std::span<const double> x) const override {
    double sum = 0;
    for (std::size_t k = 0; k < components_.size(); ++k) {
      const double l = components_[k]->log_density(x.subspan(offsets_[k], components_[k]->dim()));
      if (l == -std::numeric_limits<double>::infinity()) return l;  // before any +inf makes NaN
      sum += l;
    }
    return sum;
  }

  void sample(klest::Rng& rng, std::span<double> out) const override {
    for (std::size_t k = 0; k < components_.size(); ++k) {
      components_[k]->sample(rng, out.subspan(offsets_[k], components_[k]->dim()));
    }
  }

  std::vector<klest::Interval> support() const override {
    std::vector<klest::Interval> box;
    for (const auto& c : components_) {
      const auto s = c->support();
      box.insert(box.end(), s.begin(), s.end());
    }
    return box;
  }

  std::pair<klest::Tail, klest::Tail> tails() const override {
    return components_.size() == 1 ? components_[0]->tails() : Distribution::tails();
  }
  std::vector<double> landmarks() const override {
    return components_.size() == 1 ? components_[0]->landmarks() : Distribution::landmarks();
  }
  double scale() const override {
    return components_.size() == 1 ? components_[0]->scale() : Distribution::scale();
  }

  const std::vector<std::unique_ptr<klest::Distribution>>& components() const {
    return components_;
  }

 private:
  std::vector<std::unique_ptr<klest::Distribution>> components_;
  std::vector<std::size_t> offsets_;
  std::size_t dim_ = 0;
};

// How exact a route is: the product reports the least exact of its terms.
int inexactness(klest::TruthMethod m) {
  switch (m) {
    case klest::TruthMethod::closed_form:
    case klest::TruthMethod::support:
    case klest::TruthMethod::tails: return 0;
    case klest::TruthMethod::summation: return 1;
    case klest::TruthMethod::quadrature: return 2;
    default: return 3;  // monte_carlo, and anything of unknown accuracy
  }
}

[[maybe_unused]] const bool registered_pairs = [] {
  klest::register_kl(
      {"product", "product",
       "sum of the component KLs for independent products (chain rule, Cover & Thomas 2006)"},
      [](const klest::Distribution& p, const klest::Distribution& q,
         const klest::TruthOptions& options) -> std::optional<klest::Truth> {
        const auto& a = dynamic_cast<const Product&>(p).components();
        const auto& b = dynamic_cast<const Product&>(q).components();
        if (a.size() != b.size()) return std::nullopt;
        for (std::size_t k = 0; k < a.size(); ++k) {
          if (a[k]->dim() != b[k]->dim()) return std::nullopt;
        }
        klest::Truth total{0, 0, klest::TruthMethod::closed_form, ""};
        std::string terms;
        for (std::size_t k = 0; k < a.size(); ++k) {
          const klest::Truth t = klest::true_kl(*a[k], *b[k], options);
          const std::string term = "component " + std::to_string(k + 1) + ": " +
                                   std::string(klest::to_string(t.method)) + " (" + t.detail + ")";
          if (std::isinf(t.value)) {
            return klest::Truth{t.value, 0, t.method, "sum of component KLs; " + term};
          }
          total.value += t.value;
          total.abs_error += t.abs_error;
          if (inexactness(t.method) > inexactness(total.method)) total.method = t.method;
          terms += (terms.empty() ? "" : "; ") + term;
        }
        total.detail = "sum of " + std::to_string(a.size()) + " component KLs; " + terms;
        return total;
      });
  return true;
}();

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Product);

// Categorical distribution on 0, ..., K-1 with probabilities probs = [p_0, ..., p_{K-1}], or
// weights = [w_0, ..., w_{K-1}] (>= 0, any positive finite sum) normalised to p_k = w_k / sum.
//   log p(k) = log p_k   (-inf where p_k = 0, outside 0..K-1 and at non-integers)
// The probabilities must be >= 0 and sum to 1 within 1e-9; they are then divided by their sum,
// so that the distribution used everywhere (density, sampler, closed form) sums to 1 up to
// rounding. spec() keeps the values as given. Zero-probability categories are allowed; the
// support is the range from the first to the last category with p_k > 0.
// Sampling: inverse CDF, a binary search of U = klest::uniform01 in the cumulative sums.
// Closed form:
//   categorical||categorical  sum over p_k > 0 of p_k log(p_k/q_k), the definition of the
//                             divergence (S. Kullback and R. A. Leibler, "On information and
//                             sufficiency", Ann. Math. Statist. 22, 1951); +inf where
//                             p_k > 0 = q_k, including categories beyond Q's K (TFP and PyTorch
//                             register it).

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "detail/closed_forms.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// The probabilities of a bound 'probs' or 'weights' parameter (exactly one of them given),
// checked and divided by their sum.
std::vector<double> normalised_probs(const klest::Params& params) {
  const bool by_weight = !params.at("weights").list().empty();
  const std::string name = by_weight ? "weights" : "probs";
  if (by_weight == !params.at("probs").list().empty()) {
    throw klest::InputError(
        "distribution 'categorical': give exactly one of 'probs' (summing to 1) and 'weights' "
        "(normalised to sum to 1)");
  }
  const klest::SpecValue& v = params.at(name);
  const std::string head = "distribution 'categorical': parameter '" + name + "'";
  std::vector<double> probs;
  for (const klest::SpecValue& e : v.list()) {
    if (!e.is_number()) {
      throw klest::InputError(head + " is " + klest::to_string(v) +
                              ", but must be a list of numbers");
    }
    probs.push_back(e.number());
  }
  double sum = 0;
  for (std::size_t k = 0; k < probs.size(); ++k) {
    if (!(probs[k] >= 0 && probs[k] < inf)) {
      throw klest::InputError(head + ": " + name + "[" + std::to_string(k) + "] is " +
                              klest::format_number(probs[k]) + ", but must be >= 0 and finite");
    }
    sum += probs[k];
  }
  if (by_weight) {
    if (!(sum > 0 && sum < inf)) {
      throw klest::InputError(head + " sums to " + klest::format_number(sum) +
                              ", but must have a positive, finite sum");
    }
  } else if (!(std::abs(sum - 1) <= 1e-9)) {
    throw klest::InputError(head + " sums to " + klest::format_number(sum) +
                            ", but must sum to 1 (within 1e-9; use 'weights' to normalise)");
  }
  for (double& p : probs) p /= sum;
  return probs;
}

class Categorical final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "categorical";
  static constexpr std::string_view summary =
      "categorical on 0, ..., K-1 with probabilities probs (or weights, normalised)";
  static constexpr klest::Support family_kind = klest::Support::discrete;
  static constexpr std::string_view example = "categorical(probs=[0.2, 0.3, 0.5])";
  static klest::ParamSpec schema() {
    return {klest::param_value("probs", klest::ParamType::list, klest::SpecList{},
                               "probabilities of 0, ..., K-1 (>= 0, summing to 1 within 1e-9; "
                               "divided by their sum)")
                .unlabelled_at_default(),
            klest::param_value("weights", klest::ParamType::list, klest::SpecList{},
                               "instead of probs: weights of 0, ..., K-1 (>= 0, any positive "
                               "sum), divided by their sum")
                .unlabelled_at_default()};
  }
  explicit Categorical(klest::Params p)
      : Distribution(std::move(p)), probs_(normalised_probs(params())) {
    const auto positive = [](double x) { return x > 0; };
    first_ = double(std::find_if(probs_.begin(), probs_.end(), positive) - probs_.begin());
    last_ = double(probs_.rend() - std::find_if(probs_.rbegin(), probs_.rend(), positive) - 1);
    double c = 0;
    for (double x : probs_) cum_.push_back(c += x);
    // Rounding may leave the total a little below 1: make every category from the last
    // positive one on end at exactly 1, so a draw never lands on a zero-probability category.
    std::fill(cum_.begin() + std::ptrdiff_t(last_), cum_.end(), 1.0);
    double mean = 0, var = 0, top = 0;
    for (std::size_t k = 0; k < probs_.size(); ++k) {
      mean += double(k) * probs_[k];
      top = std::max(top, probs_[k]);
    }
    for (std::size_t k = 0; k < probs_.size(); ++k) {
      var += probs_[k] * (double(k) - mean) * (double(k) - mean);
      if (probs_[k] == top) modes_.push_back(double(k));
    }
    sd_ = std::sqrt(var);
  }

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::discrete; }
  double log_density(std::span<const double> x) const override {
    const double k = x[0];
    if (!(k >= 0 && k < double(probs_.size())) || std::floor(k) != k) return -inf;
    return std::log(probs_[std::size_t(k)]);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    const double u = klest::uniform01(rng);
    out[0] = double(std::upper_bound(cum_.begin(), cum_.end(), u) - cum_.begin());
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{first_, last_}}; }
  std::vector<double> landmarks() const override { return modes_; }
  double scale() const override { return sd_; }

 private:
  std::vector<double> probs_, cum_, modes_;
  double first_ = 0, last_ = 0, sd_ = 0;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Categorical);

KLEST_REGISTER_KL("categorical", "categorical",
                  "definition: sum of p_k log(p_k/q_k) (Kullback & Leibler 1951); TFP and PyTorch",
                  [](const klest::Distribution& p, const klest::Distribution& q) -> klest::ClosedForm {
                    const std::vector<double> a = normalised_probs(p.params());
                    const std::vector<double> b = normalised_probs(q.params());
                    klest::ClosedForm kl = 0.0;
                    for (std::size_t k = 0; k < a.size(); ++k) {
                      if (a[k] == 0) continue;
                      if (k >= b.size() || b[k] == 0) return inf;
                      const double la = std::log(a[k]), lb = std::log(b[k]);
                      // each log carries an ulp of itself, and each p an ulp or two of the sum
                      kl = kl + klest::ClosedForm{a[k] * (la - lb),
                                                  a[k] * (std::abs(la) + std::abs(lb) + 2)};
                    }
                    return kl;
                  });

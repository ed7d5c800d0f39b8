// Chi-square distribution with k degrees of freedom (real k > 0): Gamma(shape k/2, rate 1/2).
//   log p(x) = (k/2 - 1) log x - x/2 - (k/2) log 2 - lgamma(k/2) for x > 0
// evaluated by the gamma family's density (the same code, so that chi2(k) and
// gamma(k/2, 1/2) agree to the last bit), and sampled as 2 G, G ~ Gamma(k/2, 1)
// (detail::log_gamma_variate).
// Closed forms, all the gamma KL (detail::gamma_kl, Penny 2001) at rate 1/2:
//   chi2‖chi2, chi2‖gamma  TFP registers them; gamma‖chi2  PyTorch, whose Chi2 is a Gamma.

#include <algorithm>
#include <cmath>
#include <limits>

#include "detail/closed_forms.hpp"
#include "detail/variates.hpp"
#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

class Chi2 final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "chi2";
  static constexpr std::string_view summary = "chi-square with df degrees of freedom "
                                              "(gamma(df/2, rate=1/2))";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "chi2(df=3)";
  static klest::ParamSpec schema() {
    return {klest::param("df", 1.0, "degrees of freedom k (real > 0; mean k)",
                         klest::Range{0.0, 1e300, true, false})
                .mandatory()};
  }
  explicit Chi2(klest::Params p)
      : Distribution(std::move(p)), df_(params().get<double>("df")),
        gamma_(klest::make_distribution("gamma(shape=" + klest::format_number(0.5 * df_) +
                                        ", rate=0.5)")) {}

  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    return gamma_->log_density(x);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    const double x = 2 * std::exp(klest::detail::log_gamma_variate(rng, 0.5 * df_));
    out[0] = std::max(x, std::numeric_limits<double>::denorm_min());
  }
  std::vector<klest::Interval> support() const override { return {{0.0, inf}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override { return gamma_->tails(); }
  std::vector<double> landmarks() const override { return gamma_->landmarks(); }
  double scale() const override { return gamma_->scale(); }

 private:
  double df_;
  std::unique_ptr<klest::Distribution> gamma_;
};

double half_df(const klest::Distribution& d) { return 0.5 * d.params().get<double>("df"); }

}  // namespace

KLEST_REGISTER_DISTRIBUTION(Chi2);

KLEST_REGISTER_KL("chi2", "chi2", "gamma KL at rate 1/2 (Penny 2001); TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::gamma_kl(half_df(p), 0.5, half_df(q), 0.5);
                  });

KLEST_REGISTER_KL("chi2", "gamma", "gamma KL, P at rate 1/2 (Penny 2001); TFP registers it",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::gamma_kl(half_df(p), 0.5,
                                                   q.params().get<double>("shape"),
                                                   q.params().get<double>("rate"));
                  });

KLEST_REGISTER_KL("gamma", "chi2",
                  "gamma KL, Q at rate 1/2 (Penny 2001); PyTorch (its Chi2 is a Gamma)",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    return klest::detail::gamma_kl(p.params().get<double>("shape"),
                                                   p.params().get<double>("rate"), half_df(q),
                                                   0.5);
                  });

// Tests of the truth engine itself: the order of routes, the infinite cases, quadrature and
// Monte Carlo against closed forms, and the registry. The families' own closed forms are tested
// in tests/distributions/.

#include <cmath>
#include <numbers>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// A Cauchy law written here by hand, independent of the library's families: density
// 1 / (pi s (1 + ((x - l)/s)^2)), power tails of index 1.
class HandCauchy final : public klest::Distribution {
 public:
  HandCauchy(double loc, double scale)
      : Distribution(klest::Params("hand_cauchy", {{"loc", loc}, {"scale", scale}})),
        loc_(loc), scale_(scale) {}
  std::size_t dim() const override { return 1; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double z = (x[0] - loc_) / scale_;
    return -std::log(std::numbers::pi * scale_) - std::log1p(z * z);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = loc_ + scale_ * std::tan(std::numbers::pi * (klest::uniform01(rng) - 0.5));
  }
  std::vector<klest::Interval> support() const override { return {klest::Interval{}}; }
  std::pair<klest::Tail, klest::Tail> tails() const override {
    const klest::Tail t{klest::Tail::Kind::power, 1, 0};
    return {t, t};
  }
  std::vector<double> landmarks() const override { return {loc_}; }
  double scale() const override { return scale_; }

 private:
  double loc_, scale_;
};

TEST(Truth, ClosedFormIsUsedFirstAndMatchesQuadrature) {
  const auto p = klest::make_distribution("normal(0.3, 1.5)");
  const auto q = klest::make_distribution("normal(-1, 0.7)");
  const auto closed = klest::true_kl(*p, *q);
  EXPECT_EQ(closed.method, klest::TruthMethod::closed_form);
  // By hand: log(0.7/1.5) + (1.5^2 + 1.3^2) / (2 * 0.49) - 1/2.
  const double by_hand = std::log(0.7 / 1.5) + (2.25 + 1.69) / 0.98 - 0.5;
  EXPECT_NEAR(closed.value, by_hand, 1e-14);
  const auto quad = klest::true_kl(*p, *q, {.use_closed_form = false});
  EXPECT_EQ(quad.method, klest::TruthMethod::quadrature);
  EXPECT_NEAR(quad.value, by_hand, 1e-10);
  EXPECT_LT(quad.abs_error, 1e-8);
}

TEST(Truth, HeavyTailedPAgainstGaussianQIsInfiniteByTails) {
  const HandCauchy c(0, 1);
  const auto n = klest::make_distribution("normal(0, 1)");
  const auto t = klest::true_kl(c, *n);
  EXPECT_EQ(t.value, INFINITY);
  EXPECT_EQ(t.method, klest::TruthMethod::tails);
  EXPECT_THAT(t.detail, HasSubstr("diverges in the left tail"));
}

// KL(N(0,1) || Cauchy(0,1)) = -H(N(0,1)) + E[log(pi (1 + X^2))]
// = -(1/2) log(2 pi e) + log(pi) + E[log(1 + X^2)]; E[log(1+X^2)] for X ~ N(0,1) is
// 0.533453179844134831... (mpmath 1.2.1, mp.dps = 30:
// quad(lambda x: npdf(x)*log(1+x**2), [-inf, 0, inf])), so KL = 0.259244532488862263...
TEST(Truth, LightTailedPAgainstHeavyTailedQIsIntegrated) {
  const auto n = klest::make_distribution("normal(0, 1)");
  const HandCauchy c(0, 1);
  const auto t = klest::true_kl(*n, c);
  EXPECT_EQ(t.method, klest::TruthMethod::quadrature);
  const double e_log = 0.53345317984413483;
  const double want = -0.5 * std::log(2 * std::numbers::pi * std::numbers::e) +
                      std::log(std::numbers::pi) + e_log;
  EXPECT_NEAR(want, 0.25924453248886226, 1e-15);
  EXPECT_NEAR(t.value, want, 1e-9);
}

TEST(Truth, DimensionMismatchIsAnError) {
  const auto n = klest::make_distribution("normal");
  class TwoD final : public klest::Distribution {
   public:
    TwoD() : Distribution(klest::Params("two_d", {})) {}
    std::size_t dim() const override { return 2; }
    klest::Support kind() const override { return klest::Support::continuous; }
    double log_density(std::span<const double>) const override { return 0; }
    void sample(klest::Rng&, std::span<double>) const override {}
    std::vector<klest::Interval> support() const override { return {{}, {}}; }
  } two;
  EXPECT_THAT([&] { klest::true_kl(*n, two); },
              ThrowsMessage<klest::InputError>(HasSubstr("dimensions differ")));
}

// N(mean, sd^2 I_2) written by hand; no closed form is registered for it, so true_kl takes the
// Monte Carlo route.
class HandGauss2 final : public klest::Distribution {
 public:
  HandGauss2(double mean, double sd)
      : Distribution(klest::Params("hand_gauss2", {{"mean", mean}, {"sd", sd}})),
        mean_(mean), sd_(sd) {}
  std::size_t dim() const override { return 2; }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    const double a = (x[0] - mean_) / sd_, b = (x[1] - mean_) / sd_;
    return -2 * std::log(sd_) - std::log(2 * std::numbers::pi) - 0.5 * (a * a + b * b);
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    out[0] = mean_ + sd_ * klest::standard_normal(rng);
    out[1] = mean_ + sd_ * klest::standard_normal(rng);
  }
  std::vector<klest::Interval> support() const override { return {{}, {}}; }

 private:
  double mean_, sd_;
};

TEST(Truth, MonteCarloAgreesWithTheClosedFormWithinItsStandardError) {
  const HandGauss2 p(0, 1), q(0.5, 1.5);
  // By hand: 2 * [log(1.5) + (1 + 0.25) / (2 * 2.25) - 1/2].
  const double want = 2 * (std::log(1.5) + 1.25 / 4.5 - 0.5);
  const auto t = klest::true_kl(p, q, {.mc_samples = 200000, .seed = 5});
  EXPECT_EQ(t.method, klest::TruthMethod::monte_carlo);
  EXPECT_NEAR(t.value, want, 5 * t.abs_error);
  // Var_P[log p/q] is about 0.41 here, so the standard error at N = 2e5 is about 1.4e-3.
  EXPECT_GT(t.abs_error, 3e-4);
  EXPECT_LT(t.abs_error, 3e-3);
}

TEST(Truth, MonteCarloDoesNotDependOnTheThreadCount) {
  const HandGauss2 p(0, 1), q(0.5, 1.5);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = klest::true_kl(p, q, {.mc_samples = 100000, .seed = 3});
  omp_set_num_threads(2);
  const auto two = klest::true_kl(p, q, {.mc_samples = 100000, .seed = 3});
  omp_set_num_threads(before);
  EXPECT_EQ(one.value, two.value);
  EXPECT_EQ(one.abs_error, two.abs_error);
}

TEST(Truth, KindMismatchIsInfiniteBySupport) {
  class Atom final : public klest::Distribution {
   public:
    Atom() : Distribution(klest::Params("atom", {})) {}
    std::size_t dim() const override { return 1; }
    klest::Support kind() const override { return klest::Support::discrete; }
    double log_density(std::span<const double> x) const override { return x[0] == 0 ? 0 : -INFINITY; }
    void sample(klest::Rng&, std::span<double> out) const override { out[0] = 0; }
    std::vector<klest::Interval> support() const override { return {{0, 0}}; }
  } atom;
  const auto n = klest::make_distribution("normal");
  EXPECT_EQ(klest::true_kl(atom, *n).method, klest::TruthMethod::support);
  EXPECT_EQ(klest::true_kl(*n, atom).value, INFINITY);
}

// The summation's error bound must cover rounding even when log p and log q nearly cancel:
// binomial(1000, 0.001) against poisson(1) has KL 2.5e-7 built from terms of order 1.
TEST(Truth, SummationErrorBoundCoversCancellingTerms) {
  for (const auto& [ps, qs] : {std::pair{"binomial(1000, 0.001)", "poisson(1)"},
                               std::pair{"poisson(3)", "poisson(4)"},
                               std::pair{"geometric(0.3)", "geometric(0.5)"}}) {
    const auto p = klest::make_distribution(ps), q = klest::make_distribution(qs);
    const auto closed = klest::true_kl(*p, *q);
    const auto summed = klest::true_kl(*p, *q, {.use_closed_form = false});
    ASSERT_EQ(summed.method, klest::TruthMethod::summation) << ps;
    EXPECT_LE(std::abs(summed.value - closed.value), summed.abs_error + closed.abs_error) << ps;
    EXPECT_LT(summed.abs_error, 1e-12 * std::max(1.0, closed.value)) << ps;
  }
}

TEST(Truth, RegistryListsPairsAndMethodsHaveNames) {
  bool found = false;
  for (const auto* pair : klest::kl_pairs()) {
    found |= pair->p_family == "normal" && pair->q_family == "normal";
    EXPECT_FALSE(pair->reference.empty()) << pair->p_family << "||" << pair->q_family;
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(klest::to_string(klest::TruthMethod::monte_carlo), "monte_carlo");
}

TEST(Distributions, UnknownFamilySuggestsTheNearestName) {
  EXPECT_THAT([] { klest::make_distribution("norml(0, 1)"); },
              ThrowsMessage<klest::InputError>(AllOf(HasSubstr("unknown distribution 'norml'"),
                                                     HasSubstr("did you mean 'normal'?"))));
  EXPECT_THAT([] { klest::make_distribution("normal(0, -1)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("distribution 'normal': parameter 'sd' is -1")));
}

}  // namespace

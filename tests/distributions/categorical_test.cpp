// Tests of the categorical family and its closed form categorical||categorical.

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

using ::testing::ElementsAre;

TEST(Categorical, LogDensityIsLogOfTheProbability) {
  const std::vector<double> probs{0.1, 0, 0.25, 0.4, 0.25};
  const auto d = make("categorical([0.1, 0, 0.25, 0.4, 0.25])");
  for (std::size_t k = 0; k < probs.size(); ++k) {
    const double x = double(k);
    EXPECT_EQ(d->log_density({&x, 1}), std::log(probs[k])) << k;  // log 0 = -inf for k = 1
  }
  for (double x : {-1.0, 5.0, 0.5, 2.25, 1e9, double(INFINITY), -double(INFINITY)}) {
    EXPECT_EQ(d->log_density({&x, 1}), -INFINITY) << x;
  }
}

TEST(Categorical, ProbabilitiesWithin1e9OfOneAreRenormalised) {
  const double sum = 0.2 + 0.3 + 0.5000000005;
  const auto d = make("categorical([0.2, 0.3, 0.5000000005])");
  const std::vector<double> probs{0.2, 0.3, 0.5000000005};
  for (std::size_t k = 0; k < probs.size(); ++k) {
    const double x = double(k);
    EXPECT_NEAR(d->log_density({&x, 1}), std::log(probs[k] / sum), 1e-15) << k;
  }
  EXPECT_EQ(d->spec(), "categorical(probs=[0.2, 0.3, 0.5000000005])");  // kept as given
}

TEST(Categorical, SupportLandmarksAndScale) {
  const auto d = make("categorical([0.1, 0, 0.25, 0.4, 0.25])");
  EXPECT_EQ(d->kind(), klest::Support::discrete);
  expect_support(*d, 0, 4);
  EXPECT_THAT(d->landmarks(), ElementsAre(3.0));
  // mean 0.5 + 1.2 + 1 = 2.7; E k^2 = 1 + 3.6 + 4 = 8.6
  EXPECT_NEAR(d->scale(), std::sqrt(8.6 - 2.7 * 2.7), 1e-15);
  // The smallest box: from the first to the last positive probability.
  const auto inner = make("categorical([0, 0.5, 0.5, 0])");
  expect_support(*inner, 1, 2);
  EXPECT_THAT(make("categorical([0.4, 0.2, 0.4])")->landmarks(), ElementsAre(0.0, 2.0));
}

// Chi-square goodness of fit on n = 20000 draws at a fixed seed, alpha = 0.001: the 5 positive
// categories are the bins, df = 4, critical value 18.47 (Boost's chi-square quantile;
// scipy.stats.chi2.isf(0.001, 4) = 18.4668). No draw may land on a zero-probability category.
TEST(Categorical, SamplerFitsThePmf) {
  const std::vector<double> probs{0, 0.05, 0.1, 0, 0.2, 0.4, 0.25, 0};
  const auto d = make("categorical([0, 0.05, 0.1, 0, 0.2, 0.4, 0.25, 0])");
  klest::Rng rng = klest::rng_for(20240611, {5});
  const klest::Samples s = d->sample(rng, 20000);
  for (double x : s.values()) {
    ASSERT_TRUE(x >= 0 && x < 8 && std::floor(x) == x) << x;
    ASSERT_GT(probs[std::size_t(x)], 0) << x;
  }
  expect_pooled_chi_square_passes(
      s, [&](double k) { return k < 8 ? probs[std::size_t(k)] : 0; }, 4, d->spec());
  double mean = 0, var = 0, m4 = 0;
  for (std::size_t k = 0; k < probs.size(); ++k) mean += double(k) * probs[k];
  for (std::size_t k = 0; k < probs.size(); ++k) {
    const double c = double(k) - mean;
    var += probs[k] * c * c;
    m4 += probs[k] * c * c * c * c;
  }
  expect_mean_and_variance_given_kurtosis(s.values(), mean, var, m4 / (var * var));
}

TEST(Categorical, RejectsBadParameters) {
  expect_rejected("categorical([0.5, 0.6])",
                  "distribution 'categorical': parameter 'probs' sums to 1.1, but must "
                  "sum to 1 (within 1e-9; use 'weights' to normalise)");
  expect_rejected("categorical([0.2, 0.3, 0.500000002])", "sums to 1.000000002");
  expect_rejected("categorical([0.5, -0.1, 0.6])",
                  "distribution 'categorical': parameter 'probs': probs[1] is -0.1, "
                  "but must be >= 0");
  expect_rejected("categorical([])", "give exactly one of 'probs'");
  expect_rejected("categorical([[0.5], [0.5]])", "must be a list of numbers");
  expect_rejected("categorical()", "give exactly one of 'probs' (summing to 1) and 'weights'");
  expect_rejected("categorical(probs=[0.5, 0.5], weights=[1, 1])", "give exactly one of");
  expect_rejected("categorical(weights=[0, 0])",
                  "parameter 'weights' sums to 0, but must have a positive, finite sum");
  expect_rejected("categorical(weights=[1, -2])", "weights[1] is -2, but must be >= 0");
  expect_rejected("categorical(weights=[1, inf])", "must be a list of numbers");
}

// weights= is probs= divided by the weights' sum: the same density, draws and KL.
TEST(Categorical, WeightsAreNormalised) {
  expect_canonical_spec_round_trips("categorical(weights=[2, 3, 5])",
                                    "categorical(weights=[2, 3, 5])");
  const auto w = make("categorical(weights=[2, 3, 5])");
  const auto p = make("categorical(probs=[0.2, 0.3, 0.5])");
  for (double k : {0.0, 1.0, 2.0}) {
    EXPECT_NEAR(w->log_density({&k, 1}), p->log_density({&k, 1}), 1e-15) << k;
  }
  const double outside = 3;
  EXPECT_EQ(w->log_density({&outside, 1}), -inf);
  klest::Rng a = klest::rng_for(3), b = klest::rng_for(3);
  const auto xa = w->sample(a, 200), xb = p->sample(b, 200);
  EXPECT_TRUE(std::equal(xa.values().begin(), xa.values().end(), xb.values().begin()));
  // mpmath, mp.dps = 30: sum(a*log(a/b)) with a = [2/10, 3/10, 5/10], b = [1/7, 2/7, 4/7]
  //   = 0.0151658002628108754473591928447
  const double kl = klest::true_kl(*w, *make("categorical(weights=[1e-300, 2e-300, 4e-300])")).value;
  EXPECT_NEAR(kl, 0.0151658002628108754473591928447, 1e-15);
}

TEST(Categorical, SpecRoundTrip) {
  expect_canonical_spec_round_trips("categorical([0.2, 0.3, 0.5])",
                                    "categorical(probs=[0.2, 0.3, 0.5])");
}

// Reference values: mpmath 1.2.1, mp.dps = 30:
//   sum(mpf(a)*log(mpf(a)/mpf(b)) for a, b in zip(P, Q) if mpf(a) > 0)
// with the probabilities below as decimal strings.
TEST(Categorical, ClosedFormMatchesSummationAndMpmath) {
  struct Case {
    const char *p, *q;
    double reference;
  };
  for (const Case& c :
       {Case{"categorical([0.2, 0.3, 0.5])", "categorical([0.4, 0.4, 0.2])",
             0.233211308089554192476551479794},
        Case{"categorical([0.7, 0.1, 0, 0.2])", "categorical([0.25, 0.25, 0.25, 0.25])",
             0.584475808576553310273666132934},
        Case{"categorical([0.5, 0.5])", "categorical([0.1, 0.2, 0.7])",
             1.2628643221541277198921432725}}) {
    expect_closed_form_matches_summation(c.p, c.q, c.reference);
  }
}

TEST(Categorical, InfiniteCases) {
  // Q's box [0, 0] does not hold P's [0, 1].
  {
    expect_infinite("categorical([0.5, 0.5, 0])", "categorical([1, 0, 0])",
                    klest::TruthMethod::support);
  }
  // P has categories beyond Q's K.
  {
    const auto p = make("categorical([0.5, 0.25, 0.25])"), q = make("categorical([0.5, 0.5])");
    EXPECT_EQ(klest::true_kl(*p, *q).method, klest::TruthMethod::support);
    EXPECT_EQ(klest::closed_form_kl(*p, *q)->value, INFINITY);
  }
  // The boxes nest, but q_1 = 0 < p_1: the closed form answers +inf, and so does the sum.
  {
    const auto p = make("categorical([0, 1, 0])"), q = make("categorical([0.5, 0, 0.5])");
    const klest::Truth closed = klest::true_kl(*p, *q);
    EXPECT_EQ(closed.value, INFINITY);
    EXPECT_EQ(closed.method, klest::TruthMethod::closed_form);
    const klest::Truth summed = klest::true_kl(*p, *q, {.use_closed_form = false});
    EXPECT_EQ(summed.value, INFINITY);
    EXPECT_EQ(summed.method, klest::TruthMethod::support);
  }
}

}  // namespace

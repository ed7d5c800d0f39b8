// Tests of the uniform_box family (a product of intervals) and its closed form
// uniform_box||uniform_box.

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

// The closed form agrees with Monte Carlo (use_closed_form = false, 20000 draws; d > 1) within
// 5 standard errors, and with a reference value. Inside a nested box log p - log q is constant,
// so the standard error is 0 and the agreement is to rounding (the 1e-12 allowance).
void expect_closed_form_mc(const std::string& p_spec, const std::string& q_spec, double reference) {
  expect_closed_form_matches_monte_carlo(p_spec, q_spec, 20000, klest::default_seed, 1e-12);
  expect_closed_form_near_reference(p_spec, q_spec, reference);
}

double log_density_at(const klest::Distribution& d, std::vector<double> x) {
  return d.log_density(x);
}

}  // namespace

TEST(UniformBox, LogDensityIsMinusLogVolume) {
  const auto d = make("uniform_box(low=[0, -1, 2], high=[1, 1, 2.5])");
  ASSERT_EQ(d->dim(), 3u);
  const double want = -std::log(1.0 * 2.0 * 0.5);
  EXPECT_DOUBLE_EQ(log_density_at(*d, {0.5, 0.0, 2.2}), want);
  EXPECT_DOUBLE_EQ(log_density_at(*d, {0.0, -1.0, 2.0}), want);  // closed box
  EXPECT_DOUBLE_EQ(log_density_at(*d, {1.0, 1.0, 2.5}), want);
  EXPECT_EQ(log_density_at(*d, {1.5, 0.0, 2.2}), -inf);
  EXPECT_EQ(log_density_at(*d, {0.5, -1.5, 2.2}), -inf);
  EXPECT_EQ(log_density_at(*d, {0.5, 0.0, std::nextafter(2.5, 3.0)}), -inf);
  EXPECT_EQ(log_density_at(*d, {0.5, 0.0, -inf}), -inf);
  // d = 1 is the uniform interval
  const auto one = make("uniform_box(low=[-2], high=[3])");
  EXPECT_DOUBLE_EQ(log_density_at(*one, {0.0}), -std::log(5.0));
}

TEST(UniformBox, SamplerPassesKolmogorovSmirnovAndMoments) {
  // Per coordinate: KS against the uniform cdf, n = 20000, the alpha = 0.001 critical value
  // 1.95/sqrt(n); mean and variance within 5 standard errors. Across coordinates: the mean
  // product of the standardised coordinates (their correlation, 0) within 5 standard errors.
  const std::size_t n = 20000;
  const std::vector<double> lo{0, -1, 100}, hi{1, 1, 100.5};
  const auto d = make("uniform_box(low=[0, -1, 100], high=[1, 1, 100.5])");
  klest::Rng rng = klest::rng_for(81);
  const klest::Samples s = d->sample(rng, n);
  ASSERT_EQ(s.dim(), 3u);
  std::vector<std::vector<double>> z(3);
  for (std::size_t j = 0; j < 3; ++j) {
    const std::vector<double> xs = column(s, j);
    const std::string coordinate = "coordinate " + std::to_string(j);
    EXPECT_TRUE(
        std::all_of(xs.begin(), xs.end(), [&](double x) { return x >= lo[j] && x <= hi[j]; }));
    expect_ks_passes(xs, [&](double x) { return (x - lo[j]) / (hi[j] - lo[j]); }, coordinate);
    const double mean = 0.5 * (lo[j] + hi[j]), var = (hi[j] - lo[j]) * (hi[j] - lo[j]) / 12;
    expect_mean_and_variance(xs, mean, var, coordinate);
    for (double x : xs) z[j].push_back((x - mean) / std::sqrt(var));
  }
  for (auto [a, b] : {std::pair{0, 1}, {0, 2}, {1, 2}}) {
    std::vector<double> prod;
    for (std::size_t i = 0; i < n; ++i) prod.push_back(z[a][i] * z[b][i]);
    expect_moment(prod, [](double x) { return x; }, 0.0,
                  "correlation " + std::to_string(a) + std::to_string(b));
  }
}

TEST(UniformBox, SupportAndSpec) {
  expect_canonical_spec_round_trips("uniform_box(low=[0, -1], high=[1, 3])",
                                    "uniform_box(low=[0, -1], high=[1, 3])");
  const auto d = make("uniform_box(low=[0, -1], high=[1, 3])");
  const auto box = d->support();
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box[0].lo, 0);
  EXPECT_EQ(box[0].hi, 1);
  EXPECT_EQ(box[1].lo, -1);
  EXPECT_EQ(box[1].hi, 3);
}

TEST(UniformBox, RejectsBadParameters) {
  expect_rejected("uniform_box(low=[0, 0], high=[1, 0])",
                  "distribution 'uniform_box': parameter 'high[1]' is 0, but must be > low[1] (0)");
  expect_rejected("uniform_box(low=[0, 0], high=[1, 1, 1])",
                  "distribution 'uniform_box': parameter 'high' has 3 numbers, "
                  "but must have as many as 'low' (2)");
  expect_rejected("uniform_box(low=[], high=[])",
                  "parameter 'low' is [], but must have at least one number");
  expect_rejected("uniform_box(low=[[0, 1]], high=[1, 2])",
                  "distribution 'uniform_box': parameter 'low' is [[0, 1]], "
                  "but must be a list of numbers");
  expect_rejected("uniform_box(low=[0])", "parameter 'high' is required");
  expect_rejected("uniform_box(low=[-1e308], high=[1e308])", "must be finite");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(UniformBox, ClosedFormUniformBoxUniformBox) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=1/mpf(2); q=1/mpf(6); print(quad(lambda x,y: p*log(p/q), [0, 1], [0, 2]))"
  expect_closed_form_mc("uniform_box(low=[0, 0], high=[1, 2])",
                        "uniform_box(low=[-1, 0], high=[2, 2])", 1.09861228866810969139524523692);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=1/(mpf(0.5)*2*mpf(0.5)); q=1/(mpf(3)*3*3); print(quad(lambda x,y,z: p*log(p/q), [0.5, 1], [-1, 1], [2, 2.5]))"
  expect_closed_form_mc("uniform_box(low=[0.5, -1, 2], high=[1, 1, 2.5])",
                        "uniform_box(low=[0, -2, 1], high=[3, 1, 4])",
                        3.98898404656427438360296783223);
  // d = 1: the numerical route is quadrature; the value is uniform||uniform's, log(3/1.5).
  const auto p1 = make("uniform_box(low=[0.5], high=[2])"),
             q1 = make("uniform_box(low=[0], high=[3])");
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; p=lambda x: 1/mpf(1.5); q=lambda x: 1/mpf(3); print(quad(lambda x: p(x)*log(p(x)/q(x)), [0.5, 2]))"
  EXPECT_NEAR(klest::true_kl(*p1, *q1).value, 0.693147180559945309417232121458, 1e-15);
  const klest::Truth quad = klest::true_kl(*p1, *q1, {.use_closed_form = false});
  EXPECT_EQ(quad.method, klest::TruthMethod::quadrature);
  // (the same reference as above)
  EXPECT_NEAR(quad.value, 0.693147180559945309417232121458, 1e-10);
  // Not nested in one coordinate: +inf, whatever the others do.
  const auto p = make("uniform_box(low=[0, 0], high=[1, 2])");
  const auto q = make("uniform_box(low=[-5, 0.5], high=[5, 9])");
  EXPECT_EQ(klest::closed_form_kl(*p, *q)->value, inf);
  const klest::Truth t = klest::true_kl(*p, *q);
  EXPECT_EQ(t.value, inf);
  EXPECT_EQ(t.method, klest::TruthMethod::support);
  EXPECT_NEAR(klest::true_kl(*q, *q).value, 0, 0);
  EXPECT_THAT([&] { klest::true_kl(*p, *q1); },
              ::testing::ThrowsMessage<klest::InputError>(
                  ::testing::HasSubstr("dimensions differ")));
}

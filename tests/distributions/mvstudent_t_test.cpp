// Tests of the multivariate Student t family (df, loc, scale matrix).

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <boost/math/distributions/students_t.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

// d = 1 is the univariate t: Boost's students_t pdf of (x - loc)/s, over s.
TEST(MvStudentT, OneDimensionMatchesBoostStudentsT) {
  for (double df : {0.7, 3.0, 30.0}) {
    const double loc = 1.5, s = 2.0;
    const auto d = make("mvstudent_t(df=" + klest::format_number(df) + ", loc=[1.5], scale=[[4]])");
    const boost::math::students_t_distribution<double> ref(df);
    for (double x : {-40.0, -3.0, 0.0, 1.5, 2.0, 9.0, 1e4}) {
      const double want = std::log(boost::math::pdf(ref, (x - loc) / s) / s);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

// Reference: mpmath at 30 digits of lgamma((df + d)/2) - lgamma(df/2) - d/2 log(df pi)
// - log det(S)/2 - (df + d)/2 log(1 + q/df), q = (x - loc)' S^-1 (x - loc).
TEST(MvStudentT, LogDensityMatchesMpmath) {
  const auto d = make("mvstudent_t(df=5, loc=[1, -1], scale=[[2, 0.5], [0.5, 1]])");
  const std::vector<double> x{0.3, 0.4};
  EXPECT_NEAR(d->log_density(x), -3.7975238207232195544431370835, 1e-13);
}

// Every projection v'X is a univariate t with df, location v'loc and scale sqrt(v'Sv): KS
// against Boost's students_t cdf (n = 20000, alpha = 0.001).
TEST(MvStudentT, SamplerProjectionsAreUnivariateT) {
  const std::vector<double> loc{1, -2, 0.5};
  const std::vector<std::vector<double>> scale{{2, 0.6, -0.5}, {0.6, 1, 0.3}, {-0.5, 0.3, 0.8}};
  for (double df : {1.0, 4.5}) {
    const auto d = make("mvstudent_t(df=" + klest::format_number(df) +
                        ", loc=[1, -2, 0.5], scale=[[2, 0.6, -0.5], [0.6, 1, 0.3], "
                        "[-0.5, 0.3, 0.8]])");
    const std::size_t n = 20000;
    klest::Rng rng = klest::rng_for(23);
    const klest::Samples s = d->sample(rng, n);
    const boost::math::students_t_distribution<double> ref(df);
    for (const std::vector<double>& v : std::vector<std::vector<double>>{
             {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.5, -1, 2}}) {
      double mu = 0, var = 0;
      for (std::size_t a = 0; a < 3; ++a) {
        mu += v[a] * loc[a];
        for (std::size_t b = 0; b < 3; ++b) var += v[a] * scale[a][b] * v[b];
      }
      const double sd = std::sqrt(var);
      expect_ks_passes(projection(s, v),
                       [&](double y) { return boost::math::cdf(ref, (y - mu) / sd); },
                       d->spec() + " projection " + std::to_string(v[0]) + ", " +
                           std::to_string(v[1]) + ", " + std::to_string(v[2]));
    }
  }
}

TEST(MvStudentT, SpecDefaultsAndBadParameters) {
  expect_canonical_spec_round_trips("mvstudent_t(df=3, loc=[0, 0])",
                                    "mvstudent_t(df=3, loc=[0, 0], scale=[[1, 0], [0, 1]])");
  expect_rejected("mvstudent_t(df=0, loc=[0])", "parameter 'df' is 0");
  expect_rejected("mvstudent_t(df=2, loc=[0, 0], scale=[[1, 2], [2, 1]])",
                  "distribution 'mvstudent_t': scale is not positive definite");
  expect_rejected("mvstudent_t(df=2, loc=[], scale=[])", "parameter 'loc' is []");
  expect_rejected("mvstudent_t(df=2, loc=[0, 0], scale=[[1]])", "parameter 'scale' has 1 rows");
}

// KL(P||P) is 0, and a t against the normal with the same scale matrix is positive and finite
// for df > 2 (Monte Carlo).
TEST(MvStudentT, TruthByMonteCarlo) {
  const auto t = make("mvstudent_t(df=5, loc=[0, 0])");
  const klest::Truth self = klest::true_kl(*t, *t, {.mc_samples = 10000});
  EXPECT_EQ(self.value, 0);
  const klest::Truth vs_normal =
      klest::true_kl(*t, *make("mvnormal(mean=[0, 0])"), {.mc_samples = 100000});
  EXPECT_EQ(vs_normal.method, klest::TruthMethod::monte_carlo);
  EXPECT_GT(vs_normal.value, 0);
  EXPECT_TRUE(std::isfinite(vs_normal.value));
}

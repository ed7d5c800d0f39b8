// Tests of the inverse gamma family (shape, SCALE) and its closed form
// inverse_gamma||inverse_gamma.

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/math/distributions/inverse_gamma.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(InverseGamma, LogDensityMatchesBoost) {
  for (auto [shape, scale] : {std::pair{0.3, 2.0}, {1.0, 0.5}, {2.5, 3.0}, {9.5, 1.0},
                              {37.0, 0.25}, {1e3, 7.0}}) {
    const auto d = make("inverse_gamma(shape=" + klest::format_number(shape) +
                        ", scale=" + klest::format_number(scale) + ")");
    const boost::math::inverse_gamma_distribution<double> ref(shape, scale);
    const double mode = scale / (shape + 1);
    int compared = 0;
    for (double f : {0.05, 0.3, 0.8, 1.0, 1.2, 2.0, 5.0, 50.0}) {
      const double x = mode * f;
      const double pdf = boost::math::pdf(ref, x);
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
      ++compared;
    }
    EXPECT_GE(compared, 4) << d->spec();
    EXPECT_EQ(log_density(*d, 0.0), -inf);
    EXPECT_EQ(log_density(*d, -1.0), -inf);
  }
}

TEST(InverseGamma, SamplerPassesKolmogorovSmirnov) {
  // KS against Boost's cdf, n = 20000, alpha = 0.001; the mean scale/(shape - 1) within 5
  // standard errors where the variance is finite (shape > 4 so that the estimated standard
  // error is itself stable).
  const std::size_t n = 20000;
  std::uint64_t seed = 13;
  for (auto [shape, scale] : {std::pair{0.5, 1.0}, {3.0, 2.0}, {10.0, 0.1}}) {
    const auto d = make("inverse_gamma(" + klest::format_number(shape) + ", " +
                        klest::format_number(scale) + ")");
    const boost::math::inverse_gamma_distribution<double> ref(shape, scale);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x > 0 && x < inf; }));
    expect_ks_passes(xs, [&](double x) { return boost::math::cdf(ref, x); }, d->spec());
    if (shape > 4) expect_moment(xs, [](double x) { return x; }, scale / (shape - 1), d->spec());
  }
}

TEST(InverseGamma, SupportTailsSpecAndBadParameters) {
  expect_canonical_spec_round_trips("inverse_gamma(3)", "inverse_gamma(shape=3, scale=1)");
  const auto d = make("inverse_gamma(3, 2)");
  expect_support(*d, 0, inf);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::power);
  EXPECT_EQ(d->tails().second.rate, 3);
  expect_rejected("inverse_gamma(shape=0)", "distribution 'inverse_gamma': parameter 'shape' is 0");
  expect_rejected("inverse_gamma(2, scale=-1)", "parameter 'scale' is -1");
  // A heavy right tail against a normal: E_P[x^2] is infinite for shape <= 2.
  const auto t = klest::true_kl(*make("inverse_gamma(1.5)"), *make("normal(0, 1)"));
  EXPECT_EQ(t.value, inf);
  EXPECT_EQ(t.method, klest::TruthMethod::tails);
}

// Reference values: mpmath quadrature at 30 digits of p log(p/q) with
//   ig = lambda a, b: (lambda x: exp(a*log(b) - loggamma(a) - (a+1)*log(x) - b/x))
// over [0, 0.5, 1, 5, inf] (and [0, 0.5, 1, 5, 100, inf] for the heavy-tailed pair).
TEST(InverseGamma, ClosedFormInverseGammaInverseGamma) {
  expect_closed_form("inverse_gamma(3, 2)", "inverse_gamma(2.5, 1)",
                     0.285795808862070693455086806829);
  expect_closed_form("inverse_gamma(0.8, 1.5)", "inverse_gamma(1.2, 0.5)",
                     0.933571071347700241599484550658);
}

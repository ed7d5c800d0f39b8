// Tests of the categorical family and its closed form categorical||categorical.

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::unique_ptr<klest::Distribution> make(const char* spec) {
  return klest::make_distribution(spec);
}

// Pearson's chi-square of integer draws against `pmf` on 0, 1, 2, ...: adjacent values are
// pooled until a bin expects at least 5 draws; the last bin takes everything above. The
// critical value is the chi-square(df = bins - 1) quantile at alpha = 0.001.
struct ChiSquare {
  double stat = 0, critical = 0;
  int df = 0;
};
ChiSquare chi_square(const klest::Samples& s, const std::function<double(double)>& pmf) {
  const double n = double(s.rows());
  std::map<double, double> count;
  for (double x : s.values()) count[x] += 1;
  std::vector<double> obs, expect;
  double mass_closed = 0, obs_closed = 0, bin_obs = 0, bin_exp = 0;
  for (double k = 0;; k += 1) {
    bin_exp += n * pmf(k);
    if (auto it = count.find(k); it != count.end()) bin_obs += it->second;
    if (n * (1 - mass_closed) - bin_exp < 5) break;
    if (bin_exp >= 5) {
      obs.push_back(bin_obs);
      expect.push_back(bin_exp);
      mass_closed += bin_exp / n;
      obs_closed += bin_obs;
      bin_obs = bin_exp = 0;
    }
  }
  obs.push_back(n - obs_closed);
  expect.push_back(n * (1 - mass_closed));
  if (expect.back() < 5 && expect.size() > 1) {
    obs[obs.size() - 2] += obs.back();
    expect[expect.size() - 2] += expect.back();
    obs.pop_back();
    expect.pop_back();
  }
  ChiSquare r;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    r.stat += (obs[i] - expect[i]) * (obs[i] - expect[i]) / expect[i];
  }
  r.df = int(obs.size()) - 1;
  r.critical = boost::math::quantile(
      boost::math::complement(boost::math::chi_squared_distribution<double>(r.df), 0.001));
  return r;
}

// Sample mean and variance within 5 standard errors of the true ones; the variance's standard
// error is sigma^2 sqrt((kurtosis - 1)/n), kurtosis = mu_4/sigma^4.
void expect_moments(const klest::Samples& s, double mean, double var, double kurtosis) {
  const double n = double(s.rows());
  double m = 0, v = 0;
  for (double x : s.values()) m += x;
  m /= n;
  for (double x : s.values()) v += (x - m) * (x - m);
  v /= n - 1;
  EXPECT_NEAR(m, mean, 5 * std::sqrt(var / n));
  EXPECT_NEAR(v, var, 5 * var * std::sqrt((kurtosis - 1) / n));
}

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
  EXPECT_EQ(d->support()[0].lo, 0);
  EXPECT_EQ(d->support()[0].hi, 4);
  EXPECT_THAT(d->landmarks(), ElementsAre(3.0));
  // mean 0.5 + 1.2 + 1 = 2.7; E k^2 = 1 + 3.6 + 4 = 8.6
  EXPECT_NEAR(d->scale(), std::sqrt(8.6 - 2.7 * 2.7), 1e-15);
  // The smallest box: from the first to the last positive probability.
  const auto inner = make("categorical([0, 0.5, 0.5, 0])");
  EXPECT_EQ(inner->support()[0].lo, 1);
  EXPECT_EQ(inner->support()[0].hi, 2);
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
  const ChiSquare chi = chi_square(s, [&](double k) { return k < 8 ? probs[std::size_t(k)] : 0; });
  EXPECT_EQ(chi.df, 4);
  EXPECT_LT(chi.stat, chi.critical);
  double mean = 0, var = 0, m4 = 0;
  for (std::size_t k = 0; k < probs.size(); ++k) mean += double(k) * probs[k];
  for (std::size_t k = 0; k < probs.size(); ++k) {
    const double c = double(k) - mean;
    var += probs[k] * c * c;
    m4 += probs[k] * c * c * c * c;
  }
  expect_moments(s, mean, var, m4 / (var * var));
}

TEST(Categorical, RejectsBadParameters) {
  EXPECT_THAT([] { make("categorical([0.5, 0.6])"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'categorical': parameter 'probs' sums to 1.1, but must "
                            "sum to 1 (within 1e-9)")));
  EXPECT_THAT([] { make("categorical([0.2, 0.3, 0.500000002])"); },
              ThrowsMessage<klest::InputError>(HasSubstr("sums to 1.000000002")));
  EXPECT_THAT([] { make("categorical([0.5, -0.1, 0.6])"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("distribution 'categorical': parameter 'probs': probs[1] is -0.1, "
                            "but must be >= 0")));
  EXPECT_THAT([] { make("categorical([])"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'probs' is [], but must")));
  EXPECT_THAT([] { make("categorical([[0.5], [0.5]])"); },
              ThrowsMessage<klest::InputError>(HasSubstr("must be a list of numbers")));
  EXPECT_THAT([] { make("categorical()"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'probs' is required")));
}

TEST(Categorical, SpecRoundTrip) {
  const auto d = make("categorical([0.2, 0.3, 0.5])");
  EXPECT_EQ(d->spec(), "categorical(probs=[0.2, 0.3, 0.5])");
  EXPECT_EQ(make(d->spec().c_str())->spec(), d->spec());
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
    const auto p = make(c.p), q = make(c.q);
    const klest::Truth closed = klest::true_kl(*p, *q);
    EXPECT_EQ(closed.method, klest::TruthMethod::closed_form);
    EXPECT_NEAR(closed.value, c.reference, 1e-12 * c.reference) << c.p << " || " << c.q;
    const klest::Truth summed = klest::true_kl(*p, *q, {.use_closed_form = false});
    EXPECT_EQ(summed.method, klest::TruthMethod::summation);
    EXPECT_NEAR(summed.value, closed.value, 1e-10 * closed.value + summed.abs_error)
        << c.p << " || " << c.q;
  }
}

TEST(Categorical, InfiniteCases) {
  // Q's box [0, 0] does not hold P's [0, 1].
  {
    const auto p = make("categorical([0.5, 0.5, 0])"), q = make("categorical([1, 0, 0])");
    const klest::Truth t = klest::true_kl(*p, *q);
    EXPECT_EQ(t.value, INFINITY);
    EXPECT_EQ(t.method, klest::TruthMethod::support);
    EXPECT_EQ(klest::closed_form_kl(*p, *q)->value, INFINITY);
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

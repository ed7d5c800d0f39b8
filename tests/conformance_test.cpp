// Checks every registered estimator against the same contract: registration matches the files
// in estimators/, labels round-trip, bad input is rejected naming the estimator, the same seed
// gives the same answer, concurrent calls and thread counts agree, and KL(P||P) is near 0.
// Each estimator gets the data it accepts, in 2-D (1-D if its max_dim is 1): Gaussian points
// for continuous estimators, integer points for discrete ones, and both (as two cases) for
// estimators that accept either, unless their default parameters narrow it to one kind. The
// wrapper's own checks of the data kind are tested on small stand-in estimators at the end.

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>
#include <ostream>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "testing.hpp"

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::vector<std::string> keys() {
  std::vector<std::string> out;
  for (const auto* info : klest::estimator_infos()) out.push_back(info->name);
  return out;
}

TEST(Conformance, RegisteredKeysMatchTheEstimatorFiles) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(KLEST_SOURCE_DIR "/estimators")) {
    if (entry.path().extension() == ".cpp") files.insert(entry.path().stem().string());
  }
  const auto k = keys();
  EXPECT_EQ(std::set<std::string>(k.begin(), k.end()), files);
}

// One estimator and the kind of data it is tested on.
struct Case {
  std::string key;
  klest::Support kind;
};

// Every key with each kind of data its default instance accepts: accepts == any gives two
// cases unless the default parameters narrow requirements().support to one kind.
std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto* info : klest::estimator_infos()) {
    klest::Support s = info->accepts;
    try {
      if (s == klest::Support::any) {
        s = klest::make_estimator(info->name, {})->requirements().support;
      }
    } catch (const std::exception&) {
      // A default that cannot be built fails DescribesItself; test both kinds meanwhile.
    }
    if (s == klest::Support::any) {
      out.push_back({info->name, klest::Support::continuous});
      out.push_back({info->name, klest::Support::discrete});
    } else {
      out.push_back({info->name, s});
    }
  }
  return out;
}

// The integer analogue of N(mean, 1): each coordinate on 0, ..., 3 with probabilities
// proportional to (.4, .3, .2, .1) * e^(mean k), an exponential tilt, so mean = 0 gives
// (.4, .3, .2, .1) and mean > 0 moves mass upwards while every category keeps some.
std::vector<double> tilted_probs(double mean) {
  std::vector<double> p = {0.4, 0.3, 0.2, 0.1};
  double total = 0;
  for (std::size_t k = 0; k < p.size(); ++k) total += p[k] *= std::exp(mean * double(k));
  for (double& v : p) v /= total;
  return p;
}

// n points in dimension d of the kind asked for: N(mean, I_d), or the tilted categorical
// law on {0, ..., 3}^d.
klest::Samples draw(klest::Support kind, klest::Rng& rng, std::size_t n, std::size_t d,
                    double mean = 0) {
  if (kind == klest::Support::discrete) {
    return klest::testing::categorical(rng, n, d, tilted_probs(mean));
  }
  return klest::testing::gauss(rng, n, d, mean, 1);
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.key << " on " << klest::to_string(c.kind) << " data";
}

class EveryEstimator : public ::testing::TestWithParam<Case> {
 protected:
  std::unique_ptr<klest::Estimator> make() const {
    return klest::make_estimator(GetParam().key, {});
  }
  klest::Samples sample(klest::Rng& rng, std::size_t n, std::size_t d, double mean = 0) const {
    return draw(GetParam().kind, rng, n, d, mean);
  }
  // The dimension of the test data: 2, or 1 for estimators limited to 1-D data.
  std::size_t dim() const { return std::min<std::size_t>(2, max_dim(*make())); }
  static std::size_t max_dim(const klest::Estimator& e) {
    const std::size_t m = e.requirements().max_dim;
    return m == 0 ? std::numeric_limits<std::size_t>::max() : m;
  }
};

TEST_P(EveryEstimator, DescribesItself) {
  const auto* info = klest::find_estimator(GetParam().key);
  ASSERT_NE(info, nullptr);
  EXPECT_FALSE(info->summary.empty());
  EXPECT_FALSE(info->reference.empty());
  for (const auto& p : info->params) EXPECT_FALSE(p.help.empty()) << p.name;
  // The canonical label parses back to the same estimator.
  const auto est = make();
  EXPECT_EQ(klest::make_estimator(est->label())->label(), est->label());
  // What the wrapper checks (requirements) agrees with what the registry advertises (accepts);
  // an estimator for either kind may narrow it per instance.
  if (info->accepts != klest::Support::any) {
    EXPECT_EQ(est->requirements().support, info->accepts)
        << "requirements().support is " << klest::to_string(est->requirements().support)
        << ", accepts is " << klest::to_string(info->accepts);
  }
}

TEST_P(EveryEstimator, RejectsShortAndMismatchedSamplesNamingItself) {
  const auto est = make();
  const auto req = est->requirements();
  const std::size_t d = dim();
  klest::Rng rng = klest::rng_for(1);
  const auto big = sample(rng, 200, d);
  if (req.min_p > 1) {
    EXPECT_THAT([&] { est->estimate(sample(rng, req.min_p - 1, d), big); },
                ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
  }
  if (req.min_q > 1) {
    EXPECT_THAT([&] { est->estimate(big, sample(rng, req.min_q - 1, d)); },
                ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
  }
  EXPECT_THAT([&] { est->estimate(big, sample(rng, 200, d + 1)); },
              ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
  EXPECT_THAT([&] { est->estimate(klest::Samples(), big); },
              ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
  if (req.max_dim != 0) {
    const auto wide = sample(rng, 200, req.max_dim + 1);
    EXPECT_THAT([&] { est->estimate(wide, wide); },
                ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
  }
  if (req.support == klest::Support::discrete) {
    // Non-integer data, in either sample, is refused before the estimator runs.
    const auto real = klest::testing::gauss(rng, 200, d);
    EXPECT_THAT([&] { est->estimate(real, big); },
                ThrowsMessage<klest::InputError>(
                    AllOf(HasSubstr(est->label()), HasSubstr("sample from p: row 1"))));
    EXPECT_THAT([&] { est->estimate(big, real); },
                ThrowsMessage<klest::InputError>(
                    AllOf(HasSubstr(est->label()), HasSubstr("sample from q: row 1"))));
  }
}

TEST_P(EveryEstimator, SameSeedSameAnswer) {
  const auto est = make();
  klest::Rng rng = klest::rng_for(2);
  const auto p = sample(rng, 500, dim()), q = sample(rng, 500, dim(), 0.3);
  klest::Rng a = klest::rng_for(9), b = klest::rng_for(9);
  EXPECT_EQ(est->estimate(p, q, a).value, est->estimate(p, q, b).value);
}

TEST_P(EveryEstimator, ConcurrentCallsAgree) {
  const auto est = make();
  klest::Rng rng = klest::rng_for(3);
  const auto p = sample(rng, 3000, dim()), q = sample(rng, 3000, dim(), 0.3);
  const double serial = est->estimate(p, q).value;
  std::vector<double> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] { got[t] = est->estimate(p, q).value; });
  }
  for (auto& t : threads) t.join();
  for (double g : got) EXPECT_EQ(g, serial);
}

// Internal threads (outside a parallel region) must not change the answer: terms are reduced in
// index order.
TEST_P(EveryEstimator, ThreadCountDoesNotChangeTheResult) {
  const auto est = make();
  klest::Rng rng = klest::rng_for(5);
  const auto p = sample(rng, 6000, dim()), q = sample(rng, 5000, dim(), 0.5);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const double serial = est->estimate(p, q).value;
  omp_set_num_threads(2);
  const double parallel = est->estimate(p, q).value;
  omp_set_num_threads(before);
  EXPECT_EQ(serial, parallel);
}

// Independent samples of one law (N(0, I_2), or the categorical law on {0, ..., 3}^2 with its
// 16 cells; 1-D for estimators limited to it): the truth is 0. Allowance: 4 replicate standard
// errors plus 0.02 for finite-sample bias (the discrete plug-in's is (K - 1)/(2n) + (K - 1)/(2m)
// = 0.015 here, ESTIMATORS.md 4.1).
TEST_P(EveryEstimator, SameDistributionIsNearZero) {
  const auto est = make();
  const klest::Support kind = GetParam().kind;
  const std::size_t d = dim();
  const auto r = klest::testing::replicate(
      *est, [kind, d](klest::Rng& g) { return draw(kind, g, 1000, d); },
      [kind, d](klest::Rng& g) { return draw(kind, g, 1000, d); }, 20, 4);
  SCOPED_TRACE(r.seed_note());
  EXPECT_NEAR(r.mean, 0.0, 0.02 + 4 * r.std_error);
}

// Named by key; an estimator that accepts either kind gets _continuous or _discrete after it,
// for the kind of data of the case.
INSTANTIATE_TEST_SUITE_P(Registry, EveryEstimator, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                           const auto* e = klest::find_estimator(info.param.key);
                           if (e->accepts != klest::Support::any) return info.param.key;
                           return info.param.key + (info.param.kind == klest::Support::discrete
                                                        ? "_discrete"
                                                        : "_continuous");
                         });

// A stand-in estimator for the wrapper's checks of the data kind: it accepts `S` and returns
// the number of points of p. Never registered (the keys must match the files).
template <klest::Support S>
struct StandIn {
  static constexpr std::string_view key = "stand_in";
  static constexpr std::string_view summary = "wrapper test stand-in";
  static constexpr std::string_view reference = "none";
  static constexpr klest::Support accepts = S;
  static klest::ParamSpec params() { return {}; }
  explicit StandIn(const klest::Params&) {}
  klest::Requirements requirements() const { return {.support = S}; }
  klest::Estimate estimate(klest::SampleView p, klest::SampleView) const {
    klest::Estimate e;
    e.value = double(p.rows());
    return e;
  }
};

template <klest::Support S>
std::unique_ptr<klest::Estimator> stand_in() {
  static const klest::EstimatorInfo info{"stand_in", "wrapper test stand-in", "none", {}, S, ""};
  return std::make_unique<klest::detail::EstimatorModel<StandIn<S>>>(
      info, klest::Params("stand_in", {}));
}

TEST(Wrapper, DiscreteEstimatorsRejectNonIntegersNamingSampleRowAndValue) {
  using klest::testing::rows;
  const auto est = stand_in<klest::Support::discrete>();
  const auto ints = rows({0, 1, -3, 7, 1e300, -0.0}, 2);
  EXPECT_EQ(est->estimate(ints, ints).value, 3);  // negative, huge and -0 are integers too
  EXPECT_THAT([&] { est->estimate(rows({0, 1, 2, 3, 4, 2.5}, 2), ints); },
              ThrowsMessage<klest::InputError>(HasSubstr(
                  "estimator 'stand_in()': sample from p: row 3, column 2 is 2.5, but it accepts "
                  "only integer values")));
  EXPECT_THAT([&] { est->estimate(ints, rows({0, 1, 3.000000001, 3}, 2)); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("sample from q: row 2, column 1 is 3.000000001,")));
  EXPECT_THAT([&] { est->estimate(ints, rows({-0.5, 0}, 2)); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("sample from q: row 1, column 1 is -0.5,")));
}

// Integer-valued data is legitimate input for continuous estimators (rounded measurements);
// repeated points are theirs to handle (knn's ties), so the wrapper lets it through.
TEST(Wrapper, ContinuousAndEitherKindEstimatorsTakeIntegersAndReals) {
  const auto ints = klest::testing::rows({0, 1, 2, 2}, 1);
  const auto reals = klest::testing::rows({0.5, 1.25}, 1);
  const std::unique_ptr<klest::Estimator> ests[] = {stand_in<klest::Support::continuous>(),
                                                     stand_in<klest::Support::any>()};
  for (const auto& est : ests) {
    EXPECT_EQ(est->estimate(ints, reals).value, 4);
    EXPECT_EQ(est->estimate(reals, ints).value, 2);
  }
}

TEST(Registry, UnknownEstimatorListsTheKnownOnes) {
  EXPECT_THAT([] { klest::make_estimator("knnn(k=1)"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("unknown estimator 'knnn' (known: "), HasSubstr("knn"), HasSubstr("did you mean 'knn'?"))));
}

}  // namespace

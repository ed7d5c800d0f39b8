// Checks every registered estimator against the same contract: registration matches the files
// in estimators/, labels round-trip, bad input is rejected naming the estimator, the same seed
// gives the same answer, concurrent calls and thread counts agree, and KL(P||P) is near 0.

#include <filesystem>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "testing.hpp"

namespace {

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

class EveryEstimator : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<klest::Estimator> make() const { return klest::make_estimator(GetParam(), {}); }
};

TEST_P(EveryEstimator, DescribesItself) {
  const auto* info = klest::find_estimator(GetParam());
  ASSERT_NE(info, nullptr);
  EXPECT_FALSE(info->summary.empty());
  EXPECT_FALSE(info->reference.empty());
  for (const auto& p : info->params) EXPECT_FALSE(p.help.empty()) << p.name;
  // The canonical label parses back to the same estimator.
  const auto est = make();
  EXPECT_EQ(klest::make_estimator(est->label())->label(), est->label());
}

TEST_P(EveryEstimator, RejectsShortAndMismatchedSamplesNamingItself) {
  const auto est = make();
  const auto req = est->requirements();
  klest::Rng rng = klest::rng_for(1);
  const auto big = klest::testing::gauss(rng, 200, 2);
  if (req.min_p > 1) {
    EXPECT_THAT([&] { est->estimate(klest::testing::gauss(rng, req.min_p - 1, 2), big); },
                ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
  }
  EXPECT_THAT([&] { est->estimate(big, klest::testing::gauss(rng, 200, 3)); },
              ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
  EXPECT_THAT([&] { est->estimate(klest::Samples(), big); },
              ThrowsMessage<klest::InputError>(HasSubstr(est->label())));
}

TEST_P(EveryEstimator, SameSeedSameAnswer) {
  const auto est = make();
  klest::Rng rng = klest::rng_for(2);
  const auto p = klest::testing::gauss(rng, 500, 2), q = klest::testing::gauss(rng, 500, 2, 0.3, 1);
  klest::Rng a = klest::rng_for(9), b = klest::rng_for(9);
  EXPECT_EQ(est->estimate(p, q, a).value, est->estimate(p, q, b).value);
}

TEST_P(EveryEstimator, ConcurrentCallsAgree) {
  const auto est = make();
  klest::Rng rng = klest::rng_for(3);
  const auto p = klest::testing::gauss(rng, 3000, 2), q = klest::testing::gauss(rng, 3000, 2, 0.3, 1);
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
  const auto p = klest::testing::gauss(rng, 6000, 2), q = klest::testing::gauss(rng, 5000, 2, 0.5, 1);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const double serial = est->estimate(p, q).value;
  omp_set_num_threads(2);
  const double parallel = est->estimate(p, q).value;
  omp_set_num_threads(before);
  EXPECT_EQ(serial, parallel);
}

// Independent samples of N(0, I_2): the truth is 0. Allowance: 4 replicate standard errors
// plus 0.02 for finite-sample bias.
TEST_P(EveryEstimator, SameDistributionIsNearZero) {
  const auto est = make();
  const auto r = klest::testing::replicate(
      *est, [](klest::Rng& g) { return klest::testing::gauss(g, 1000, 2); },
      [](klest::Rng& g) { return klest::testing::gauss(g, 1000, 2); }, 20, 4);
  SCOPED_TRACE(r.seed_note());
  EXPECT_NEAR(r.mean, 0.0, 0.02 + 4 * r.std_error);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryEstimator, ::testing::ValuesIn(keys()),
                         [](const auto& info) { return info.param; });

TEST(Registry, UnknownEstimatorListsTheKnownOnes) {
  EXPECT_THAT([] { klest::make_estimator("knnn(k=1)"); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("unknown estimator 'knnn' (known: "), HasSubstr("knn"), HasSubstr("did you mean 'knn'?"))));
}

}  // namespace

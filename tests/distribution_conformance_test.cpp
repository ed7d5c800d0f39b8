// Checks every registered distribution family against the same contract: registration matches
// the files in src/distributions/, the example spec round-trips, draws lie in the support and
// have finite log density, the same seed gives the same draws, and KL(P||P) = 0.

#include <cmath>
#include <filesystem>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

std::vector<std::string> families() {
  std::vector<std::string> out;
  for (const auto* info : klest::distribution_infos()) out.push_back(info->name);
  return out;
}

TEST(DistributionConformance, RegisteredFamiliesMatchTheFiles) {
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(KLEST_SOURCE_DIR "/src/distributions")) {
    if (e.path().extension() == ".cpp") files.insert(e.path().stem().string());
  }
  const auto f = families();
  EXPECT_EQ(std::set<std::string>(f.begin(), f.end()), files);
}

class EveryFamily : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<klest::Distribution> make() const {
    return klest::make_distribution(klest::find_distribution(GetParam())->example);
  }
};

TEST_P(EveryFamily, ExampleBuildsAndItsSpecRoundTrips) {
  const auto d = make();
  EXPECT_EQ(d->family(), GetParam());
  EXPECT_EQ(klest::make_distribution(d->spec())->spec(), d->spec());
  EXPECT_EQ(d->support().size(), d->dim());
  for (const auto& p : klest::find_distribution(GetParam())->params) {
    EXPECT_FALSE(p.help.empty()) << p.name;
  }
}

TEST_P(EveryFamily, DrawsLieInTheSupportWithFiniteLogDensity) {
  const auto d = make();
  klest::Rng rng = klest::rng_for(1);
  const auto s = d->sample(rng, 2000);
  const auto box = d->support();
  for (std::size_t i = 0; i < s.rows(); ++i) {
    const auto x = s.row(i);
    for (std::size_t j = 0; j < d->dim(); ++j) {
      ASSERT_TRUE(std::isfinite(x[j])) << "row " << i;
      ASSERT_GE(x[j], box[j].lo) << "row " << i;
      ASSERT_LE(x[j], box[j].hi) << "row " << i;
      if (d->kind() == klest::Support::discrete) {
        ASSERT_EQ(x[j], std::round(x[j]));
      }
    }
    const double lp = d->log_density(x);
    ASSERT_TRUE(std::isfinite(lp)) << "row " << i << ": log density " << lp;
  }
}

TEST_P(EveryFamily, SameSeedSameDraws) {
  const auto d = make();
  klest::Rng a = klest::rng_for(7), b = klest::rng_for(7);
  const auto x = d->sample(a, 100), y = d->sample(b, 100);
  EXPECT_TRUE(std::equal(x.values().begin(), x.values().end(), y.values().begin()));
}

TEST_P(EveryFamily, DivergenceFromItselfIsZero) {
  const auto d = make();
  const auto t = klest::true_kl(*d, *d, {.mc_samples = 20000});
  EXPECT_NEAR(t.value, 0.0, 1e-9 + 5 * t.abs_error) << klest::to_string(t.method) << ": " << t.detail;
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryFamily, ::testing::ValuesIn(families()),
                         [](const auto& info) { return info.param; });

}  // namespace

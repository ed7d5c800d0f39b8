#include "klest/rng.hpp"

#include <boost/random/normal_distribution.hpp>
#include <vector>

namespace klest {

Rng rng_for(std::uint64_t seed, std::initializer_list<std::uint32_t> coords) {
  // std::seed_seq's mixing is specified exactly by the standard, so streams are portable.
  std::vector<std::uint32_t> words{std::uint32_t(seed), std::uint32_t(seed >> 32)};
  words.insert(words.end(), coords.begin(), coords.end());
  std::seed_seq seq(words.begin(), words.end());
  return Rng(seq);
}

double uniform01(Rng& rng) { return double(rng() >> 11) * 0x1.0p-53; }

double standard_normal(Rng& rng) {
  boost::random::normal_distribution<double> normal;
  return normal(rng);
}

}  // namespace klest

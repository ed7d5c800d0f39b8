// Fuzz target: the experiment-file reader, klest::parse_experiment (TOML through toml++, then
// every key, value, distribution and estimator spec checked). On success the spec must satisfy
// what the harness relies on, and reading the same text again must give the same digest.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz.hpp"
#include "klest/experiment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  klest::fuzz::expect_only_klest_errors([&] {
    const klest::ExperimentSpec s = klest::parse_experiment(text, "fuzz.toml");
    if (s.sizes.empty() || s.pairs.empty() || s.estimators.empty() || s.replications == 0)
      klest::fuzz::finding("parse_experiment accepted an experiment with nothing to run");
    for (std::size_t i = 0; i < s.sizes.size(); ++i) {
      if (s.sizes[i] == 0 || s.m_for(i) == 0) klest::fuzz::finding("a sample size is 0");
    }
    if (s.text != text) klest::fuzz::finding("the stored text differs from the input");
    if (klest::parse_experiment(text, "fuzz.toml").hash != s.hash)
      klest::fuzz::finding("the same text gives a different digest");
  });
  return 0;
}

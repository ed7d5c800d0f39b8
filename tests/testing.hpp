#pragma once
// Helpers shared by the test suites: seeded Gaussian samples, replication statistics, and
// running the klest command.

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "klest/estimator.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"

namespace klest::testing {

/// n points of N(mean, sd^2 I_d), the mean added to every coordinate.
inline Samples gauss(Rng& rng, std::size_t n, std::size_t d, double mean = 0, double sd = 1) {
  Samples s(n, d);
  for (double& v : s.values()) v = mean + sd * standard_normal(rng);
  return s;
}

/// The values `v` as rows of dimension d (v.size() must be a multiple of d).
inline Samples rows(std::vector<double> v, std::size_t d) {
  const std::size_t n = v.size() / d;
  return Samples(std::move(v), n, d);
}

/// Uniform points in [0, 1)^d.
inline Samples uniform(Rng& rng, std::size_t n, std::size_t d) {
  Samples s(n, d);
  for (double& v : s.values()) v = uniform01(rng);
  return s;
}

/// n points of dimension d with integer coordinates, each drawn independently from the
/// categorical law `probs` on 0, ..., K-1 (inverse CDF of one uniform01 per coordinate; probs
/// should sum to 1, the last category takes any remainder).
inline Samples categorical(Rng& rng, std::size_t n, std::size_t d,
                           const std::vector<double>& probs) {
  Samples s(n, d);
  for (double& v : s.values()) {
    const double u = uniform01(rng);
    double cum = 0;
    std::size_t k = 0;
    while (k + 1 < probs.size() && u >= (cum += probs[k])) ++k;
    v = double(k);
  }
  return s;
}

struct Replicates {
  std::vector<double> values;
  double mean = 0, sd = 0, std_error = 0;
  std::uint64_t seed = 0;
  std::string seed_note() const { return "seed " + std::to_string(seed); }
};

/// Mean, standard deviation and standard error of the mean of an estimator over `reps`
/// independent draws of (p, q), each side from its own seeded stream.
inline Replicates replicate(const Estimator& est,
                            const std::function<Samples(Rng&)>& draw_p,
                            const std::function<Samples(Rng&)>& draw_q, std::size_t reps,
                            std::uint64_t seed) {
  Replicates r;
  r.seed = seed;
  for (std::size_t i = 0; i < reps; ++i) {
    Rng rp = rng_for(seed, {std::uint32_t(i), 0});
    Rng rq = rng_for(seed, {std::uint32_t(i), 1});
    Rng re = rng_for(seed, {std::uint32_t(i), 2});
    r.values.push_back(est.estimate(draw_p(rp), draw_q(rq), re).value);
  }
  for (double v : r.values) r.mean += v;
  r.mean /= double(reps);
  double ss = 0;
  for (double v : r.values) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / double(reps - 1));
  r.std_error = r.sd / std::sqrt(double(reps));
  return r;
}

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

/// Runs the klest binary with `args` (already shell-quoted), capturing stdout and stderr.
CommandResult run_klest(const std::string& args);
/// The same after `shell_prefix`, shell text run first in the same shell: "OMP_NUM_THREADS=0"
/// (an environment for klest) or "ulimit -f 8;" (a limit).
CommandResult run_klest(const std::string& args, const std::string& shell_prefix);

/// Shell-quotes one argument.
std::string quote(const std::string& s);

}  // namespace klest::testing

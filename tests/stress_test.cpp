// Data races in the OpenMP paths, checked by their effect. ThreadSanitizer is not used: it cannot
// see the synchronisation inside GCC's OpenMP runtime (libgomp is not built with it), so every
// parallel region would be reported as a race unless an instrumented runtime were built from
// source. Instead each parallel path runs many times at 1, 2 and 4 threads (dynamic schedules,
// so the interleaving changes from run to run) and every result must be identical to the last
// bit: a race on shared state, a reduction in thread order or a slot written by the wrong
// thread shows up as a difference, and under the sanitize preset memory errors in the threads
// as an ASan report. The paths: an estimator's internal parallel_for (every registered
// estimator, sizes above parallel_for's serial cut-off of 2048 points), several callers at
// once each with its own thread count, the Monte Carlo truth, and the experiment harness's
// loop over replications. A few seconds in a release build.

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/experiment.hpp"
#include "klest/truth.hpp"
#include "testing.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int thread_counts[] = {1, 2, 4};
constexpr int rounds = 2;

// Restores the calling thread's OpenMP thread count.
class ThreadCount {
 public:
  ThreadCount() : before_(omp_get_max_threads()) {}
  ~ThreadCount() { omp_set_num_threads(before_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int before_;
};

// An estimate as exact bits: the value, then every diagnostic's name and value.
std::string bits(const klest::Estimate& e) {
  std::ostringstream out;
  out << std::bit_cast<std::uint64_t>(e.value);
  for (const auto& [key, value] : e.diag.items()) out << ' ' << key << '=' << std::bit_cast<std::uint64_t>(value);
  return out.str();
}

std::string bits(const klest::Truth& t) {
  return std::to_string(std::bit_cast<std::uint64_t>(t.value)) + ' ' +
         std::to_string(std::bit_cast<std::uint64_t>(t.abs_error)) + ' ' + t.detail;
}

// One estimator spec and the kind of data it runs on.
struct Case {
  std::string spec;
  klest::Support kind;
  bool grid = false;  // continuous values rounded to a grid, with ties
};

// Every registered estimator with its defaults, on each kind of data its default instance
// accepts (both for `any`), and k-NN with jitter (which draws from the Rng).
std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto* info : klest::estimator_infos()) {
    const klest::Support s = klest::make_estimator(info->name)->requirements().support;
    if (s != klest::Support::discrete) out.push_back({info->name, klest::Support::continuous});
    if (s != klest::Support::continuous) out.push_back({info->name, klest::Support::discrete});
  }
  if (klest::find_estimator("knn")) {
    out.push_back({"knn(k=4, l=2, ties=jitter)", klest::Support::continuous, true});
  }
  return out;
}

// n = 3000 points of P puts every per-point loop over P above parallel_for's cut-off; Q is
// smaller to keep the quadratic estimators (kde) quick. Continuous values are Gaussian (on a
// 1e-3 grid for the jitter case, so that it has ties to break); discrete ones on {0, ..., 3}^d.
// Dimension 2, or 1 for estimators limited to it.
struct Data {
  klest::Samples p, q;
  Data(const klest::Estimator& est, const Case& c) {
    const klest::Support kind = c.kind;
    const auto req = est.requirements();
    const std::size_t d = req.max_dim == 1 ? 1 : 2;
    const std::size_t n = std::max<std::size_t>(3000, req.min_p);
    const std::size_t m = std::max<std::size_t>(500, req.min_q);
    klest::Rng rng = klest::rng_for(41);
    if (kind == klest::Support::discrete) {
      p = klest::testing::categorical(rng, n, d, {0.4, 0.3, 0.2, 0.1});
      q = klest::testing::categorical(rng, m, d, {0.25, 0.25, 0.25, 0.25});
      return;
    }
    p = klest::testing::gauss(rng, n, d);
    q = klest::testing::gauss(rng, m, d, 0.4, 1.2);
    if (!c.grid) return;
    for (double& v : p.values()) v = std::round(v * 1000) / 1000;
    for (double& v : q.values()) v = std::round(v * 1000) / 1000;
  }
};

// The estimate's bits, or the message of the error it stops with (which must not depend on the
// thread count either: it names the first offending row).
std::string run(const klest::Estimator& est, const Data& d) {
  klest::Rng rng = klest::rng_for(7);
  try {
    return bits(est.estimate(d.p, d.q, rng));
  } catch (const klest::Error& e) {
    return std::string("error: ") + e.what();
  }
}

std::string name(const Case& c) {
  return c.spec + " on " + std::string(klest::to_string(c.kind)) + " data";
}

TEST(Stress, EstimatorsGiveIdenticalBytesOnOneTwoAndFourThreads) {
  const ThreadCount restore;
  for (const Case& c : cases()) {
    SCOPED_TRACE(name(c));
    const auto est = klest::make_estimator(c.spec);
    const Data d(*est, c);
    omp_set_num_threads(1);
    const std::string reference = run(*est, d);
    for (int r = 0; r < rounds; ++r) {
      for (int t : thread_counts) {
        omp_set_num_threads(t);
        EXPECT_EQ(run(*est, d), reference) << t << " threads, round " << r;
      }
    }
  }
}

// Three callers at once, each with its own OpenMP thread count (a per-thread setting), all
// using the same estimator objects and data: shared state inside an estimator would show here.
TEST(Stress, ConcurrentCallersWithDifferentThreadCountsAgree) {
  const auto all = cases();
  std::vector<std::unique_ptr<klest::Estimator>> estimators;
  std::vector<Data> data;
  std::vector<std::string> reference;
  {
    const ThreadCount restore;
    omp_set_num_threads(1);
    for (const Case& c : all) {
      estimators.push_back(klest::make_estimator(c.spec));
      data.emplace_back(*estimators.back(), c);
      reference.push_back(run(*estimators.back(), data.back()));
    }
  }
  std::vector<std::vector<std::string>> got(std::size(thread_counts));
  std::vector<std::thread> callers;
  for (std::size_t c = 0; c < std::size(thread_counts); ++c) {
    callers.emplace_back([&, c] {
      omp_set_num_threads(thread_counts[c]);
      for (std::size_t k = 0; k < all.size(); ++k) got[c].push_back(run(*estimators[k], data[k]));
    });
  }
  for (auto& t : callers) t.join();
  for (std::size_t c = 0; c < got.size(); ++c) {
    ASSERT_EQ(got[c].size(), all.size());
    for (std::size_t k = 0; k < all.size(); ++k) {
      EXPECT_EQ(got[c][k], reference[k])
          << "caller with " << thread_counts[c] << " threads, " << name(all[k]);
    }
  }
}

// 2-D, so no quadrature: Monte Carlo in chunks through parallel_for, combined in chunk order.
TEST(Stress, MonteCarloTruthGivesIdenticalBytesOnOneTwoAndFourThreads) {
  const auto p = klest::make_distribution("mvnormal(mean=[0, 0], cov=[[1, 0.5], [0.5, 2]])");
  const auto q = klest::make_distribution("mvnormal(mean=[1, 0])");
  klest::TruthOptions o;
  o.use_closed_form = false;
  o.mc_samples = 150'000;  // 10 chunks of 2^14
  o.seed = 3;
  const ThreadCount restore;
  omp_set_num_threads(1);
  const klest::Truth first = klest::true_kl(*p, *q, o);
  ASSERT_EQ(first.method, klest::TruthMethod::monte_carlo);
  const std::string reference = bits(first);
  for (int r = 0; r < rounds; ++r) {
    for (int t : thread_counts) {
      omp_set_num_threads(t);
      EXPECT_EQ(bits(klest::true_kl(*p, *q, o)), reference) << t << " threads, round " << r;
    }
  }
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// summary.csv without its last column (median_seconds), which is a timing.
std::string without_timing(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

// Many small work items (pair x size x replication) over a dynamic schedule, each estimator
// called inside the parallel region (where parallel_for runs serially), and a pair whose
// estimates fail (ties), so that error rows are written from the threads too.
TEST(Stress, ExperimentReplicationsAreIdenticalOnOneTwoAndFourThreads) {
  const char* text = R"toml(name = "stress"
seed = 17
replications = 24
sizes = [30, 90]
m = 1.5
pairs = [
  ["normal(0, 1)", "normal(0.5, 1.5)"],
  ["mvnormal(mean=[0, 0], cov=[[1, 0.3], [0.3, 1]])", "mvnormal(mean=[0.5, 0])"],
  ["poisson(3)", "poisson(4)"],
]
estimators = ["knn(k=1)", "knn(k=3, ties=jitter)", "gaussian_fit"]
)toml";
  const auto spec = klest::parse_experiment(text, "stress.toml");
  const fs::path dir = fs::temp_directory_path() / ("klest_stress_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string reference, reference_summary;
  for (int r = 0; r < 2; ++r) {
    for (int t : thread_counts) {
      const fs::path out = dir / (std::to_string(r) + "_" + std::to_string(t));
      klest::run_experiment(spec, {out, false, true, t});
      const std::string rows = slurp(out / "replications.csv");
      const std::string summary = without_timing(slurp(out / "summary.csv"));
      if (reference.empty()) {
        reference = rows;
        reference_summary = summary;
        // 3 pairs x 2 sizes x 24 replications x 3 estimators, plus the header.
        EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 3 * 2 * 24 * 3 + 1);
      } else {
        EXPECT_EQ(rows, reference) << t << " threads, round " << r;
        EXPECT_EQ(summary, reference_summary) << t << " threads, round " << r;
      }
    }
  }
  fs::remove_all(dir);
}

}  // namespace

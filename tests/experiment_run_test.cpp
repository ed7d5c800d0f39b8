// The harness end to end: identical replications.csv on 1 and 2 threads, resuming after a kill
// gives the files of an uninterrupted run, refusing a changed file, failed estimates recorded.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "klest/error.hpp"
#include "klest/experiment.hpp"
#include "testing.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

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

class ExperimentRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("klest_run_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

const char* small = R"toml(name = "small"
seed = 11
replications = 6
sizes = [40, 120]
pairs = [["normal(0, 1)", "normal(0.5, 1.2)"]]
estimators = ["knn(k=1)", "knn(k=3)"]
)toml";

TEST_F(ExperimentRun, ReplicationsAreIdenticalOnOneAndTwoThreads) {
  const auto spec = klest::parse_experiment(small, "small.toml");
  klest::RunOptions one{dir_ / "one", false, true, 1};
  klest::RunOptions two{dir_ / "two", false, true, 2};
  klest::run_experiment(spec, one);
  klest::run_experiment(spec, two);
  const std::string a = slurp(dir_ / "one" / "replications.csv");
  EXPECT_EQ(a, slurp(dir_ / "two" / "replications.csv"));
  EXPECT_EQ(without_timing(slurp(dir_ / "one" / "summary.csv")),
            without_timing(slurp(dir_ / "two" / "summary.csv")));
  // 2 sizes x 6 replications x 2 estimators, plus the header.
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 25);
  // Every row carries the closed-form truth log(1.2) + (1 + 0.25) / 2.88 - 1/2.
  const double truth = std::log(1.2) + 1.25 / 2.88 - 0.5;
  const auto at = a.find(",0,closed_form,ok");
  ASSERT_NE(at, std::string::npos);
  const auto from = a.rfind(',', at - 1) + 1;
  EXPECT_NEAR(std::stod(a.substr(from, at - from)), truth, 1e-15);
  for (const char* f : {"timings.csv", "rates.csv", "manifest.json", "report.md", "report.tex",
                        "references.bib"}) {
    EXPECT_TRUE(fs::exists(dir_ / "one" / f)) << f;
  }
  const auto manifest = nlohmann::json::parse(slurp(dir_ / "two" / "manifest.json"));
  EXPECT_EQ(manifest["threads"], 2);
  EXPECT_EQ(manifest["experiment"]["text"], small);
  EXPECT_THAT(slurp(dir_ / "one" / "references.bib"), HasSubstr("wang2009divergence"));
}

TEST_F(ExperimentRun, EstimatesMatchTheEstimatorCalledDirectly) {
  const auto spec = klest::parse_experiment(small, "small.toml");
  klest::run_experiment(spec, {dir_ / "out", false, true, 1});
  // Replication 1 of pair 1 at n = 40: draws from the documented streams.
  klest::Rng rp = klest::rng_for(11, {0, 0, 0, 0}), rq = klest::rng_for(11, {0, 0, 0, 1});
  const auto p = klest::make_distribution("normal(0, 1)")->sample(rp, 40);
  const auto q = klest::make_distribution("normal(0.5, 1.2)")->sample(rq, 40);
  const double v = klest::make_estimator("knn(k=3)")->estimate(p, q).value;
  EXPECT_THAT(slurp(dir_ / "out" / "replications.csv"),
              HasSubstr("knn(k=3, l=3, ties=error, metric=euclidean)\",1,11," + klest::format_number(v) + ","));
}

TEST_F(ExperimentRun, ResumingAfterAKillGivesTheFilesOfAnUninterruptedRun) {
  const auto file = write("long.toml", R"toml(name = "long"
seed = 5
replications = 40
sizes = [2000, 4000]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn(k=1)", "knn(k=4)"]
threads = 2
)toml");
  const fs::path whole = dir_ / "whole", killed = dir_ / "killed";
  auto run = [&](const fs::path& out) {
    return klest::testing::run_klest("run -q " + klest::testing::quote(file.string()) + " -o " +
                                     klest::testing::quote(out.string()));
  };
  ASSERT_EQ(run(whole).exit_code, 0);
  // Kill the run at a few points, then let it finish.
  std::size_t kills = 0;
  for (int delay_ms : {30, 80, 150}) {
    const std::string bin = KLEST_BINARY;
    std::vector<std::string> args{bin, "run", "-q", file.string(), "-o", killed.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(::posix_spawn(&pid, bin.c_str(), nullptr, nullptr, argv.data(), environ), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ++kills;
    }
  }
  const auto last = run(killed);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_GT(kills, 0u) << "the run finished before any kill; the test proves nothing";
  for (const char* f : {"replications.csv", "rates.csv"}) {
    EXPECT_EQ(slurp(whole / f), slurp(killed / f)) << f;
  }
  EXPECT_EQ(without_timing(slurp(whole / "summary.csv")),
            without_timing(slurp(killed / "summary.csv")));
}

TEST_F(ExperimentRun, RefusesToResumeADifferentExperiment) {
  klest::run_experiment(klest::parse_experiment(small, "small.toml"), {dir_ / "out", false, true, 1});
  std::string changed = small;
  changed.replace(changed.find("seed = 11"), 9, "seed = 12");
  const auto other = klest::parse_experiment(changed, "small.toml");
  EXPECT_THAT([&] { klest::run_experiment(other, {dir_ / "out", false, true, 1}); },
              ThrowsMessage<klest::ConfigError>(HasSubstr("use --force")));
  EXPECT_NO_THROW(klest::run_experiment(other, {dir_ / "out", true, true, 1}));
}

TEST_F(ExperimentRun, AnOutputPathThatIsAFileIsAClearError) {
  const auto blocker = write("blocker", "not a folder");
  EXPECT_THAT(
      [&] { klest::run_experiment(klest::parse_experiment(small, "small.toml"), {blocker, false, true, 1}); },
      ThrowsMessage<klest::ConfigError>(HasSubstr("cannot create the output folder")));
}

TEST_F(ExperimentRun, FailedEstimatesBecomeErrorRowsAndExitCodeThree) {
  const auto file = write("fail.toml", R"toml(name = "fail"
seed = 1
replications = 3
sizes = [4, 50]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn(k=5)"]
)toml");
  const auto r = klest::testing::run_klest("run -q " + klest::testing::quote(file.string()) +
                                           " -o " + klest::testing::quote((dir_ / "o").string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("3 of 6 estimates failed"));
  EXPECT_THAT(slurp(dir_ / "o" / "replications.csv"),
              HasSubstr(",error,,\"estimator 'knn(k=5, l=5, ties=error)': sample from p has 4 points, but needs at least 6\""));
}

}  // namespace

// The harness end to end: identical replications.csv on 1 and 2 threads, resuming after a kill
// gives the files of an uninterrupted run, refusing a changed file, failed estimates recorded.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
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
  // Every row carries the closed-form truth log(1.2) + (1 + 0.25) / 2.88 - 1/2, then its
  // error (a few ulps) and method.
  const double truth = std::log(1.2) + 1.25 / 2.88 - 0.5;
  const auto method = a.find(",closed_form,ok");
  ASSERT_NE(method, std::string::npos);
  const auto at = a.rfind(',', method - 1);
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

// Intervals: the same bytes on 1 and 2 threads, and a run resumed from a journal cut in the
// middle of a block (a kill) gives the files of the uninterrupted run.
const char* with_intervals = R"toml(name = "intervals"
seed = 13
replications = 6
sizes = [60, 120]
pairs = [["normal(0, 1)", "normal(0.5, 1.2)"]]
estimators = ["knn(k=3)", "gaussian_fit"]
intervals = {methods = ["subsampling(rate=0.5)", "bootstrap"], replicates = 20}
)toml";

TEST_F(ExperimentRun, IntervalsAreIdenticalOnOneAndTwoThreadsAndResume) {
  const auto spec = klest::parse_experiment(with_intervals, "intervals.toml");
  ASSERT_EQ(spec.intervals.size(), 2u);
  klest::run_experiment(spec, {dir_ / "one", false, true, 1});
  klest::run_experiment(spec, {dir_ / "two", false, true, 2});
  const std::string ivs = slurp(dir_ / "one" / "intervals.csv");
  EXPECT_EQ(ivs, slurp(dir_ / "two" / "intervals.csv"));
  EXPECT_EQ(without_timing(slurp(dir_ / "one" / "summary.csv")),
            without_timing(slurp(dir_ / "two" / "summary.csv")));
  // 2 sizes x 6 replications x 2 estimators x 2 methods, plus the header.
  EXPECT_EQ(std::count(ivs.begin(), ivs.end(), '\n'), 49);
  EXPECT_THAT(ivs, HasSubstr(",subsampling(rate=0.5),0.95,20,"));
  // summary.csv: one row per cell and method.
  const std::string summary = slurp(dir_ / "one" / "summary.csv");
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 1 + 2 * 2 * 2);

  // Cut the journal inside its fourth block, as a kill would, and resume.
  const std::string journal = slurp(dir_ / "one" / "journal.txt");
  std::size_t at = 0;
  for (int blocks = 0; blocks < 3; ++blocks) at = journal.find("\ndone\t", at + 1);
  at = journal.find("\ni\t", at + 1);
  ASSERT_NE(at, std::string::npos);
  fs::create_directories(dir_ / "cut");
  std::ofstream(dir_ / "cut" / "journal.txt", std::ios::binary) << journal.substr(0, at + 1);
  const auto resumed = klest::run_experiment(spec, {dir_ / "cut", false, true, 2});
  EXPECT_EQ(resumed.resumed, 3u);
  EXPECT_EQ(slurp(dir_ / "cut" / "intervals.csv"), ivs);
  EXPECT_EQ(without_timing(slurp(dir_ / "cut" / "summary.csv")), without_timing(summary));
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
              HasSubstr(",error,,\"estimator 'knn(k=5, l=5, ties=error, metric=euclidean)': sample from p has 4 points, but needs at least 6\""));
}

// The journal as a sorted list of its lines, each without the seconds field of an estimate line
// ("e", item, status, value, seconds, diagnostics, error) and the checksum of a 'done' line
// (which covers the seconds): blocks are appended in the order the threads finish them, and a
// resume rewrites the complete ones in item order.
std::vector<std::string> journal_lines_without_seconds(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("e\t", 0) == 0) {
      std::size_t at = 0;
      for (int tab = 0; tab < 4 && at != std::string::npos; ++tab) at = line.find('\t', at + 1);
      const std::size_t end = at == std::string::npos ? at : line.find('\t', at + 1);
      if (at != std::string::npos && end != std::string::npos) line.erase(at, end - at);
    } else if (line.rfind("done\t", 0) == 0) {
      line.erase(line.rfind('\t'));
    }
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> file_names(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.insert(entry.path().filename().string());
  return out;
}

// Eight SIGKILLs at seeded pseudo-random moments, each followed by a resume, then a last run to
// the end: the folder holds exactly the files of an uninterrupted run with the same bytes, except
// for what measures time or the history of the run itself:
//   timings.csv    the seconds column (wall time of every estimate);
//   summary.csv    median_seconds (the median of those timings);
//   manifest.json  run.started and run.finished (the UTC clock), run.seconds (wall time) and
//                  run.resumed_replications (items the last invocation found done: 0 for an
//                  uninterrupted run by definition, and here > 0);
//   journal.txt    the resume log: its blocks come in the order threads finish them and carry
//                  the seconds, so it is compared as a sorted list of lines without them.
// The moments are fractions (drawn from a seeded generator) of the uninterrupted run's wall time,
// so the kills land inside the run whatever the speed of the machine. The n = 5 cells fail for
// knn(k=5): error rows must survive the resumes too (exit code 3 at the end of every complete
// run).
TEST_F(ExperimentRun, EightSeededKillsWithResumesGiveTheFilesOfAnUninterruptedRun) {
  const auto file = write("kills.toml", R"toml(name = "kills"
seed = 8
replications = 30
sizes = [5, 300, 3000]
pairs = [["normal(0, 1)", "normal(1, 1.5)"],
         ["mvnormal(mean=[0, 0])", "mvnormal(mean=[0.5, 0], cov=[[1, 0.3], [0.3, 1]])"]]
estimators = ["knn(k=1)", "knn(k=5)", "gaussian_fit"]
threads = 2
)toml");
  const fs::path whole = dir_ / "whole", killed = dir_ / "killed";
  const std::string bin = KLEST_BINARY;
  // Runs `klest run -q kills.toml -o out` with its output discarded; returns its pid.
  auto spawn = [&](const fs::path& out) {
    std::vector<std::string> args{bin, "run", "-q", file.string(), "-o", out.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : pid_t(-1);
  };
  auto wait_exit_code = [](pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  };

  const auto start = std::chrono::steady_clock::now();
  const pid_t first = spawn(whole);
  ASSERT_GT(first, 0);
  ASSERT_EQ(wait_exit_code(first), 3);
  const double whole_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  klest::Rng gen = klest::rng_for(2024, {8});
  std::size_t kills = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const double fraction = 0.02 + 0.16 * klest::uniform01(gen);
    const pid_t pid = spawn(killed);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(fraction * whole_seconds));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ++kills;
    } else {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << "attempt " << attempt;
    }
  }
  const pid_t last = spawn(killed);
  ASSERT_GT(last, 0);
  ASSERT_EQ(wait_exit_code(last), 3);
  EXPECT_GE(kills, 4u) << "most attempts ended before their kill; the test proves little";
  RecordProperty("kills", std::to_string(kills));
  RecordProperty("uninterrupted_seconds", std::to_string(whole_seconds));

  EXPECT_EQ(file_names(whole), file_names(killed));
  for (const char* f :
       {"replications.csv", "rates.csv", "report.md", "report.tex", "references.bib"}) {
    EXPECT_EQ(slurp(whole / f), slurp(killed / f)) << f;
  }
  EXPECT_EQ(without_timing(slurp(whole / "timings.csv")),
            without_timing(slurp(killed / "timings.csv")));
  EXPECT_EQ(without_timing(slurp(whole / "summary.csv")),
            without_timing(slurp(killed / "summary.csv")));
  EXPECT_EQ(journal_lines_without_seconds(slurp(whole / "journal.txt")),
            journal_lines_without_seconds(slurp(killed / "journal.txt")));

  auto mw = nlohmann::json::parse(slurp(whole / "manifest.json"));
  auto mk = nlohmann::json::parse(slurp(killed / "manifest.json"));
  EXPECT_EQ(mw["run"]["resumed_replications"], 0);
  if (kills > 0) {
    EXPECT_GT(mk["run"]["resumed_replications"].get<int>(), 0);
  }
  for (auto* m : {&mw, &mk}) {
    for (const char* key : {"started", "finished", "seconds", "resumed_replications"}) {
      ASSERT_TRUE((*m)["run"].contains(key)) << key;
      (*m)["run"].erase(key);
    }
  }
  EXPECT_EQ(mw, mk);
}

}  // namespace

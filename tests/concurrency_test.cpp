// Runs that share an output folder: one run holds it (a lock on <folder>/.klest-lock for its
// whole life, released by the kernel however it ends); any other is refused at once, with exit
// 2 and a message naming the holder, and the results are those of a run alone.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing.hpp"

namespace {

namespace fs = std::filesystem;
using klest::testing::quote;
using klest::testing::run_klest;
using ::testing::HasSubstr;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Concurrency : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("klest_concurrency_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "c.toml") << R"toml(name = "concurrency"
seed = 5
replications = 60
sizes = [400]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn(k=3)", "gaussian_fit"]
threads = 1
)toml";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string run_args(const std::string& out) const {
    return "run -q " + quote((dir_ / "c.toml").string()) + " -o " + quote((dir_ / out).string()) +
           " >/dev/null";
  }

  fs::path dir_;
};

TEST_F(Concurrency, ARunIsRefusedAtOnceWhileAnotherHoldsTheFolder) {
  fs::create_directories(dir_ / "held");
  const int fd = ::open((dir_ / "held" / ".klest-lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const std::string who = "pid 4242 on host testhost, started 2026-01-01T00:00:00Z\n";
  ASSERT_EQ(::write(fd, who.data(), who.size()), ssize_t(who.size()));

  const auto start = std::chrono::steady_clock::now();
  const auto refused = run_klest(run_args("held"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("is in use by another klest run (pid 4242 on host testhost"));
  EXPECT_EQ(refused.err.find('\n'), refused.err.size() - 1) << "one line: " << refused.err;
  EXPECT_LT(seconds, 10.0);  // refused before any work (generous for a loaded machine)
  EXPECT_FALSE(fs::exists(dir_ / "held" / "journal.txt"));

  ::close(fd);  // the holder ends: the folder is free
  const auto after = run_klest(run_args("held"));
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

// Four runs started together on one folder: each ends with exit 0 (it held the folder, or found
// the work done) or exit 2 naming the other run, never with a file error; the results are those
// of a run alone.
TEST_F(Concurrency, FourRunsOnOneFolder) {
  const auto alone = run_klest(run_args("alone"));
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  for (int trial = 0; trial < 3; ++trial) {
    const std::string out = "shared" + std::to_string(trial);
    std::vector<std::future<klest::testing::CommandResult>> runs;
    for (int k = 0; k < 4; ++k) {
      runs.push_back(std::async(std::launch::async, [&] { return run_klest(run_args(out)); }));
    }
    int finished = 0;
    for (auto& f : runs) {
      const auto r = f.get();
      SCOPED_TRACE(r.err);
      EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2);
      if (r.exit_code == 0) ++finished;
      if (r.exit_code == 2) {
        EXPECT_THAT(r.err, HasSubstr("is in use by another klest run (pid "));
      }
      EXPECT_THAT(r.err, ::testing::Not(HasSubstr("No such file")));
    }
    EXPECT_GE(finished, 1);
    EXPECT_EQ(slurp(dir_ / out / "replications.csv"), slurp(dir_ / "alone" / "replications.csv"));
  }
}

// SIGKILL leaves no stale lock: the kernel releases it, and the next run resumes at once.
TEST_F(Concurrency, AKilledRunLeavesNoLockBehind) {
  std::ofstream(dir_ / "slow.toml") << R"toml(name = "slow"
seed = 5
replications = 400
sizes = [3000]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn(k=3)"]
threads = 1
)toml";
  const std::string bin = KLEST_BINARY;
  std::vector<std::string> args{bin, "run", "-q", (dir_ / "slow.toml").string(), "-o",
                                (dir_ / "killed").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ), 0);
  ::posix_spawn_file_actions_destroy(&actions);
  // Wait until the run holds the folder (its note is in the lock file), then kill it.
  const fs::path lock = dir_ / "killed" / ".klest-lock";
  for (int i = 0; i < 500 && (!fs::exists(lock) || slurp(lock).empty()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(slurp(lock), HasSubstr("pid " + std::to_string(pid)));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const int fd = ::open(lock.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0) << "the killed run's lock is still held";
  ::close(fd);
}

}  // namespace

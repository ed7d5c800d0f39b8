// The journal of a run under damage: edited, truncated and duplicated blocks, flipped digits,
// NaN estimates, items outside the plan, and an append that fails; the experiment has an
// interval method, so blocks hold interval lines too. Every resume must give the
// replications.csv of an uninterrupted run, byte for byte, with each damaged block reported on
// stderr by its line and item (and recomputed); damage to the header stops the run naming the
// file; a failed append stops the run with exit 2 and keeps what was saved.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "experiment/journal.hpp"
#include "klest/error.hpp"
#include "klest/rng.hpp"
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

void spit(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Index of the first line of `lines` starting with `prefix`.
std::size_t find_line(const std::vector<std::string>& lines, const std::string& prefix) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(prefix, 0) == 0) return i;
  }
  ADD_FAILURE() << "no line starts with " << prefix;
  return 0;
}

class Journal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("klest_journal_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    spit(dir_ / "j.toml", R"toml(name = "journal"
seed = 21
replications = 12
sizes = [30]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn(k=2)", "gaussian_fit"]
intervals = ["bootstrap(replicates=10)"]
threads = 2
)toml");
    const auto r = run("whole");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    whole_ = slurp(dir_ / "whole" / "replications.csv");
    journal_ = lines_of(slurp(dir_ / "whole" / "journal.txt"));
    // The header, then 12 blocks of 5 lines: per estimator its estimate and its interval,
    // then the 'done' line.
    ASSERT_EQ(journal_.size(), 1u + 12 * block_lines);
  }
  void TearDown() override { fs::remove_all(dir_); }

  klest::testing::CommandResult run(const std::string& out) const {
    return run_klest("run -q " + quote((dir_ / "j.toml").string()) + " -o " +
                     quote((dir_ / out).string()) + " >/dev/null");
  }

  // Resumes from `journal` (the only file in a fresh folder) and checks the contract: the
  // results of the uninterrupted run, and `reports` damage messages naming journal.txt, which
  // contain the strings of `reported` between them.
  void resume_from(const std::string& name, const std::string& journal, std::size_t reports,
                   const std::vector<std::string>& reported) const {
    SCOPED_TRACE(name);
    fs::create_directories(dir_ / name);
    spit(dir_ / name / "journal.txt", journal);
    const auto r = run(name);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp(dir_ / name / "replications.csv"), whole_);
    const auto err = lines_of(r.err);
    std::size_t damage = 0;
    for (const auto& line : err) {
      EXPECT_TRUE(line.rfind("klest: ", 0) == 0) << line;
      damage += line.find("journal.txt:") != std::string::npos;
    }
    EXPECT_EQ(damage, reports) << r.err;
    for (const auto& s : reported) EXPECT_THAT(r.err, HasSubstr(s));
  }

  static constexpr std::size_t block_lines = 5;
  fs::path dir_;
  std::string whole_;
  std::vector<std::string> journal_;
};

TEST_F(Journal, EditedBlocksAreReportedAndRecomputed) {
  // A digit of an estimate: the block's checksum fails.
  {
    auto j = journal_;
    const std::size_t at = find_line(j, "e\t4\tok\t");
    std::string& line = j[at];
    const std::size_t digit = line.find_first_of("123456789", std::string("e\t4\tok\t").size());
    line[digit] = line[digit] == '9' ? '1' : char(line[digit] + 1);
    resume_from("digit", joined(j), 1,
                {"journal.txt:" + std::to_string(at + 1) + ": the block of item 4 is damaged",
                 "checksum"});
  }
  // The item number of a finished block's 'done' line: its results would land on another
  // replication.
  {
    auto j = journal_;
    const std::size_t at = find_line(j, "done\t3\t");
    j[at].replace(0, 6, "done\t7");
    resume_from("done_item", joined(j), 1, {"the block of item 3 is damaged"});
  }
  // Every item number of a block changed consistently: still caught by the checksum.
  {
    auto j = journal_;
    for (auto& line : j) {
      for (const char* kind : {"e\t5\t", "i\t5\t", "done\t5\t"}) {
        if (line.rfind(kind, 0) == 0) line.replace(line.find('5'), 1, "9");
      }
    }
    resume_from("block_item", joined(j), 1, {"the block of item 9 is damaged"});
  }
  // NaN as an estimate, and an item outside the plan.
  {
    auto j = journal_;
    std::string& line = j[find_line(j, "e\t2\tok\t")];
    const std::size_t value = std::string("e\t2\tok\t").size();
    line.replace(value, line.find('\t', value) - value, "nan");
    j.push_back("e\t4000\tok\t0.5\t0.001\t\t");
    j.push_back("e\t4000\tok\t0.5\t0.001\t\t");
    j.push_back("done\t4000\t2\t0123456789abcdef");
    resume_from("nan_and_range", joined(j), 2,
                {"estimate 'nan' is not a number", "'4000', but the plan has items 0 to 11"});
  }
}

TEST_F(Journal, TruncatedAndDuplicatedBlocks) {
  // Cut in the middle of a line: what a kill leaves. Dropped without a word.
  {
    const std::string text = joined(journal_);
    resume_from("cut_mid_line", text.substr(0, text.size() * 2 / 3 + 5), 0, {});
  }
  // A 'done' line missing in the middle: that block is reported.
  {
    auto j = journal_;
    const std::size_t at = find_line(j, "done\t6\t");
    j.erase(j.begin() + std::ptrdiff_t(at));
    resume_from("no_done", joined(j), 1, {"the block of item 6 is damaged", "no 'done' line"});
  }
  // A block twice, identical: harmless, nothing to report.
  {
    auto j = journal_;
    const std::size_t at = find_line(j, "e\t8\t");
    j.insert(j.end(), j.begin() + std::ptrdiff_t(at),
             j.begin() + std::ptrdiff_t(at + block_lines));
    resume_from("duplicate", joined(j), 0, {});
  }
  // A block twice, the copy edited and re-checksummed (so each alone looks right): the two
  // disagree, and the item is recomputed.
  {
    auto j = journal_;
    std::vector<klest::EstimateRecord> records(2);
    records[0].ok = records[1].ok = true;
    records[0].value = 123.0;
    records[1].value = 456.0;
    for (auto& r : records) r.intervals = {klest::IntervalRecord{true, 100.0, 500.0, ""}};
    for (const auto& l : lines_of(klest::journal_block(8, records.data(), 2))) j.push_back(l);
    resume_from("conflict", joined(j), 1, {"item 8 has another, different block before it"});
  }
}

// Seeded random digit flips anywhere after the header (values, times, item numbers, counts,
// checksums): every resume gives the uninterrupted results, whatever the flip hit.
TEST_F(Journal, RandomDigitFlipsNeverChangeTheResults) {
  const std::string text = joined(journal_);
  const std::size_t body = text.find('\n') + 1;
  std::vector<std::size_t> digits;
  for (std::size_t i = body; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') digits.push_back(i);
  }
  klest::Rng gen = klest::rng_for(15, {1});
  for (int trial = 0; trial < 12; ++trial) {
    std::string damaged = text;
    // 1 to 3 flips at distinct places (two at one place could undo each other).
    std::vector<std::size_t> places;
    const std::size_t flips = 1 + gen() % 3;
    while (places.size() < flips) {
      const std::size_t at = digits[gen() % digits.size()];
      if (std::find(places.begin(), places.end(), at) == places.end()) places.push_back(at);
    }
    for (const std::size_t at : places) {
      damaged[at] = char('0' + (damaged[at] - '0' + 1 + gen() % 9) % 10);
    }
    SCOPED_TRACE("trial " + std::to_string(trial));
    fs::create_directories(dir_ / ("flip" + std::to_string(trial)));
    spit(dir_ / ("flip" + std::to_string(trial)) / "journal.txt", damaged);
    const auto r = run("flip" + std::to_string(trial));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp(dir_ / ("flip" + std::to_string(trial)) / "replications.csv"), whole_);
    EXPECT_THAT(r.err, HasSubstr("journal.txt:"));  // every flip is seen
  }
}

TEST_F(Journal, DamagedHeaderStopsTheRunNamingTheFile) {
  auto j = journal_;
  j[0].back() = j[0].back() == '0' ? '1' : '0';  // a digit of the experiment's hash
  fs::create_directories(dir_ / "header");
  spit(dir_ / "header" / "journal.txt", joined(j));
  const auto r = run("header");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("header/journal.txt holds results of a different experiment"));
  j[0] = "klest-journal 1\t" + j[0].substr(j[0].find('\t') + 1);
  spit(dir_ / "header" / "journal.txt", joined(j));
  const auto old = run("header");
  EXPECT_EQ(old.exit_code, 2);
  EXPECT_THAT(old.err, HasSubstr("a journal of another klest version"));
}

// A write limit (ulimit -f, with SIGXFSZ ignored so that the write fails with EFBIG instead of
// killing klest) stands in for a disk that fills up: the run stops with exit 2 naming the
// journal, and the next run resumes from what was saved to the uninterrupted results.
TEST_F(Journal, AFailedAppendStopsTheRunAndTheNextOneResumes) {
  spit(dir_ / "big.toml", R"toml(name = "journal"
seed = 21
replications = 200
sizes = [30]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn(k=2)", "gaussian_fit"]
threads = 2
)toml");
  const std::string args = "run -q " + quote((dir_ / "big.toml").string()) + " -o ";
  const auto full = run_klest(args + quote((dir_ / "full").string()) + " >/dev/null");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const auto stopped =
      run_klest(args + quote((dir_ / "limited").string()), "trap '' XFSZ; ulimit -f 8;");
  EXPECT_EQ(stopped.exit_code, 2) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("cannot append to"));
  EXPECT_THAT(stopped.err, HasSubstr("limited/journal.txt"));
  EXPECT_EQ(lines_of(stopped.err).size(), 1u) << stopped.err;
  EXPECT_FALSE(fs::exists(dir_ / "limited" / "replications.csv"));
  const auto resumed = run_klest(args + quote((dir_ / "limited").string()) + " >/dev/null");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_THAT(resumed.err, HasSubstr("replications resumed"));
  EXPECT_EQ(slurp(dir_ / "limited" / "replications.csv"), slurp(dir_ / "full" / "replications.csv"));
}

// The reader alone: a block written by journal_block reads back to the same records, and
// non-finite times, a NaN value or a wrong count are refused.
TEST(JournalReader, BlocksRoundTripAndBadFieldsAreRefused) {
  std::vector<klest::EstimateRecord> in(2);
  in[0].ok = true;
  in[0].value = INFINITY;
  in[0].seconds = 0.25;
  in[0].diagnostics = "h_p=0.5";
  in[1].ok = false;
  in[1].error = "sample from p has 4 points";
  in[1].seconds = 1e-6;
  const std::string text = klest::journal_header("abc") + klest::journal_block(1, in.data(), 2);
  std::vector<klest::EstimateRecord> out(3 * 2);
  std::vector<char> done(3, 0);
  const auto read = klest::read_journal(text, "j", "abc", 2, 0, out, done);
  EXPECT_EQ(read.complete, 1u);
  EXPECT_TRUE(read.damage.empty());
  EXPECT_EQ(done, (std::vector<char>{0, 1, 0}));
  EXPECT_EQ(out[2].value, INFINITY);
  EXPECT_EQ(out[2].diagnostics, "h_p=0.5");
  EXPECT_FALSE(out[3].ok);
  EXPECT_EQ(out[3].error, "sample from p has 4 points");

  std::vector<char> done2(3, 0);
  const auto wrong_count = klest::read_journal(text, "j", "abc", 3, 0, out, done2);
  EXPECT_EQ(wrong_count.complete, 0u);
  ASSERT_EQ(wrong_count.damage.size(), 1u);
  EXPECT_THAT(wrong_count.damage[0], HasSubstr("j:2: the block of item 1 is damaged"));
  EXPECT_THAT(wrong_count.damage[0], HasSubstr("3 estimators"));

  EXPECT_THAT([&] { klest::read_journal(text, "j", "abd", 2, 0, out, done2); },
              ::testing::ThrowsMessage<klest::ConfigError>(HasSubstr("different experiment")));
  EXPECT_THAT([&] { klest::read_journal("garbage", "j", "abc", 2, 0, out, done2); },
              ::testing::ThrowsMessage<klest::ConfigError>(HasSubstr("not a klest journal")));
}

}  // namespace

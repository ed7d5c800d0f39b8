// Drives the klest command itself: output forms, exit codes and the one-line messages for bad
// usage and bad input.

#include <filesystem>
#include <cmath>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "klest/estimator.hpp"
#include "klest/interval.hpp"
#include "testing.hpp"

namespace {

namespace fs = std::filesystem;
using klest::testing::quote;
using klest::testing::run_klest;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("klest_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    klest::Rng rng = klest::rng_for(42);
    p_ = klest::testing::gauss(rng, 300, 2);
    q_ = klest::testing::gauss(rng, 250, 2, 0.5, 1);
    klest::write_csv(dir_ / "p.csv", p_);
    klest::write_npy(dir_ / "q.npy", q_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return quote((dir_ / name).string()); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return path(name);
  }

  fs::path dir_;
  klest::Samples p_, q_;
};

TEST_F(Cli, EstimatePrintsValueAndLabelMatchingTheLibrary) {
  const auto r = run_klest("estimate -e 'knn(k=5)' " + path("p.csv") + " " + path("q.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double want = klest::make_estimator("knn(k=5)")->estimate(p_, q_).value;
  EXPECT_EQ(r.out, klest::format_number(want) + "\tknn(k=5, l=5, ties=error, metric=euclidean)\n");
}

TEST_F(Cli, SeveralEstimatorsAndJson) {
  const auto r = run_klest("estimate --json -e knn -e 'knn(k=3, l=2)' " + path("p.csv") + " " +
                           path("q.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[1]["estimator"], "knn(k=3, l=2, ties=error, metric=euclidean)");
  EXPECT_EQ(objects[1]["n"], 300);
  EXPECT_EQ(objects[1]["m"], 250);
  EXPECT_EQ(objects[1]["d"], 2);
  EXPECT_EQ(objects[1]["value"].get<double>(),
            klest::make_estimator("knn(k=3, l=2)")->estimate(p_, q_).value);
  EXPECT_TRUE(objects[0]["seconds"].is_number());
  EXPECT_TRUE(objects[0]["diagnostics"].is_object());
}

TEST_F(Cli, ListShowsEstimatorsWithParametersAndReferences) {
  const auto r = run_klest("list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr("knn"), HasSubstr("Wang, Kulkarni, Verdu (2009)"),
                           HasSubstr("ties"), HasSubstr("one of error, skip, jitter")));
}

TEST_F(Cli, HelpOnEverySubcommandExitsZero) {
  for (const char* sub : {"", "estimate ", "list ", "run ", "truth ", "sample "}) {
    const auto r = run_klest(std::string(sub) + "--help");
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_THAT(r.out, HasSubstr("Usage")) << sub;
  }
}

struct BadCase {
  std::string what, args, message;
};

TEST_F(Cli, BadUsageAndInputExitTwoWithOneLineNamingTheProblem) {
  const std::string p = path("p.csv"), q = path("q.npy");
  const std::vector<BadCase> cases{
      {"no command", "", "subcommand"},
      {"unknown option", "estimate --frobnicate " + p + " " + q, "frobnicate"},
      {"missing file", "estimate " + p + " " + path("nope.csv"), "nope.csv"},
      {"unknown estimator", "estimate -e knnn " + p + " " + q, "unknown estimator 'knnn'"},
      {"unknown parameter", "estimate -e 'knn(kk=2)' " + p + " " + q, "unknown parameter 'kk'"},
      {"parameter out of range", "estimate -e 'knn(k=0)' " + p + " " + q, "'k' is 0"},
      {"malformed spec", "estimate -e 'knn(k=' " + p + " " + q, "knn(k="},
      {"too few points", "estimate -e 'knn(k=5)' " + write("small.csv", "1,2\n3,4\n5,6\n") + " " + q,
       "has 3 points, but needs at least 6"},
      {"dimension mismatch", "estimate " + p + " " + write("d3.csv", "1,2,3\n4,5,6\n"),
       "300x2"},
      {"nan", "estimate " + write("nan.csv", "1,2\n3,4\n5,nan\n") + " " + q, "nan.csv:3"},
      {"ragged", "estimate " + write("ragged.csv", "1,2\n3,4,5\n") + " " + q, "ragged.csv:2"},
      {"non-numeric", "estimate " + write("word.csv", "1,2\n3,x\n") + " " + q, "word.csv:2"},
      {"empty file", "estimate " + write("empty.csv", "") + " " + q, "empty.csv"},
      {"header only", "estimate " + write("header.csv", "a,b\n") + " " + q, "header.csv"},
      {"truncated npy", "estimate " + p + " " + write("cut.npy", "\x93NUMPY\x01"), "cut.npy"},
      {"ties", "estimate " + p + " " + p, "coincides with q row"},
      {"bad threads", "estimate -t 0 " + p + " " + q, "threads"},
      {"unknown family", "truth 'norml(0,1)' 'normal'", "did you mean 'normal'?"},
      {"bad family parameter", "truth 'normal(0, -1)' 'normal'", "parameter 'sd' is -1"},
      {"sample to a missing folder", "sample normal -n 3 -o " + path("no/such/dir/x.npy"), "no/such/dir"},
      {"sample count zero", "sample normal -n 0 -o " + path("x.npy"), "-n"},
  };
  for (const auto& c : cases) {
    const auto r = run_klest(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.what;
    EXPECT_THAT(r.err, Not(HasSubstr("terminate"))) << c.what;
    EXPECT_EQ(r.out, "") << c.what;
  }
}

TEST_F(Cli, TruthPrintsValueErrorAndMethod) {
  auto r = run_klest("truth 'normal(0, 1)' 'normal(mean=1, sd=2)'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // log 2 + (1 + 1) / 8 - 1/2
  const double want = std::log(2.0) - 0.25;
  EXPECT_THAT(r.out, AllOf(HasSubstr("KL(P||Q)   " + klest::format_number(want).substr(0, 12)),
                           HasSubstr("method     closed_form"),
                           HasSubstr("P          normal(mean=0, sd=1)")));
  r = run_klest("truth --json --numeric 'normal(0, 1)' 'normal(mean=1, sd=2)'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["method"], "quadrature");
  EXPECT_NEAR(j["value"].get<double>(), want, 1e-10);
  EXPECT_LT(j["abs_error"].get<double>(), 1e-8);
}

TEST_F(Cli, SampleWritesFilesThatReadBack) {
  const std::string out = (dir_ / "s.npy").string();
  auto r = run_klest("sample 'normal(5, 0.1)' -n 500 --seed 3 -o " + quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const klest::Samples s = klest::read_samples(out);
  EXPECT_EQ(s.rows(), 500u);
  EXPECT_EQ(s.dim(), 1u);
  double mean = 0;
  for (double v : s.values()) mean += v / 500;
  EXPECT_NEAR(mean, 5.0, 5 * 0.1 / std::sqrt(500.0));
  // The same seed gives the same file, as CSV too.
  r = run_klest("sample 'normal(5, 0.1)' -n 500 --seed 3 -o " + path("s.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const klest::Samples c = klest::read_samples(dir_ / "s.csv");
  EXPECT_TRUE(std::equal(s.values().begin(), s.values().end(), c.values().begin()));
}

TEST_F(Cli, ListShowsDistributionsAndPairs) {
  const auto r = run_klest("list pairs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("normal || normal"));
  const auto d = run_klest("list distributions");
  EXPECT_THAT(d.out, AllOf(HasSubstr("normal"), HasSubstr("sd")));
}

// ---- confidence intervals (--ci) --------------------------------------------------------------

// The interval the library gives for estimator number `e` of the command line, as the CLI
// seeds it (stream e).
klest::ConfidenceInterval library_interval(const std::string& spec, const klest::Samples& p,
                                           const klest::Samples& q, klest::IntervalMethod method,
                                           std::size_t replicates, std::uint64_t seed,
                                           double level = 0.95, std::uint32_t e = 0) {
  const auto est = klest::make_estimator(spec);
  klest::Rng rng = klest::rng_for(seed, {e});
  const double value = est->estimate(p, q, rng).value;
  klest::IntervalOptions o;
  o.method = method;
  o.replicates = replicates;
  o.seed = seed;
  o.level = level;
  o.stream = e;
  return klest::confidence_interval(*est, p, q, value, o);
}

TEST_F(Cli, IntervalIsAThirdColumnMatchingTheLibrary) {
  const auto r = run_klest("estimate --ci bootstrap --replicates 50 --seed 5 -e gaussian_fit " +
                           path("p.csv") + " " + path("q.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto est = klest::make_estimator("gaussian_fit");
  const double value = est->estimate(p_, q_).value;
  const auto iv =
      library_interval("gaussian_fit", p_, q_, klest::IntervalMethod::bootstrap, 50, 5);
  EXPECT_EQ(r.out, klest::format_number(value) + "\t" + est->label() + "\t[" +
                       klest::format_number(iv.lo) + ", " + klest::format_number(iv.hi) +
                       "] 95% bootstrap (50 replicates)\n");
  EXPECT_LE(iv.lo, value);
  EXPECT_GE(iv.hi, value);
  // Without --ci the output is as before: two columns.
  const auto plain = run_klest("estimate -e gaussian_fit " + path("p.csv") + " " + path("q.npy"));
  EXPECT_EQ(plain.out, klest::format_number(value) + "\t" + est->label() + "\n");
}

TEST_F(Cli, IntervalInJsonWithSubsamplingDetails) {
  const auto r = run_klest("estimate --json --ci subsampling --replicates 40 --level 0.9 "
                           "--seed 6 -e gaussian_fit -e 'gaussian_fit(ddof=1)' " +
                           path("p.csv") + " " + path("q.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 2u);
  for (std::uint32_t e = 0; e < 2; ++e) {
    const auto& j = objects[e]["interval"];
    const auto iv = library_interval(e == 0 ? "gaussian_fit" : "gaussian_fit(ddof=1)", p_, q_,
                                     klest::IntervalMethod::subsampling, 40, 6, 0.9, e);
    EXPECT_EQ(j["method"], "subsampling");
    EXPECT_EQ(j["level"].get<double>(), 0.9);
    EXPECT_EQ(j["lo"].get<double>(), iv.lo) << e;
    EXPECT_EQ(j["hi"].get<double>(), iv.hi) << e;
    EXPECT_EQ(j["replicates"], 40);
    EXPECT_EQ(j["failed"], 0);
    EXPECT_EQ(j["infinite"], 0);
    EXPECT_EQ(j["subsample_p"], 44);  // floor(300^(2/3)) = floor(44.8)
    EXPECT_EQ(j["subsample_q"], 39);  // floor(250^(2/3)) = floor(39.7)
    EXPECT_EQ(j["rate"].get<double>(), iv.rate);
    EXPECT_EQ(j["rate_estimated"], true);
    EXPECT_EQ(j["rate_sizes"].size(), 4u);
    EXPECT_TRUE(j["notes"].is_array());
  }
  // A given rate is reported as such, in text too.
  const auto given = run_klest("estimate --ci subsampling --rate 0.5 --replicates 20 "
                               "-e gaussian_fit " + path("p.csv") + " " + path("q.npy"));
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_THAT(given.out, HasSubstr("% subsampling (20 replicates, b = 44/39, beta = 0.5 given)\n"));
}

TEST_F(Cli, IntervalIsTheSameOnAnyNumberOfThreads) {
  const std::string args = "--ci subsampling --replicates 30 -e 'knn(k=3)' " + path("p.csv") +
                           " " + path("q.npy");
  const auto one = run_klest("estimate -t 1 " + args), two = run_klest("estimate -t 2 " + args);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, two.out);
}

// A negative estimate is printed as it is, with a note on stderr. q is p moved by 1e-9, so
// every point of p has a near copy in q and knn's log(nu/rho) is hugely negative.
TEST_F(Cli, NegativeEstimateIsPrintedWithANote) {
  klest::Samples q = p_;
  for (double& v : q.values()) v += 1e-9;
  klest::write_csv(dir_ / "near.csv", q);
  const auto r = run_klest("estimate --ci subsampling --rate 0.5 --replicates 20 -e 'knn(k=1)' " +
                           path("p.csv") + " " + path("near.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.front(), '-');
  EXPECT_THAT(r.err, HasSubstr("note: negative estimate; KL is >= 0, the estimator is not"));
}

TEST_F(Cli, BadIntervalOptionsExitTwoWithOneLineNamingTheProblem) {
  const std::string files = " " + path("p.csv") + " " + path("q.npy");
  const std::vector<BadCase> cases{
      {"unknown method", "estimate --ci jackknife" + files, "jackknife"},
      {"level 1", "estimate --ci bootstrap --level 1" + files,
       "level is 1, but must be a number in (0, 1)"},
      {"level 0", "estimate --ci bootstrap --level 0" + files, "level is 0"},
      {"level not a number", "estimate --ci bootstrap --level high" + files, "level is high"},
      {"level without --ci", "estimate --level 0.9" + files, "--ci"},
      {"one replicate", "estimate --ci bootstrap --replicates 1" + files, "--replicates"},
      {"too many replicates", "estimate --ci bootstrap --replicates 5000000" + files,
       "--replicates"},
      {"rate with bootstrap", "estimate --ci bootstrap --rate 0.5" + files,
       "--rate applies only to --ci subsampling"},
      {"rate not positive", "estimate --ci subsampling --rate -1" + files, "--rate"},
      {"bootstrap with knn ties=error", "estimate --ci bootstrap --replicates 5 -e knn" + files,
       "ties=skip or ties=jitter"},
  };
  for (const auto& c : cases) {
    const auto r = run_klest(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.what;
    EXPECT_THAT(r.err, Not(HasSubstr("terminate"))) << c.what;
    EXPECT_EQ(r.out, "") << c.what;
  }
}

TEST_F(Cli, EstimateHelpExplainsIntervals) {
  const auto r = run_klest("estimate --help");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, AllOf(HasSubstr("--ci"), HasSubstr("--level"), HasSubstr("--replicates"),
                           HasSubstr("--rate"), HasSubstr("for knn use --ci subsampling")));
}

}  // namespace

// The klest command on bad input, driven as a user would: every kind of broken sample file,
// estimator spec, distribution pair, experiment file and output folder gives exit code 2, nothing
// on stdout and one line on stderr naming what is at fault (file, line, key or value), and never
// a crash, a hang or an "internal error". Valid but extreme inputs (values near the largest
// double, d = 1000, an infinite true KL) succeed.

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/rng.hpp"
#include "klest/samples.hpp"
#include "testing.hpp"

namespace {

namespace fs = std::filesystem;
using klest::testing::quote;
using klest::testing::run_klest;

// One row of the matrix: the arguments after `klest`, the exit code, and substrings that the
// message (stderr, on failure) or the output (stdout, on success) must contain.
struct Row {
  std::string what;
  std::string args;
  int code;
  std::vector<std::string> says;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("klest_bad_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    klest::Rng rng = klest::rng_for(5);
    klest::write_csv(dir_ / "p.csv", klest::testing::gauss(rng, 60, 1));
    klest::write_csv(dir_ / "q.csv", klest::testing::gauss(rng, 50, 1, 0.5, 1));
    klest::write_csv(dir_ / "p2.csv", klest::testing::gauss(rng, 40, 2));
    klest::write_csv(dir_ / "q2.csv", klest::testing::gauss(rng, 40, 2, 0.5, 1));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A file in the test folder, shell-quoted.
  std::string path(const std::string& name) const { return quote((dir_ / name).string()); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return path(name);
  }
  std::string write(const std::string& name, const klest::Samples& s) const {
    if (name.ends_with(".npy")) {
      klest::write_npy(dir_ / name, s);
    } else {
      klest::write_csv(dir_ / name, s);
    }
    return path(name);
  }

  std::string p_ok() const { return path("p.csv"); }

  // The bytes of a valid .npy of 10 x 2 values, cut: the first `keep` bytes if keep > 0, else
  // all but the last -keep.
  std::string cut_npy(int keep) const {
    klest::write_npy(dir_ / "whole.npy", klest::testing::rows(std::vector<double>(20, 1.5), 2));
    std::ifstream in(dir_ / "whole.npy", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    return keep > 0 ? bytes.substr(0, std::size_t(keep))
                    : bytes.substr(0, bytes.size() - std::size_t(-keep));
  }

  // Runs every row and checks the contract of the command (see the file comment).
  static void check(const std::vector<Row>& rows) {
    for (const Row& row : rows) {
      SCOPED_TRACE(row.what + ": klest " + row.args);
      const auto start = std::chrono::steady_clock::now();
      const auto r = run_klest(row.args);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.err;
      EXPECT_EQ(r.exit_code, row.code) << r.err;
      EXPECT_LT(seconds, 30.0);
      const std::string& text = row.code == 0 ? r.out : r.err;
      // The first line of the answer, for the XML report (--gtest_output=xml), not the console.
      ::testing::Test::RecordProperty(
          row.what, std::to_string(r.exit_code) + " " + text.substr(0, text.find('\n')));
      for (const std::string& s : row.says) EXPECT_THAT(text, ::testing::HasSubstr(s));
      EXPECT_THAT(r.err, ::testing::Not(::testing::HasSubstr("internal error")));
      EXPECT_THAT(r.err, ::testing::Not(::testing::HasSubstr("terminate")));
      if (row.code == 0) continue;
      EXPECT_EQ(r.out, "");
      // One line in the house format; usage errors found by the argument parser add the
      // standard pointer to --help as a second line.
      const auto lines = lines_of(r.err);
      if (lines.empty()) {
        ADD_FAILURE() << "no message on stderr";
        continue;
      }
      EXPECT_TRUE(lines[0].starts_with("klest: ")) << lines[0];
      EXPECT_TRUE(lines.size() == 1 ||
                  (lines.size() == 2 && lines[1] == "Run 'klest --help' for usage."))
          << r.err;
    }
  }

  fs::path dir_;
};

TEST_F(BadInput, SampleFilesThatCannotBeRead) {
  const std::string q = path("q.csv");
  klest::Samples with_nan = klest::testing::rows({1, 2, 3, 4, NAN, 6, 7, 8}, 2);
  check({
      {"empty file", "estimate " + write("empty.csv", "") + " " + q, 2, {"empty.csv", "empty"}},
      {"header only", "estimate " + write("header.csv", "x,y\n") + " " + q, 2,
       {"header.csv", "no data rows"}},
      {"ragged rows", "estimate " + write("ragged.csv", "1,2\n3,4\n5,6,7\n") + " " + q, 2,
       {"ragged.csv:3", "3 columns", "line 1 has 2"}},
      {"short row", "estimate " + write("short.csv", "1,2\n3\n") + " " + q, 2,
       {"short.csv:2", "1 column"}},
      {"NaN cell", "estimate " + write("nan.csv", "1,2\n3,nan\n5,6\n") + " " + q, 2,
       {"nan.csv:2", "column 2", "'nan'", "finite"}},
      {"inf cell", "estimate " + write("inf.csv", "1\ninf\n3\n") + " " + q, 2,
       {"inf.csv:2", "'inf'"}},
      {"-inf cell", "estimate " + p_ok() + " " + write("minf.csv", "1\n2\n-inf\n"), 2,
       {"minf.csv:3", "'-inf'"}},
      {"overflow 1e400", "estimate " + write("over.csv", "1\n1e400\n3\n") + " " + q, 2,
       {"over.csv:2", "'1e400'", "range"}},
      {"overflow -1e309", "estimate " + write("over2.csv", "1,2\n3,-1e309\n") + " " + q, 2,
       {"over2.csv:2", "column 2", "'-1e309'"}},
      {"non-numeric cell", "estimate " + write("word.csv", "1,2\n3,four\n") + " " + q, 2,
       {"word.csv:2", "'four'"}},
      {"NaN in .npy", "estimate " + write("nan.npy", with_nan) + " " + path("q2.csv"), 2,
       {"nan.npy", "row 3", "column 1", "nan"}},
      {"truncated .npy magic", "estimate " + write("cut0.npy", "\x93NUM") + " " + q, 2,
       {"cut0.npy", "NUMPY"}},
      {"truncated .npy header", "estimate " + write("cut1.npy", cut_npy(40)) + " " + q, 2,
       {"cut1.npy", "truncated"}},
      {"truncated .npy data", "estimate " + write("cut2.npy", cut_npy(-12)) + " " + q, 2,
       {"cut2.npy", "truncated"}},
      {"missing P file", "estimate " + path("nope.csv") + " " + q, 2,
       {"cannot open", "nope.csv", "No such file"}},
      {"missing Q file", "estimate " + q + " " + path("no/such/q.npy"), 2,
       {"cannot open", "no/such/q.npy"}},
      {"a folder as file", "estimate " + quote(dir_.string()) + " " + q, 2,
       {dir_.filename().string(), "is a directory"}},
      {"Q not given", "estimate " + q, 2, {"Q is required"}},
  });
}

TEST_F(BadInput, SamplesThatEstimatorsCannotUse) {
  const std::string p = path("p.csv"), q = path("q.csv");
  klest::Rng rng = klest::rng_for(6);
  // x = (z, 7): a constant second column; y: a regular 2-D sample.
  klest::Samples constant_col = klest::testing::gauss(rng, 40, 2);
  for (std::size_t i = 0; i < constant_col.rows(); ++i) constant_col.row(i)[1] = 7;
  // (z, 2z): a zero-variance direction that is not a constant column.
  klest::Samples collinear = klest::testing::gauss(rng, 40, 2);
  for (std::size_t i = 0; i < collinear.rows(); ++i) collinear.row(i)[1] = 2 * collinear.row(i)[0];
  const std::string same = write("same.csv", "2.5\n2.5\n2.5\n2.5\n2.5\n2.5\n");
  check({
      {"1-row P for knn", "estimate " + write("one.csv", "0.3\n") + " " + q, 2,
       {"estimator 'knn(", "sample from p has 1 point", "needs at least 2"}},
      {"1-row Q for knn(k=2)", "estimate -e 'knn(k=2)' " + p + " " + write("one_q.csv", "0.3\n"),
       2, {"estimator 'knn(k=2", "sample from q has 1 point", "needs at least 2"}},
      {"1-row P for kde", "estimate -e kde " + path("one.csv") + " " + q, 2,
       {"estimator 'kde(", "sample from p has 1 point"}},
      {"n = k for knn(k=3)", "estimate -e 'knn(k=3)' " + write("three.csv", "1\n2\n3\n") + " " + q,
       2, {"estimator 'knn(k=3", "has 3 points", "needs at least 4"}},
      {"n < k for knn(k=5)", "estimate -e 'knn(k=5)' " + path("three.csv") + " " + q, 2,
       {"has 3 points", "needs at least 6"}},
      {"dimension mismatch", "estimate " + path("p2.csv") + " " + q, 2,
       {"p2.csv is 40x2", "q.csv is 50x1", "same dimension"}},
      {"all-identical P, knn", "estimate " + same + " " + q, 2,
       {"estimator 'knn(", "p row 1 coincides with p row 2", "ties=jitter"}},
      {"all-identical P, kde", "estimate -e kde " + same + " " + q, 2,
       {"estimator 'kde(", "column 1 of the sample from p has zero variance", "2.5"}},
      {"all-identical P, gaussian_fit", "estimate -e gaussian_fit " + same + " " + q, 2,
       {"estimator 'gaussian_fit(ddof=0)'", "column 1 is constant"}},
      {"P equal to Q, knn", "estimate " + p + " " + p, 2, {"p row 1 coincides with q row"}},
      {"constant column, gaussian_fit",
       "estimate -e gaussian_fit " + write("cc.csv", constant_col) + " " + path("q2.csv"), 2,
       {"estimator 'gaussian_fit(ddof=0)'", "covariance of p is singular", "column 2 is constant"}},
      {"constant column, kde", "estimate -e kde " + path("cc.csv") + " " + path("q2.csv"), 2,
       {"column 2 of the sample from p has zero variance", "every value is 7"}},
      {"constant column, knn (finite, large)", "estimate " + path("cc.csv") + " " + path("q2.csv"),
       0, {"\tknn("}},
      {"collinear columns, gaussian_fit",
       "estimate -e gaussian_fit " + path("p2.csv") + " " + write("col.csv", collinear), 2,
       {"covariance of q is singular", "column 2 is a linear combination"}},
      {"zero-variance Q, gaussian_fit", "estimate -e gaussian_fit " + p + " " + same, 2,
       {"covariance of q is singular", "column 1 is constant"}},
  });
}

TEST_F(BadInput, ExtremeButValidSamplesWork) {
  klest::Rng rng = klest::rng_for(7);
  // Values of magnitude ~1e307 (differences stay finite): every estimator works.
  klest::Samples big_p = klest::testing::gauss(rng, 60, 2), big_q = klest::testing::gauss(rng, 60, 2, 1);
  for (double& v : big_p.values()) v *= 1e307;
  for (double& v : big_q.values()) v *= 1e307;
  write("big_p.csv", big_p);
  write("big_q.npy", big_q);
  // d = 1000 with 20 points: the k-d tree gives way to brute force; gaussian_fit needs d + 1.
  klest::Samples wide_p = klest::testing::gauss(rng, 20, 1000);
  klest::Samples wide_q = klest::testing::gauss(rng, 20, 1000, 0.1, 1);
  write("wide_p.npy", wide_p);
  write("wide_q.csv", wide_q);
  const std::string wide = path("wide_p.npy") + " " + path("wide_q.csv");
  check({
      {"|x| ~ 1e307, knn", "estimate " + path("big_p.csv") + " " + path("big_q.npy"), 0,
       {"\tknn("}},
      {"|x| ~ 1e307, kde", "estimate -e kde " + path("big_p.csv") + " " + path("big_q.npy"), 0,
       {"\tkde("}},
      {"|x| ~ 1e307, gaussian_fit",
       "estimate -e gaussian_fit " + path("big_p.csv") + " " + path("big_q.npy"), 0,
       {"\tgaussian_fit(ddof=0)"}},
      {"1e308 beside 1..4 (1-D), knn",
       "estimate " + write("h.csv", "1\n2\n3\n4\n1e308\n") + " " + path("q.csv"), 0, {"\tknn("}},
      {"d = 1000, knn", "estimate -e 'knn(k=3)' " + wide, 0, {"\tknn(k=3"}},
      {"d = 1000, kde", "estimate -e kde " + wide, 0, {"\tkde("}},
      {"d = 1000, gaussian_fit", "estimate -e gaussian_fit " + wide, 2,
       {"sample from p has 20 points", "d + 1 = 1001", "dimension 1000"}},
  });
  // Every successful estimate above is a finite number (or inf, which is printed as such).
  for (const char* e : {"knn", "kde", "gaussian_fit"}) {
    const auto r = run_klest(std::string("estimate -e ") + e + " " + path("big_p.csv") + " " +
                             path("big_q.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const double v = std::stod(r.out.substr(0, r.out.find('\t')));
    EXPECT_TRUE(std::isfinite(v)) << e << ": " << r.out;
  }
}

TEST_F(BadInput, EstimatorSpecsThatAreWrong) {
  const std::string pq = path("p.csv") + " " + path("q.csv");
  check({
      {"unknown estimator", "estimate -e knnn " + pq, 2,
       {"unknown estimator 'knnn'", "did you mean 'knn'"}},
      {"unknown parameter", "estimate -e 'knn(kk=2)' " + pq, 2,
       {"estimator 'knn'", "unknown parameter 'kk'"}},
      {"k out of range", "estimate -e 'knn(k=0)' " + pq, 2,
       {"estimator 'knn'", "parameter 'k' is 0", ">= 1"}},
      {"k not an integer", "estimate -e 'knn(k=2.5)' " + pq, 2, {"parameter 'k' is 2.5", "integer"}},
      {"choice not allowed", "estimate -e 'knn(ties=maybe)' " + pq, 2,
       {"parameter 'ties' is 'maybe'", "error, skip, jitter"}},
      {"ddof out of range", "estimate -e 'gaussian_fit(ddof=2)' " + pq, 2,
       {"estimator 'gaussian_fit'", "parameter 'ddof' is 2"}},
      {"negative bandwidth", "estimate -e 'kde(h=-1)' " + pq, 2,
       {"estimator 'kde'", "parameter 'h' is -1"}},
      {"malformed spec", "estimate -e 'knn(k=' " + pq, 2, {"knn(k="}},
      // A bad spec is found before any file is read.
      {"bad spec and missing file", "estimate -e 'knn(k=0)' " + path("nope.csv") + " " +
       path("q.csv"), 2, {"parameter 'k' is 0"}},
  });
}

TEST_F(BadInput, TruthOfBadAndOfInfinitePairs) {
  check({
      {"unknown family", "truth 'norml(0, 1)' 'normal(0, 1)'", 2,
       {"'norml'", "did you mean 'normal'"}},
      {"parameter out of range", "truth 'normal(0, -1)' 'normal(0, 1)'", 2,
       {"parameter 'sd' is -1"}},
      {"unknown parameter", "truth 'normal(0, 1, shape=2)' 'normal(0, 1)'", 2, {"'shape'"}},
      {"dimension mismatch", "truth 'mvnormal(mean=[0, 0])' 'normal(0, 1)'", 2,
       {"dimensions differ", "d = 2", "d = 1"}},
      {"Q not given", "truth 'normal(0, 1)'", 2, {"Q is required"}},
      // Infinite truths are answers, not errors.
      {"heavy tail against a normal", "truth 'cauchy(0, 1)' 'normal(0, 1)'", 0,
       {"KL(P||Q)   inf nats", "method     tails"}},
      {"support not nested", "truth 'uniform(0, 2)' 'uniform(0, 1)'", 0,
       {"KL(P||Q)   inf nats", "method     support"}},
      {"real line against a half line", "truth 'normal(0, 1)' 'exponential(1)'", 0,
       {"KL(P||Q)   inf nats", "method     support"}},
      {"sd ratio beyond the double range", "truth 'normal(0, 1)' 'normal(0, 1e-320)'", 0,
       {"KL(P||Q)   inf nats", "method     closed_form"}},
      {"infinite truth as JSON", "truth --json 'cauchy(0, 1)' 'normal(0, 1)'", 0,
       {"\"value\":\"inf\"", "\"method\":\"tails\""}},
  });
}

TEST_F(BadInput, ExperimentFilesAndOutputFolders) {
  const std::string good = R"toml(name = "tiny"
seed = 3
replications = 2
sizes = [20]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn"]
)toml";
  const std::string tiny = write("tiny.toml", good);
  write("blocker", "a regular file, not a folder\n");
  // An output folder whose journal cannot even be looked at (a symlink to itself).
  fs::create_directories(dir_ / "loop");
  fs::create_symlink("journal.txt", dir_ / "loop" / "journal.txt");
  fs::create_directories(dir_ / "garbled");
  write("garbled/journal.txt", "not a journal\n");
  const std::string out = " -o " + path("out");
  check({
      {"missing experiment file", "run -q " + path("nope.toml") + out, 2,
       {"cannot open", "nope.toml"}},
      {"empty experiment file", "run -q " + write("empty.toml", "") + out, 2,
       {"empty.toml", "missing required keys"}},
      {"TOML syntax error", "run -q " + write("syntax.toml", "name = \"x\"\nseed = \n") + out, 2,
       {"syntax.toml:2"}},
      {"unknown key", "run -q " + write("key.toml", good + "bogus = 3\n") + out, 2,
       {"key.toml:7", "unknown key 'bogus'"}},
      {"missing key",
       "run -q " + write("missing.toml", good.substr(0, good.find("estimators"))) + out, 2,
       {"missing.toml", "missing required key 'estimators'"}},
      {"zero replications",
       "run -q " + write("zero.toml", std::string(good).replace(good.find("= 2"), 3, "= 0")) +
           out,
       2, {"zero.toml:3", "'replications' is 0"}},
      {"unknown estimator in file",
       "run -q " + write("est.toml", std::string(good).replace(good.find("\"knn\""), 5, "\"knnn\"")) +
           out,
       2, {"est.toml:6", "unknown estimator 'knnn'"}},
      {"bad distribution in file",
       "run -q " +
           write("dist.toml", std::string(good).replace(good.find("normal(1, 1)"), 12, "normal(1, 0)")) +
           out,
       2, {"dist.toml:5", "pairs[0] q", "parameter 'sd' is 0"}},
      {"output folder under a regular file", "run -q " + tiny + " -o " + path("blocker/sub"), 2,
       {"cannot create the output folder", "blocker/sub", "Not a directory"}},
      {"output folder that cannot be written", "run -q " + tiny + " -o /proc/self", 2,
       {"cannot write", "/proc/self/journal.txt"}},
      {"output folder with a journal that is a symlink loop", "run -q " + tiny + " -o " +
       path("loop"), 2, {"loop/journal.txt", "symbolic links"}},
      {"output folder with a garbled journal", "run -q " + tiny + " -o " + path("garbled"), 2,
       {"garbled/journal.txt", "not a klest journal", "--force"}},
  });
  // Nothing was written for the refused runs.
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

}  // namespace

// The klest command on bad input, driven as a user would: every kind of broken sample file,
// estimator spec, distribution pair, experiment file and output folder gives exit code 2, nothing
// on stdout and one line on stderr naming what is at fault (file, line, key or value), and never
// a crash, a hang or an "internal error". Valid but extreme inputs (values near the largest
// double, d = 1000, an infinite true KL) succeed.

#include <sys/stat.h>
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

#include <nlohmann/json.hpp>

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
  std::string shell_prefix = "";  // e.g. an environment: "OMP_NUM_THREADS=0"
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
      const auto r = run_klest(row.args, row.shell_prefix);
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
      EXPECT_THAT(r.err, ::testing::Not(::testing::HasSubstr("libgomp")));
      EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "a raw control byte in the message";
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
  // klest writes no NaN: the .npy is written finite and its fifth value patched to NaN.
  const std::string nan_npy = [&] {
    klest::write_npy(dir_ / "nan.npy", klest::testing::rows({1, 2, 3, 4, 5, 6, 7, 8}, 2));
    std::fstream f(dir_ / "nan.npy", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-4 * 8, std::ios::end);
    const double nan = NAN;
    f.write(reinterpret_cast<const char*>(&nan), sizeof nan);
    return path("nan.npy");
  }();
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
      {"NaN in .npy", "estimate " + nan_npy + " " + path("q2.csv"), 2,
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
       {"cannot write", "/proc/self/.klest-lock"}},
      {"output folder with a journal that is a symlink loop", "run -q " + tiny + " -o " +
       path("loop"), 2, {"loop/journal.txt", "symbolic links"}},
      {"output folder with a garbled journal", "run -q " + tiny + " -o " + path("garbled"), 2,
       {"garbled/journal.txt", "not a klest journal", "--force"}},
  });
  // Nothing was written for the refused runs.
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

// Thread counts beyond klest's limit, from each place they can come from: refused before any
// thread starts (libgomp crashed above ~50000 and failed with its own message below that).
TEST_F(BadInput, ThreadCountsBeyondTheLimit) {
  const std::string pq = path("p.csv") + " " + path("q.csv");
  const std::string exp = write("threads.toml", R"toml(name = "threads"
seed = 3
replications = 2
sizes = [20]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn"]
threads = 100000
)toml");
  check({
      {"-t 100000, estimate", "estimate -t 100000 -e kde " + pq, 2,
       {"100000 is not a thread count from 1 to 1024"}},
      {"-t 50000, truth", "truth -t 50000 'normal(0, 1)' 'student_t(df=3)'", 2, {"1 to 1024"}},
      {"-t 0", "estimate -t 0 " + pq, 2, {"1 to 1024"}},
      {"-t 1024 is allowed", "estimate -t 1024 -e kde " + pq, 0, {"\tkde("}},
      {"threads = 100000 in an experiment", "run -q " + exp + " -o " + path("o"), 2,
       {"threads.toml:7", "'threads' is 100000", "at most 1024"}},
      {"OMP_NUM_THREADS=100000", "estimate -e kde " + pq, 2,
       {"OMP_NUM_THREADS is '100000'", "1 to 1024"}, "OMP_NUM_THREADS=100000"},
      {"OMP_NUM_THREADS=0, one line, no libgomp warning", "estimate " + pq, 2,
       {"OMP_NUM_THREADS is '0'"}, "OMP_NUM_THREADS=0"},
      {"OMP_NUM_THREADS=abc", "truth 'normal(0, 1)' 'normal(1, 1)'", 2,
       {"OMP_NUM_THREADS is 'abc'"}, "OMP_NUM_THREADS=abc"},
      {"OMP_NUM_THREADS=3,2 is valid", "estimate " + pq, 0, {"\tknn("}, "OMP_NUM_THREADS=3,2"},
  });
}

// toml++ 3.3 recurses once per part of a dotted key and has no limit: klest checks first.
TEST_F(BadInput, DeepTomlIsRefusedBeforeParsing) {
  std::string deep = "a";
  for (int i = 0; i < 40000; ++i) deep += ".a";
  std::string nested = "x = ";
  nested += std::string(200, '[') + std::string(200, ']');
  check({
      {"a dotted key of 40001 parts", "run -q " + write("deep.toml", deep + " = 1\n") + " -o " +
       path("o"), 2, {"deep.toml:1", "dotted key has more than 64 parts"}},
      {"arrays nested 200 deep", "run -q " + write("nested.toml", "name = \"n\"\n" + nested) +
       " -o " + path("o"), 2, {"nested.toml:2", "nested more than 64 deep"}},
      {"a string full of dots is not a key",
       "run -q " + write("dots.toml", "name = \"" + std::string(500, '.') + "\"\n") + " -o " +
       path("o"), 2, {"dots.toml", "missing required keys"}},
  });
  EXPECT_FALSE(fs::exists(dir_ / "o"));
}

// File names that are not UTF-8 and specs with control bytes: JSON outputs stay valid JSON
// (such bytes become U+FFFD) and messages escape control bytes.
TEST_F(BadInput, NonUtf8NamesAndControlBytes) {
  const std::string latin1 = "caf\xe9\x01.csv";
  fs::copy_file(dir_ / "p.csv", dir_ / latin1);
  const auto est = run_klest("estimate --json " + path(latin1) + " " + path("q.csv"));
  ASSERT_EQ(est.exit_code, 0) << est.err;
  const auto j = nlohmann::json::parse(est.out);
  EXPECT_THAT(j["p"].get<std::string>(), ::testing::HasSubstr("caf\xef\xbf\xbd"));

  const std::string tiny = "name = \"u\"\nseed = 3\nreplications = 2\nsizes = [20]\n"
                           "pairs = [[\"normal(0, 1)\", \"normal(1, 1)\"]]\nestimators = [\"knn\"]\n";
  write("r\xe9sum\xe9.toml", tiny);
  const auto run = run_klest("run -q " + path("r\xe9sum\xe9.toml") + " -o " + path("o\xff") +
                             " >/dev/null");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string manifest = [&] {
    std::ifstream in(dir_ / "o\xff" / "manifest.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  EXPECT_TRUE(nlohmann::json::accept(manifest)) << manifest;

  check({
      {"control bytes in a spec", "estimate -e \"$(printf 'knn\\033[31m')\" " + path("p.csv") + " " +
       path("q.csv"), 2, {"knn\\x1b[31m"}},
      {"a newline in a file name", "estimate " + quote((dir_ / "no\nsuch.csv").string()) + " " +
       path("q.csv"), 2, {"no\\nsuch.csv"}},
  });
}

// Only regular files are read: a FIFO without a writer would block for ever, /dev/zero never
// ends.
TEST_F(BadInput, EndlessAndBlockingInputs) {
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  check({
      {"a FIFO with no writer", "estimate " + path("fifo") + " " + path("q.csv"), 2,
       {"fifo", "it is a FIFO", "only regular files"}},
      {"/dev/zero", "estimate " + path("p.csv") + " /dev/zero", 2,
       {"/dev/zero", "character device"}},
      {"a FIFO as experiment file", "run -q " + path("fifo") + " -o " + path("o"), 2,
       {"it is a FIFO"}},
      {"stdin is not read", "estimate - " + path("q.csv"), 2, {"cannot open '-'"}},
  });
}

// Memory estimated before starting: refused with the figure when above the machine's memory or
// --max-memory.
TEST_F(BadInput, JobsTooLargeForMemoryAreRefusedWithTheFigure) {
  const std::string base = "name = \"m\"\nseed = 3\npairs = [[\"normal(0, 1)\", \"normal(1, 1)\"]]\n"
                           "estimators = [\"knn\", \"kde\"]\n";
  std::string wide;  // 3 points in 100000 dimensions
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 100000; ++k) {
      if (k > 0) wide += ',';
      wide += std::to_string((i * 7 + k) % 13);
    }
    wide += "\n";
  }
  const std::string w = write("wide.csv", wide);
  check({
      {"replications = 1e9", "run -q " + write("reps.toml", base + "replications = 1000000000\n"
       "sizes = [20]\n") + " -o " + path("o"), 2, {"experiment 'm'", "needs about", "TB of memory",
       "this machine has"}},
      {"sizes = [1e9]", "run -q " + write("size.toml", base + "replications = 2\n"
       "sizes = [1000000000]\n") + " -o " + path("o"), 2, {"n up to 1000000000", "GB of memory"}},
      {"--max-memory", "run -q --max-memory 1M " + write("small.toml", base + "replications = 50\n"
       "sizes = [20000]\n") + " -o " + path("o"), 2, {"--max-memory allows 1 MB"}},
      {"kde shape=full in d = 100000", "estimate -e 'kde(shape=full)' " + w + " " + w, 2,
       {"shape=full", "3x100000", "needs about 320 GB"}},
      {"kde (diagonal) in d = 100000 needs no d x d matrix", "estimate -e kde " + w + " " + w, 0,
       {"\tkde("}},
      {"sample -n 3e8 with --max-memory 1G", "sample 'normal(0, 1)' -n 300000000 --max-memory 1G "
       "-o " + path("big.npy"), 2, {"needs about 2.4 GB", "--max-memory allows 1 GB"}},
      {"--max-memory that is not a size", "estimate --max-memory lots " + w + " " + w, 2,
       {"'lots' is not a size"}},
  });
  EXPECT_FALSE(fs::exists(dir_ / "o" / "journal.txt"));
}

TEST_F(BadInput, CommandLine) {
  const std::string pq = path("p.csv") + " " + path("q.csv");
  check({
      {"options after the files", "estimate -e knn " + pq + " --json", 0, {"\"name\":\"knn\""}},
      {"-e between the files", "estimate " + path("p.csv") + " -e kde " + path("q.csv") +
       " -e knn", 0, {"\tkde(", "\tknn("}},
      {"--seed -1", "estimate --seed -1 " + pq, 2, {"--seed", "-1 is not a whole number"}},
      {"--seed 2^64", "estimate --seed 18446744073709551616 " + pq, 2, {"18446744073709551616"}},
      {"--seed 2^64 - 1", "estimate --seed 18446744073709551615 " + pq, 0, {"\tknn("}},
      {"--seed 1e3", "sample 'normal(0, 1)' --seed 1e3 -o " + path("s.csv"), 2, {"1e3"}},
      {"--rate nan", "estimate --ci subsampling --rate nan " + pq, 2, {"--rate", "nan"}},
      {"--rate inf", "estimate --ci subsampling --rate inf " + pq, 2, {"--rate", "inf"}},
      {"--tol nan", "truth --tol nan 'normal(0, 1)' 'normal(1, 1)'", 2, {"--tol", "nan"}},
  });
}

// Everything klest writes, klest reads back; a first data row with a typo is not a header.
TEST_F(BadInput, OutputsKlestCanReadBack) {
  const std::string pq = path("p.csv") + " " + path("q.csv");
  check({
      {"draws beyond the double range", "sample 'pareto(scale=1, shape=1e-300)' -o " +
       path("par.csv"), 2, {"cannot write", "par.csv", "is inf", "finite"}},
      {"output folder missing, found before drawing", "sample 'normal(0, 1)' -n 300000000 -o " +
       path("missing/dir/x.npy"), 2, {"missing/dir", "does not exist"}},
      {"histogram(alpha=1e308)", "estimate -e 'histogram(alpha=1e308)' " + pq, 0,
       {"\thistogram("}},
      {"first row '1d3'", "estimate " + write("typo.csv", "1d3\n2\n3\n") + " " + path("q.csv"), 2,
       {"typo.csv:1", "column 1 is '1d3'", "must be numbers"}},
      {"first row '0x1p3,1'", "estimate " + write("hex.csv", "0x1p3,1\n2,2\n") + " " +
       path("q2.csv"), 2, {"hex.csv:1", "'0x1p3'"}},
      {"a header still is one", "estimate " + write("hdr.csv", "x\n1\n2\n3\n4\n") + " " +
       path("q.csv"), 0, {"\tknn("}},
  });
  EXPECT_FALSE(fs::exists(dir_ / "par.csv"));
  // alpha -> infinity smooths Q (and, with smooth_p, P) to the uniform distribution on the
  // cells: 1e308 and 1e200 are both in that limit and agree; with smooth_p both sides are
  // uniform and KL is 0.
  auto value = [&](const std::string& spec) {
    const auto r = run_klest("estimate -e '" + spec + "' " + pq);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::stod(r.out.substr(0, r.out.find('\t')));
  };
  EXPECT_NEAR(value("histogram(alpha=1e308)"), value("histogram(alpha=1e200)"), 1e-12);
  EXPECT_NEAR(value("histogram(alpha=1e308, smooth_p=true)"), 0.0, 1e-12);
}

// -o does not overwrite files no run wrote; --force leaves nothing of the old experiment.
TEST_F(BadInput, OutputFoldersOfOthersAndForce) {
  const std::string tiny = "name = \"f\"\nseed = 3\nreplications = 2\nsizes = [20]\n"
                           "pairs = [[\"normal(0, 1)\", \"normal(1, 1)\"]]\nestimators = [\"knn\"]\n";
  const std::string a = write("a.toml", tiny);
  std::string other = tiny;
  other.replace(other.find("seed = 3"), 8, "seed = 4");
  const std::string b = write("b.toml", other);
  fs::create_directories(dir_ / "mine");
  write("mine/report.md", "my notes\n");
  check({
      {"a folder with someone's report.md", "run -q " + a + " -o " + path("mine"), 2,
       {"mine/report.md' exists, but no klest run in this folder wrote it"}},
      {"--force does not change that", "run -q --force " + a + " -o " + path("mine"), 2,
       {"no klest run in this folder wrote it"}},
  });
  std::ifstream notes(dir_ / "mine" / "report.md");
  std::string line;
  std::getline(notes, line);
  EXPECT_EQ(line, "my notes");

  ASSERT_EQ(run_klest("run -q " + a + " -o " + path("res") + " >/dev/null").exit_code, 0);
  fs::create_directories(dir_ / "res" / "figures");
  write("res/figures/error_1.png", "old figure");
  write("res/summary.csv.tmp", "left over");
  ASSERT_EQ(run_klest("run -q --force " + b + " -o " + path("res") + " >/dev/null").exit_code, 0);
  EXPECT_FALSE(fs::exists(dir_ / "res" / "figures"));
  EXPECT_FALSE(fs::exists(dir_ / "res" / "summary.csv.tmp"));
  const auto again = run_klest("run -q " + b + " -o " + path("res") + " >/dev/null");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, ::testing::HasSubstr("replications resumed"));
}

}  // namespace

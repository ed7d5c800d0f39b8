// Experiment files: read_experiment, parse_experiment and ExperimentSpec::m_for. A full file
// with every key, each default, the three forms of m and of pairs, every error with its line,
// and the FNV-1a hash of the text.

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/experiment.hpp"

namespace {

using klest::ExperimentSpec;
using klest::SizeRule;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double inf = std::numeric_limits<double>::infinity();

ExperimentSpec parse(std::string_view text) { return klest::parse_experiment(text, "x.toml"); }

// The message of the ConfigError that parsing `text` throws (any other exception escapes and
// fails the test).
std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const klest::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string read_error_of(const std::filesystem::path& path) {
  try {
    klest::read_experiment(path);
  } catch (const klest::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// A valid experiment, one key a line. Tests replace a line (`with`) or add lines 7, 8, ...
// (`plus`), so the line numbers in the expected messages can be read off this list.
const std::vector<std::string> base = {
    R"~(name = "t")~",                                     // 1
    R"~(seed = 1)~",                                       // 2
    R"~(replications = 2)~",                               // 3
    R"~(sizes = [10, 20])~",                               // 4
    R"~(pairs = [["normal(0, 1)", "normal(1, 1)"]])~",     // 5
    R"~(estimators = ["knn"])~",                           // 6
};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}
std::string with(std::size_t line, const std::string& replacement) {
  std::vector<std::string> lines = base;
  lines.at(line - 1) = replacement;
  return join_lines(lines);
}
std::string plus(const std::string& extra) { return join_lines(base) + extra + "\n"; }

// An independent FNV-1a (64 bits) to check `hash` against; itself checked by hand below.
std::string reference_fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ULL;  // offset basis 0xcbf29ce484222325
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;  // prime 0x100000001b3
  std::ostringstream out;
  out << std::hex;
  out.width(16);
  out.fill('0');
  out << h;
  return out.str();
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---- valid files ----------------------------------------------------------------------------

TEST(ExperimentSpec, ReadsAFullFileWithEveryKey) {
  const std::string text = R"~(# every key
name         = "gauss_shift_1d"
description  = "1-D shift, N(0,1) vs N(1,1)"
seed         = 20240611
replications = 200
sizes        = [100, 1000, 10000]
m            = [50, 500, 5000]
pairs        = [["normal(0, 1)", "normal(1, 1)"],
                {p = "normal(mean=1, sd=1)", q = "normal(0, 1)", truth = 0.5}]
estimators   = ["knn(k=1)", "knn(k=5)"]
threads      = 2

[truth]
method     = "numeric"
mc_samples = 5000
seed       = 7
tol        = 1e-8
)~";
  const ExperimentSpec s = parse(text);
  EXPECT_EQ(s.name, "gauss_shift_1d");
  EXPECT_EQ(s.description, "1-D shift, N(0,1) vs N(1,1)");
  EXPECT_EQ(s.seed, 20240611u);
  EXPECT_EQ(s.replications, 200u);
  EXPECT_THAT(s.sizes, ElementsAre(100u, 1000u, 10000u));
  EXPECT_EQ(s.m_rule.kind, SizeRule::Kind::list);
  EXPECT_THAT(s.m_rule.m, ElementsAre(50u, 500u, 5000u));
  ASSERT_EQ(s.pairs.size(), 2u);
  EXPECT_EQ(s.pairs[0].p, "normal(0, 1)");  // as written, not canonical
  EXPECT_EQ(s.pairs[0].q, "normal(1, 1)");
  EXPECT_FALSE(s.pairs[0].truth.has_value());
  EXPECT_EQ(s.pairs[0].line, 8);
  EXPECT_EQ(s.pairs[1].p, "normal(mean=1, sd=1)");
  EXPECT_EQ(s.pairs[1].q, "normal(0, 1)");
  ASSERT_TRUE(s.pairs[1].truth.has_value());
  EXPECT_EQ(*s.pairs[1].truth, 0.5);
  EXPECT_EQ(s.pairs[1].line, 9);
  EXPECT_THAT(s.estimators, ElementsAre("knn(k=1)", "knn(k=5)"));
  ASSERT_TRUE(s.threads.has_value());
  EXPECT_EQ(*s.threads, 2);
  EXPECT_FALSE(s.truth.use_closed_form);
  EXPECT_EQ(s.truth.mc_samples, 5000u);
  EXPECT_EQ(s.truth.seed, 7u);
  EXPECT_EQ(s.truth.rel_tol, 1e-8);
  EXPECT_EQ(s.path, "");  // parse_experiment: no file
  EXPECT_EQ(s.text, text);
  EXPECT_EQ(s.hash, reference_fnv1a(text));
}

TEST(ExperimentSpec, FillsInEveryDefault) {
  const ExperimentSpec s = parse(R"~(name = "d.1-x_Y"
seed = 42
replications = 1
sizes = [5]
pairs = [["normal(0, 1)", "normal(0, 1)"]]
estimators = ["knn"]
)~");
  EXPECT_EQ(s.name, "d.1-x_Y");
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.m_rule.kind, SizeRule::Kind::equal);
  EXPECT_EQ(s.m_for(0), 5u);
  EXPECT_FALSE(s.threads.has_value());
  EXPECT_FALSE(s.pairs[0].truth.has_value());
  EXPECT_TRUE(s.truth.use_closed_form);   // method = "auto"
  EXPECT_EQ(s.truth.mc_samples, 1'000'000u);
  EXPECT_EQ(s.truth.seed, 42u);           // the experiment seed, not klest::default_seed
  EXPECT_EQ(s.truth.rel_tol, 1e-10);
}

TEST(ExperimentSpec, AnEmptyTruthTableKeepsTheDefaults) {
  const ExperimentSpec s = parse(plus("[truth]"));
  EXPECT_TRUE(s.truth.use_closed_form);
  EXPECT_EQ(s.truth.mc_samples, 1'000'000u);
  EXPECT_EQ(s.truth.seed, 1u);
  EXPECT_EQ(s.truth.rel_tol, 1e-10);
}

TEST(ExperimentSpec, TruthMethodAutoAndTheEndsOfTheRanges) {
  const ExperimentSpec a =
      parse(plus("[truth]\nmethod = \"auto\"\nmc_samples = 2\nseed = 0\ntol = 1e-15"));
  EXPECT_TRUE(a.truth.use_closed_form);
  EXPECT_EQ(a.truth.mc_samples, 2u);
  EXPECT_EQ(a.truth.seed, 0u);
  EXPECT_EQ(a.truth.rel_tol, 1e-15);
  EXPECT_EQ(parse(plus("[truth]\ntol = 0.01")).truth.rel_tol, 0.01);
}

TEST(ExperimentSpec, SeedTakesTheWholeNonNegativeInt64Range) {
  EXPECT_EQ(parse(with(2, "seed = 0")).seed, 0u);
  const ExperimentSpec s = parse(with(2, "seed = 9223372036854775807"));
  EXPECT_EQ(s.seed, 9223372036854775807u);
  EXPECT_EQ(s.truth.seed, 9223372036854775807u);
  EXPECT_EQ(parse(with(3, "replications = 4294967295")).replications, 4294967295u);
}

// ---- m --------------------------------------------------------------------------------------

TEST(ExperimentSpec, MEqualIsN) {
  const ExperimentSpec s = parse(plus(R"~(m = "equal")~"));
  EXPECT_EQ(s.m_rule.kind, SizeRule::Kind::equal);
  EXPECT_EQ(s.m_for(0), 10u);
  EXPECT_EQ(s.m_for(1), 20u);
}

TEST(ExperimentSpec, MRatioRoundsHalfAwayFromZeroAndIsAtLeastOne) {
  const ExperimentSpec s = parse(with(4, "sizes = [1, 3, 4, 10, 15]") + "m = 0.5\n");
  EXPECT_EQ(s.m_rule.kind, SizeRule::Kind::ratio);
  EXPECT_EQ(s.m_rule.ratio, 0.5);
  EXPECT_EQ(s.m_for(0), 1u);  // 0.5 -> 1
  EXPECT_EQ(s.m_for(1), 2u);  // 1.5 -> 2
  EXPECT_EQ(s.m_for(2), 2u);  // 2
  EXPECT_EQ(s.m_for(3), 5u);
  EXPECT_EQ(s.m_for(4), 8u);  // 7.5 -> 8

  const ExperimentSpec t = parse(with(4, "sizes = [1, 4, 15]") + "m = 0.1\n");
  EXPECT_EQ(t.m_for(0), 1u);  // 0.1 rounds to 0, raised to 1
  EXPECT_EQ(t.m_for(1), 1u);  // 0.4 rounds to 0, raised to 1
  EXPECT_EQ(t.m_for(2), 2u);  // 1.5 -> 2
}

TEST(ExperimentSpec, MIntegerIsARatio) {
  const ExperimentSpec s = parse(plus("m = 2"));
  EXPECT_EQ(s.m_rule.kind, SizeRule::Kind::ratio);
  EXPECT_EQ(s.m_rule.ratio, 2.0);
  EXPECT_EQ(s.m_for(0), 20u);
  EXPECT_EQ(s.m_for(1), 40u);
}

TEST(ExperimentSpec, MListGivesOneMPerSize) {
  const ExperimentSpec s = parse(plus("m = [4, 400]"));
  EXPECT_EQ(s.m_rule.kind, SizeRule::Kind::list);
  EXPECT_EQ(s.m_for(0), 4u);
  EXPECT_EQ(s.m_for(1), 400u);
}

TEST(ExperimentSpec, MForRejectsAnIndexPastTheSizes) {
  const ExperimentSpec s = parse(plus("m = [4, 400]"));
  EXPECT_THROW(s.m_for(2), std::out_of_range);
  EXPECT_THROW(parse(join_lines(base)).m_for(2), std::out_of_range);
}

// ---- pairs ----------------------------------------------------------------------------------

TEST(ExperimentSpec, PairsAsArraysAndInlineTablesMayMix) {
  const ExperimentSpec s = parse(with(5, R"~(pairs = [
  ["normal(0, 1)", "normal(1, 1)"],
  {p = "normal(1, 1)", q = "normal(0, 1)", truth = 0},
  {q = "normal(0, 2)", p = "normal(0, 1)", truth = inf},
])~"));
  ASSERT_EQ(s.pairs.size(), 3u);
  EXPECT_EQ(s.pairs[0].p, "normal(0, 1)");
  EXPECT_EQ(s.pairs[0].line, 6);
  EXPECT_EQ(s.pairs[1].p, "normal(1, 1)");
  EXPECT_EQ(s.pairs[1].q, "normal(0, 1)");
  EXPECT_EQ(s.pairs[1].truth, 0.0);  // an integer truth is a real
  EXPECT_EQ(s.pairs[1].line, 7);
  EXPECT_EQ(s.pairs[2].p, "normal(0, 1)");  // by key, not by position
  EXPECT_EQ(s.pairs[2].q, "normal(0, 2)");
  EXPECT_EQ(s.pairs[2].truth, inf);
  EXPECT_EQ(s.pairs[2].line, 8);
}

TEST(ExperimentSpec, PairsAsAnArrayOfTables) {
  const ExperimentSpec s = parse(R"~(name = "p"
seed = 1
replications = 1
sizes = [10]
estimators = ["knn"]

[[pairs]]
p = "normal(0, 1)"
q = "normal(1, 1)"
truth = 0.5

[[pairs]]
p = "normal(1, 1)"
q = "normal(0, 1)"
)~");
  ASSERT_EQ(s.pairs.size(), 2u);
  EXPECT_EQ(s.pairs[0].p, "normal(0, 1)");
  EXPECT_EQ(s.pairs[0].q, "normal(1, 1)");
  EXPECT_EQ(s.pairs[0].truth, 0.5);
  EXPECT_EQ(s.pairs[0].line, 7);
  EXPECT_EQ(s.pairs[1].p, "normal(1, 1)");
  EXPECT_FALSE(s.pairs[1].truth.has_value());
  EXPECT_EQ(s.pairs[1].line, 12);
}

TEST(ExperimentSpec, PairsOfHigherDimension) {
  const ExperimentSpec s = parse(with(5, R"~(pairs = [[
  "mvnormal(mean=[0, 0], cov=[[1, 0], [0, 1]])",
  "mvnormal(mean=[1, 0], cov=[[2, 0], [0, 1]])"]])~"));
  EXPECT_EQ(s.pairs[0].q, "mvnormal(mean=[1, 0], cov=[[2, 0], [0, 1]])");
}

// ---- read_experiment ------------------------------------------------------------------------

TEST(ExperimentSpec, ReadsAFileAndKeepsItsPathAndExactText) {
  const std::string path = std::string(KLEST_TEST_DATA) + "/experiments/gauss_shift_1d.toml";
  const ExperimentSpec s = klest::read_experiment(path);
  EXPECT_EQ(s.path, path);
  EXPECT_EQ(s.text, slurp(path));
  EXPECT_EQ(s.hash, reference_fnv1a(slurp(path)));
  EXPECT_EQ(s.name, "gauss_shift_1d");
  EXPECT_EQ(s.seed, 20240611u);
  EXPECT_EQ(s.truth.seed, 20240611u);
  EXPECT_EQ(s.replications, 200u);
  EXPECT_THAT(s.sizes, ElementsAre(100u, 1000u, 10000u));
  ASSERT_EQ(s.pairs.size(), 1u);
  EXPECT_EQ(s.pairs[0].p, "normal(mean=0, sd=1)");
  EXPECT_EQ(s.pairs[0].line, 6);
  EXPECT_THAT(s.estimators, ElementsAre("knn(k=1)", "knn(k=5)"));
}

TEST(ExperimentSpec, FileErrorsStartWithThePathAsGiven) {
  const std::string path = std::string(KLEST_TEST_DATA) + "/experiments/bad_sd.toml";
  EXPECT_EQ(read_error_of(path),
            path + ":7: pairs[1] q: distribution 'normal': parameter 'sd' is -1, but must be a "
                   "real > 0");
}

TEST(ExperimentSpec, SaysWhyAFileCannotBeOpened) {
  const std::string dir = std::string(KLEST_TEST_DATA) + "/experiments";
  EXPECT_EQ(read_error_of(dir + "/no_such_file.toml"),
            "cannot open '" + dir + "/no_such_file.toml': No such file or directory");
  EXPECT_EQ(read_error_of(dir), "cannot open '" + dir + "': it is a directory");
}

TEST(ExperimentSpec, ReadsTheFileOnWindowsLineEndingsExactly) {
  const std::filesystem::path p =
      std::filesystem::path(::testing::TempDir()) / "klest_experiment_crlf.toml";
  std::string text;
  for (const std::string& l : base) text += l + "\r\n";
  {
    std::ofstream out(p, std::ios::binary);
    out << text;
  }
  const ExperimentSpec s = klest::read_experiment(p);
  EXPECT_EQ(s.text, text);
  EXPECT_EQ(s.path, p.string());
  EXPECT_EQ(s.hash, reference_fnv1a(text));
  std::filesystem::remove(p);
}

// ---- hash -----------------------------------------------------------------------------------

TEST(ExperimentSpec, TheReferenceFnv1aMatchesHandAndPublishedValues) {
  // "": no bytes, so the offset basis itself.
  EXPECT_EQ(reference_fnv1a(""), "cbf29ce484222325");
  // "a" (0x61), by hand:
  //   h = 0xcbf29ce484222325 ^ 0x61 = 0xcbf29ce484222344
  //   h * 0x100000001b3 = (h << 40) + h * 0x1b3  (mod 2^64)
  //   h << 40            = 0x2223440000000000      (the low 24 bits of h, moved up)
  //   h * 0x1b3          = 0x15a8d40984c8601ec8c   -> mod 2^64: 0x8d40984c8601ec8c
  //   sum                = 0xaf63dc4c8601ec8c      (0x8d40... + 0x2223... = 0xaf63...)
  EXPECT_EQ(reference_fnv1a("a"), "af63dc4c8601ec8c");
  // The published test vector of the FNV reference code (Noll, fnv_test.c).
  EXPECT_EQ(reference_fnv1a("foobar"), "85944171f73967e8");
}

TEST(ExperimentSpec, HashIsTheFnv1aOfTheExactText) {
  const std::string text = join_lines(base);
  const ExperimentSpec a = parse(text);
  ASSERT_EQ(a.hash.size(), 16u);
  EXPECT_EQ(a.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a.hash, reference_fnv1a(text));
  // Same text, same hash, whatever name it is parsed under.
  EXPECT_EQ(parse(text).hash, a.hash);
  EXPECT_EQ(klest::parse_experiment(text, "other.toml").hash, a.hash);
  // One character changed: a different hash, even where it means nothing to TOML.
  EXPECT_NE(parse(with(2, "seed = 2")).hash, a.hash);
  EXPECT_NE(parse(with(2, "seed  = 1")).hash, a.hash);
  EXPECT_NE(parse(text + "#").hash, a.hash);
}

// ---- TOML syntax and keys -------------------------------------------------------------------

TEST(ExperimentSpecErrors, TomlSyntaxErrorsGiveLineAndColumn) {
  // The duplicate key is reported at its value, line 3 column 8.
  EXPECT_EQ(error_of("name = \"t\"\nseed = 1\nseed = 2\n"),
            "x.toml:3:8: Error while parsing key-value pair: cannot redefine existing integer "
            "'seed'");
  const std::string bad_value = error_of("name = \"t\"\nseed = = 1\n");
  EXPECT_THAT(bad_value, StartsWith("x.toml:2:8: Error while parsing"));
  // The name given to parse_experiment stands for the file.
  try {
    klest::parse_experiment("a = [1,,]", "inline text");
    FAIL() << "no error";
  } catch (const klest::ConfigError& e) {
    EXPECT_THAT(e.what(), StartsWith("inline text:1:"));
  }
}

TEST(ExperimentSpecErrors, UnknownTopLevelKeyListsTheAllowedAndSuggests) {
  EXPECT_EQ(error_of(with(3, "replication = 2")),
            "x.toml:3: unknown key 'replication' (allowed: name, description, seed, "
            "replications, sizes, m, pairs, estimators, threads, intervals, truth); did you mean "
            "'replications'?");
  EXPECT_EQ(error_of(plus(R"~(colour = "red")~")),
            "x.toml:7: unknown key 'colour' (allowed: name, description, seed, replications, "
            "sizes, m, pairs, estimators, threads, intervals, truth)");
}

TEST(ExperimentSpecErrors, OfSeveralUnknownKeysTheFirstWrittenIsReported) {
  // toml++ keeps keys sorted; the message must still name 'mid' on line 1, not the first
  // ('alpha', line 8) or the last ('zeta', line 9) in sorted order.
  const std::string text = "mid = 1\n" + join_lines(base) + "alpha = 2\nzeta = 3\n";
  EXPECT_THAT(error_of(text), StartsWith("x.toml:1: unknown key 'mid' (allowed: "));
}

TEST(ExperimentSpecErrors, UnknownKeyInTruthTable) {
  EXPECT_EQ(error_of(plus("[truth]\nmcsamples = 10")),
            "x.toml:8: [truth]: unknown key 'mcsamples' (allowed: method, mc_samples, seed, "
            "tol); did you mean 'mc_samples'?");
}

TEST(ExperimentSpecErrors, UnknownKeyInPairTable) {
  EXPECT_EQ(
      error_of(with(5, R"~(pairs = [{p = "normal(0, 1)", q = "normal(1, 1)", truht = 0.5}])~")),
      "x.toml:5: pairs[0]: unknown key 'truht' (allowed: p, q, truth); did you mean 'truth'?");
  // Line 5 emptied; the table is lines 7 to 10.
  EXPECT_EQ(error_of(with(5, "") + R"~([[pairs]]
p = "normal(0, 1)"
q = "normal(1, 1)"
r = 1
)~"),
            "x.toml:10: pairs[0]: unknown key 'r' (allowed: p, q, truth)");
}

TEST(ExperimentSpecErrors, MissingRequiredKeysHaveNoLine) {
  EXPECT_EQ(error_of(with(4, "")), "x.toml: missing required key 'sizes'");
  std::vector<std::string> lines = base;
  lines[3] = "";
  lines[5] = "";
  EXPECT_EQ(error_of(join_lines(lines)), "x.toml: missing required keys 'sizes', 'estimators'");
  EXPECT_EQ(error_of(""),
            "x.toml: missing required keys 'name', 'seed', 'replications', 'sizes', 'pairs', "
            "'estimators'");
}

// ---- scalars --------------------------------------------------------------------------------

TEST(ExperimentSpecErrors, Name) {
  const std::string must = ", but must be a word of letters, digits, '_', '.' and '-'";
  EXPECT_EQ(error_of(with(1, R"~(name = "gauss shift")~")),
            "x.toml:1: 'name' is \"gauss shift\"" + must);
  EXPECT_EQ(error_of(with(1, R"~(name = "")~")), "x.toml:1: 'name' is \"\"" + must);
  EXPECT_EQ(error_of(with(1, "name = 5")), "x.toml:1: 'name' is 5 (an integer)" + must);
  EXPECT_EQ(error_of(with(1, R"~(name = "a\"b")~")), "x.toml:1: 'name' is \"a\\\"b\"" + must);
}

TEST(ExperimentSpecErrors, Description) {
  EXPECT_EQ(error_of(plus(R"~(description = ["a"])~")),
            "x.toml:7: 'description' is an array, but must be a string");
}

TEST(ExperimentSpecErrors, Seed) {
  EXPECT_EQ(error_of(with(2, "seed = -1")), "x.toml:2: 'seed' is -1, but must be an integer >= 0");
  EXPECT_EQ(error_of(with(2, "seed = true")),
            "x.toml:2: 'seed' is true (a boolean), but must be an integer >= 0");
  EXPECT_EQ(error_of(with(2, "seed = 1.5")),
            "x.toml:2: 'seed' is 1.5 (a float), but must be an integer >= 0");
}

TEST(ExperimentSpecErrors, Replications) {
  EXPECT_EQ(error_of(with(3, R"~(replications = "200")~")),
            "x.toml:3: 'replications' is \"200\" (a string), but must be an integer >= 1");
  EXPECT_EQ(error_of(with(3, "replications = 0")),
            "x.toml:3: 'replications' is 0, but must be an integer >= 1");
  EXPECT_EQ(error_of(with(3, "replications = 2.0")),
            "x.toml:3: 'replications' is 2.0 (a float), but must be an integer >= 1");
  EXPECT_EQ(error_of(with(3, "replications = 4294967296")),
            "x.toml:3: 'replications' is 4294967296, but must be at most 4294967295 "
            "(replication indices are 32-bit random-stream coordinates)");
}

TEST(ExperimentSpecErrors, Threads) {
  EXPECT_EQ(error_of(plus("threads = 0")), "x.toml:7: 'threads' is 0, but must be an integer >= 1");
  EXPECT_EQ(error_of(plus(R"~(threads = "2")~")),
            "x.toml:7: 'threads' is \"2\" (a string), but must be an integer >= 1");
  EXPECT_EQ(error_of(plus("threads = 2147483648")),
            "x.toml:7: 'threads' is 2147483648, but must be at most 1024 (klest's thread limit)");
  EXPECT_EQ(error_of(plus("threads = 1025")),
            "x.toml:7: 'threads' is 1025, but must be at most 1024 (klest's thread limit)");
  EXPECT_EQ(error_of(plus("threads = 1024")), "(no error)");
}

// ---- sizes and m ----------------------------------------------------------------------------

TEST(ExperimentSpecErrors, Sizes) {
  const std::string must = ", but must be a non-empty array of sample sizes (integers >= 1)";
  EXPECT_EQ(error_of(with(4, "sizes = 10")), "x.toml:4: 'sizes' is 10 (an integer)" + must);
  EXPECT_EQ(error_of(with(4, "sizes = []")), "x.toml:4: 'sizes' is empty" + must);
  EXPECT_EQ(error_of(with(4, "sizes = [10, 1e3]")),
            "x.toml:4: sizes[1] is 1000.0 (a float), but must be an integer >= 1");
  EXPECT_EQ(error_of(with(4, R"~(sizes = [10, "20"])~")),
            "x.toml:4: sizes[1] is \"20\" (a string), but must be an integer >= 1");
  EXPECT_EQ(error_of(with(4, "sizes = [10, 20, 10]")),
            "x.toml:4: sizes[2] is 10, but sizes[0] is 10 already; sizes must be distinct");
}

TEST(ExperimentSpecErrors, SizesNameTheLineOfTheBadElement) {
  EXPECT_EQ(error_of(with(4, "sizes = [10,\n         0,\n         30]")),
            "x.toml:5: sizes[1] is 0, but must be an integer >= 1");
}

TEST(ExperimentSpecErrors, M) {
  const std::string must =
      ", but must be \"equal\", a ratio > 0 (m = round(ratio * n)) or a list of 2 integers >= 1 "
      "(one m per size)";
  EXPECT_EQ(error_of(plus(R"~(m = "half")~")), "x.toml:7: 'm' is \"half\"" + must);
  EXPECT_EQ(error_of(plus(R"~(m = "equl")~")),
            "x.toml:7: 'm' is \"equl\"" + must + "; did you mean 'equal'?");
  EXPECT_EQ(error_of(plus("m = true")), "x.toml:7: 'm' is true (a boolean)" + must);
  EXPECT_EQ(error_of(plus("m = 0")), "x.toml:7: 'm' is 0, but a ratio must be a finite real > 0");
  EXPECT_EQ(error_of(plus("m = -1.5")),
            "x.toml:7: 'm' is -1.5, but a ratio must be a finite real > 0");
  EXPECT_EQ(error_of(plus("m = inf")),
            "x.toml:7: 'm' is inf, but a ratio must be a finite real > 0");
  EXPECT_EQ(error_of(plus("m = nan")),
            "x.toml:7: 'm' is nan, but a ratio must be a finite real > 0");
  // 1e300 * 20 cannot be a sample size.
  EXPECT_THAT(error_of(plus("m = 1e300")),
              AllOf(StartsWith("x.toml:7: 'm' is 1e"), HasSubstr("for n = 20"),
                    HasSubstr("at most 2^53")));
  EXPECT_EQ(error_of(plus("m = [5, 10, 15]")),
            "x.toml:7: 'm' has 3 entries, but must have one per size (2)");
  EXPECT_EQ(error_of(plus("m = [5, 0]")), "x.toml:7: m[1] is 0, but must be an integer >= 1");
  EXPECT_EQ(error_of(plus("m = [5, 0.5]")),
            "x.toml:7: m[1] is 0.5 (a float), but must be an integer >= 1");
}

// ---- [truth] --------------------------------------------------------------------------------

TEST(ExperimentSpecErrors, TruthTable) {
  EXPECT_EQ(error_of(plus("truth = 5")),
            "x.toml:7: 'truth' is 5 (an integer), but must be a table ([truth] with method, "
            "mc_samples, seed, tol)");
  EXPECT_EQ(error_of(plus("[truth]\nmethod = \"fast\"")),
            "x.toml:8: [truth] method is \"fast\", but must be \"auto\" or \"numeric\"");
  EXPECT_EQ(error_of(plus("[truth]\nmethod = \"numerc\"")),
            "x.toml:8: [truth] method is \"numerc\", but must be \"auto\" or \"numeric\"; did "
            "you mean 'numeric'?");
  EXPECT_EQ(error_of(plus("[truth]\nmethod = 1")),
            "x.toml:8: [truth] method is 1 (an integer), but must be \"auto\" or \"numeric\"");
  EXPECT_EQ(error_of(plus("[truth]\nmc_samples = 1")),
            "x.toml:8: [truth] mc_samples is 1, but must be an integer >= 2");
  EXPECT_EQ(error_of(plus("[truth]\nseed = -3")),
            "x.toml:8: [truth] seed is -3, but must be an integer >= 0");
  EXPECT_EQ(error_of(plus("[truth]\ntol = 0.1")),
            "x.toml:8: [truth] tol is 0.1, but must be a real in [1e-15, 0.01]");
  EXPECT_EQ(error_of(plus("[truth]\ntol = 1e-16")),
            "x.toml:8: [truth] tol is 1e-16, but must be a real in [1e-15, 0.01]");
  EXPECT_EQ(error_of(plus("[truth]\ntol = \"small\"")),
            "x.toml:8: [truth] tol is \"small\" (a string), but must be a real in [1e-15, 0.01]");
}

// ---- pairs ----------------------------------------------------------------------------------

TEST(ExperimentSpecErrors, PairsShape) {
  const std::string must =
      ", but must be a non-empty array of pairs: [p, q] or {p = ..., q = ..., truth = ...}, or "
      "[[pairs]] tables";
  EXPECT_EQ(error_of(with(5, R"~(pairs = "normal")~")),
            "x.toml:5: 'pairs' is \"normal\" (a string)" + must);
  EXPECT_EQ(error_of(with(5, "pairs = []")), "x.toml:5: 'pairs' is empty" + must);
  EXPECT_EQ(error_of(with(5, "") + "[pairs]\np = \"normal(0, 1)\"\nq = \"normal(1, 1)\"\n"),
            "x.toml:7: 'pairs' is a table, but must be an array of pairs (write [[pairs]], not "
            "[pairs])");
  EXPECT_EQ(error_of(with(5, R"~(pairs = [["normal(0, 1)"]])~")),
            "x.toml:5: pairs[0] has 1 entry, but must be [p, q]: two distribution specs");
  EXPECT_EQ(error_of(with(5, R"~(pairs = [["normal(0, 1)", "normal(0, 1)", "normal(0, 1)"]])~")),
            "x.toml:5: pairs[0] has 3 entries, but must be [p, q]: two distribution specs");
  EXPECT_EQ(error_of(with(5, "pairs = [5]")),
            "x.toml:5: pairs[0] is 5 (an integer), but must be [p, q] or a table {p = ..., q = "
            "..., truth = ...}");
  EXPECT_EQ(error_of(with(5, R"~(pairs = [["normal(0, 1)", 2]])~")),
            "x.toml:5: pairs[0] q is 2 (an integer), but must be a distribution spec (a string)");
  EXPECT_EQ(error_of(with(5, R"~(pairs = [{p = "normal(0, 1)"}])~")),
            "x.toml:5: pairs[0]: missing required key 'q'");
  EXPECT_EQ(error_of(with(5, R"~(pairs = [{q = "normal(0, 1)"}])~")),
            "x.toml:5: pairs[0]: missing required key 'p'");
}

TEST(ExperimentSpecErrors, PairTruth) {
  const std::string must = ", but must be a real >= 0 (the KL divergence in nats; inf allowed)";
  const auto pair_with_truth = [](const std::string& truth) {
    return with(5, R"~(pairs = [{p = "normal(0, 1)", q = "normal(1, 1)", truth = )~" + truth +
                       "}]");
  };
  EXPECT_EQ(error_of(pair_with_truth("-0.5")), "x.toml:5: pairs[0] truth is -0.5" + must);
  EXPECT_EQ(error_of(pair_with_truth("nan")), "x.toml:5: pairs[0] truth is nan" + must);
  EXPECT_EQ(error_of(pair_with_truth("\"0.5\"")),
            "x.toml:5: pairs[0] truth is \"0.5\" (a string)" + must);
}

TEST(ExperimentSpecErrors, BadDistributionNamesThePairTheSideAndTheLine) {
  EXPECT_EQ(error_of(with(5, R"~(pairs = [["normal(0, 1)", "normal(1, 1)"],
         ["normal(0, 1)", "normal(1, 1)"],
         ["normal(0, 1)", "normal(0, -1)"]])~")),
            "x.toml:7: pairs[2] q: distribution 'normal': parameter 'sd' is -1, but must be a "
            "real > 0");
  // In a [[pairs]] table the line is that of the bad value.
  EXPECT_EQ(error_of(with(5, "") + "[[pairs]]\np = \"normal(0, 1)\"\nq = \"normal(0, 0)\"\n"),
            "x.toml:9: pairs[0] q: distribution 'normal': parameter 'sd' is 0, but must be a "
            "real > 0");
  EXPECT_THAT(error_of(with(5, R"~(pairs = [["normall(0, 1)", "normal(1, 1)"]])~")),
              AllOf(StartsWith("x.toml:5: pairs[0] p: unknown distribution 'normall' (known: "),
                    HasSubstr("did you mean 'normal'?")));
  EXPECT_THAT(error_of(with(5, R"~(pairs = [["normal(0,", "normal(1, 1)"]])~")),
              StartsWith("x.toml:5: pairs[0] p: spec 'normal(0,': column "));
}

TEST(ExperimentSpecErrors, PairDimensionsMustAgree) {
  EXPECT_EQ(
      error_of(with(5, R"~(pairs = [["normal(0, 1)", "normal(1, 1)"],
  ["mvnormal(mean=[0, 0], cov=[[1, 0], [0, 1]])", "normal(0, 1)"]])~")),
      "x.toml:6: pairs[1]: p 'mvnormal(mean=[0, 0], cov=[[1, 0], [0, 1]])' has dimension 2, but "
      "q 'normal(0, 1)' has dimension 1; p and q must have the same dimension");
}

// ---- estimators -----------------------------------------------------------------------------

TEST(ExperimentSpecErrors, EstimatorsShape) {
  const std::string must = ", but must be a non-empty array of estimator specs";
  EXPECT_EQ(error_of(with(6, R"~(estimators = "knn")~")),
            "x.toml:6: 'estimators' is \"knn\" (a string)" + must);
  EXPECT_EQ(error_of(with(6, "estimators = []")), "x.toml:6: 'estimators' is empty" + must);
  EXPECT_EQ(error_of(with(6, R"~(estimators = ["knn", 3])~")),
            "x.toml:6: estimators[1] is 3 (an integer), but must be an estimator spec (a string)");
}

TEST(ExperimentSpecErrors, BadEstimatorSpecs) {
  EXPECT_THAT(error_of(with(6, R"~(estimators = ["knm"])~")),
              AllOf(StartsWith("x.toml:6: estimators[0]: unknown estimator 'knm' (known: "),
                    HasSubstr("did you mean 'knn'?")));
  EXPECT_EQ(error_of(with(6, R"~(estimators = ["knn(k=0)"])~")),
            "x.toml:6: estimators[0]: estimator 'knn': parameter 'k' is 0, but must be an "
            "integer >= 1");
  EXPECT_THAT(error_of(with(6, R"~(estimators = ["knn(k="])~")),
              StartsWith("x.toml:6: estimators[0]: spec 'knn(k=': column "));
}

TEST(ExperimentSpecErrors, DuplicateEstimatorsAreTheSameCanonicalLabel) {
  const std::string label = klest::make_estimator("knn")->label();  // every default spelled out
  EXPECT_EQ(error_of(with(6, R"~(estimators = ["knn",
              "knn(k=5)",
              "knn(k = 1)"])~")),
            "x.toml:8: estimators[2] 'knn(k = 1)' is the same estimator as estimators[0] 'knn' "
            "(both are " + label + ")");
}

// ---- intervals ----

std::string detail_join_methods() {
  std::string out;
  for (const std::string& m : klest::interval_method_names()) out += (out.empty() ? "" : ", ") + m;
  return out;
}

TEST(ExperimentSpec, IntervalsAsAnArrayOfMethodSpecs) {
  const ExperimentSpec s = parse(plus(
      R"~(intervals = ["subsampling", "subsampling(rate=0.5, replicates=50)", "bootstrap(level=0.9)"])~"));
  ASSERT_EQ(s.intervals.size(), 3u);
  EXPECT_EQ(s.intervals[0].label, "subsampling");
  EXPECT_EQ(s.intervals[0].options.method, klest::IntervalMethod::subsampling);
  EXPECT_FALSE(s.intervals[0].options.rate.has_value());
  EXPECT_EQ(s.intervals[0].options.replicates, 200u);
  EXPECT_EQ(s.intervals[1].label, "subsampling(rate=0.5)");
  EXPECT_EQ(s.intervals[1].options.rate, 0.5);
  EXPECT_EQ(s.intervals[1].options.replicates, 50u);
  EXPECT_EQ(s.intervals[2].options.method, klest::IntervalMethod::bootstrap);
  EXPECT_EQ(s.intervals[2].options.level, 0.9);
}

TEST(ExperimentSpec, IntervalsAsATableWithSharedLevelAndReplicates) {
  const ExperimentSpec s = parse(plus(
      R"~(intervals = {methods = ["bootstrap", "subsampling(replicates=30)"], level = 0.8, replicates = 99})~"));
  ASSERT_EQ(s.intervals.size(), 2u);
  EXPECT_EQ(s.intervals[0].options.level, 0.8);
  EXPECT_EQ(s.intervals[0].options.replicates, 99u);
  EXPECT_EQ(s.intervals[1].options.level, 0.8);
  EXPECT_EQ(s.intervals[1].options.replicates, 30u);
}

TEST(ExperimentSpecErrors, IntervalMistakesAreNamed) {
  EXPECT_EQ(error_of(plus(R"~(intervals = ["jackknife"])~")),
            "x.toml:7: intervals[0]: interval method 'jackknife' is unknown (known: " +
                detail_join_methods() + ")");
  EXPECT_EQ(error_of(plus(R"~(intervals = ["bootstrap(rate=0.5)"])~")),
            "x.toml:7: intervals[0] 'bootstrap(rate=0.5)': 'rate' applies only to subsampling "
            "methods");
  EXPECT_EQ(error_of(plus(R"~(intervals = ["subsampling(level=1)"])~")),
            "x.toml:7: intervals[0] 'subsampling(level=1)': level is 1, but must be in (0, 1)");
  EXPECT_EQ(error_of(plus(R"~(intervals = ["subsampling(colour=1)"])~")),
            "x.toml:7: intervals[0] 'subsampling(colour=1)': unknown argument 'colour' (allowed: "
            "level, replicates, rate, bias_rate)");
  EXPECT_EQ(error_of(plus(R"~(intervals = ["bootstrap", "bootstrap"])~")),
            "x.toml:7: intervals[1] 'bootstrap' is the same interval as entry 0 ('bootstrap')");
  EXPECT_EQ(error_of(plus(R"~(intervals = {methods = ["bootstrap"], replicates = 1})~")),
            "x.toml:7: [intervals] replicates is 1, but must be an integer >= 2");
  EXPECT_EQ(error_of(plus(R"~(intervals = [])~")),
            "x.toml:7: 'intervals' is empty, but must be a non-empty array of interval methods (" +
                detail_join_methods() +
                ", each optionally with (level=..., replicates=..., rate=..., bias_rate=...))");
}

}  // namespace

// The spec language: parsing, canonical printing, shortest number text, round trips (fixed
// examples, a seeded random generator and seeded random junk) and every parse error with its
// column.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/error.hpp"
#include "klest/spec.hpp"

namespace {

using klest::format_number;
using klest::parse_spec;
using klest::parse_spec_value;
using klest::Spec;
using klest::SpecArg;
using klest::SpecList;
using klest::SpecValue;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr double inf = std::numeric_limits<double>::infinity();

// Like ==, but tells -0 from 0 (and compares doubles bit for bit).
bool identical(const SpecValue& a, const SpecValue& b);
bool identical(const Spec& a, const Spec& b) {
  if (a.name != b.name || a.args.size() != b.args.size()) return false;
  for (std::size_t i = 0; i < a.args.size(); ++i) {
    if (a.args[i].name != b.args[i].name || !identical(a.args[i].value, b.args[i].value)) {
      return false;
    }
  }
  return true;
}
bool identical(const SpecValue& a, const SpecValue& b) {
  if (a.v.index() != b.v.index()) return false;
  if (a.is_number()) {
    return std::bit_cast<std::uint64_t>(a.number()) == std::bit_cast<std::uint64_t>(b.number());
  }
  if (a.is_string()) return a.string() == b.string();
  if (a.is_spec()) return identical(a.spec(), b.spec());
  if (a.list().size() != b.list().size()) return false;
  for (std::size_t i = 0; i < a.list().size(); ++i) {
    if (!identical(a.list()[i], b.list()[i])) return false;
  }
  return true;
}

// ---- parsing --------------------------------------------------------------------------------

TEST(SpecParse, NameAndNamedArgument) {
  EXPECT_EQ(parse_spec("knn(k=5)"), (Spec{"knn", {{"k", 5}}}));
}

TEST(SpecParse, BareNameAndEmptyParenthesesAreTheSame) {
  EXPECT_EQ(parse_spec("knn"), (Spec{"knn", {}}));
  EXPECT_EQ(parse_spec("knn()"), (Spec{"knn", {}}));
  EXPECT_EQ(parse_spec("  knn ( ) "), (Spec{"knn", {}}));
}

TEST(SpecParse, PositionalArgumentsHaveEmptyNames) {
  EXPECT_EQ(parse_spec("normal(0, 1)"), (Spec{"normal", {{"", 0}, {"", 1}}}));
  EXPECT_EQ(parse_spec("normal(0, sd=2)"), (Spec{"normal", {{"", 0}, {"sd", 2}}}));
}

TEST(SpecParse, WhiteSpaceIsFreeBetweenTokens) {
  EXPECT_EQ(parse_spec(" \t knn ( k = 5 ,\n l = [ 1 , 2 ] ) \r\n"),
            (Spec{"knn", {{"k", 5}, {"l", SpecList{1, 2}}}}));
}

TEST(SpecParse, NestedSpecsInLists) {
  Spec s = parse_spec("mixture(weights=[0.5,0.5], components=[normal(-2,1), normal(2,1)])");
  Spec want{"mixture",
            {{"weights", SpecList{0.5, 0.5}},
             {"components", SpecList{Spec{"normal", {{"", -2}, {"", 1}}},
                                     Spec{"normal", {{"", 2}, {"", 1}}}}}}};
  EXPECT_EQ(s, want);
}

TEST(SpecParse, ListsOfLists) {
  Spec s = parse_spec("mvnormal(mean=[0,0], cov=[[1,0.5],[0.5,2]], empty=[])");
  Spec want{"mvnormal",
            {{"mean", SpecList{0, 0}},
             {"cov", SpecList{SpecList{1, 0.5}, SpecList{0.5, 2}}},
             {"empty", SpecList{}}}};
  EXPECT_EQ(s, want);
}

TEST(SpecParse, WordFollowedByParenthesisIsASpecOtherwiseAString) {
  EXPECT_TRUE(parse_spec_value("normal").is_string());
  EXPECT_TRUE(parse_spec_value("normal()").is_spec());
  EXPECT_TRUE(parse_spec_value("normal ()").is_spec());
  EXPECT_EQ(parse_spec_value("f(x=normal)"), SpecValue(Spec{"f", {{"x", "normal"}}}));
  EXPECT_EQ(parse_spec_value("f(x=normal())"), SpecValue(Spec{"f", {{"x", Spec{"normal", {}}}}}));
}

TEST(SpecParse, BareWordsMayContainDashesAndDots) {
  EXPECT_EQ(parse_spec_value("equal-mass"), SpecValue("equal-mass"));
  EXPECT_EQ(parse_spec_value("scipy.stats"), SpecValue("scipy.stats"));
  EXPECT_EQ(parse_spec_value("_x1.y-2"), SpecValue("_x1.y-2"));
  EXPECT_EQ(parse_spec("my-est.v2(bins-rule=fd)"),
            (Spec{"my-est.v2", {{"bins-rule", "fd"}}}));
}

TEST(SpecParse, Numbers) {
  EXPECT_EQ(parse_spec_value("1.5e-3").number(), 1.5e-3);
  EXPECT_EQ(parse_spec_value("-2").number(), -2.0);
  EXPECT_EQ(parse_spec_value(".5").number(), 0.5);
  EXPECT_EQ(parse_spec_value("5.").number(), 5.0);
  EXPECT_EQ(parse_spec_value("+3").number(), 3.0);
  EXPECT_EQ(parse_spec_value("1E5").number(), 1e5);
  EXPECT_EQ(parse_spec_value("1e+20").number(), 1e20);
  EXPECT_EQ(parse_spec_value("0.1").number(), 0.1);
  EXPECT_EQ(parse_spec_value("007").number(), 7.0);
  EXPECT_EQ(parse_spec_value("1e-300").number(), 1e-300);
  EXPECT_EQ(parse_spec_value("1.7976931348623157e308").number(),
            std::numeric_limits<double>::max());
  EXPECT_EQ(parse_spec_value("5e-324").number(), std::numeric_limits<double>::denorm_min());
}

TEST(SpecParse, NegativeZeroKeepsItsSign) {
  double z = parse_spec_value("-0").number();
  EXPECT_EQ(z, 0.0);
  EXPECT_TRUE(std::signbit(z));
  EXPECT_FALSE(std::signbit(parse_spec_value("+0").number()));
}

TEST(SpecParse, InfinityWordsAreNumbers) {
  EXPECT_EQ(parse_spec_value("inf").number(), inf);
  EXPECT_EQ(parse_spec_value("-inf").number(), -inf);
  EXPECT_EQ(parse_spec_value("+inf").number(), inf);
  EXPECT_EQ(parse_spec_value("Infinity").number(), inf);
  EXPECT_EQ(parse_spec_value("-INF").number(), -inf);
  EXPECT_EQ(parse_spec("f(x=inf, y=[-inf])"),
            (Spec{"f", {{"x", inf}, {"y", SpecList{-inf}}}}));
}

TEST(SpecParse, NanIsAStringNotANumber) {
  EXPECT_EQ(parse_spec_value("nan"), SpecValue("nan"));
  EXPECT_EQ(parse_spec_value("NaN"), SpecValue("NaN"));
  // Words that merely start like inf are strings too.
  EXPECT_EQ(parse_spec_value("info"), SpecValue("info"));
  EXPECT_EQ(parse_spec_value("inf-1"), SpecValue("inf-1"));
}

TEST(SpecParse, UnderflowReadsAsZero) {
  double z = parse_spec_value("1e-400").number();
  EXPECT_EQ(z, 0.0);
  EXPECT_FALSE(std::signbit(z));
  EXPECT_TRUE(std::signbit(parse_spec_value("-1e-400").number()));
  EXPECT_EQ(parse_spec_value("0.000001e-320").number(), 0.0);
}

TEST(SpecParse, QuotedStrings) {
  EXPECT_EQ(parse_spec_value(R"("a b")"), SpecValue("a b"));
  EXPECT_EQ(parse_spec_value(R"("")"), SpecValue(""));
  EXPECT_EQ(parse_spec_value(R"("a\"b\\c")"), SpecValue("a\"b\\c"));
  EXPECT_EQ(parse_spec_value(R"("x, y) = [z")"), SpecValue("x, y) = [z"));
  EXPECT_EQ(parse_spec_value(R"("5")"), SpecValue("5"));
  EXPECT_EQ(parse_spec_value(R"("inf")"), SpecValue("inf"));
  EXPECT_EQ(parse_spec(R"(read(path="data/p q.csv", sep=","))"),
            (Spec{"read", {{"path", "data/p q.csv"}, {"sep", ","}}}));
}

TEST(SpecParse, NamedArgumentCalledLikeANumberWord) {
  // `inf=` is a name because '=' follows; the value inf is a number.
  EXPECT_EQ(parse_spec("f(inf=inf)"), (Spec{"f", {{"inf", inf}}}));
}

TEST(SpecParse, SixtyFourLevelsOfNestingAreAllowed) {
  std::string lists = std::string(64, '[') + std::string(64, ']');
  SpecValue v = parse_spec_value(lists);
  int depth = 0;
  const SpecValue* p = &v;
  while (p->is_list()) {
    ++depth;
    if (p->list().empty()) break;
    p = &p->list()[0];
  }
  EXPECT_EQ(depth, 64);

  std::string specs;
  for (int i = 0; i < 64; ++i) specs += "a(";
  specs += std::string(64, ')');
  EXPECT_NO_THROW(parse_spec(specs));
}

// ---- printing -------------------------------------------------------------------------------

TEST(SpecPrint, CanonicalForm) {
  EXPECT_EQ(klest::to_string(parse_spec("knn( k=5,l = [1,2] )")), "knn(k=5, l=[1, 2])");
  EXPECT_EQ(klest::to_string(parse_spec("knn")), "knn()");
  EXPECT_EQ(klest::to_string(parse_spec("normal(0,1)")), "normal(0, 1)");
  EXPECT_EQ(klest::to_string(parse_spec(
                "mixture(weights=[0.5,0.5], components=[normal(-2,1), normal(2,1)])")),
            "mixture(weights=[0.5, 0.5], components=[normal(-2, 1), normal(2, 1)])");
  EXPECT_EQ(klest::to_string(Spec{"c", {{"x", Spec{"d", {}}}, {"y", SpecList{}}}}),
            "c(x=d(), y=[])");
}

TEST(SpecPrint, StringsAreBareOnlyWhenTheyReadBackAsTheSameString) {
  auto text = [](const char* s) { return klest::to_string(SpecValue(s)); };
  EXPECT_EQ(text("silverman"), "silverman");
  EXPECT_EQ(text("equal-mass"), "equal-mass");
  EXPECT_EQ(text("scipy.stats"), "scipy.stats");
  EXPECT_EQ(text("nan"), "nan");
  EXPECT_EQ(text("true"), "true");
  EXPECT_EQ(text("_"), "_");
  EXPECT_EQ(text("inf"), "\"inf\"");
  EXPECT_EQ(text("Infinity"), "\"Infinity\"");
  EXPECT_EQ(text(""), "\"\"");
  EXPECT_EQ(text("a b"), "\"a b\"");
  EXPECT_EQ(text("1abc"), "\"1abc\"");
  EXPECT_EQ(text("-x"), "\"-x\"");
  EXPECT_EQ(text(".5"), "\".5\"");
  EXPECT_EQ(text("a,b"), "\"a,b\"");
  EXPECT_EQ(text("a\"b\\c"), R"("a\"b\\c")");
}

TEST(FormatNumber, ShortestRoundTripText) {
  EXPECT_EQ(format_number(5), "5");
  EXPECT_EQ(format_number(-2), "-2");
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(-0.0), "-0");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(2.5), "2.5");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_number(1e-300), "1e-300");
  EXPECT_EQ(format_number(1e20), "1e+20");
  EXPECT_EQ(format_number(123456), "123456");
  EXPECT_EQ(format_number(9007199254740992.0), "9007199254740992");
  EXPECT_EQ(format_number(inf), "inf");
  EXPECT_EQ(format_number(-inf), "-inf");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(FormatNumber, ReadsBackBitForBit) {
  const double xs[] = {0.1,
                       1.0 / 3,
                       -0.0,
                       1e-300,
                       5e-324,
                       std::numeric_limits<double>::min(),
                       std::numeric_limits<double>::max(),
                       -std::numeric_limits<double>::max(),
                       9007199254740993.0,
                       3.141592653589793,
                       inf,
                       -inf};
  for (double x : xs) {
    SCOPED_TRACE(format_number(x));
    double y = parse_spec_value(format_number(x)).number();
    EXPECT_EQ(std::bit_cast<std::uint64_t>(y), std::bit_cast<std::uint64_t>(x));
  }
}

// ---- round trips ----------------------------------------------------------------------------

TEST(SpecRoundTrip, FixedExamples) {
  const char* texts[] = {
      "knn(k=5)",
      "knn",
      "kde(bandwidth=silverman)",
      "histogram(bins=fd)",
      "normal(mean=0, sd=1)",
      "normal(0, 1)",
      "mvnormal(mean=[0,0], cov=[[1,0.5],[0.5,2]])",
      "mixture(weights=[0.5,0.5], components=[normal(-2,1), normal(2,1)])",
      R"x(f(s="a, b", t="(x)", u="say \"hi\"", v="back\\slash", w=""))x",
      R"(f(s="inf", t="-inf", u="nan", v="1e5", w="a b"))",
      "f(x=0.1, y=1e-300, z=-0, w=inf, v=-inf, u=+5, t=.5)",
      "f(x=[], y=[[]], z=[[], [[]]])",
      "f(equal-mass, scipy.stats, x=[a, b(c=[d(), e])])",
      "f(x=1.7976931348623157e308, y=5e-324, z=-2.2250738585072014e-308)",
      "f(g(h(i(j(k=1)))))",
  };
  for (const char* t : texts) {
    SCOPED_TRACE(t);
    Spec s = parse_spec(t);
    std::string printed = klest::to_string(s);
    Spec again = parse_spec(printed);
    EXPECT_TRUE(identical(again, s)) << printed;
    // The canonical text is a fixed point.
    EXPECT_EQ(klest::to_string(again), printed);
  }
}

class RandomSpecs {
 public:
  explicit RandomSpecs(std::uint64_t seed) : rng_(seed) {}

  Spec spec(int depth) {
    Spec s{name(), {}};
    int n = pick(0, 4);
    int positional = pick(0, n);
    std::vector<std::string> used;
    for (int i = 0; i < n; ++i) {
      std::string arg_name;
      if (i >= positional) {
        do {
          arg_name = name();
        } while (std::find(used.begin(), used.end(), arg_name) != used.end());
        used.push_back(arg_name);
      }
      s.args.push_back({arg_name, value(depth + 1)});
    }
    return s;
  }

 private:
  std::mt19937_64 rng_;

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string name() {
    static const std::string first = "abcxyzABZ_";
    static const std::string rest = "abkz09_.-Q";
    std::string s(1, first[std::size_t(pick(0, int(first.size()) - 1))]);
    int n = pick(0, 6);
    for (int i = 0; i < n; ++i) s += rest[std::size_t(pick(0, int(rest.size()) - 1))];
    return s;
  }

  double number() {
    static const double special[] = {0.0, -0.0, inf, -inf, 1e-300, 5e-324, 0.1, 5, -2,
                                     std::numeric_limits<double>::max(), 9007199254740992.0};
    switch (pick(0, 3)) {
      case 0: return special[std::size_t(pick(0, std::size(special) - 1))];
      case 1: return pick(-1000, 1000);
      case 2: return std::uniform_real_distribution<double>(-10, 10)(rng_);
      default: {
        double x;
        do {
          x = std::bit_cast<double>(rng_());
        } while (std::isnan(x));
        return x;
      }
    }
  }

  std::string string() {
    static const char* special[] = {"",       "inf",  "Infinity", "-inf", "nan",  "NaN",
                                    "true",   "1abc", "a-b",      "x.",   "k=5",  "_",
                                    "-",      ".5",   "+1",       "a b",  "\"",   "\\",
                                    "normal", "f()",  "[1, 2]",   "é",    "\t\n"};
    if (pick(0, 2) == 0) return special[std::size_t(pick(0, std::size(special) - 1))];
    static const std::string chars = "abZ_09.-+ ,()[]=\"\\\n\x01\xc3\xa9";
    std::string s;
    int n = pick(0, 8);
    for (int i = 0; i < n; ++i) s += chars[std::size_t(pick(0, int(chars.size()) - 1))];
    return s;
  }

  SpecValue value(int depth) {
    int kind = pick(0, depth >= 5 ? 1 : 3);
    if (kind == 0) return number();
    if (kind == 1) return string();
    if (kind == 2) {
      SpecList l;
      int n = pick(0, 4);
      for (int i = 0; i < n; ++i) l.push_back(value(depth + 1));
      return l;
    }
    return spec(depth);
  }
};

TEST(SpecRoundTrip, RandomSpecTrees) {
  RandomSpecs gen(20240611);
  for (int i = 0; i < 3000; ++i) {
    Spec s = gen.spec(0);
    std::string printed = klest::to_string(s);
    SCOPED_TRACE(printed);
    Spec again;
    ASSERT_NO_THROW(again = parse_spec(printed));
    ASSERT_TRUE(identical(again, s));
    ASSERT_EQ(again, s);
    ASSERT_EQ(klest::to_string(SpecValue(s)), printed);
  }
}

TEST(SpecRoundTrip, RandomJunkIsParsedOrRejectedWithAColumn) {
  std::mt19937_64 rng(7);
  static const std::string chars = "ab_k=5.e-+,()[] \"\\i1n0f";
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    auto n = std::uniform_int_distribution<int>(0, 16)(rng);
    for (int j = 0; j < n; ++j) {
      text += chars[std::uniform_int_distribution<std::size_t>(0, chars.size() - 1)(rng)];
    }
    SCOPED_TRACE(text);
    try {
      Spec s = parse_spec(text);
      ++parsed;
      ASSERT_TRUE(identical(parse_spec(klest::to_string(s)), s));
    } catch (const klest::ConfigError& e) {
      std::string msg = e.what();
      std::string prefix = "spec '" + text + "': column ";
      ASSERT_EQ(msg.rfind(prefix, 0), 0u) << msg;
      int column = std::stoi(msg.substr(prefix.size()));
      ASSERT_GE(column, 1);
      ASSERT_LE(column, int(text.size()) + 1);
    }
  }
  EXPECT_GT(parsed, 100);  // the alphabet is rich enough to form valid specs too
}

// ---- errors ---------------------------------------------------------------------------------

// parse_spec(text) must throw ConfigError "spec '<text>': column <column>: <what>...".
void expect_error(const std::string& text, int column, const std::string& what) {
  SCOPED_TRACE(text);
  std::string head = "spec '" + text + "': column " + std::to_string(column) + ": " + what;
  EXPECT_THAT([&] { parse_spec(text); }, ThrowsMessage<klest::ConfigError>(HasSubstr(head)));
}

TEST(SpecErrors, TheBriefsExampleWordForWord) {
  EXPECT_THAT([] { parse_spec("knn(k=)"); },
              ThrowsMessage<klest::ConfigError>(
                  ::testing::StrEq("spec 'knn(k=)': column 7: expected a value, found ')'")));
}

TEST(SpecErrors, EmptyText) {
  expect_error("", 1, "expected a name, found end of text");
  expect_error("   ", 4, "expected a name, found end of text");
  EXPECT_THAT([] { parse_spec_value(""); },
              ThrowsMessage<klest::ConfigError>(
                  HasSubstr("column 1: expected a value, found end of text")));
}

TEST(SpecErrors, MissingName) {
  expect_error("(k=5)", 1, "expected a name, found '('");
  expect_error("5", 1, "expected a name, found '5'");
  expect_error("\"knn\"", 1, "expected a name, found '\"'");
  expect_error("-knn", 1, "expected a name, found '-knn'");
}

TEST(SpecErrors, UnbalancedBrackets) {
  expect_error("knn(k=5", 8, "expected ',' or ')', found end of text");
  expect_error("knn(k=[1, 2)", 12, "expected ',' or ']', found ')'");
  expect_error("knn(k=[1, 2", 12, "expected ',' or ']', found end of text");
  expect_error("knn(k=5))", 9, "expected end of text, found ')'");
  expect_error("knn)", 4, "expected '(' or end of text, found ')'");
  expect_error("knn(k=5]", 8, "expected ',' or ')', found ']'");
  expect_error("knn(", 5, "expected a value, found end of text");
}

TEST(SpecErrors, MissingValues) {
  expect_error("knn(k=)", 7, "expected a value, found ')'");
  expect_error("knn(k=, l=1)", 7, "expected a value, found ','");
  expect_error("knn(,)", 5, "expected a value, found ','");
  expect_error("knn(k=5,)", 9, "expected a value, found ')'");
  expect_error("knn(=5)", 5, "expected a value, found '='");
  expect_error("f(x=[1,,2])", 8, "expected a value, found ','");
  expect_error("f(x=@)", 5, "expected a value, found '@'");
  expect_error("f(x=\x01)", 5, "expected a value, found byte 0x01");
}

TEST(SpecErrors, TrailingGarbage) {
  expect_error("knn(k=5) x", 10, "expected end of text, found 'x'");
  expect_error("knn x", 5, "expected '(' or end of text, found 'x'");
  expect_error("knn(k=5 6)", 9, "expected ',' or ')', found '6'");
  expect_error("knn(k=a b)", 9, "expected ',' or ')', found 'b'");
  EXPECT_THAT([] { parse_spec_value("1 2"); },
              ThrowsMessage<klest::ConfigError>(
                  HasSubstr("spec '1 2': column 3: expected end of text, found '2'")));
}

TEST(SpecErrors, UnterminatedString) {
  expect_error("knn(k=\"abc)", 7, "unterminated string");
  expect_error("knn(k=\"ab\\", 7, "unterminated string");
  expect_error("\"", 1, "expected a name");  // a spec can't start with a string
  EXPECT_THAT([] { parse_spec_value("\"abc"); },
              ThrowsMessage<klest::ConfigError>(HasSubstr("column 1: unterminated string")));
}

TEST(SpecErrors, BadEscape) {
  expect_error(R"(knn(k="a\nb"))", 9, "bad escape: backslash followed by 'n'");
  expect_error(R"(f(x="\'"))", 6, "bad escape: backslash followed by '''");
}

TEST(SpecErrors, PositionalAfterNamed) {
  expect_error("knn(k=5, 3)", 10, "positional argument after named argument 'k'");
  expect_error("f(1, a=2, b=3, [4])", 16, "positional argument after named argument 'a'");
  expect_error("f(a=2, \"s\")", 8, "positional argument after named argument 'a'");
  expect_error("f(a=2, g())", 8, "positional argument after named argument 'a'");
}

TEST(SpecErrors, DuplicatedArgumentName) {
  expect_error("knn(k=1, k=2)", 10, "'k' is given twice");
  expect_error("knn(k = 1, l=2, k=3)", 17, "'k' is given twice");
  expect_error("f(g(a=1, a=2))", 10, "'a' is given twice");
}

TEST(SpecErrors, NumberThatOverflowsADouble) {
  expect_error("knn(k=1e400)", 7, "number '1e400' is too large for a double");
  expect_error("knn(k=-1e400)", 7, "number '-1e400' is too large for a double");
  expect_error("f([1, 1.8e308])", 7, "number '1.8e308' is too large for a double");
  expect_error("f(x=100000000000000000000000e300)", 5,
               "number '100000000000000000000000e300' is too large for a double");
}

TEST(SpecErrors, MalformedNumbers) {
  expect_error("knn(k=1abc)", 7, "expected a number, found '1abc'");
  expect_error("knn(k=-)", 7, "expected a number, found '-'");
  expect_error("knn(k=+-1)", 7, "expected a number, found '+-1'");
  expect_error("knn(k=-nan)", 7, "expected a number, found '-nan'");
  expect_error("knn(k=1e)", 7, "expected a number, found '1e'");
  expect_error("knn(k=.)", 7, "expected a number, found '.'");
  expect_error("knn(k=1.2.3)", 7, "expected a number, found '1.2.3'");
  expect_error("knn(k=0x10)", 7, "expected a number, found '0x10'");
  expect_error("knn(k=1-2)", 7, "expected a number, found '1-2'");
}

TEST(SpecErrors, NestingDeeperThanSixtyFourLevels) {
  expect_error(std::string(65, '[') + std::string(65, ']'), 1,
               "expected a name");  // parse_spec wants a name first
  EXPECT_THAT([] { parse_spec_value(std::string(65, '[') + std::string(65, ']')); },
              ThrowsMessage<klest::ConfigError>(
                  HasSubstr("column 65: nesting deeper than 64 levels")));

  std::string specs;
  for (int i = 0; i < 65; ++i) specs += "a(";
  specs += std::string(65, ')');
  expect_error(specs, 130, "nesting deeper than 64 levels");

  // Spec and list levels count together: '(' is level 1, the 64th '[' would be level 65.
  expect_error("a(" + std::string(64, '[') + std::string(64, ']') + ")", 66,
               "nesting deeper than 64 levels");
  EXPECT_NO_THROW(parse_spec("a(" + std::string(63, '[') + std::string(63, ']') + ")"));
}

TEST(SpecErrors, VeryDeepInputIsAnErrorNotACrash) {
  EXPECT_THAT([] { parse_spec_value(std::string(200000, '[')); },
              ThrowsMessage<klest::ConfigError>(HasSubstr("column 65: nesting deeper")));
  std::string specs;
  for (int i = 0; i < 100000; ++i) specs += "f(";
  EXPECT_THAT([&] { parse_spec(specs); },
              ThrowsMessage<klest::ConfigError>(HasSubstr("column 130: nesting deeper")));
}

}  // namespace

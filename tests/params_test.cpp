// Parameter schemas and bind_params: defaults, positional and named arguments, defaults taken
// from another parameter, type and range checks with their messages, canonical labels and typed
// access.

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/error.hpp"
#include "klest/params.hpp"
#include "klest/spec.hpp"

namespace {

using klest::bind_params;
using klest::param;
using klest::ParamSpec;
using klest::ParamType;
using klest::Range;
using klest::Spec;
using klest::SpecList;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StrEq;
using ::testing::ThrowsMessage;

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

ParamSpec knn_schema() {
  return {
      param("k", 1, "neighbour rank in Q", klest::at_least(1)),
      param("l", 1, "neighbour rank in P", klest::at_least(1)).defaults_to("k"),
      param("ties", "error", "what to do with ties", {"error", "skip", "jitter"}),
  };
}

ParamSpec kde_schema() {
  return {
      param("bandwidth", 1.0, "kernel width", klest::greater_than(0)),
      param("alpha", 0.5, "mixing weight", klest::between(0, 1)),
      param("shift", 0.0, "added to every point"),
      param("n", 10, "grid points"),
      param("verbose", false, "say more"),
  };
}

klest::Params bind_knn(const std::string& text) {
  return bind_params("estimator", knn_schema(), klest::parse_spec(text));
}
klest::Params bind_kde(const std::string& text) {
  return bind_params("estimator", kde_schema(), klest::parse_spec(text));
}

// bind must throw InputError whose message contains `what`.
template <class F>
void expect_input_error(F bind, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_THAT(bind, ThrowsMessage<klest::InputError>(HasSubstr(what)));
}

// ---- binding --------------------------------------------------------------------------------

// A parameter that does not change the result (a search strategy) stays out of the label while
// it has its default, however the default was reached, and appears when set otherwise.
TEST(BindParams, UnlabelledParameterAppearsOnlyAwayFromItsDefault) {
  ParamSpec schema = knn_schema();
  schema.push_back(param("search", "auto", "how", {"auto", "brute"}).unlabelled_at_default());
  auto bind = [&](const std::string& text) {
    return bind_params("estimator", schema, klest::parse_spec(text));
  };
  EXPECT_EQ(bind("knn").label(), "knn(k=1, l=1, ties=error)");
  EXPECT_EQ(bind("knn(search=auto)").label(), "knn(k=1, l=1, ties=error)");
  EXPECT_EQ(bind("knn(search=brute)").label(), "knn(k=1, l=1, ties=error, search=brute)");
  EXPECT_EQ(bind("knn").get<std::string>("search"), "auto");
  EXPECT_EQ(bind("knn").with("search", klest::SpecValue("brute")).label(),
            "knn(k=1, l=1, ties=error, search=brute)");
}

TEST(BindParams, FillsEveryDefaultInSchemaOrder) {
  EXPECT_EQ(bind_knn("knn").label(), "knn(k=1, l=1, ties=error)");
  EXPECT_EQ(bind_kde("kde").label(),
            "kde(bandwidth=1, alpha=0.5, shift=0, n=10, verbose=false)");
}

TEST(BindParams, DefaultFromTakesTheFinalValueOfTheOtherParameter) {
  EXPECT_EQ(bind_knn("knn(k=5)").label(), "knn(k=5, l=5, ties=error)");
  EXPECT_EQ(bind_knn("knn(k=5, l=2)").label(), "knn(k=5, l=2, ties=error)");
  EXPECT_EQ(bind_knn("knn(l=3)").label(), "knn(k=1, l=3, ties=error)");
}

TEST(BindParams, NamedArgumentsInAnyOrder) {
  EXPECT_EQ(bind_knn("knn(ties=skip, l=4, k=2)").label(), "knn(k=2, l=4, ties=skip)");
}

TEST(BindParams, PositionalArgumentsFollowSchemaOrder) {
  EXPECT_EQ(bind_knn("knn(3, 2, jitter)").label(), "knn(k=3, l=2, ties=jitter)");
  EXPECT_EQ(bind_knn("knn(3)").label(), "knn(k=3, l=3, ties=error)");
  EXPECT_EQ(bind_knn("knn(3, ties=skip)").label(), "knn(k=3, l=3, ties=skip)");
}

TEST(BindParams, ChainedDefaultsFollowTheChain) {
  // c is declared first in the chain's order but takes b's value, which takes a's.
  ParamSpec schema = {
      param("c", 1, "").defaults_to("b"),
      param("b", 1, "").defaults_to("a"),
      param("a", 7, ""),
  };
  EXPECT_EQ(bind_params("estimator", schema, Spec{"t", {}}).label(), "t(c=7, b=7, a=7)");
  EXPECT_EQ(bind_params("estimator", schema, Spec{"t", {{"a", 2}}}).label(), "t(c=2, b=2, a=2)");
  EXPECT_EQ(bind_params("estimator", schema, Spec{"t", {{"b", 3}}}).label(), "t(c=3, b=3, a=7)");
}

TEST(BindParams, ValuesAreNormalised) {
  EXPECT_EQ(bind_knn("knn(k=+5.0, l=2e1)").label(), "knn(k=5, l=20, ties=error)");
  auto p = bind_kde("kde(n=-0, verbose=1)");
  EXPECT_FALSE(std::signbit(p.at("n").number()));
  EXPECT_EQ(p.at("verbose"), klest::SpecValue("true"));
  EXPECT_EQ(bind_kde("kde(verbose=0)").at("verbose"), klest::SpecValue("false"));
  EXPECT_EQ(bind_kde("kde(verbose=true)").at("verbose"), klest::SpecValue("true"));
  EXPECT_EQ(bind_kde("kde(verbose=false)").label(),
            "kde(bandwidth=1, alpha=0.5, shift=0, n=10, verbose=false)");
}

TEST(BindParams, ReturnedSpecIsCanonicalAndReadsBack) {
  auto p = bind_knn("knn( 4 , ties = skip )");
  EXPECT_EQ(p.owner(), "knn");
  EXPECT_EQ(p.spec(), (Spec{"knn", {{"k", 4}, {"l", 4}, {"ties", "skip"}}}));
  EXPECT_EQ(bind_knn(p.label()).label(), p.label());
}

TEST(BindParams, RealsAcceptInfinityOnlyWhereTheRangeDoes) {
  EXPECT_EQ(bind_kde("kde(bandwidth=inf)").get<double>("bandwidth"), inf);
  EXPECT_EQ(bind_kde("kde(shift=-inf)").get<double>("shift"), -inf);
  expect_input_error([] { bind_kde("kde(alpha=inf)"); },
                     "estimator 'kde': parameter 'alpha' is inf, but must be a real in [0, 1]");
  expect_input_error([] { bind_kde("kde(bandwidth=-inf)"); },
                     "parameter 'bandwidth' is -inf, but must be a real > 0");
}

TEST(BindParams, NanIsAlwaysRejected) {
  // The parser never makes a NaN number; a Spec built in code can.
  expect_input_error(
      [] { bind_params("estimator", kde_schema(), Spec{"kde", {{"shift", not_a_number}}}); },
      "estimator 'kde': parameter 'shift' is nan, but must be a real");
  expect_input_error(
      [] { bind_params("estimator", kde_schema(), Spec{"kde", {{"bandwidth", not_a_number}}}); },
      "parameter 'bandwidth' is nan, but must be a real > 0");
  // The word nan is a string, so this is a type error with the value quoted.
  expect_input_error([] { bind_kde("kde(shift=nan)"); },
                     "parameter 'shift' is 'nan', but must be a real");
}

TEST(BindParams, IntegersUpToTwoToTheFiftyThree) {
  auto p = bind_knn("knn(k=9007199254740992)");
  EXPECT_EQ(p.get<std::int64_t>("k"), std::int64_t(1) << 53);
  EXPECT_EQ(p.label(), "knn(k=9007199254740992, l=9007199254740992, ties=error)");
  EXPECT_EQ(bind_kde("kde(n=-9007199254740992)").get<std::int64_t>("n"),
            -(std::int64_t(1) << 53));
  expect_input_error([] { bind_knn("knn(k=1e20)"); },
                     "parameter 'k' is 1e+20, but must be an integer >= 1 (at most 2^53 = "
                     "9007199254740992 in magnitude)");
  expect_input_error([] { bind_kde("kde(n=-9007199254740994)"); },
                     "parameter 'n' is -9007199254740994, but must be an integer (at most");
}

// ---- binding errors -------------------------------------------------------------------------

TEST(BindParamsErrors, RangeViolationMessageWordForWord) {
  EXPECT_THAT([] { bind_knn("knn(k=0)"); },
              ThrowsMessage<klest::InputError>(
                  StrEq("estimator 'knn': parameter 'k' is 0, but must be an integer >= 1")));
}

TEST(BindParamsErrors, KindAndNameAppearInTheMessage) {
  expect_input_error(
      [] { bind_params("distribution", kde_schema(), klest::parse_spec("normal(alpha=2)")); },
      "distribution 'normal': parameter 'alpha' is 2, but must be a real in [0, 1]");
}

TEST(BindParamsErrors, IntegerTypeChecks) {
  expect_input_error([] { bind_knn("knn(k=2.5)"); },
                     "parameter 'k' is 2.5, but must be an integer >= 1");
  expect_input_error([] { bind_knn("knn(k=inf)"); },
                     "parameter 'k' is inf, but must be an integer >= 1");
  expect_input_error([] { bind_knn("knn(k=-3)"); },
                     "parameter 'k' is -3, but must be an integer >= 1");
  expect_input_error([] { bind_knn("knn(k=abc)"); },
                     "parameter 'k' is 'abc', but must be an integer >= 1");
  expect_input_error([] { bind_knn("knn(k=\"5\")"); },
                     "parameter 'k' is '5', but must be an integer >= 1");
  expect_input_error([] { bind_knn("knn(k=[1, 2])"); },
                     "parameter 'k' is [1, 2], but must be an integer >= 1");
  expect_input_error([] { bind_knn("knn(k=f(x=1))"); },
                     "parameter 'k' is f(x=1), but must be an integer >= 1");
  expect_input_error([] { bind_kde("kde(n=0.5)"); },
                     "parameter 'n' is 0.5, but must be an integer");
}

TEST(BindParamsErrors, RealTypeAndRangeChecks) {
  expect_input_error([] { bind_kde("kde(bandwidth=0)"); },
                     "estimator 'kde': parameter 'bandwidth' is 0, but must be a real > 0");
  expect_input_error([] { bind_kde("kde(bandwidth=silverman)"); },
                     "parameter 'bandwidth' is 'silverman', but must be a real > 0");
  expect_input_error([] { bind_kde("kde(alpha=-0.1)"); },
                     "parameter 'alpha' is -0.1, but must be a real in [0, 1]");
  expect_input_error([] { bind_kde("kde(alpha=1.0000001)"); },
                     "parameter 'alpha' is 1.0000001, but must be a real in [0, 1]");
}

TEST(BindParamsErrors, ChoiceListsTheWords) {
  expect_input_error([] { bind_knn("knn(ties=random)"); },
                     "estimator 'knn': parameter 'ties' is 'random', but must be one of error, "
                     "skip, jitter");
  expect_input_error([] { bind_knn("knn(ties=1)"); },
                     "parameter 'ties' is 1, but must be one of error, skip, jitter");
  expect_input_error([] { bind_knn("knn(ties=Error)"); },
                     "but must be one of error, skip, jitter; did you mean 'error'?");
  expect_input_error([] { bind_knn("knn(ties=skp)"); }, "did you mean 'skip'?");
  EXPECT_THAT([] { bind_knn("knn(ties=random)"); },
              ThrowsMessage<klest::InputError>(Not(HasSubstr("did you mean"))));
}

TEST(BindParamsErrors, BooleanAcceptsTrueFalseOneZero) {
  expect_input_error([] { bind_kde("kde(verbose=yes)"); },
                     "parameter 'verbose' is 'yes', but must be true or false");
  expect_input_error([] { bind_kde("kde(verbose=2)"); },
                     "parameter 'verbose' is 2, but must be true or false");
  expect_input_error([] { bind_kde("kde(verbose=True)"); },
                     "parameter 'verbose' is 'True', but must be true or false");
}

TEST(BindParamsErrors, TooManyPositionalArgumentsListsTheParameters) {
  expect_input_error([] { bind_knn("knn(1, 2, error, 4)"); },
                     "estimator 'knn': 4 positional arguments are given, but it takes at most 3 "
                     "(k, l, ties)");
  expect_input_error(
      [] { bind_params("estimator", {}, klest::parse_spec("flat(1)")); },
      "estimator 'flat': 1 positional argument is given, but it takes no parameters");
}

TEST(BindParamsErrors, UnknownNameListsTheKnownOnes) {
  EXPECT_THAT([] { bind_knn("knn(kk=2)"); },
              ThrowsMessage<klest::InputError>(
                  StrEq("estimator 'knn': unknown parameter 'kk' (known: k, l, ties); did you "
                        "mean 'k'?")));
  expect_input_error([] { bind_knn("knn(tie=skip)"); },
                     "unknown parameter 'tie' (known: k, l, ties); did you mean 'ties'?");
  expect_input_error([] { bind_knn("knn(K=2)"); }, "did you mean 'k'?");
  expect_input_error([] { bind_kde("kde(bandwith=2)"); }, "did you mean 'bandwidth'?");
  expect_input_error([] { bind_kde("kde(vrebose=true)"); }, "did you mean 'verbose'?");
  EXPECT_THAT([] { bind_knn("knn(bandwidth=2)"); },
              ThrowsMessage<klest::InputError>(
                  StrEq("estimator 'knn': unknown parameter 'bandwidth' (known: k, l, ties)")));
  // One letter replaced entirely is no real resemblance.
  EXPECT_THAT([] { bind_knn("knn(x=2)"); },
              ThrowsMessage<klest::InputError>(Not(HasSubstr("did you mean"))));
  expect_input_error([] { bind_params("estimator", {}, klest::parse_spec("flat(a=1)")); },
                     "estimator 'flat': unknown parameter 'a' (it takes no parameters)");
}

TEST(BindParamsErrors, GivenTwice) {
  expect_input_error([] { bind_knn("knn(5, k=3)"); },
                     "estimator 'knn': parameter 'k' is given twice (by position and by name)");
  // The parser rejects these two; a Spec built in code can still hold them.
  expect_input_error(
      [] { bind_params("estimator", knn_schema(), Spec{"knn", {{"k", 1}, {"k", 2}}}); },
      "estimator 'knn': parameter 'k' is given twice");
  expect_input_error(
      [] { bind_params("estimator", knn_schema(), Spec{"knn", {{"l", 1}, {"", 2}}}); },
      "estimator 'knn': positional argument 2 comes after named argument 'l'");
}

TEST(BindParamsErrors, DefaultFromValueMustSuitItsOwnParameter) {
  ParamSpec schema = {
      param("x", 1.5, ""),
      param("n", 1, "", klest::at_least(1)).defaults_to("x"),
  };
  expect_input_error([&] { bind_params("estimator", schema, Spec{"t", {}}); },
                     "estimator 't': parameter 'n' is 1.5 (the value of 'x'), but must be an "
                     "integer >= 1");
  EXPECT_EQ(bind_params("estimator", schema, Spec{"t", {{"x", 3}}}).label(), "t(x=3, n=3)");
}

TEST(BindParamsErrors, SchemaDefectsAreLogicErrors) {
  ParamSpec unknown = {param("a", 1, "").defaults_to("zz")};
  EXPECT_THROW(bind_params("estimator", unknown, Spec{"t", {}}), std::logic_error);
  ParamSpec cycle = {param("a", 1, "").defaults_to("b"), param("b", 1, "").defaults_to("a")};
  EXPECT_THROW(bind_params("estimator", cycle, Spec{"t", {}}), std::logic_error);
  ParamSpec self = {param("a", 1, "").defaults_to("a")};
  EXPECT_THROW(bind_params("estimator", self, Spec{"t", {}}), std::logic_error);
  // ...but a value given for the parameter means its default is never needed.
  EXPECT_EQ(bind_params("estimator", self, Spec{"t", {{"a", 2}}}).label(), "t(a=2)");
  // A default broken after construction (the builders would refuse it) is a defect, not
  // the user's fault.
  ParamSpec bad_default = {param("k", 1, "", klest::at_least(1))};
  bad_default[0].fallback = 0;
  EXPECT_THROW(bind_params("estimator", bad_default, Spec{"t", {}}), std::logic_error);
}

// ---- typed access ---------------------------------------------------------------------------

TEST(Params, TypedGet) {
  auto p = bind_knn("knn(k=5, ties=skip)");
  EXPECT_EQ(p.get<int>("k"), 5);
  EXPECT_EQ(p.get<int>("l"), 5);
  EXPECT_EQ(p.get<std::int64_t>("k"), 5);
  EXPECT_EQ(p.get<double>("k"), 5.0);
  EXPECT_EQ(p.get<std::string>("ties"), "skip");

  auto q = bind_kde("kde(bandwidth=0.25, verbose=true)");
  EXPECT_EQ(q.get<double>("bandwidth"), 0.25);
  EXPECT_TRUE(q.get<bool>("verbose"));
  EXPECT_FALSE(bind_kde("kde").get<bool>("verbose"));
  EXPECT_EQ(q.get<std::string>("verbose"), "true");
}

TEST(Params, GetOfTheWrongKindIsAProgrammingError) {
  auto p = bind_knn("knn(k=5)");
  EXPECT_THROW(p.get<double>("ties"), std::invalid_argument);
  EXPECT_THROW(p.get<int>("ties"), std::invalid_argument);
  EXPECT_THROW(p.get<std::string>("k"), std::invalid_argument);
  EXPECT_THROW(p.get<bool>("k"), std::invalid_argument);
  klest::Params hand("t", {{"x", 2.5}});
  EXPECT_THROW(hand.get<std::int64_t>("x"), std::invalid_argument);
}

TEST(Params, GetIntChecksTheRangeOfInt) {
  auto p = bind_knn("knn(k=3000000000)");
  EXPECT_EQ(p.get<std::int64_t>("k"), 3000000000);
  EXPECT_THAT([&] { p.get<int>("k"); },
              ThrowsMessage<klest::InputError>(HasSubstr(
                  "'knn': parameter 'k' is 3000000000, but must fit in an int (between "
                  "-2147483648 and 2147483647)")));
  EXPECT_EQ(bind_knn("knn(k=2147483647)").get<int>("k"), 2147483647);
  EXPECT_EQ(bind_kde("kde(n=-2147483648)").get<int>("n"), -2147483647 - 1);
}

TEST(Params, AtThrowsOutOfRangeForUndeclaredNames) {
  auto p = bind_knn("knn(k=5)");
  EXPECT_EQ(p.at("k"), klest::SpecValue(5));
  EXPECT_THROW(p.at("kk"), std::out_of_range);
  EXPECT_THROW(p.get<int>("kk"), std::out_of_range);
  EXPECT_THROW(klest::Params().at("k"), std::out_of_range);
}

// ---- ranges and declarations ----------------------------------------------------------------

TEST(Range, Contains) {
  EXPECT_TRUE(klest::at_least(1).contains(1));
  EXPECT_FALSE(klest::at_least(1).contains(0.999));
  EXPECT_TRUE(klest::at_least(1).contains(inf));
  EXPECT_FALSE(klest::at_least(1).contains(not_a_number));
  EXPECT_FALSE(klest::greater_than(0).contains(0));
  EXPECT_FALSE(klest::greater_than(0).contains(-0.0));
  EXPECT_TRUE(klest::greater_than(0).contains(1e-300));
  EXPECT_TRUE(klest::at_most(5).contains(5));
  EXPECT_TRUE(klest::at_most(5).contains(-inf));
  EXPECT_FALSE(klest::at_most(5).contains(5.000001));
  EXPECT_TRUE(klest::between(0, 1).contains(0));
  EXPECT_TRUE(klest::between(0, 1).contains(1));
  EXPECT_FALSE(klest::between(0, 1).contains(1.0000001));
  EXPECT_FALSE(klest::between(0, 1).contains(inf));
  Range half_open{0.0, 1.0, true, false};
  EXPECT_FALSE(half_open.contains(0));
  EXPECT_TRUE(half_open.contains(1));
  EXPECT_TRUE(Range{}.contains(inf));
  EXPECT_TRUE(Range{}.contains(-inf));
  EXPECT_FALSE(Range{}.contains(not_a_number));
}

TEST(Range, Describe) {
  EXPECT_EQ(klest::at_least(1).describe(), ">= 1");
  EXPECT_EQ(klest::greater_than(0).describe(), "> 0");
  EXPECT_EQ(klest::at_most(5).describe(), "<= 5");
  EXPECT_EQ(klest::between(0, 1).describe(), "in [0, 1]");
  EXPECT_EQ(klest::between(0.5, 2.5).describe(), "in [0.5, 2.5]");
  EXPECT_EQ((Range{0.0, 1.0, true, false}).describe(), "in (0, 1]");
  EXPECT_EQ((Range{0.0, 1.0, false, true}).describe(), "in [0, 1)");
  EXPECT_EQ((Range{std::nullopt, 5.0, false, true}).describe(), "< 5");
  EXPECT_EQ(Range{}.describe(), "");
}

TEST(Range, BetweenRefusesAnEmptyInterval) {
  EXPECT_THROW(klest::between(2, 1), std::logic_error);
  EXPECT_NO_THROW(klest::between(1, 1));
}

TEST(ParamDef, BuildersSetTypeAndDefault) {
  auto k = param("k", 3, "rank", klest::at_least(1));
  EXPECT_EQ(k.type, ParamType::integer);
  EXPECT_EQ(k.fallback, klest::SpecValue(3));
  EXPECT_EQ(k.help, "rank");
  auto x = param("x", 0.5, "weight");
  EXPECT_EQ(x.type, ParamType::real);
  EXPECT_EQ(x.fallback, klest::SpecValue(0.5));
  auto b = param("b", true, "flag");
  EXPECT_EQ(b.type, ParamType::boolean);
  EXPECT_EQ(b.fallback, klest::SpecValue("true"));
  auto c = param("c", "skip", "mode", {"error", "skip"});
  EXPECT_EQ(c.type, ParamType::choice);
  EXPECT_EQ(c.fallback, klest::SpecValue("skip"));
  EXPECT_EQ(c.choices, (std::vector<std::string>{"error", "skip"}));
}

TEST(ParamDef, BuildersRefuseDefectiveDeclarations) {
  EXPECT_THROW(param("ties", "random", "", {"error", "skip"}), std::logic_error);
  EXPECT_THROW(param("ties", "error", "", {}), std::logic_error);
  EXPECT_THROW(param("k", 0, "", klest::at_least(1)), std::logic_error);
  EXPECT_THROW(param("x", 2.0, "", klest::between(0, 1)), std::logic_error);
  EXPECT_THROW(param("2k", 1, ""), std::logic_error);
  EXPECT_THROW(param("a b", 1.0, ""), std::logic_error);
  EXPECT_THROW(param("", false, ""), std::logic_error);
}

TEST(ParamDef, DefaultsToMakesACopy) {
  auto l = param("l", 1, "", klest::at_least(1));
  auto same = l.defaults_to("k");
  EXPECT_EQ(same.default_from, "k");
  EXPECT_EQ(l.default_from, "");
  EXPECT_EQ(same.name, "l");
}

TEST(ParamDef, DefaultText) {
  auto schema = knn_schema();
  EXPECT_EQ(schema[0].default_text(), "1");
  EXPECT_EQ(schema[1].default_text(), "same as k");
  EXPECT_EQ(schema[2].default_text(), "error");
  EXPECT_EQ(param("v", false, "").default_text(), "false");
  EXPECT_EQ(param("a", 0.5, "").default_text(), "0.5");
}

TEST(ParamDef, ConstraintText) {
  auto schema = knn_schema();
  EXPECT_EQ(schema[0].constraint_text(), "integer >= 1");
  EXPECT_EQ(schema[2].constraint_text(), "one of error, skip, jitter");
  EXPECT_EQ(param("h", 1.0, "", klest::greater_than(0)).constraint_text(), "real > 0");
  EXPECT_EQ(param("a", 0.5, "", klest::between(0, 1)).constraint_text(), "real in [0, 1]");
  EXPECT_EQ(param("v", true, "").constraint_text(), "true or false");
  EXPECT_EQ(param("n", 1, "").constraint_text(), "integer");
  EXPECT_EQ(param("s", 0.0, "").constraint_text(), "real");
}

TEST(ParamType, ToString) {
  EXPECT_EQ(klest::to_string(ParamType::integer), "integer");
  EXPECT_EQ(klest::to_string(ParamType::real), "real");
  EXPECT_EQ(klest::to_string(ParamType::choice), "choice");
  EXPECT_EQ(klest::to_string(ParamType::boolean), "boolean");
}

}  // namespace

namespace {

ParamSpec shaped_schema() {
  return {klest::param_value("mean", ParamType::list, "mean vector"),
          klest::param_value("cov", ParamType::list, SpecList{SpecList{1.0}}, "covariance"),
          klest::param_value("base", ParamType::spec, klest::SpecValue("normal"), "base law"),
          klest::param_value("parts", ParamType::spec_list, SpecList{}, "components"),
          param("k", 1, "rank", klest::at_least(1)).mandatory()};
}

TEST(ShapedParams, ListsSpecsAndRequiredValues) {
  const auto p = bind_params(
      "distribution", shaped_schema(),
      klest::parse_spec("d(mean=[1, 2.5], cov=[[2, 0], [0, 3]], base=gamma(2), parts=[a, b(1)], k=4)"));
  EXPECT_EQ(p.get<std::vector<double>>("mean"), (std::vector<double>{1, 2.5}));
  EXPECT_EQ(p.get<std::vector<std::vector<double>>>("cov"),
            (std::vector<std::vector<double>>{{2, 0}, {0, 3}}));
  EXPECT_EQ(p.get<Spec>("base"), klest::parse_spec("gamma(2)"));
  const auto parts = p.get<std::vector<Spec>>("parts");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], (Spec{"a", {}}));  // a bare word in a spec list is a spec
  EXPECT_EQ(p.label(), "d(mean=[1, 2.5], cov=[[2, 0], [0, 3]], base=gamma(2), parts=[a(), b(1)], k=4)");
  // Defaults of shaped parameters; a bare word is a spec without arguments.
  const auto q = bind_params("distribution", shaped_schema(), klest::parse_spec("d(mean=[0], k=1)"));
  EXPECT_EQ(q.label(), "d(mean=[0], cov=[[1]], base=normal(), parts=[], k=1)");
  // with() replaces one value and keeps the rest.
  EXPECT_EQ(q.with("base", klest::parse_spec_value("normal(mean=0, sd=1)")).label(),
            "d(mean=[0], cov=[[1]], base=normal(mean=0, sd=1), parts=[], k=1)");
  EXPECT_THROW(q.with("nope", 1.0), std::out_of_range);
}

TEST(ShapedParams, ErrorsNameTheParameterAndTheForm) {
  auto bind = [](const char* text) {
    bind_params("distribution", shaped_schema(), klest::parse_spec(text));
  };
  EXPECT_THAT([&] { bind("d(k=1)"); },
              ThrowsMessage<klest::InputError>(
                  StrEq("distribution 'd': parameter 'mean' is required (mean vector)")));
  EXPECT_THAT([&] { bind("d(mean=[0])"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'k' is required")));
  EXPECT_THAT([&] { bind("d(mean=3, k=1)"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("parameter 'mean' is 3, but must be a list of numbers")));
  EXPECT_THAT([&] { bind("d(mean=[1, x], k=1)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("but must be a list of numbers")));
  EXPECT_THAT([&] { bind("d(mean=[0], base=[1], k=1)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'base' is [1], but must be a spec")));
  EXPECT_THAT([&] { bind("d(mean=[0], parts=[1, a], k=1)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("but must be a list of specs")));
}

TEST(ShapedParams, DefaultTextAndConstraintText) {
  const auto s = shaped_schema();
  EXPECT_EQ(s[0].default_text(), "required");
  EXPECT_EQ(s[0].constraint_text(), "list of numbers");
  EXPECT_EQ(s[2].default_text(), "normal");
  EXPECT_EQ(s[3].constraint_text(), "list of specs");
  EXPECT_EQ(s[4].default_text(), "required");
  EXPECT_THROW(klest::param_value("x", ParamType::real, "no"), std::logic_error);
}

}  // namespace

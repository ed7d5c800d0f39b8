#pragma once
// The spec language shared by estimators and distributions, on the command line, in TOML files
// and in result labels:
//
//   knn(k=5)    kde(bandwidth=silverman)    normal(0, 1)
//   mvnormal(mean=[0,0], cov=[[1,0.5],[0.5,2]])
//   mixture(weights=[0.5,0.5], components=[normal(-2,1), normal(2,1)])
//
// Grammar (white space is free between tokens):
//   spec   := name [ '(' [ arg { ',' arg } ] ')' ]
//   arg    := [ name '=' ] value            positional arguments come before named ones
//   value  := number | string | list | spec
//   list   := '[' [ value { ',' value } ] ']'
//   number := decimal or exponent notation with optional sign, or inf / -inf
//   string := "double-quoted" (with \" and \\ escapes) or a bare word
//   name   := letter or '_' followed by letters, digits, '_', '.' or '-'
// A bare word followed by '(' is a nested spec; alone it is a string, except that the words
// inf and infinity (any case) are numbers. `nan` is a string: specs have no NaN. Numbers are
// doubles; one that overflows is an error, one that underflows reads as 0. Lists and argument
// lists may nest at most 64 deep.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace klest {

struct SpecArg;
struct SpecValue;

/// A parsed spec: a name and its arguments in the order written.
struct Spec {
  std::string name;
  std::vector<SpecArg> args;
  bool operator==(const Spec&) const;
};

using SpecList = std::vector<SpecValue>;

/// One value: a number, a string, a list of values, or a nested spec.
struct SpecValue {
  std::variant<double, std::string, SpecList, Spec> v;

  // Defined after SpecArg: building the variant needs Spec, hence SpecArg, complete (clang
  // instantiates the variant's constexpr constructors where they are used).
  SpecValue();
  SpecValue(double x);                                 // NOLINT: implicit by design
  SpecValue(int x);                                    // NOLINT
  SpecValue(std::string s);                            // NOLINT
  SpecValue(const char* s);                            // NOLINT
  SpecValue(SpecList l);                               // NOLINT
  SpecValue(Spec s);                                   // NOLINT

  bool is_number() const { return std::holds_alternative<double>(v); }
  bool is_string() const { return std::holds_alternative<std::string>(v); }
  bool is_list() const { return std::holds_alternative<SpecList>(v); }
  bool is_spec() const { return std::holds_alternative<Spec>(v); }
  double number() const { return std::get<double>(v); }
  const std::string& string() const { return std::get<std::string>(v); }
  const SpecList& list() const { return std::get<SpecList>(v); }
  const Spec& spec() const { return std::get<Spec>(v); }
  bool operator==(const SpecValue&) const = default;
};

/// One argument; `name` is empty for a positional argument.
struct SpecArg {
  std::string name;
  SpecValue value;
  bool operator==(const SpecArg&) const = default;
};

inline SpecValue::SpecValue() : v(0.0) {}
inline SpecValue::SpecValue(double x) : v(x) {}
inline SpecValue::SpecValue(int x) : v(double(x)) {}
inline SpecValue::SpecValue(std::string s) : v(std::move(s)) {}
inline SpecValue::SpecValue(const char* s) : v(std::string(s)) {}
inline SpecValue::SpecValue(SpecList l) : v(std::move(l)) {}
inline SpecValue::SpecValue(Spec s) : v(std::move(s)) {}

/// Parses a whole spec. Throws ConfigError quoting the text, the 1-based column and what was
/// expected there, e.g. "spec 'knn(k=)': column 7: expected a value".
Spec parse_spec(std::string_view text);

/// Parses a single value (a number, string, list or spec). Throws ConfigError like parse_spec.
SpecValue parse_spec_value(std::string_view text);

/// Canonical text: `name(a=1, b=[1, 2], c=normal(mean=0, sd=1))`, numbers in shortest
/// round-trip form, strings bare when they are plain words and quoted otherwise; a spec with
/// no arguments prints as `name()`. parse_spec(to_string(s)) == s for every spec s whose names
/// follow the grammar and that holds no NaN (NaN prints as `nan`, which reads back as a string).
std::string to_string(const Spec& s);
std::string to_string(const SpecValue& v);

/// Shortest text that reads back as exactly `x`: "5", "0.1", "1e-300", "inf", "-inf", "nan".
std::string format_number(double x);

}  // namespace klest

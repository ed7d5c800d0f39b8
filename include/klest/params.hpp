#pragma once
// Parameter schemas and validated parameter values, shared by estimators and (later)
// distributions. A schema entry declares a parameter once, with its type, default, help text
// and allowed range; `bind_params` turns a parsed Spec into validated Params, so that unknown
// names, wrong types and out-of-range values never reach an estimator's constructor.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klest/spec.hpp"

namespace klest {

/// integer, real, choice (one of fixed words), boolean; list: a list of numbers or of lists of
/// numbers (a vector or a matrix); spec: a nested spec such as normal(0, 1) (a bare word is a
/// spec without arguments); spec_list: a list of such specs.
enum class ParamType { integer, real, choice, boolean, list, spec, spec_list };

std::string_view to_string(ParamType t);

/// An interval constraint on a numeric parameter; unset ends are unbounded.
struct Range {
  std::optional<double> lo, hi;
  bool lo_open = false, hi_open = false;
  bool contains(double x) const;
  /// ">= 1", "> 0", "in [0, 1]", "" when unbounded.
  std::string describe() const;
};
Range at_least(double lo);
Range greater_than(double lo);
Range at_most(double hi);
Range between(double lo, double hi);  // closed interval; std::logic_error if lo > hi

/// One declared parameter.
struct ParamDef {
  std::string name;
  ParamType type = ParamType::real;
  SpecValue fallback;              // the default value
  std::string default_from;        // non-empty: the default is the value of this parameter
  std::string help;
  Range range;                     // integer and real
  std::vector<std::string> choices;  // choice
  bool required = false;           // no default: must be given
  bool labelled_at_default = true;  // false: left out of labels while at its default

  /// A copy left out of the canonical spec and label while it has its default value: for
  /// parameters that change how a result is computed but not the result (a search strategy).
  ParamDef unlabelled_at_default() const;

  /// A copy whose default is whatever value parameter `other` ends up with.
  ParamDef defaults_to(std::string other) const;
  /// A copy without a default: the parameter must be given.
  ParamDef mandatory() const;
  /// "1", "same as k", "error", "required".
  std::string default_text() const;
  /// "integer >= 1", "one of error, skip, jitter", "real in [0, 1]".
  std::string constraint_text() const;
};

using ParamSpec = std::vector<ParamDef>;

/// The builders throw std::logic_error for a name outside the spec grammar or a default outside
/// `range`: both are defects in the schema, not user errors.
ParamDef param(std::string name, int fallback, std::string help, Range range = {});
ParamDef param(std::string name, double fallback, std::string help, Range range = {});
ParamDef param(std::string name, bool fallback, std::string help);
/// A choice among fixed words; `fallback` must be one of them (else std::logic_error).
ParamDef param(std::string name, const char* fallback, std::string help,
               std::vector<std::string> choices);
/// Without this, param("ties", "error", "help") would quietly pick the bool overload.
ParamDef param(std::string name, const char* fallback, std::string help) = delete;

/// A list, nested spec or list of specs (`type` one of those), required unless `fallback` is
/// given. Their contents are checked by the owner (a family checks a covariance is SPD).
ParamDef param_value(std::string name, ParamType type, std::string help);
ParamDef param_value(std::string name, ParamType type, SpecValue fallback, std::string help);

/// Validated values for every parameter of a schema, defaults filled in, in schema order.
class Params {
 public:
  Params() = default;
  Params(std::string owner, std::vector<SpecArg> values,
         std::vector<std::string> unlabelled = {})
      : owner_(std::move(owner)), values_(std::move(values)), unlabelled_(std::move(unlabelled)) {}

  /// The value of a declared parameter. Throws std::out_of_range for an undeclared name
  /// (a programming error, not a user error).
  const SpecValue& at(std::string_view name) const;
  /// Typed access: int, std::int64_t, double, bool, std::string, std::vector<double> (a list of
  /// numbers), std::vector<std::vector<double>> (a list of lists of numbers), Spec, or
  /// std::vector<Spec>. Throws std::invalid_argument
  /// if the value is of another kind, and InputError if get<int> finds an integer (allowed up to
  /// 2^53) that does not fit in an int.
  template <class T>
  T get(std::string_view name) const;

  /// A copy with parameter `name` (declared) set to `value`: owners use it to store canonical
  /// forms, such as nested specs with their defaults filled in.
  Params with(std::string_view name, SpecValue value) const;

  /// The canonical spec: the owner's name with every parameter, defaults included (except those
  /// declared unlabelled_at_default while they have their default).
  Spec spec() const;
  /// to_string(spec()), e.g. "knn(k=5, l=5, ties=error)": the label used in results.
  std::string label() const { return to_string(spec()); }
  const std::string& owner() const { return owner_; }

 private:
  std::string owner_;
  std::vector<SpecArg> values_;
  std::vector<std::string> unlabelled_;  // at their default and left out of spec()
};

template <> double Params::get<double>(std::string_view name) const;
template <> std::int64_t Params::get<std::int64_t>(std::string_view name) const;
template <> int Params::get<int>(std::string_view name) const;
template <> bool Params::get<bool>(std::string_view name) const;
template <> std::string Params::get<std::string>(std::string_view name) const;
template <> std::vector<double> Params::get<std::vector<double>>(std::string_view name) const;
template <>
std::vector<std::vector<double>> Params::get<std::vector<std::vector<double>>>(
    std::string_view name) const;
template <> Spec Params::get<Spec>(std::string_view name) const;
template <> std::vector<Spec> Params::get<std::vector<Spec>>(std::string_view name) const;

/// Checks `spec.args` against `schema` and fills in defaults. Positional arguments are taken in
/// schema order. `kind` ("estimator", "distribution") and spec.name appear in every message:
///   estimator 'knn': unknown parameter 'kk' (known: k, l, ties)
///   estimator 'knn': parameter 'k' is 0, but must be an integer >= 1
/// Throws InputError; std::logic_error for a defective schema (an invalid default, or a
/// `default_from` naming no parameter or forming a cycle).
Params bind_params(std::string_view kind, const ParamSpec& schema, const Spec& spec);

}  // namespace klest

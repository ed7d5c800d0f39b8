#include "klest/params.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "klest/error.hpp"
#include "klest/spec.hpp"
#include "detail/text.hpp"

namespace klest {

using detail::join;
using detail::suggestion;

namespace {

constexpr double max_exact_integer = 9007199254740992.0;  // 2^53

bool is_name(std::string_view s) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.empty() || !(alpha(s[0]) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return alpha(c) || digit(c) || c == '_' || c == '.' || c == '-';
  });
}

// How a value appears in a message: numbers bare, strings in single quotes.
std::string shown(const SpecValue& v) {
  if (v.is_string()) return "'" + v.string() + "'";
  return to_string(v);
}

std::string with_article(const ParamDef& def) {
  switch (def.type) {
    case ParamType::integer: return "an " + def.constraint_text();
    case ParamType::real: return "a " + def.constraint_text();
    case ParamType::choice:
    case ParamType::boolean: return def.constraint_text();
    case ParamType::list: return "a " + def.constraint_text();
    case ParamType::spec: return "a " + def.constraint_text();
    case ParamType::spec_list: return "a " + def.constraint_text();
  }
  return def.constraint_text();
}

// A list of finite numbers, or of such lists (to a small depth).
bool numeric_list(const SpecList& l, int depth) {
  if (depth > 2) return false;
  return std::all_of(l.begin(), l.end(), [depth](const SpecValue& e) {
    if (e.is_number()) return std::isfinite(e.number());
    return e.is_list() && numeric_list(e.list(), depth + 1);
  });
}

// The normalised value if `v` is valid for `def`, else nullopt.
std::optional<SpecValue> normalise(const ParamDef& def, const SpecValue& v) {
  switch (def.type) {
    case ParamType::integer: {
      if (!v.is_number()) return std::nullopt;
      double x = v.number();
      if (!std::isfinite(x) || std::floor(x) != x || std::fabs(x) > max_exact_integer ||
          !def.range.contains(x)) {
        return std::nullopt;
      }
      return SpecValue(x + 0.0);  // turns -0 into 0
    }
    case ParamType::real: {
      if (!v.is_number() || std::isnan(v.number()) || !def.range.contains(v.number())) {
        return std::nullopt;
      }
      return v;
    }
    case ParamType::choice: {
      if (!v.is_string()) return std::nullopt;
      if (std::find(def.choices.begin(), def.choices.end(), v.string()) == def.choices.end()) {
        return std::nullopt;
      }
      return v;
    }
    case ParamType::boolean: {
      if (v.is_string() && (v.string() == "true" || v.string() == "false")) return v;
      if (v.is_number() && v.number() == 1) return SpecValue("true");
      if (v.is_number() && v.number() == 0) return SpecValue("false");
      return std::nullopt;
    }
    case ParamType::list: {
      if (!v.is_list() || !numeric_list(v.list(), 0)) return std::nullopt;
      return v;
    }
    case ParamType::spec: {
      if (v.is_spec()) return v;
      if (v.is_string() && is_name(v.string())) return SpecValue(Spec{v.string(), {}});
      return std::nullopt;
    }
    case ParamType::spec_list: {
      if (!v.is_list()) return std::nullopt;
      SpecList out;
      for (const SpecValue& e : v.list()) {
        if (e.is_spec()) {
          out.push_back(e);
        } else if (e.is_string() && is_name(e.string())) {
          out.push_back(SpecValue(Spec{e.string(), {}}));
        } else {
          return std::nullopt;
        }
      }
      return SpecValue(std::move(out));
    }
  }
  return std::nullopt;
}

// "but must be an integer >= 1", with a note when the only fault is an integer too large to
// hold exactly in a double.
std::string requirement(const ParamDef& def, const SpecValue& v) {
  std::string out = "but must be " + with_article(def);
  if (def.type == ParamType::integer && v.is_number() && std::isfinite(v.number()) &&
      std::fabs(v.number()) > max_exact_integer && def.range.contains(v.number())) {
    out += " (at most 2^53 = 9007199254740992 in magnitude)";
  }
  if (def.type == ParamType::choice && v.is_string()) {
    std::string near = suggestion(v.string(), def.choices);
    if (!near.empty()) out += "; did you mean '" + near + "'?";
  }
  return out;
}

ParamDef numeric(std::string name, ParamType type, double fallback, std::string help,
                 Range range) {
  if (!is_name(name)) throw std::logic_error("klest::param: bad parameter name '" + name + "'");
  if (!range.contains(fallback)) {
    throw std::logic_error("klest::param: default " + format_number(fallback) +
                           " of parameter '" + name + "' is not " + range.describe());
  }
  ParamDef d;
  d.name = std::move(name);
  d.type = type;
  d.fallback = fallback;
  d.help = std::move(help);
  d.range = range;
  return d;
}

}  // namespace

std::string_view to_string(ParamType t) {
  switch (t) {
    case ParamType::integer: return "integer";
    case ParamType::real: return "real";
    case ParamType::choice: return "choice";
    case ParamType::boolean: return "boolean";
    case ParamType::list: return "list";
    case ParamType::spec: return "spec";
    case ParamType::spec_list: return "spec list";
  }
  return "unknown";
}

// ---- Range ----------------------------------------------------------------------------------

bool Range::contains(double x) const {
  if (std::isnan(x)) return false;
  if (lo && (lo_open ? !(x > *lo) : !(x >= *lo))) return false;
  if (hi && (hi_open ? !(x < *hi) : !(x <= *hi))) return false;
  return true;
}

std::string Range::describe() const {
  if (lo && hi) {
    return std::string("in ") + (lo_open ? "(" : "[") + format_number(*lo) + ", " +
           format_number(*hi) + (hi_open ? ")" : "]");
  }
  if (lo) return (lo_open ? "> " : ">= ") + format_number(*lo);
  if (hi) return (hi_open ? "< " : "<= ") + format_number(*hi);
  return "";
}

Range at_least(double lo) { return Range{lo, std::nullopt, false, false}; }
Range greater_than(double lo) { return Range{lo, std::nullopt, true, false}; }
Range at_most(double hi) { return Range{std::nullopt, hi, false, false}; }
Range between(double lo, double hi) {
  if (!(lo <= hi)) {
    throw std::logic_error("klest::between: empty interval [" + format_number(lo) + ", " +
                           format_number(hi) + "]");
  }
  return Range{lo, hi, false, false};
}

// ---- ParamDef -------------------------------------------------------------------------------

ParamDef ParamDef::defaults_to(std::string other) const {
  ParamDef d = *this;
  d.default_from = std::move(other);
  return d;
}

ParamDef ParamDef::unlabelled_at_default() const {
  ParamDef d = *this;
  d.labelled_at_default = false;
  return d;
}

ParamDef ParamDef::mandatory() const {
  ParamDef d = *this;
  d.required = true;
  d.default_from.clear();
  return d;
}

ParamDef param_value(std::string name, ParamType type, std::string help) {
  if (!is_name(name)) throw std::logic_error("klest::param: bad parameter name '" + name + "'");
  if (type != ParamType::list && type != ParamType::spec && type != ParamType::spec_list) {
    throw std::logic_error("klest::param_value: '" + name + "' needs a list or spec type");
  }
  ParamDef d;
  d.name = std::move(name);
  d.type = type;
  d.help = std::move(help);
  d.required = true;
  return d;
}

ParamDef param_value(std::string name, ParamType type, SpecValue fallback, std::string help) {
  ParamDef d = param_value(std::move(name), type, std::move(help));
  d.required = false;
  d.fallback = std::move(fallback);
  return d;
}

std::string ParamDef::default_text() const {
  if (required) return "required";
  if (!default_from.empty()) return "same as " + default_from;
  return to_string(fallback);
}

std::string ParamDef::constraint_text() const {
  switch (type) {
    case ParamType::integer:
    case ParamType::real: {
      std::string r = range.describe();
      return std::string(to_string(type)) + (r.empty() ? "" : " " + r);
    }
    case ParamType::choice: return "one of " + join(choices);
    case ParamType::boolean: return "true or false";
    case ParamType::list: return "list of numbers";
    case ParamType::spec: return "spec";
    case ParamType::spec_list: return "list of specs";
  }
  return "";
}

ParamDef param(std::string name, int fallback, std::string help, Range range) {
  return numeric(std::move(name), ParamType::integer, fallback, std::move(help), range);
}

ParamDef param(std::string name, double fallback, std::string help, Range range) {
  return numeric(std::move(name), ParamType::real, fallback, std::move(help), range);
}

ParamDef param(std::string name, bool fallback, std::string help) {
  if (!is_name(name)) throw std::logic_error("klest::param: bad parameter name '" + name + "'");
  ParamDef d;
  d.name = std::move(name);
  d.type = ParamType::boolean;
  d.fallback = fallback ? "true" : "false";
  d.help = std::move(help);
  return d;
}

ParamDef param(std::string name, const char* fallback, std::string help,
               std::vector<std::string> choices) {
  if (!is_name(name)) throw std::logic_error("klest::param: bad parameter name '" + name + "'");
  if (fallback == nullptr ||
      std::find(choices.begin(), choices.end(), fallback) == choices.end()) {
    throw std::logic_error("klest::param: default '" + std::string(fallback ? fallback : "") +
                           "' of parameter '" + name + "' is not one of " + join(choices));
  }
  ParamDef d;
  d.name = std::move(name);
  d.type = ParamType::choice;
  d.fallback = fallback;
  d.help = std::move(help);
  d.choices = std::move(choices);
  return d;
}

// ---- Params ---------------------------------------------------------------------------------

const SpecValue& Params::at(std::string_view name) const {
  for (const SpecArg& a : values_) {
    if (a.name == name) return a.value;
  }
  throw std::out_of_range("klest::Params: '" + owner_ + "' has no parameter '" +
                          std::string(name) + "'");
}

namespace {
[[noreturn]] void wrong_type(const std::string& owner, std::string_view name,
                             std::string_view wanted, const SpecValue& v) {
  throw std::invalid_argument("klest::Params: parameter '" + std::string(name) + "' of '" +
                              owner + "' is " + shown(v) + ", not " + std::string(wanted));
}
}  // namespace

template <>
double Params::get<double>(std::string_view name) const {
  const SpecValue& v = at(name);
  if (!v.is_number()) wrong_type(owner_, name, "a number", v);
  return v.number();
}

template <>
std::int64_t Params::get<std::int64_t>(std::string_view name) const {
  const SpecValue& v = at(name);
  if (!v.is_number() || std::floor(v.number()) != v.number() ||
      !(std::fabs(v.number()) <= max_exact_integer)) {
    wrong_type(owner_, name, "an integer", v);
  }
  return static_cast<std::int64_t>(v.number());
}

template <>
int Params::get<int>(std::string_view name) const {
  std::int64_t x = get<std::int64_t>(name);
  // bind_params admits integers up to 2^53, so a user can reach this.
  if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) {
    throw InputError("'" + owner_ + "': parameter '" + std::string(name) + "' is " +
                     std::to_string(x) + ", but must fit in an int (between " +
                     std::to_string(std::numeric_limits<int>::min()) + " and " +
                     std::to_string(std::numeric_limits<int>::max()) + ")");
  }
  return static_cast<int>(x);
}

template <>
bool Params::get<bool>(std::string_view name) const {
  const SpecValue& v = at(name);
  if (v.is_string() && v.string() == "true") return true;
  if (v.is_string() && v.string() == "false") return false;
  if (v.is_number() && (v.number() == 0 || v.number() == 1)) return v.number() == 1;
  wrong_type(owner_, name, "true or false", v);
}

template <>
std::string Params::get<std::string>(std::string_view name) const {
  const SpecValue& v = at(name);
  if (!v.is_string()) wrong_type(owner_, name, "a string", v);
  return v.string();
}

template <>
std::vector<double> Params::get<std::vector<double>>(std::string_view name) const {
  const SpecValue& v = at(name);
  if (!v.is_list()) wrong_type(owner_, name, "a list of numbers", v);
  std::vector<double> out;
  for (const SpecValue& e : v.list()) {
    if (!e.is_number()) wrong_type(owner_, name, "a list of numbers", v);
    out.push_back(e.number());
  }
  return out;
}

template <>
std::vector<std::vector<double>> Params::get<std::vector<std::vector<double>>>(
    std::string_view name) const {
  const SpecValue& v = at(name);
  if (!v.is_list()) wrong_type(owner_, name, "a list of lists of numbers", v);
  std::vector<std::vector<double>> out;
  for (const SpecValue& row : v.list()) {
    if (!row.is_list()) wrong_type(owner_, name, "a list of lists of numbers", v);
    out.emplace_back();
    for (const SpecValue& e : row.list()) {
      if (!e.is_number()) wrong_type(owner_, name, "a list of lists of numbers", v);
      out.back().push_back(e.number());
    }
  }
  return out;
}

template <>
Spec Params::get<Spec>(std::string_view name) const {
  const SpecValue& v = at(name);
  if (!v.is_spec()) wrong_type(owner_, name, "a spec", v);
  return v.spec();
}

template <>
std::vector<Spec> Params::get<std::vector<Spec>>(std::string_view name) const {
  const SpecValue& v = at(name);
  if (!v.is_list()) wrong_type(owner_, name, "a list of specs", v);
  std::vector<Spec> out;
  for (const SpecValue& e : v.list()) {
    if (!e.is_spec()) wrong_type(owner_, name, "a list of specs", v);
    out.push_back(e.spec());
  }
  return out;
}

Spec Params::spec() const {
  Spec s{owner_, {}};
  for (const SpecArg& a : values_) {
    if (std::find(unlabelled_.begin(), unlabelled_.end(), a.name) == unlabelled_.end()) {
      s.args.push_back(a);
    }
  }
  return s;
}

Params Params::with(std::string_view name, SpecValue value) const {
  Params out = *this;
  for (SpecArg& a : out.values_) {
    if (a.name == name) {
      a.value = std::move(value);
      std::erase(out.unlabelled_, a.name);
      return out;
    }
  }
  throw std::out_of_range("klest::Params: '" + owner_ + "' has no parameter '" +
                          std::string(name) + "'");
}

// ---- bind_params ----------------------------------------------------------------------------

Params bind_params(std::string_view kind, const ParamSpec& schema, const Spec& spec) {
  const std::string where = std::string(kind) + " '" + spec.name + "'";
  auto fail = [&](const std::string& what) { throw InputError(where + ": " + what); };

  std::vector<std::string> names;
  for (const ParamDef& d : schema) names.push_back(d.name);
  auto index_of = [&](std::string_view name) -> std::optional<std::size_t> {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) return std::nullopt;
    return std::size_t(it - names.begin());
  };

  const auto positional = std::size_t(
      std::count_if(spec.args.begin(), spec.args.end(),
                    [](const SpecArg& a) { return a.name.empty(); }));
  if (positional > schema.size()) {
    std::string given = std::to_string(positional) + " positional argument" +
                        (positional == 1 ? " is" : "s are") + " given";
    if (schema.empty()) fail(given + ", but it takes no parameters");
    fail(given + ", but it takes at most " + std::to_string(schema.size()) + " (" +
         join(names) + ")");
  }

  enum class Source { none, position, name, fallback };
  std::vector<Source> source(schema.size(), Source::none);
  std::vector<SpecValue> value(schema.size());
  std::size_t next_position = 0;
  std::string first_named;
  for (const SpecArg& a : spec.args) {
    std::size_t i = 0;
    if (a.name.empty()) {
      if (!first_named.empty()) {
        fail("positional argument " + shown(a.value) + " comes after named argument '" +
             first_named + "'");
      }
      i = next_position++;
    } else {
      if (first_named.empty()) first_named = a.name;
      std::optional<std::size_t> found = index_of(a.name);
      if (!found) {
        std::string msg = "unknown parameter '" + a.name + "' ";
        if (schema.empty()) fail(msg + "(it takes no parameters)");
        msg += "(known: " + join(names) + ")";
        std::string near = suggestion(a.name, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        fail(msg);
      }
      i = *found;
      if (source[i] == Source::position) {
        fail("parameter '" + a.name + "' is given twice (by position and by name)");
      }
      if (source[i] == Source::name) fail("parameter '" + a.name + "' is given twice");
    }
    const ParamDef& def = schema[i];
    std::optional<SpecValue> ok = normalise(def, a.value);
    if (!ok) {
      fail("parameter '" + def.name + "' is " + shown(a.value) + ", " +
           requirement(def, a.value));
    }
    value[i] = std::move(*ok);
    source[i] = a.name.empty() ? Source::position : Source::name;
  }

  for (std::size_t i = 0; i < schema.size(); ++i) {
    const ParamDef& def = schema[i];
    if (source[i] != Source::none || !def.default_from.empty()) continue;
    if (def.required) fail("parameter '" + def.name + "' is required (" + def.help + ")");
    std::optional<SpecValue> ok = normalise(def, def.fallback);
    if (!ok) {
      throw std::logic_error(where + ": the default " + shown(def.fallback) +
                             " of parameter '" + def.name + "' is invalid");
    }
    value[i] = std::move(*ok);
    source[i] = Source::fallback;
  }

  // A default taken from another parameter may itself be such a default: follow the chain.
  for (std::size_t start = 0; start < schema.size(); ++start) {
    std::vector<std::size_t> chain;
    std::size_t i = start;
    while (source[i] == Source::none) {
      if (std::find(chain.begin(), chain.end(), i) != chain.end()) {
        throw std::logic_error(where + ": parameter defaults form a cycle through '" +
                               schema[i].name + "'");
      }
      chain.push_back(i);
      std::optional<std::size_t> from = index_of(schema[i].default_from);
      if (!from) {
        throw std::logic_error(where + ": parameter '" + schema[i].name +
                               "' defaults to unknown parameter '" + schema[i].default_from +
                               "'");
      }
      i = *from;
    }
    // Resolve from the end of the chain back to `start`.
    while (!chain.empty()) {
      std::size_t j = chain.back();
      chain.pop_back();
      const ParamDef& def = schema[j];
      const SpecValue& from = value[*index_of(def.default_from)];
      std::optional<SpecValue> ok = normalise(def, from);
      if (!ok) {
        fail("parameter '" + def.name + "' is " + shown(from) + " (the value of '" +
             def.default_from + "'), " + requirement(def, from));
      }
      value[j] = std::move(*ok);
      source[j] = Source::fallback;
    }
  }

  std::vector<SpecArg> out;
  std::vector<std::string> unlabelled;
  out.reserve(schema.size());
  for (std::size_t i = 0; i < schema.size(); ++i) {
    out.push_back({schema[i].name, value[i]});
    if (!schema[i].labelled_at_default && schema[i].default_from.empty() &&
        value[i] == normalise(schema[i], schema[i].fallback)) {
      unlabelled.push_back(schema[i].name);
    }
  }
  return Params(spec.name, std::move(out), std::move(unlabelled));
}

}  // namespace klest

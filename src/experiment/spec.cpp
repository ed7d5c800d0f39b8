// Reading and validating experiment files (TOML, through toml++ 3.3): read_experiment,
// parse_experiment and ExperimentSpec::m_for. Everything is checked here, before anything is
// sampled: every key, type and value, and every distribution and estimator spec is built once.
// Messages start with the file (or the name given to parse_experiment) and, where the TOML has
// a node for the fault, its line:
//   x.toml:7: pairs[2] q: distribution 'normal': parameter 'sd' is -1, but must be a real > 0

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <toml++/toml.h>

#include "detail/text.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/experiment.hpp"
#include "klest/interval.hpp"
#include "klest/limits.hpp"
#include "klest/samples.hpp"
#include "klest/spec.hpp"

namespace klest {

namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr double max_exact_integer = 9007199254740992.0;  // 2^53

// In the order of the documentation; messages list them so.
const std::vector<std::string> top_keys = {"name",  "description", "seed",  "replications",
                                           "sizes", "m",           "pairs", "estimators",
                                           "threads", "intervals", "truth"};
const std::vector<std::string> required_keys = {"name",  "seed",  "replications",
                                                "sizes", "pairs", "estimators"};
const std::vector<std::string> truth_keys = {"method", "mc_samples", "seed", "tol"};
const std::vector<std::string> pair_keys = {"p", "q", "truth"};
const std::vector<std::string> interval_keys = {"methods", "level", "replicates"};
const std::vector<std::string> interval_args = {"level", "replicates", "rate", "bias_rate"};

// "text" with quotes, backslashes and control characters escaped.
std::string quote_text(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// A TOML float as written back: with a decimal point, so that 200.0 does not read as 200.
std::string float_text(double x) {
  std::string s = format_number(x);
  if (s.find_first_of(".eEna") == std::string::npos) s += ".0";
  return s;
}

// The value alone: 200, "200", 2.5, true, an array, a table.
std::string value_text(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return quote_text(n.as_string()->get());
    case toml::node_type::integer: return std::to_string(n.as_integer()->get());
    case toml::node_type::floating_point: return float_text(n.as_floating_point()->get());
    case toml::node_type::boolean: return n.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// The value with its TOML type, for messages about a wrong type: "200" (a string).
std::string typed_text(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return value_text(n) + " (a string)";
    case toml::node_type::integer: return value_text(n) + " (an integer)";
    case toml::node_type::floating_point: return value_text(n) + " (a float)";
    case toml::node_type::boolean: return value_text(n) + " (a boolean)";
    default: return value_text(n);
  }
}

bool is_word(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
}

// Builds messages that start with the file name and, when known, the line.
class Reader {
 public:
  explicit Reader(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(std::string_view msg) const {
    throw ConfigError(file_ + ": " + std::string(msg));
  }
  [[noreturn]] void fail(const toml::source_region& where, std::string_view msg) const {
    if (where.begin.line == 0) fail(msg);
    throw ConfigError(file_ + ":" + std::to_string(where.begin.line) + ": " + std::string(msg));
  }
  [[noreturn]] void fail(const toml::node& at, std::string_view msg) const {
    fail(at.source(), msg);
  }

  // Rejects keys outside `allowed`; of several, the one written first.
  void check_keys(const toml::table& t, const std::vector<std::string>& allowed,
                  std::string_view context) const {
    const toml::key* first = nullptr;
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      const auto& a = k.source().begin;
      if (!first || a.line < first->source().begin.line ||
          (a.line == first->source().begin.line && a.column < first->source().begin.column)) {
        first = &k;
      }
    }
    if (!first) return;
    std::string msg = std::string(context) + "unknown key '" + std::string(first->str()) +
                      "' (allowed: " + detail::join(allowed) + ")";
    if (const std::string near = detail::suggestion(first->str(), allowed); !near.empty()) {
      msg += "; did you mean '" + near + "'?";
    }
    fail(first->source(), msg);
  }

  // An integer in [lo, hi]; the message states ">= lo" and mentions hi only when exceeded.
  std::int64_t integer(const toml::node& n, std::string_view what, std::int64_t lo,
                       std::int64_t hi = int64_max, std::string_view why_hi = "") const {
    const std::string must = "an integer >= " + std::to_string(lo);
    if (!n.is_integer()) {
      fail(n, std::string(what) + " is " + typed_text(n) + ", but must be " + must);
    }
    const std::int64_t v = n.as_integer()->get();
    if (v < lo) fail(n, std::string(what) + " is " + value_text(n) + ", but must be " + must);
    if (v > hi) {
      std::string msg = std::string(what) + " is " + value_text(n) + ", but must be at most " +
                        std::to_string(hi);
      if (!why_hi.empty()) msg += " (" + std::string(why_hi) + ")";
      fail(n, msg);
    }
    return v;
  }

  const std::string& string(const toml::node& n, std::string_view what,
                            std::string_view must) const {
    if (!n.is_string()) {
      fail(n, std::string(what) + " is " + typed_text(n) + ", but must be " + std::string(must));
    }
    return n.as_string()->get();
  }

  // An integer or a float.
  double real(const toml::node& n, std::string_view what, std::string_view must) const {
    if (n.is_integer()) return double(n.as_integer()->get());
    if (n.is_floating_point()) return n.as_floating_point()->get();
    fail(n, std::string(what) + " is " + typed_text(n) + ", but must be " + std::string(must));
  }

  const toml::array& array(const toml::node& n, std::string_view what,
                           std::string_view must) const {
    if (!n.is_array()) {
      fail(n, std::string(what) + " is " + typed_text(n) + ", but must be " + std::string(must));
    }
    const toml::array& a = *n.as_array();
    if (a.empty()) fail(n, std::string(what) + " is empty, but must be " + std::string(must));
    return a;
  }

 private:
  const std::string& file_;
};

std::string indexed(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

std::vector<std::size_t> read_sizes(const Reader& r, const toml::node& n) {
  const toml::array& a =
      r.array(n, "'sizes'", "a non-empty array of sample sizes (integers >= 1)");
  std::vector<std::size_t> sizes;
  std::map<std::int64_t, std::size_t> seen;  // value -> index
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::int64_t v = r.integer(a[i], indexed("sizes", i), 1);
    if (auto it = seen.find(v); it != seen.end()) {
      r.fail(a[i], "sizes[" + std::to_string(i) + "] is " + std::to_string(v) + ", but sizes[" +
                       std::to_string(it->second) + "] is " + std::to_string(v) +
                       " already; sizes must be distinct");
    }
    seen.emplace(v, i);
    sizes.push_back(std::size_t(v));
  }
  return sizes;
}

SizeRule read_m(const Reader& r, const toml::node& n, const std::vector<std::size_t>& sizes) {
  const std::string must = "\"equal\", a ratio > 0 (m = round(ratio * n)) or a list of " +
                           std::to_string(sizes.size()) + " integers >= 1 (one m per size)";
  SizeRule rule;
  if (n.is_string()) {
    const std::string& s = n.as_string()->get();
    if (s != "equal") {
      std::string msg = "'m' is " + value_text(n) + ", but must be " + must;
      if (!detail::suggestion(s, {"equal"}).empty()) msg += "; did you mean 'equal'?";
      r.fail(n, msg);
    }
    return rule;
  }
  if (n.is_integer() || n.is_floating_point()) {
    const double ratio = r.real(n, "'m'", must);
    if (!(ratio > 0) || !std::isfinite(ratio)) {
      r.fail(n, "'m' is " + value_text(n) + ", but a ratio must be a finite real > 0");
    }
    const std::size_t n_max = *std::max_element(sizes.begin(), sizes.end());
    if (std::round(ratio * double(n_max)) > max_exact_integer) {
      r.fail(n, "'m' is " + value_text(n) + ", which makes m = " +
                    format_number(std::round(ratio * double(n_max))) + " for n = " +
                    std::to_string(n_max) + ", but m must be at most 2^53 = 9007199254740992");
    }
    rule.kind = SizeRule::Kind::ratio;
    rule.ratio = ratio;
    return rule;
  }
  if (!n.is_array()) r.fail(n, "'m' is " + typed_text(n) + ", but must be " + must);
  const toml::array& a = *n.as_array();
  if (a.size() != sizes.size()) {
    r.fail(n, "'m' has " + std::to_string(a.size()) + " entries, but must have one per size (" +
                  std::to_string(sizes.size()) + ")");
  }
  rule.kind = SizeRule::Kind::list;
  for (std::size_t i = 0; i < a.size(); ++i) {
    rule.m.push_back(std::size_t(r.integer(a[i], indexed("m", i), 1)));
  }
  return rule;
}

TruthOptions read_truth(const Reader& r, const toml::node& n, std::uint64_t experiment_seed) {
  TruthOptions options;
  options.seed = experiment_seed;
  if (!n.is_table()) {
    r.fail(n, "'truth' is " + typed_text(n) +
                  ", but must be a table ([truth] with method, mc_samples, seed, tol)");
  }
  const toml::table& t = *n.as_table();
  r.check_keys(t, truth_keys, "[truth]: ");
  if (const toml::node* v = t.get("method")) {
    const std::string& s = r.string(*v, "[truth] method", "\"auto\" or \"numeric\"");
    if (s == "auto") {
      options.use_closed_form = true;
    } else if (s == "numeric") {
      options.use_closed_form = false;
    } else {
      std::string msg =
          "[truth] method is " + value_text(*v) + ", but must be \"auto\" or \"numeric\"";
      if (const std::string near = detail::suggestion(s, {"auto", "numeric"}); !near.empty()) {
        msg += "; did you mean '" + near + "'?";
      }
      r.fail(*v, msg);
    }
  }
  if (const toml::node* v = t.get("mc_samples")) {
    options.mc_samples = std::size_t(r.integer(*v, "[truth] mc_samples", 2));
  }
  if (const toml::node* v = t.get("seed")) {
    options.seed = std::uint64_t(r.integer(*v, "[truth] seed", 0));
  }
  if (const toml::node* v = t.get("tol")) {
    const std::string must = "a real in [1e-15, 0.01]";
    const double tol = r.real(*v, "[truth] tol", must);
    if (!(tol >= 1e-15 && tol <= 1e-2)) {
      r.fail(*v, "[truth] tol is " + value_text(*v) + ", but must be " + must);
    }
    options.rel_tol = tol;
  }
  return options;
}

// Builds one side of a pair to check it; returns its dimension.
std::size_t check_distribution(const Reader& r, const toml::node& n, const std::string& spec,
                               const std::string& what) {
  try {
    return make_distribution(spec)->dim();
  } catch (const Error& e) {
    r.fail(n, what + ": " + e.what());
  }
}

ExperimentPair read_pair(const Reader& r, const toml::node& n, std::size_t i) {
  const std::string name = indexed("pairs", i);
  const std::string must_string = "a distribution spec (a string)";
  ExperimentPair pair;
  pair.line = int(n.source().begin.line);
  const toml::node* p = nullptr;
  const toml::node* q = nullptr;
  if (n.is_array()) {
    const toml::array& a = *n.as_array();
    if (a.size() != 2) {
      r.fail(n, name + " has " + std::to_string(a.size()) +
                    (a.size() == 1 ? " entry" : " entries") +
                    ", but must be [p, q]: two distribution specs");
    }
    p = &a[0];
    q = &a[1];
  } else if (n.is_table()) {
    const toml::table& t = *n.as_table();
    r.check_keys(t, pair_keys, name + ": ");
    p = t.get("p");
    q = t.get("q");
    if (!p) r.fail(n, name + ": missing required key 'p'");
    if (!q) r.fail(n, name + ": missing required key 'q'");
    if (const toml::node* v = t.get("truth")) {
      const std::string must = "a real >= 0 (the KL divergence in nats; inf allowed)";
      const double truth = r.real(*v, name + " truth", must);
      if (!(truth >= 0)) r.fail(*v, name + " truth is " + value_text(*v) + ", but must be " + must);
      pair.truth = truth;
    }
  } else {
    r.fail(n, name + " is " + typed_text(n) +
                  ", but must be [p, q] or a table {p = ..., q = ..., truth = ...}");
  }
  pair.p = r.string(*p, name + " p", must_string);
  pair.q = r.string(*q, name + " q", must_string);
  const std::size_t dp = check_distribution(r, *p, pair.p, name + " p");
  const std::size_t dq = check_distribution(r, *q, pair.q, name + " q");
  if (dp != dq) {
    r.fail(n, name + ": p '" + pair.p + "' has dimension " + std::to_string(dp) + ", but q '" +
                  pair.q + "' has dimension " + std::to_string(dq) +
                  "; p and q must have the same dimension");
  }
  return pair;
}

std::vector<std::string> read_estimators(const Reader& r, const toml::node& n) {
  const toml::array& a = r.array(n, "'estimators'", "a non-empty array of estimator specs");
  std::vector<std::string> specs;
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string name = indexed("estimators", i);
    const std::string& spec = r.string(a[i], name, "an estimator spec (a string)");
    std::string label;
    try {
      label = make_estimator(spec)->label();
    } catch (const Error& e) {
      r.fail(a[i], name + ": " + e.what());
    }
    if (auto it = std::find(labels.begin(), labels.end(), label); it != labels.end()) {
      const std::size_t j = std::size_t(it - labels.begin());
      r.fail(a[i], name + " '" + spec + "' is the same estimator as estimators[" +
                       std::to_string(j) + "] '" + specs[j] + "' (both are " + label + ")");
    }
    specs.push_back(spec);
    labels.push_back(std::move(label));
  }
  return specs;
}

// The `intervals` key: an array of interval method specs ("subsampling", "bootstrap",
// "subsampling(rate=0.5, replicates=100)"), or a table {methods = [...], level = ...,
// replicates = ...} whose level and replicates are the defaults of its methods.
std::vector<ExperimentInterval> read_intervals(const Reader& r, const toml::node& n) {
  const std::string must_methods =
      "a non-empty array of interval methods (" + detail::join(interval_method_names()) +
      ", each optionally with (level=..., replicates=..., rate=..., bias_rate=...))";
  IntervalOptions defaults;
  const toml::node* methods = &n;
  std::string where = "'intervals'";
  if (n.is_table()) {
    const toml::table& t = *n.as_table();
    r.check_keys(t, interval_keys, "[intervals]: ");
    methods = t.get("methods");
    if (!methods) r.fail(n, "[intervals]: missing required key 'methods'");
    where = "[intervals] methods";
    if (const toml::node* v = t.get("level")) {
      const std::string must = "a real in (0, 1)";
      defaults.level = r.real(*v, "[intervals] level", must);
      if (!(defaults.level > 0 && defaults.level < 1)) {
        r.fail(*v, "[intervals] level is " + value_text(*v) + ", but must be " + must);
      }
    }
    if (const toml::node* v = t.get("replicates")) {
      defaults.replicates = std::size_t(r.integer(*v, "[intervals] replicates", 2,
                                                  std::int64_t(max_interval_replicates)));
    }
  }
  const toml::array& a = r.array(*methods, where, must_methods);
  std::vector<ExperimentInterval> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string name = where == "'intervals'" ? indexed("intervals", i)
                                                    : "[intervals] " + indexed("methods", i);
    const std::string& text = r.string(a[i], name, "an interval method (a string)");
    ExperimentInterval iv;
    iv.options = defaults;
    Spec spec;
    try {
      spec = parse_spec(text);
      iv.options.method = parse_interval_method(spec.name);
    } catch (const Error& e) {
      r.fail(a[i], name + ": " + e.what());
    }
    Spec label{spec.name, {}};
    for (const SpecArg& arg : spec.args) {
      const std::string what = name + " '" + text + "': ";
      if (arg.name.empty()) {
        r.fail(a[i], what + "arguments must be named (allowed: " + detail::join(interval_args) +
                         ")");
      }
      if (std::find(interval_args.begin(), interval_args.end(), arg.name) ==
          interval_args.end()) {
        r.fail(a[i], what + "unknown argument '" + arg.name +
                         "' (allowed: " + detail::join(interval_args) + ")");
      }
      if (!arg.value.is_number()) {
        r.fail(a[i], what + "'" + arg.name + "' is '" + to_string(arg.value) +
                         "', but must be a number");
      }
      const double x = arg.value.number();
      if (arg.name == "level") {
        if (!(x > 0 && x < 1)) {
          r.fail(a[i], what + "level is " + format_number(x) + ", but must be in (0, 1)");
        }
        iv.options.level = x;
      } else if (arg.name == "replicates") {
        if (!(x >= 2 && x <= double(max_interval_replicates) && x == std::floor(x))) {
          r.fail(a[i], what + "replicates is " + format_number(x) +
                           ", but must be an integer in [2, " +
                           std::to_string(max_interval_replicates) + "]");
        }
        iv.options.replicates = std::size_t(x);
      } else if (arg.name == "bias_rate") {
        if (iv.options.method != IntervalMethod::subsampling_bc) {
          r.fail(a[i], what + "'bias_rate' applies only to subsampling_bc");
        }
        if (!(x > 0 && std::isfinite(x))) {
          r.fail(a[i], what + "bias_rate is " + format_number(x) +
                           ", but must be a finite real > 0");
        }
        iv.options.bias_rate = x;
        label.args.push_back(arg);
      } else {  // rate
        if (!uses_rate(iv.options.method)) {
          r.fail(a[i], what + "'rate' applies only to subsampling methods");
        }
        if (!(x > 0 && std::isfinite(x))) {
          r.fail(a[i], what + "rate is " + format_number(x) + ", but must be a finite real > 0");
        }
        iv.options.rate = x;
        label.args.push_back(arg);
      }
    }
    iv.label = label.args.empty() ? label.name : to_string(label);
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].label == iv.label && out[j].options.level == iv.options.level &&
          out[j].options.replicates == iv.options.replicates) {
        r.fail(a[i], name + " '" + text + "' is the same interval as entry " +
                         std::to_string(j) + " ('" + out[j].label + "')");
      }
    }
    out.push_back(std::move(iv));
  }
  return out;
}

// toml++ 3.3 parses a dotted key (a.b.c) recursively, one level per part, with no limit: a key
// of 40000 parts overflows the stack. This lexical pass, before toml++ sees the text, refuses
// keys of more than max_toml_depth parts and brackets nested deeper than that. Strings and
// comments are skipped; a number such as 1.5 counts as two parts, which is harmless.
void check_toml_depth(std::string_view text, const std::string& name) {
  std::size_t line = 1, parts = 0, depth = 0;
  bool after_dot = false;
  const auto fail = [&](const std::string& what) {
    throw ConfigError(name + ":" + std::to_string(line) + ": " + what + ", but klest reads at most " +
                      std::to_string(max_toml_depth));
  };
  const auto part = [&] {
    parts = after_dot ? parts + 1 : 1;
    after_dot = false;
    if (parts > max_toml_depth) fail("a dotted key has more than " + std::to_string(max_toml_depth) + " parts");
  };
  const auto is_bare = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '+';
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      parts = 0;
      after_dot = false;
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      const bool triple = text.substr(i, 3) == std::string(3, c);
      const std::string_view close = triple ? std::string_view(c == '"' ? "\"\"\"" : "'''")
                                            : std::string_view(&text[i], 1);
      i += triple ? 3 : 1;
      while (i < text.size() && !text.substr(i).starts_with(close)) {
        if (text[i] == '\n') {
          if (!triple) break;  // an unterminated string: toml++ reports it
          ++line;
        }
        if (c == '"' && text[i] == '\\') ++i;  // an escaped character
        ++i;
      }
      if (i < text.size() && text[i] != '\n') i += close.size();
      part();
    } else if (is_bare(c)) {
      while (i < text.size() && is_bare(text[i])) ++i;
      part();
    } else if (c == '.') {
      after_dot = true;
      ++i;
    } else if (c == ' ' || c == '\t') {
      ++i;
    } else {
      if (c == '[' || c == '{') {
        if (++depth > max_toml_depth) {
          fail("arrays and inline tables are nested more than " + std::to_string(max_toml_depth) + " deep");
        }
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
      parts = 0;
      after_dot = false;
      ++i;
    }
  }
}

}  // namespace

std::size_t ExperimentSpec::m_for(std::size_t size_index) const {
  if (size_index >= sizes.size()) {
    throw std::out_of_range("ExperimentSpec::m_for: size index " + std::to_string(size_index) +
                            " with " + std::to_string(sizes.size()) + " sizes");
  }
  const std::size_t n = sizes[size_index];
  switch (m_rule.kind) {
    case SizeRule::Kind::equal:
      return n;
    case SizeRule::Kind::ratio: {
      const double m = std::round(m_rule.ratio * double(n));
      if (!(m <= max_exact_integer)) {
        throw std::out_of_range("ExperimentSpec::m_for: ratio " + format_number(m_rule.ratio) +
                                " gives m = " + format_number(m) + " for n = " +
                                std::to_string(n));
      }
      return m < 1 ? 1 : std::size_t(m);
    }
    case SizeRule::Kind::list:
      if (size_index >= m_rule.m.size()) {
        throw std::out_of_range("ExperimentSpec::m_for: size index " +
                                std::to_string(size_index) + " with " +
                                std::to_string(m_rule.m.size()) + " values of m");
      }
      return m_rule.m[size_index];
  }
  throw std::logic_error("ExperimentSpec::m_for: bad SizeRule kind");
}

ExperimentSpec parse_experiment(std::string_view text, const std::string& name) {
  check_toml_depth(text, name);
  ExperimentSpec spec;
  spec.text = std::string(text);
  spec.hash = detail::fnv1a_hex(text);

  toml::table doc;
  try {
    doc = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw ConfigError(name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                      ": " + std::string(e.description()));
  }

  const Reader r(name);
  r.check_keys(doc, top_keys, "");
  std::vector<std::string> missing;
  for (const std::string& key : required_keys) {
    if (!doc.contains(key)) missing.push_back("'" + key + "'");
  }
  if (missing.size() == 1) r.fail("missing required key " + missing[0]);
  if (missing.size() > 1) r.fail("missing required keys " + detail::join(missing));

  {
    const toml::node& n = *doc.get("name");
    const std::string must = "a word of letters, digits, '_', '.' and '-'";
    spec.name = r.string(n, "'name'", must);
    if (!is_word(spec.name)) r.fail(n, "'name' is " + value_text(n) + ", but must be " + must);
  }
  if (const toml::node* n = doc.get("description")) {
    spec.description = r.string(*n, "'description'", "a string");
  }
  spec.seed = std::uint64_t(r.integer(*doc.get("seed"), "'seed'", 0));
  // Replication indices are 32-bit coordinates of the random streams (rng_for).
  spec.replications =
      std::size_t(r.integer(*doc.get("replications"), "'replications'", 1, 0xffffffffLL,
                            "replication indices are 32-bit random-stream coordinates"));
  spec.sizes = read_sizes(r, *doc.get("sizes"));
  if (const toml::node* n = doc.get("m")) spec.m_rule = read_m(r, *n, spec.sizes);
  if (const toml::node* n = doc.get("threads")) {
    spec.threads = int(r.integer(*n, "'threads'", 1, max_threads, "klest's thread limit"));
  }
  spec.truth.seed = spec.seed;
  if (const toml::node* n = doc.get("truth")) spec.truth = read_truth(r, *n, spec.seed);

  if (const toml::node& n = *doc.get("pairs"); n.is_table()) {
    r.fail(n, "'pairs' is a table, but must be an array of pairs (write [[pairs]], not [pairs])");
  }
  const toml::array& pairs = r.array(
      *doc.get("pairs"), "'pairs'",
      "a non-empty array of pairs: [p, q] or {p = ..., q = ..., truth = ...}, or [[pairs]] tables");
  for (std::size_t i = 0; i < pairs.size(); ++i) spec.pairs.push_back(read_pair(r, pairs[i], i));
  spec.estimators = read_estimators(r, *doc.get("estimators"));
  if (const toml::node* n = doc.get("intervals")) spec.intervals = read_intervals(r, *n);
  return spec;
}

ExperimentSpec read_experiment(const std::filesystem::path& path) {
  const std::string shown = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError("cannot open '" + shown + "': it is a directory");
  }
  std::string text;
  try {
    text = read_file(path, max_experiment_file_bytes);
  } catch (const InputError& e) {
    throw ConfigError(e.what());  // a file klest cannot read is a configuration error here
  }
  ExperimentSpec spec = parse_experiment(text, shown);
  spec.path = shown;
  return spec;
}

}  // namespace klest

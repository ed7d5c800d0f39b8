#include "klest/spec.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "klest/error.hpp"

namespace klest {

// Written out: clang 14 crashes on a defaulted comparison that recurses through the variant.
bool Spec::operator==(const Spec& o) const { return name == o.name && args == o.args; }

namespace {

constexpr int max_depth = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_word_start(char c) { return is_alpha(c) || c == '_'; }
bool is_word_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}
bool is_number_start(char c) { return is_digit(c) || c == '.' || c == '+' || c == '-'; }
bool starts_value(char c) { return is_word_start(c) || is_number_start(c) || c == '"' || c == '['; }
// Wide enough that junk glued to a number ("1abc", "1e5x") is reported as one bad token.
bool is_number_char(char c) { return is_word_char(c) || c == '+'; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The words that read as numbers rather than strings.
bool is_infinity_word(std::string_view w) {
  return equals_ignoring_case(w, "inf") || equals_ignoring_case(w, "infinity");
}

bool is_bare_word(std::string_view s) {
  if (s.empty() || !is_word_start(s[0])) return false;
  for (char c : s) {
    if (!is_word_char(c)) return false;
  }
  return !is_infinity_word(s);
}

// std::from_chars reports both overflow and underflow as out_of_range; only the order of
// magnitude (which is then beyond about +-308) tells them apart. `body` is unsigned.
bool overflows(std::string_view body) {
  std::size_t e = body.find_first_of("eE");
  std::string_view mantissa = body.substr(0, e);
  long long order = 0;
  if (e != std::string_view::npos) {
    std::size_t i = e + 1;
    bool neg = false;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) neg = body[i++] == '-';
    long long exp = 0;
    for (; i < body.size() && is_digit(body[i]); ++i) {
      if (exp < 1'000'000'000) exp = exp * 10 + (body[i] - '0');
    }
    order = neg ? -exp : exp;
  }
  std::size_t point = mantissa.find('.');
  std::string_view int_part = mantissa.substr(0, point);
  std::size_t first = int_part.find_first_not_of('0');
  if (first != std::string_view::npos) {
    order += static_cast<long long>(int_part.size() - first);
  } else if (point != std::string_view::npos) {
    std::string_view frac = mantissa.substr(point + 1);
    std::size_t nz = frac.find_first_not_of('0');
    order -= static_cast<long long>(nz == std::string_view::npos ? frac.size() : nz);
  }
  return order > 0;
}

// Printable ASCII quoted, anything else (control bytes, UTF-8 pieces) as its byte value.
std::string describe_char(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
  static constexpr char hex[] = "0123456789ABCDEF";
  auto u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Spec parse_whole_spec() {
    skip_ws();
    if (at_end() || !is_word_start(peek())) expected("a name");
    Spec s;
    s.name = std::string(read_word());
    skip_ws();
    if (!at_end() && peek() == '(') {
      parse_args(s);
      skip_ws();
      if (!at_end()) expected("end of text");
    } else if (!at_end()) {
      expected("'(' or end of text");
    }
    return s;
  }

  SpecValue parse_whole_value() {
    SpecValue v = parse_value();
    skip_ws();
    if (!at_end()) expected("end of text");
    return v;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skip_ws() {
    while (!at_end() && is_space(peek())) ++pos_;
  }

  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw ConfigError("spec '" + std::string(text_) + "': column " + std::to_string(at + 1) +
                      ": " + what);
  }

  std::string found() const {
    if (at_end()) return "end of text";
    char c = peek();
    if (is_word_start(c) || is_number_start(c)) {
      std::size_t end = pos_ + 1;
      while (end < text_.size() && is_number_char(text_[end])) ++end;
      return "'" + std::string(text_.substr(pos_, end - pos_)) + "'";
    }
    return describe_char(c);
  }

  [[noreturn]] void expected(std::string_view what) const {
    fail(pos_, "expected " + std::string(what) + ", found " + found());
  }

  [[noreturn]] void bad_number(std::size_t start) {
    pos_ = start;
    expected("a number");
  }

  void enter() {
    if (depth_ == max_depth) {
      fail(pos_, "nesting deeper than " + std::to_string(max_depth) + " levels");
    }
    ++depth_;
  }

  std::string_view read_word() {
    std::size_t start = pos_;
    while (!at_end() && is_word_char(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // At '('. Reads the argument list up to and including the matching ')'.
  void parse_args(Spec& s) {
    enter();
    ++pos_;
    skip_ws();
    if (!at_end() && peek() == ')') {
      ++pos_;
      --depth_;
      return;
    }
    std::string first_named;
    for (;;) {
      skip_ws();
      std::size_t start = pos_;
      std::string name;
      if (!at_end() && is_word_start(peek())) {
        std::string_view word = read_word();
        skip_ws();
        if (!at_end() && peek() == '=') {
          name = std::string(word);
          ++pos_;
        } else {
          pos_ = start;
        }
      }
      if (name.empty() && !first_named.empty()) {
        // `f(k=1,)` lacks a value; only a value that is there can be out of place.
        if (at_end() || !starts_value(peek())) expected("a value");
        fail(start, "positional argument after named argument '" + first_named +
                        "' (positional arguments come first)");
      }
      for (const SpecArg& a : s.args) {
        if (!name.empty() && a.name == name) fail(start, "'" + name + "' is given twice");
      }
      if (first_named.empty()) first_named = name;
      SpecValue v = parse_value();
      s.args.push_back({std::move(name), std::move(v)});
      skip_ws();
      if (at_end()) expected("',' or ')'");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ')') {
        ++pos_;
        --depth_;
        return;
      }
      expected("',' or ')'");
    }
  }

  SpecValue parse_value() {
    skip_ws();
    if (at_end()) expected("a value");
    char c = peek();
    if (c == '"') return parse_string();
    if (c == '[') return parse_list();
    if (is_number_start(c)) return parse_number();
    if (is_word_start(c)) {
      std::string_view word = read_word();
      std::size_t after = pos_;
      skip_ws();
      if (!at_end() && peek() == '(') {
        Spec s;
        s.name = std::string(word);
        parse_args(s);
        return s;
      }
      pos_ = after;
      if (is_infinity_word(word)) return std::numeric_limits<double>::infinity();
      return std::string(word);
    }
    expected("a value");
  }

  SpecValue parse_number() {
    std::size_t start = pos_;
    while (!at_end() && is_number_char(peek())) ++pos_;
    std::string_view token = text_.substr(start, pos_ - start);
    bool negative = false;
    std::string_view body = token;
    if (body[0] == '+' || body[0] == '-') {
      negative = body[0] == '-';
      body.remove_prefix(1);
    }
    double x = 0;
    if (is_infinity_word(body)) {
      x = std::numeric_limits<double>::infinity();
    } else {
      if (body.empty() || !(is_digit(body[0]) || body[0] == '.')) bad_number(start);
      auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), x,
                                       std::chars_format::general);
      if (ec == std::errc::invalid_argument || ptr != body.data() + body.size()) bad_number(start);
      if (ec == std::errc::result_out_of_range) {
        if (overflows(body)) {
          fail(start, "number '" + std::string(token) + "' is too large for a double");
        }
        x = 0;  // underflow: the nearest double is zero
      }
    }
    return negative ? -x : x;
  }

  SpecValue parse_string() {
    std::size_t start = pos_;
    ++pos_;
    std::string out;
    for (;;) {
      if (at_end()) fail(start, "unterminated string");
      char c = peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) fail(start, "unterminated string");
        char e = text_[pos_ + 1];
        if (e != '"' && e != '\\') {
          fail(pos_, "bad escape: backslash followed by " + describe_char(e) +
                         " (only \\\" and \\\\ are allowed)");
        }
        out += e;
        pos_ += 2;
        continue;
      }
      out += c;
      ++pos_;
    }
  }

  SpecValue parse_list() {
    enter();
    ++pos_;
    SpecList items;
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      --depth_;
      return items;
    }
    for (;;) {
      items.push_back(parse_value());
      skip_ws();
      if (at_end()) expected("',' or ']'");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        --depth_;
        return items;
      }
      expected("',' or ']'");
    }
  }
};

void append(std::string& out, const SpecValue& v);

void append(std::string& out, const Spec& s) {
  out += s.name;
  out += '(';
  bool first = true;
  for (const SpecArg& a : s.args) {
    if (!first) out += ", ";
    first = false;
    if (!a.name.empty()) {
      out += a.name;
      out += '=';
    }
    append(out, a.value);
  }
  out += ')';
}

void append(std::string& out, const SpecValue& v) {
  if (v.is_number()) {
    out += format_number(v.number());
  } else if (v.is_string()) {
    const std::string& s = v.string();
    if (is_bare_word(s)) {
      out += s;
      return;
    }
    out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else if (v.is_list()) {
    out += '[';
    bool first = true;
    for (const SpecValue& item : v.list()) {
      if (!first) out += ", ";
      first = false;
      append(out, item);
    }
    out += ']';
  } else {
    append(out, v.spec());
  }
}

}  // namespace

Spec parse_spec(std::string_view text) { return Parser(text).parse_whole_spec(); }

SpecValue parse_spec_value(std::string_view text) { return Parser(text).parse_whole_value(); }

std::string to_string(const Spec& s) {
  std::string out;
  append(out, s);
  return out;
}

std::string to_string(const SpecValue& v) {
  std::string out;
  append(out, v);
  return out;
}

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, x);
  (void)ec;  // 64 bytes always suffice for the shortest form of a double
  return std::string(buf, ptr);
}

}  // namespace klest

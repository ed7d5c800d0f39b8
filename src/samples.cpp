// Sample sets and the file formats klest reads and writes: CSV-like text and NumPy .npy.

#include "klest/samples.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detail/text.hpp"
#include "klest/limits.hpp"
#include "klest/error.hpp"

namespace klest {

std::string_view to_string(Support s) {
  switch (s) {
    case Support::continuous: return "continuous";
    case Support::discrete: return "discrete";
    case Support::any: return "continuous or discrete";
  }
  return "?";
}
namespace {

using std::string_view;

std::string num(std::size_t n) { return std::to_string(n); }
std::string columns(std::size_t n) { return num(n) + (n == 1 ? " column" : " columns"); }

// Text from a file, made safe to show inside '...': cut to about `max_chars` bytes (never in
// the middle of a UTF-8 sequence) and control bytes written as escapes.
std::string shown(string_view s, std::size_t max_chars = 40) {
  bool cut = false;
  if (s.size() > max_chars) {
    std::size_t n = max_chars;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
    cut = true;
  }
  std::string out = detail::escape_controls(s);
  if (cut) out += "...";
  return out;
}

std::string value_text(double v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

std::string system_message(int err) { return std::generic_category().message(err); }

// ---------------------------------------------------------------------------------------------
// Text reader

enum class Cell { number, not_finite, out_of_range, not_a_number };

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Called when from_chars reports result_out_of_range for a well-formed decimal: decides
// between overflow (|x| >= 1) and underflow (|x| < 1) from the decimal order of magnitude.
// The two cases are hundreds of orders apart, so this needs no precision.
bool magnitude_at_least_one(const char* p, const char* last) {
  if (p != last && *p == '-') ++p;
  bool found = false;  // seen a nonzero digit
  long long int_digits = 0;
  long long leading_fraction_zeros = 0;
  for (; p != last && is_digit(*p); ++p) {
    if (found || *p != '0') {
      found = true;
      ++int_digits;
    }
  }
  if (p != last && *p == '.') {
    for (++p; p != last && is_digit(*p); ++p) {
      if (!found) {
        if (*p == '0') {
          ++leading_fraction_zeros;
        } else {
          found = true;
        }
      }
    }
  }
  if (!found) return false;
  long long order = int_digits > 0 ? int_digits - 1 : -(leading_fraction_zeros + 1);
  long long exponent = 0;
  if (p != last && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative = false;
    if (p != last && (*p == '+' || *p == '-')) {
      negative = *p == '-';
      ++p;
    }
    for (; p != last && is_digit(*p); ++p) {
      if (exponent < 1'000'000'000'000LL) exponent = exponent * 10 + (*p - '0');
    }
    if (negative) exponent = -exponent;
  }
  return order + exponent >= 0;
}

Cell parse_cell(string_view field, double& out) {
  const char* first = field.data();
  const char* last = first + field.size();
  // from_chars does not take a leading '+'; accept one, but not "+-1" or "++1".
  if (first != last && *first == '+') {
    ++first;
    if (first != last && (*first == '+' || *first == '-')) return Cell::not_a_number;
  }
  double value = 0.0;
  auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (ec == std::errc::invalid_argument || ptr != last) return Cell::not_a_number;
  if (ec == std::errc::result_out_of_range) {
    if (magnitude_at_least_one(first, last)) return Cell::out_of_range;
    // Underflow below half the smallest subnormal: the correctly rounded value is a zero.
    out = *first == '-' ? -0.0 : 0.0;
    return Cell::number;
  }
  if (!std::isfinite(value)) return Cell::not_finite;
  out = value;
  return Cell::number;
}

// "1d3", "-.5x", "+7": a sign, then an optional point, then a digit.
bool starts_like_number(string_view f) {
  if (!f.empty() && (f[0] == '+' || f[0] == '-')) f.remove_prefix(1);
  if (!f.empty() && f[0] == '.') f.remove_prefix(1);
  return !f.empty() && is_digit(f[0]);
}

enum class Separator { comma, tab, white_space };

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

bool is_blank(string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return is_space(c) || c == '\r'; });
}

void split(string_view line, Separator sep, std::vector<string_view>& fields) {
  fields.clear();
  if (sep == Separator::white_space) {
    std::size_t i = 0;
    while (true) {
      while (i < line.size() && is_space(line[i])) ++i;
      if (i == line.size()) return;
      const std::size_t start = i;
      while (i < line.size() && !is_space(line[i])) ++i;
      fields.push_back(line.substr(start, i - start));
    }
  }
  const char delim = sep == Separator::comma ? ',' : '\t';
  auto trim = [sep](string_view f) {
    auto pad = [sep](char c) { return c == ' ' || (sep == Separator::comma && c == '\t'); };
    while (!f.empty() && pad(f.front())) f.remove_prefix(1);
    while (!f.empty() && pad(f.back())) f.remove_suffix(1);
    return f;
  };
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(delim, start);
    if (end == string_view::npos) {
      fields.push_back(trim(line.substr(start)));
      return;
    }
    fields.push_back(trim(line.substr(start, end - start)));
    start = end + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// .npy reader

constexpr string_view npy_magic = "\x93NUMPY";

// One Python literal from a .npy header: enough of the grammar for what NumPy writes
// (strings, True/False/None, integers, tuples, lists, dicts), nothing evaluated.
struct PyValue {
  enum class Kind { string, boolean, none, integer, tuple, list, dict };
  Kind kind = Kind::none;
  string_view text;  // the literal as written, for messages
  string_view str;   // contents of a string
  bool flag = false;
  std::uint64_t number = 0;
  bool negative = false;
  bool too_big = false;
  std::vector<PyValue> items;  // tuple and list elements; a dict's keys and values alternate
};

class HeaderParser {
 public:
  HeaderParser(string_view header, const std::string& name) : s_(header), name_(name) {}

  // The header is one dict followed only by padding.
  PyValue parse() {
    skip_space();
    if (peek() != '{') fail("expected it to start with '{'");
    PyValue dict = value(0);
    skip_space();
    if (i_ != s_.size()) fail("unexpected text after the closing '}'");
    return dict;
  }

 private:
  static constexpr int max_depth = 32;

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(name_ + ": malformed .npy header: " + what + " at byte " + num(i_ + 1) +
                     " of '" + shown(s_, 100) + "'");
  }

  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool at_end() const { return i_ >= s_.size(); }

  void skip_space() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  PyValue value(int depth) {
    if (depth > max_depth) fail("values nested too deeply");
    skip_space();
    if (at_end()) fail("unexpected end");
    const std::size_t start = i_;
    PyValue v;
    const char c = s_[i_];
    if (c == '\'' || c == '"') {
      string_literal(v);
    } else if ((c == 'u' || c == 'b' || c == 'U' || c == 'B') && i_ + 1 < s_.size() &&
               (s_[i_ + 1] == '\'' || s_[i_ + 1] == '"')) {
      ++i_;  // u'...' and b'...' from Python 2 era writers
      string_literal(v);
    } else if (c == '(' || c == '[' || c == '{') {
      sequence(v, depth);
    } else if (is_digit(c) || c == '-' || c == '+') {
      integer(v);
    } else if (is_letter(c)) {
      while (!at_end() && (is_letter(s_[i_]) || is_digit(s_[i_]) || s_[i_] == '_')) ++i_;
      const string_view word = s_.substr(start, i_ - start);
      if (word == "True" || word == "False") {
        v.kind = PyValue::Kind::boolean;
        v.flag = word == "True";
      } else if (word == "None") {
        v.kind = PyValue::Kind::none;
      } else {
        i_ = start;
        fail("unexpected word '" + shown(word) + "'");
      }
    } else {
      fail(std::string("unexpected character '") + shown(string_view(&s_[i_], 1)) + "'");
    }
    v.text = s_.substr(start, i_ - start);
    return v;
  }

  void string_literal(PyValue& v) {
    const char quote = s_[i_++];
    const std::size_t start = i_;
    while (!at_end() && s_[i_] != quote) {
      if (s_[i_] == '\\') ++i_;  // skip the escaped character
      ++i_;
    }
    if (at_end()) fail("unterminated string");
    v.kind = PyValue::Kind::string;
    v.str = s_.substr(start, i_ - start);
    ++i_;
  }

  void integer(PyValue& v) {
    v.kind = PyValue::Kind::integer;
    if (s_[i_] == '-' || s_[i_] == '+') v.negative = s_[i_++] == '-';
    if (!is_digit(peek())) fail("expected a digit");
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    while (is_digit(peek())) {
      const auto digit = static_cast<std::uint64_t>(s_[i_++] - '0');
      if (v.number > (max - digit) / 10) {
        v.too_big = true;
      } else {
        v.number = v.number * 10 + digit;
      }
    }
    if (peek() == 'L' || peek() == 'l') ++i_;  // Python 2 long, e.g. (3L, 2L)
  }

  // (a, b, ...), [a, b, ...] or {k: v, ...}; trailing commas allowed, as in Python.
  void sequence(PyValue& v, int depth) {
    const char open = s_[i_++];
    const char close = open == '(' ? ')' : open == '[' ? ']' : '}';
    v.kind = open == '(' ? PyValue::Kind::tuple
             : open == '[' ? PyValue::Kind::list
                           : PyValue::Kind::dict;
    while (true) {
      skip_space();
      if (peek() == close) {
        ++i_;
        return;
      }
      v.items.push_back(value(depth + 1));
      skip_space();
      if (v.kind == PyValue::Kind::dict) {
        if (v.items.back().kind != PyValue::Kind::string) fail("expected a string key");
        if (peek() != ':') fail("expected ':' after key '" + shown(v.items.back().str) + "'");
        ++i_;
        v.items.push_back(value(depth + 1));
        skip_space();
      }
      if (peek() == ',') {
        ++i_;
      } else if (peek() != close) {
        fail(std::string("expected ',' or '") + close + "'");
      }
    }
  }

  string_view s_;
  std::size_t i_ = 0;
  const std::string& name_;
};

enum class NumKind { floating, signed_int, unsigned_int };

struct Dtype {
  NumKind kind = NumKind::floating;
  std::size_t size = 0;
  bool swap = false;
};

// "<f8", ">i4", "|u1", "=f4", "f8": byte order, kind, size. Throws for anything else.
Dtype parse_descr(string_view descr, const std::string& name) {
  auto unsupported = [&](const std::string& what) -> InputError {
    return InputError(name + ": dtype '" + shown(descr) + "'" + what +
                      " is not supported; expected float64, float32 or an integer type "
                      "(e.g. '<f8')");
  };
  string_view rest = descr;
  char order = '=';
  if (!rest.empty() && (rest[0] == '<' || rest[0] == '>' || rest[0] == '|' || rest[0] == '=')) {
    order = rest[0];
    rest.remove_prefix(1);
  }
  if (rest == "b1" || rest == "?") throw unsupported(" (bool)");
  Dtype t;
  if (rest == "f8" || rest == "f4") {
    t.kind = NumKind::floating;
  } else if (rest == "i1" || rest == "i2" || rest == "i4" || rest == "i8") {
    t.kind = NumKind::signed_int;
  } else if (rest == "u1" || rest == "u2" || rest == "u4" || rest == "u8") {
    t.kind = NumKind::unsigned_int;
  } else {
    throw unsupported("");
  }
  t.size = static_cast<std::size_t>(rest[1] - '0');
  constexpr bool native_little = std::endian::native == std::endian::little;
  // '|' (not applicable) and '=' mean native order, as in NumPy.
  t.swap = t.size > 1 && ((order == '<' && !native_little) || (order == '>' && native_little));
  return t;
}

template <class U>
U byte_swapped(U x) {
  U out = 0;
  for (std::size_t b = 0; b < sizeof(U); ++b) {
    out = static_cast<U>((out << 8) | (x & 0xFF));
    x = static_cast<U>(x >> 8);
  }
  return out;
}

// Converts `count` stored values of type T (held as bits of the same-size unsigned U) to double.
template <class T>
void convert(const char* src, std::size_t count, bool swap, double* out) {
  using U = std::conditional_t<
      sizeof(T) == 1, std::uint8_t,
      std::conditional_t<sizeof(T) == 2, std::uint16_t,
                         std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  for (std::size_t k = 0; k < count; ++k) {
    U bits;
    std::memcpy(&bits, src + k * sizeof(U), sizeof(U));
    if (swap) bits = byte_swapped(bits);
    out[k] = static_cast<double>(std::bit_cast<T>(bits));
  }
}

std::string python_shape(const std::vector<std::uint64_t>& shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) s += ", ";
    s += std::to_string(shape[k]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// ---------------------------------------------------------------------------------------------
// Files

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Writes `bytes` to `path` through stdio, reporting any failure (including at close).
class FileWriter {
 public:
  explicit FileWriter(const std::filesystem::path& path) : path_(path) {
    errno = 0;
    file_.reset(std::fopen(path.c_str(), "wb"));
    if (!file_) fail();
  }
  void write(const void* data, std::size_t size) {
    if (size == 0) return;
    errno = 0;
    if (std::fwrite(data, 1, size, file_.get()) != size) fail();
  }
  void close() {
    errno = 0;
    if (std::fclose(file_.release()) != 0) fail();
  }

 private:
  [[noreturn]] void fail() const {
    const int err = errno;
    throw InputError("cannot write '" + path_.string() + "'" +
                     (err != 0 ? ": " + system_message(err) : std::string()));
  }
  std::filesystem::path path_;
  FilePtr file_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Samples

Samples::Samples(std::vector<double> values, std::size_t rows, std::size_t dim)
    : values_(std::move(values)), rows_(rows), dim_(dim) {
  if (dim == 0 && rows != 0)
    throw InputError("Samples: " + num(rows) + " rows of dimension 0; every row needs a value");
  if (dim != 0 && (rows > values_.size() / dim || rows * dim != values_.size()))
    throw InputError("Samples: " + num(values_.size()) + " values cannot be " + num(rows) +
                     " rows of dimension " + num(dim));
}

Samples::Samples(std::size_t rows, std::size_t dim) : rows_(rows), dim_(dim) {
  if (dim == 0 && rows != 0)
    throw InputError("Samples: " + num(rows) + " rows of dimension 0; every row needs a value");
  if (dim != 0 && rows > values_.max_size() / dim)
    throw InputError("Samples: " + num(rows) + " rows of dimension " + num(dim) + " is too large");
  values_.assign(rows * dim, 0.0);
}

std::string shape_string(SampleView s) { return num(s.rows()) + "x" + num(s.dim()); }

void check_finite(SampleView s, const std::string& what) {
  const auto v = s.values();
  const auto bad = std::find_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); });
  if (bad == v.end()) return;
  const auto k = static_cast<std::size_t>(bad - v.begin());
  throw InputError(what + ": row " + num(k / s.dim() + 1) + ", column " + num(k % s.dim() + 1) +
                   " is " + value_text(*bad) + ", but samples must be finite numbers");
}

// ---------------------------------------------------------------------------------------------
// Text

Samples parse_csv(std::string_view text, const std::string& name) {
  if (text.starts_with(npy_magic))
    throw InputError(name + ": this is a NumPy .npy file; give it the .npy extension");
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  auto at = [&name](std::size_t line) { return name + ":" + num(line) + ": "; };

  std::vector<string_view> fields;
  std::vector<double> values;
  Separator sep = Separator::white_space;
  bool first_content = true;  // no header or data line seen yet
  bool saw_comment = false;
  std::size_t header_line = 0;
  std::size_t header_columns = 0;
  std::size_t first_data_line = 0;
  std::size_t dim = 0;
  std::size_t rows = 0;

  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == string_view::npos) end = text.size();
    string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const auto hash = line.find('#'); hash != string_view::npos) {
      line = line.substr(0, hash);
      saw_comment = true;
    }
    if (is_blank(line)) continue;

    if (first_content) {
      first_content = false;
      sep = line.find(',') != string_view::npos    ? Separator::comma
            : line.find('\t') != string_view::npos ? Separator::tab
                                                   : Separator::white_space;
      split(line, sep, fields);
      // A header is a line of names: some field is not a number and none starts like one. A
      // first data row with a typo ('1d3', '0x1p3') is data, and its bad cell is reported.
      double ignored = 0.0;
      const bool is_header =
          std::any_of(fields.begin(), fields.end(),
                      [&](string_view f) {
                        return !f.empty() && parse_cell(f, ignored) == Cell::not_a_number;
                      }) &&
          std::none_of(fields.begin(), fields.end(), starts_like_number);
      if (is_header) {
        for (std::size_t c = 0; c < fields.size(); ++c) {
          if (fields[c].empty())
            throw InputError(at(line_no) + "header column " + num(c + 1) +
                             " is empty, but every column needs a name");
        }
        header_line = line_no;
        header_columns = fields.size();
        continue;
      }
    } else {
      split(line, sep, fields);
    }

    for (std::size_t c = 0; c < fields.size(); ++c) {
      if (fields[c].empty())
        throw InputError(at(line_no) + "column " + num(c + 1) +
                         " is empty, but every column needs a number");
    }
    if (rows == 0) {
      dim = fields.size();
      first_data_line = line_no;
      if (header_line != 0 && header_columns != dim)
        throw InputError(at(line_no) + "row has " + columns(dim) + ", but the header (line " +
                         num(header_line) + ") has " + num(header_columns));
      // Every value takes at least two bytes ("1,"), which bounds the reservation.
      const auto lines_left = static_cast<std::size_t>(
          std::count(text.begin() + static_cast<std::ptrdiff_t>(std::min(pos, text.size())),
                     text.end(), '\n'));
      const std::size_t bytes_left = text.size() - std::min(pos, text.size());
      values.reserve(dim + std::min(lines_left * dim, bytes_left / 2 + 1));
    } else if (fields.size() != dim) {
      throw InputError(at(line_no) + "row has " + columns(fields.size()) + ", but line " +
                       num(first_data_line) + " has " + num(dim));
    }
    for (std::size_t c = 0; c < fields.size(); ++c) {
      double v = 0.0;
      switch (parse_cell(fields[c], v)) {
        case Cell::number:
          values.push_back(v);
          break;
        case Cell::not_finite:
          throw InputError(at(line_no) + "column " + num(c + 1) + " is '" + shown(fields[c]) +
                           "', but samples must be finite numbers");
        case Cell::out_of_range:
          throw InputError(at(line_no) + "column " + num(c + 1) + " is '" + shown(fields[c]) +
                           "', which is out of the range of a double");
        case Cell::not_a_number:
          throw InputError(at(line_no) + "column " + num(c + 1) + " is '" + shown(fields[c]) +
                           "', but samples must be numbers");
      }
    }
    ++rows;
  }

  if (rows == 0) {
    if (header_line != 0)
      throw InputError(name + ": file has a header (line " + num(header_line) +
                       ") but no data rows");
    if (saw_comment)
      throw InputError(name + ": file has no data rows, only comments and blank lines");
    throw InputError(name + ": file is empty; it has no data rows");
  }
  return Samples(std::move(values), rows, dim);
}

// ---------------------------------------------------------------------------------------------
// NumPy

Samples parse_npy(std::string_view bytes, const std::string& name) {
  if (bytes.size() < npy_magic.size() || !bytes.starts_with(npy_magic))
    throw InputError(name + ": not a NumPy .npy file (it does not start with '\\x93NUMPY')");
  if (bytes.size() < 10)
    throw InputError(name + ": .npy header is truncated: the file has only " + num(bytes.size()) +
                     " bytes");
  const auto major = static_cast<unsigned char>(bytes[6]);
  const auto minor = static_cast<unsigned char>(bytes[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    throw InputError(name + ": .npy format version " + num(major) + "." + num(minor) +
                     " is not supported; expected 1.0, 2.0 or 3.0");
  auto byte = [&](std::size_t k) { return std::size_t{static_cast<unsigned char>(bytes[k])}; };
  std::size_t header_start = 10;
  std::size_t header_len = byte(8) | byte(9) << 8;
  if (major >= 2) {
    if (bytes.size() < 12)
      throw InputError(name + ": .npy header is truncated: the file has only " +
                       num(bytes.size()) + " bytes");
    header_start = 12;
    header_len = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
  }
  if (header_len > bytes.size() - header_start)
    throw InputError(name + ": .npy header is truncated: it should be " + num(header_len) +
                     " bytes, but only " + num(bytes.size() - header_start) + " follow");
  const string_view header = bytes.substr(header_start, header_len);
  const PyValue dict = HeaderParser(header, name).parse();

  const PyValue* descr = nullptr;
  const PyValue* fortran = nullptr;
  const PyValue* shape = nullptr;
  for (std::size_t k = 0; k + 1 < dict.items.size(); k += 2) {
    const string_view key = dict.items[k].str;
    if (key == "descr") descr = &dict.items[k + 1];
    if (key == "fortran_order") fortran = &dict.items[k + 1];
    if (key == "shape") shape = &dict.items[k + 1];
  }
  const std::string bad_header = name + ": malformed .npy header '" + shown(header, 100) + "': ";
  if (!descr) throw InputError(bad_header + "it has no 'descr'");
  if (!fortran) throw InputError(bad_header + "it has no 'fortran_order'");
  if (!shape) throw InputError(bad_header + "it has no 'shape'");
  if (descr->kind == PyValue::Kind::list)
    throw InputError(name + ": structured dtype " + shown(descr->text, 60) +
                     " is not supported; expected a plain float64, float32 or integer array");
  if (descr->kind != PyValue::Kind::string)
    throw InputError(bad_header + "'descr' is " + shown(descr->text) + ", but must be a string");
  if (fortran->kind != PyValue::Kind::boolean)
    throw InputError(bad_header + "'fortran_order' is " + shown(fortran->text) +
                     ", but must be True or False");
  if (shape->kind != PyValue::Kind::tuple)
    throw InputError(bad_header + "'shape' is " + shown(shape->text) + ", but must be a tuple");
  std::vector<std::uint64_t> dims;
  for (const PyValue& d : shape->items) {
    if (d.kind != PyValue::Kind::integer || d.negative || d.too_big)
      throw InputError(bad_header + "shape " + shown(shape->text) +
                       " must hold non-negative integers");
    dims.push_back(d.number);
  }

  const Dtype type = parse_descr(descr->str, name);
  const std::string shape_text = python_shape(dims);
  if (dims.empty() || dims.size() > 2)
    throw InputError(name + ": array has shape " + shape_text + " (" + num(dims.size()) +
                     " dimensions), but samples must be 1-D (n,) or 2-D (n, d)");
  if (fortran->flag)
    throw InputError(name + ": array is in Fortran order, but samples must be C order; save "
                            "numpy.ascontiguousarray(a) instead");
  const std::uint64_t n = dims[0];
  const std::uint64_t d = dims.size() == 2 ? dims[1] : 1;
  if (n == 0 || d == 0)
    throw InputError(name + ": array has shape " + shape_text + ", so it holds no data");

  const std::size_t data_start = header_start + header_len;
  const std::size_t available = bytes.size() - data_start;
  constexpr std::uint64_t max_bytes = std::numeric_limits<std::size_t>::max();
  const std::string needs = "shape " + shape_text + " of " + shown(descr->str) + " needs ";
  if (n > max_bytes / d || n * d > max_bytes / type.size)
    throw InputError(name + ": data holds " + num(available) + " bytes, but " + needs +
                     "more than fit in memory");
  const std::size_t count = n * d;
  const std::size_t wanted = count * type.size;
  if (available < wanted)
    throw InputError(name + ": data holds " + num(available) + " bytes, but " + needs +
                     num(wanted) + " (the file is truncated)");
  if (available > wanted)
    throw InputError(name + ": data holds " + num(available) + " bytes, but " + needs +
                     num(wanted) + " (unexpected bytes after the array)");

  std::vector<double> values(count);
  const char* src = bytes.data() + data_start;
  double* dst = values.data();
  switch (type.kind) {
    case NumKind::floating:
      if (type.size == 8) {
        convert<double>(src, count, type.swap, dst);
      } else {
        convert<float>(src, count, type.swap, dst);
      }
      break;
    case NumKind::signed_int:
      if (type.size == 1) convert<std::int8_t>(src, count, type.swap, dst);
      if (type.size == 2) convert<std::int16_t>(src, count, type.swap, dst);
      if (type.size == 4) convert<std::int32_t>(src, count, type.swap, dst);
      if (type.size == 8) convert<std::int64_t>(src, count, type.swap, dst);
      break;
    case NumKind::unsigned_int:
      if (type.size == 1) convert<std::uint8_t>(src, count, type.swap, dst);
      if (type.size == 2) convert<std::uint16_t>(src, count, type.swap, dst);
      if (type.size == 4) convert<std::uint32_t>(src, count, type.swap, dst);
      if (type.size == 8) convert<std::uint64_t>(src, count, type.swap, dst);
      break;
  }
  const auto rows = static_cast<std::size_t>(n);
  const auto dim = static_cast<std::size_t>(d);
  check_finite(SampleView(dst, rows, dim), name);
  return Samples(std::move(values), rows, dim);
}

// ---------------------------------------------------------------------------------------------
// Files

std::string read_file(const std::filesystem::path& path, std::uint64_t max_bytes) {
  // Only regular files: a FIFO without a writer would block for ever and /dev/zero never ends.
  // O_NONBLOCK lets the open itself return for a FIFO, so that fstat can say what it is.
  errno = 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EISDIR) throw InputError("'" + path.string() + "' is a directory");
    throw InputError("cannot open '" + path.string() + "': " + system_message(errno));
  }
  FilePtr file(::fdopen(fd, "rb"));
  if (!file) {
    const int err = errno;
    ::close(fd);
    throw InputError("cannot open '" + path.string() + "': " + system_message(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw InputError("cannot read '" + path.string() + "': " + system_message(errno));
  if (S_ISDIR(st.st_mode)) throw InputError("'" + path.string() + "' is a directory");
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISFIFO(st.st_mode)   ? "a FIFO (named pipe)"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    throw InputError("cannot read '" + path.string() + "': it is " + kind +
                     ", but klest reads only regular files");
  }
  const auto too_big = [&](const std::string& size) {
    return InputError("cannot read '" + path.string() + "': it has " + size +
                      " bytes, but klest reads files of at most " + num(max_bytes) + " bytes (" +
                      bytes_text(double(max_bytes)) + ")");
  };
  if (std::uint64_t(st.st_size) > max_bytes) throw too_big(num(std::uint64_t(st.st_size)));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string bytes;
  bytes.reserve(std::size_t(st.st_size));
  char buffer[1 << 16];
  while (true) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    bytes.append(buffer, got);
    // The file may grow while it is read: the bound holds for what is read, not what was seen.
    if (bytes.size() > max_bytes) throw too_big("more than " + num(max_bytes));
    if (got < sizeof buffer) break;
  }
  if (std::ferror(file.get()))
    throw InputError("cannot read '" + path.string() + "': " + system_message(errno));
  return bytes;
}

Samples read_samples(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  std::string ext = path.extension().string();
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (ext == ".npy") return parse_npy(bytes, path.string());
  return parse_csv(bytes, path.string());
}

void write_npy(const std::filesystem::path& path, SampleView s) {
  check_finite(s, "cannot write '" + path.string() + "'");
  // The header NumPy 1.24 writes for a C-order float64 (n, d) array, byte for byte: spare
  // spaces for the first axis to grow to 21 digits, then padding so the data starts on a
  // 64-byte boundary.
  const std::string rows = num(s.rows());
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + rows + ", " +
                       num(s.dim()) + "), }";
  header.append(rows.size() < 21 ? 21 - rows.size() : 0, ' ');
  const std::size_t used = npy_magic.size() + 4 + header.size() + 1;
  header.append(64 - used % 64, ' ');
  header += '\n';

  std::string prefix(npy_magic);
  prefix += '\x01';
  prefix += '\x00';
  prefix += static_cast<char>(header.size() & 0xFF);
  prefix += static_cast<char>((header.size() >> 8) & 0xFF);

  FileWriter out(path);
  out.write(prefix.data(), prefix.size());
  out.write(header.data(), header.size());
  const auto values = s.values();
  if constexpr (std::endian::native == std::endian::little) {
    out.write(values.data(), values.size_bytes());
  } else {
    std::vector<std::uint64_t> swapped(values.size());
    for (std::size_t k = 0; k < values.size(); ++k)
      swapped[k] = byte_swapped(std::bit_cast<std::uint64_t>(values[k]));
    out.write(swapped.data(), swapped.size() * sizeof(std::uint64_t));
  }
  out.close();
}

void write_csv(const std::filesystem::path& path, SampleView s) {
  check_finite(s, "cannot write '" + path.string() + "'");
  FileWriter out(path);
  std::string buffer;
  constexpr std::size_t flush_at = 1 << 16;
  buffer.reserve(flush_at + 64);
  char cell[64];
  for (std::size_t i = 0; i < s.rows(); ++i) {
    const auto row = s.row(i);
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j > 0) buffer += ',';
      const auto result = std::to_chars(cell, cell + sizeof cell, row[j]);
      buffer.append(cell, result.ptr);
    }
    buffer += '\n';
    if (buffer.size() >= flush_at) {
      out.write(buffer.data(), buffer.size());
      buffer.clear();
    }
  }
  out.write(buffer.data(), buffer.size());
  out.close();
}

}  // namespace klest

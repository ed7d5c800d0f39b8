// Tests for include/klest/samples.hpp: Samples, the text and .npy readers and the writers.
// Fixtures live in tests/data/csv and tests/data/npy (the .npy ones come from
// tests/data/npy/make_fixtures.py, whose literals are the expected values below).

#include "klest/samples.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "klest/error.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

const fs::path data_dir = KLEST_TEST_DATA;
fs::path csv_file(const std::string& name) { return data_dir / "csv" / name; }
fs::path npy_file(const std::string& name) { return data_dir / "npy" / name; }

std::vector<double> values_of(const klest::Samples& s) {
  return {s.values().begin(), s.values().end()};
}

// Bit patterns, so that -0.0 differs from 0.0 and nothing is compared approximately.
std::vector<std::uint64_t> bits_of(std::span<const double> v) {
  std::vector<std::uint64_t> out;
  for (double x : v) out.push_back(std::bit_cast<std::uint64_t>(x));
  return out;
}

void expect_samples(const klest::Samples& s, std::size_t rows, std::size_t dim,
                    const std::vector<double>& expected) {
  EXPECT_EQ(s.rows(), rows);
  EXPECT_EQ(s.dim(), dim);
  EXPECT_THAT(values_of(s), ElementsAreArray(expected));
  EXPECT_EQ(bits_of(s.values()), bits_of(expected));
}

// The message of the InputError `f` throws, or "" (and a failure) if it throws none.
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const klest::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected klest::InputError";
  return {};
}

// Reading `name` from tests/data/csv fails with a message containing `path:<rest>`.
void expect_csv_error(const std::string& name, const std::string& rest) {
  const fs::path p = csv_file(name);
  EXPECT_THAT([&] { klest::read_samples(p); },
              ThrowsMessage<klest::InputError>(HasSubstr(p.string() + rest)));
}

void expect_npy_error(const std::string& name, const std::string& rest) {
  const fs::path p = npy_file(name);
  EXPECT_THAT([&] { klest::read_samples(p); },
              ThrowsMessage<klest::InputError>(HasSubstr(p.string() + rest)));
}

std::string little_endian_f8(const std::vector<double>& values) {
  std::string out;
  for (double v : values) {
    auto b = std::bit_cast<std::uint64_t>(v);
    for (int k = 0; k < 8; ++k, b >>= 8) out += static_cast<char>(b & 0xFF);
  }
  return out;
}

// A .npy file with the given header text (a newline is appended) and data bytes.
std::string make_npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const std::string header = dict + "\n";
  const std::size_t len = header.size();
  out += static_cast<char>(len & 0xFF);
  out += static_cast<char>((len >> 8) & 0xFF);
  if (major >= 2) {
    out += static_cast<char>((len >> 16) & 0xFF);
    out += static_cast<char>((len >> 24) & 0xFF);
  }
  return out + header + data;
}

class SampleFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("klest_samples_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

// Values that stress shortest round-trip printing and binary storage.
const std::vector<double> awkward_values = {
    0.1, 1e-300, -0.0, 1.7976931348623157e308, -1.7976931348623157e308,
    std::numeric_limits<double>::denorm_min(), 2.2250738585072014e-308, 1.0 / 3.0, -123456.789,
    0.0, 1e22, 9007199254740993.0};

// ---------------------------------------------------------------------------------------------
// Samples and helpers

TEST(Samples, TakesValuesOfMatchingShape) {
  const klest::Samples s({1, 2, 3, 4, 5, 6}, 3, 2);
  EXPECT_EQ(s.rows(), 3u);
  EXPECT_EQ(s.dim(), 2u);
  EXPECT_THAT(s.row(1), ElementsAre(3.0, 4.0));
  const klest::SampleView v = s;
  EXPECT_EQ(v.rows(), 3u);
  EXPECT_THAT(v.row(2), ElementsAre(5.0, 6.0));
}

TEST(Samples, RejectsValuesOfTheWrongCount) {
  EXPECT_THAT([] { klest::Samples({1, 2, 3, 4, 5, 6, 7}, 3, 2); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr("7 values"), HasSubstr("3 rows of dimension 2"))));
  EXPECT_THAT([] { klest::Samples({1, 2, 3, 4, 5}, 3, 2); },
              ThrowsMessage<klest::InputError>(HasSubstr("5 values")));
}

TEST(Samples, RejectsRowsOfDimensionZero) {
  EXPECT_THAT([] { klest::Samples(std::vector<double>{}, 4, 0); },
              ThrowsMessage<klest::InputError>(HasSubstr("4 rows of dimension 0")));
  EXPECT_THAT([] { klest::Samples(4, 0); },
              ThrowsMessage<klest::InputError>(HasSubstr("4 rows of dimension 0")));
  EXPECT_NO_THROW(klest::Samples(std::vector<double>{}, 0, 0));
  EXPECT_NO_THROW(klest::Samples(std::vector<double>{}, 0, 3));
}

TEST(Samples, ShapeConstructorZeroFills) {
  const klest::Samples s(4, 3);
  EXPECT_EQ(s.rows(), 4u);
  EXPECT_EQ(s.dim(), 3u);
  EXPECT_EQ(s.values().size(), 12u);
  EXPECT_THAT(values_of(s), ::testing::Each(0.0));
  EXPECT_TRUE(klest::Samples().empty());
}

TEST(Samples, ShapeString) {
  EXPECT_EQ(klest::shape_string(klest::Samples(100, 2)), "100x2");
  EXPECT_EQ(klest::shape_string(klest::Samples(1, 7)), "1x7");
  EXPECT_EQ(klest::shape_string(klest::SampleView()), "0x0");
}

TEST(Samples, CheckFiniteNamesRowAndColumn) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  EXPECT_NO_THROW(klest::check_finite(klest::Samples({1, 2, 3, 4, 5, 6}, 2, 3), "x"));
  EXPECT_NO_THROW(klest::check_finite(klest::SampleView(), "x"));
  const klest::Samples with_nan({1, 2, 3, 4, 5, nan}, 2, 3);
  EXPECT_THAT([&] { klest::check_finite(with_nan, "sample from p"); },
              ThrowsMessage<klest::InputError>(
                  "sample from p: row 2, column 3 is nan, but samples must be finite numbers"));
  EXPECT_THAT([&] { klest::check_finite(klest::Samples({1, inf, 3, 4}, 2, 2), "q"); },
              ThrowsMessage<klest::InputError>(HasSubstr("q: row 1, column 2 is inf,")));
  EXPECT_THAT([&] { klest::check_finite(klest::Samples({1, 2, -inf}, 3, 1), "q"); },
              ThrowsMessage<klest::InputError>(HasSubstr("q: row 3, column 1 is -inf,")));
}

// ---------------------------------------------------------------------------------------------
// Text: accepted forms

TEST(ReadCsv, CommaSeparatedWithHeader) {
  expect_samples(klest::read_samples(csv_file("header_comma.csv")), 2, 2, {1.5, -2, 0.25, 3e10});
}

TEST(ReadCsv, CommaSeparatedWithoutHeader) {
  expect_samples(klest::read_samples(csv_file("no_header_comma.csv")), 2, 2,
                 {1.5, -2, 0.25, 3e10});
}

TEST(ReadCsv, TabSeparatedWithSpacesAroundFields) {
  expect_samples(klest::read_samples(csv_file("tab.tsv")), 2, 3, {1, 2, 3, 4, 5, 6});
}

TEST(ReadCsv, WhiteSpaceSeparated) {
  expect_samples(klest::read_samples(csv_file("whitespace.txt")), 2, 3, {1, 2, 3, 4, 5, 6});
}

TEST(ReadCsv, SpacesAroundCommasAreTrimmed) {
  expect_samples(klest::read_samples(csv_file("spaces_around_commas.csv")), 2, 2, {1, 2, 3, 4});
}

TEST(ReadCsv, CommentsAndBlankLinesAreSkipped) {
  expect_samples(klest::read_samples(csv_file("comments_blank.csv")), 2, 2, {1, 2, 3, 4});
}

TEST(ReadCsv, CrlfLineEndings) {
  expect_samples(klest::read_samples(csv_file("crlf.csv")), 2, 2, {1, 2, 3, 4});
}

TEST(ReadCsv, ByteOrderMark) {
  expect_samples(klest::read_samples(csv_file("bom.csv")), 1, 2, {1, 2});
  expect_samples(klest::read_samples(csv_file("bom_crlf_no_header.csv")), 2, 2, {1, 2, 3, 4});
}

TEST(ReadCsv, SingleRow) {
  expect_samples(klest::read_samples(csv_file("one_row.csv")), 1, 3, {1, 2, 3});
}

TEST(ReadCsv, SingleColumn) {
  expect_samples(klest::read_samples(csv_file("one_column.csv")), 3, 1, {1, 2, 3});
}

TEST(ReadCsv, LeadingPlusSign) {
  expect_samples(klest::read_samples(csv_file("plus_sign.csv")), 2, 2, {1, 2.5, -3, 0.5});
}

TEST(ReadCsv, Exponents) {
  expect_samples(klest::read_samples(csv_file("exponents.csv")), 2, 2,
                 {1000, 0.001, -250, 6.02214076e23});
}

TEST(ReadCsv, NoFinalNewline) {
  expect_samples(klest::read_samples(csv_file("no_final_newline.csv")), 2, 2, {1, 2, 3, 4});
}

// Decision: values below the smallest subnormal become a zero of the right sign (what strtod
// gives), subnormals are kept exactly.
TEST(ReadCsv, UnderflowGivesSignedZeroAndSubnormalsAreKept) {
  expect_samples(klest::read_samples(csv_file("underflow.csv")), 2, 2,
                 {0.0, -0.0, std::numeric_limits<double>::denorm_min(), 1e-310});
  const auto s = klest::parse_csv("2.4703282292062328e-324\n2.4703282292062327e-324\n", "u");
  expect_samples(s, 2, 1, {std::numeric_limits<double>::denorm_min(), 0.0});
  expect_samples(klest::parse_csv("0.000000000000000000000000000000000000000000000000000000000"
                                  "00000000000000000000000000000000000000000000000000000000000"
                                  "00000000000000000000000000000000000000000000000000000000000"
                                  "00000000000000000000000000000000000000000000000000000000000"
                                  "00000000000000000000000000000000000000000000000000000000000"
                                  "000000000000000000000000000000000000000000000000000000000001",
                                  "u"),
                 1, 1, {0.0});
}

TEST(ParseCsv, NumberSpellings) {
  expect_samples(klest::parse_csv(".5,5.,-.25,+0,1E+2,2e-0,007\n", "n"), 1, 7,
                 {0.5, 5.0, -0.25, 0.0, 100.0, 2.0, 7.0});
  expect_samples(klest::parse_csv("1.7976931348623157e308,-1.7976931348623157e308\n", "n"), 1, 2,
                 {1.7976931348623157e308, -1.7976931348623157e308});
}

TEST(ParseCsv, TrailingCommentAfterNumber) {
  expect_samples(klest::parse_csv("1,2#c\n3,4 # d\n#\n", "n"), 2, 2, {1, 2, 3, 4});
}

TEST(ParseCsv, SingleTabSeparatedLine) {
  expect_samples(klest::parse_csv("1\t2\n", "n"), 1, 2, {1, 2});
}

TEST(ParseCsv, WhiteSpaceSeparatedHeader) {
  expect_samples(klest::parse_csv("x y z\n1 2 3\n", "n"), 1, 3, {1, 2, 3});
}

TEST(ParseCsv, FirstLineOfNamesIsTheHeader) {
  // A header is a line of names: some field is not a number and none starts like one.
  expect_samples(klest::parse_csv("x,y_2,abc\n4,5,6\n", "n"), 1, 3, {4, 5, 6});
  expect_samples(klest::parse_csv("\"x\" \"y\"\n4 5\n", "n"), 1, 2, {4, 5});
  // A first line mixing numbers and text is a data row with a bad cell, reported (it used to
  // become a header, dropping a row silently), as is a typo such as 1d3 or a hex float.
  EXPECT_THAT([] { klest::parse_csv("1,2,abc\n4,5,6\n", "n"); },
              ThrowsMessage<klest::InputError>("n:1: column 3 is 'abc', but samples must be numbers"));
  EXPECT_THAT([] { klest::parse_csv("1d3\n4\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:1: column 1 is '1d3'")));
  EXPECT_THAT([] { klest::parse_csv("0x1p3\t2\n4\t5\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:1: column 1 is '0x1p3'")));
  EXPECT_THAT([] { klest::parse_csv("-.5e,1\n4,5\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:1: column 1 is '-.5e'")));
}

TEST(ParseCsv, HeaderAfterCommentsAndBlankLines) {
  expect_samples(klest::parse_csv("# made by numpy.savetxt\n\nx,y\n1,2\n", "n"), 1, 2, {1, 2});
}

TEST(ParseCsv, OnlyLastCarriageReturnIsALineEnding) {
  expect_samples(klest::parse_csv("1,2\r\n3,4\r\n", "n"), 2, 2, {1, 2, 3, 4});
  // A lone CR is not a line break; the cell is reported, not silently merged.
  EXPECT_THAT([] { klest::parse_csv("1\n2\r3\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 1 is '2\\r3'")));
}

TEST(ParseCsv, ManyRowsParseExactly) {
  // 200000 x 2; large enough to exercise buffer growth, small enough for sanitizer builds.
  std::string text = "a,b\n";
  constexpr int n = 200000;
  for (int i = 0; i < n; ++i) text += std::to_string(i) + "," + std::to_string(-i) + ".5\n";
  const auto s = klest::parse_csv(text, "big");
  ASSERT_EQ(s.rows(), std::size_t(n));
  ASSERT_EQ(s.dim(), 2u);
  EXPECT_EQ(s.row(0)[1], 0.5);
  EXPECT_EQ(s.row(12345)[0], 12345.0);
  EXPECT_EQ(s.row(12345)[1], -12345.5);
  EXPECT_EQ(s.row(n - 1)[0], double(n - 1));
}

// ---------------------------------------------------------------------------------------------
// Text: rejected forms

TEST(ReadCsv, RejectsNanNamingLineAndColumn) {
  expect_csv_error("bad_nan.csv", ":3: column 3 is 'nan', but samples must be finite numbers");
}

TEST(ReadCsv, RejectsInfinities) {
  expect_csv_error("bad_inf.csv", ":1: column 2 is '-inf', but samples must be finite numbers");
  expect_csv_error("bad_infinity.txt",
                   ":2: column 2 is 'Infinity', but samples must be finite numbers");
  EXPECT_THAT([] { klest::parse_csv("1,2\n3,+NaN\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 2 is '+NaN'")));
  EXPECT_THAT([] { klest::parse_csv("1,2\n3,nan(0x1)\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 2 is 'nan(0x1)'")));
}

TEST(ReadCsv, RejectsOverflow) {
  expect_csv_error("bad_overflow.csv",
                   ":2: column 2 is '1e400', which is out of the range of a double");
  // Rounds to infinity: just above DBL_MAX plus half an ulp.
  EXPECT_THAT([] { klest::parse_csv("1\n1.7976931348623159e308\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr(
                  "n:2: column 1 is '1.7976931348623159e308', which is out of the range")));
  EXPECT_THAT([] { klest::parse_csv("1 -1e99999999999999999999\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:1: column 2 is '-1e9999")));
}

TEST(ReadCsv, RejectsTextCell) {
  expect_csv_error("bad_text_cell.csv", ":3: column 2 is 'abc', but samples must be numbers");
  expect_csv_error("bad_double_sign.csv", ":2: column 1 is '+-1', but samples must be numbers");
  EXPECT_THAT([] { klest::parse_csv("1,2\n3,1e\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 2 is '1e'")));
  EXPECT_THAT([] { klest::parse_csv("1,2\n3,0x10\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 2 is '0x10'")));
  EXPECT_THAT([] { klest::parse_csv("1,2\n3,+\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 2 is '+'")));
}

TEST(ReadCsv, LongTextIsTruncatedInMessages) {
  const std::string msg = input_error([] { klest::read_samples(csv_file("bad_long_text.csv")); });
  EXPECT_THAT(msg, HasSubstr("bad_long_text.csv:2: column 2 is 'the quick brown fox"));
  EXPECT_THAT(msg, HasSubstr("...'"));
  EXPECT_THAT(msg, Not(HasSubstr("keeps on running")));
}

TEST(ParseCsv, ControlCharactersAreEscapedInMessages) {
  EXPECT_THAT([] { klest::parse_csv(std::string("1,2\n3,\x01x\n", 9), "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 2 is '\\x01x'")));
}

TEST(ReadCsv, RejectsEmptyFields) {
  expect_csv_error("bad_empty_field.csv", ":1: column 2 is empty");
  expect_csv_error("bad_trailing_comma.csv", ":2: column 3 is empty");
  expect_csv_error("bad_header_empty_name.csv", ":1: header column 1 is empty");
  EXPECT_THAT([] { klest::parse_csv("1\t2\n3\t\t4\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 2 is empty")));
  EXPECT_THAT([] { klest::parse_csv("1,2\n ,4\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 1 is empty")));
}

TEST(ReadCsv, RejectsRaggedRows) {
  expect_csv_error("bad_ragged.csv", ":4: row has 3 columns, but line 2 has 2");
  expect_csv_error("bad_header_count.csv", ":2: row has 2 columns, but the header (line 1) has 3");
  // The separator is chosen once, from the first line.
  EXPECT_THAT([] { klest::parse_csv("1,2\n3 4\n", "n"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("n:2: row has 1 column, but line 1 has 2")));
  EXPECT_THAT([] { klest::parse_csv("1 2\n3,4 5\n", "n"); },
              ThrowsMessage<klest::InputError>(HasSubstr("n:2: column 1 is '3,4'")));
}

TEST(ReadCsv, RejectsFilesWithoutData) {
  expect_csv_error("empty.csv", ": file is empty");
  expect_csv_error("blank_lines_only.csv", ": file is empty");
  expect_csv_error("only_comments.csv", ": file has no data rows, only comments");
  expect_csv_error("header_only.csv", ": file has a header (line 1) but no data rows");
}

TEST(ParseCsv, RecognisesNpyBytes) {
  const std::string bytes = klest::read_file(npy_file("f8_2d.npy"));
  EXPECT_THAT([&] { klest::parse_csv(bytes, "p.csv"); },
              ThrowsMessage<klest::InputError>(HasSubstr("p.csv: this is a NumPy .npy file")));
}

// ---------------------------------------------------------------------------------------------
// .npy: accepted forms

TEST(ReadNpy, Float64) {
  expect_samples(klest::read_samples(npy_file("f8_2d.npy")), 3, 2,
                 {1.5, -2.0, 0.25, 3e10, -0.0, 1e-300});
}

TEST(ReadNpy, Float32) {
  const std::vector<double> expected = {0.5, -1.25, 3.0, double(1e-3f)};
  expect_samples(klest::read_samples(npy_file("f4_2d.npy")), 2, 2, expected);
  expect_samples(klest::read_samples(npy_file("f4_big_endian.npy")), 2, 2, expected);
}

TEST(ReadNpy, BigEndianFloat64) {
  expect_samples(klest::read_samples(npy_file("f8_big_endian.npy")), 2, 2,
                 {1.5, -2.0, 0.1, 1e300});
}

TEST(ReadNpy, SignedIntegers) {
  expect_samples(klest::read_samples(npy_file("i1_2d.npy")), 2, 2, {-128, 127, 0, -1});
  expect_samples(klest::read_samples(npy_file("i2_big_endian.npy")), 2, 2,
                 {-32768, 32767, 258, -2});
  expect_samples(klest::read_samples(npy_file("i4_2d.npy")), 2, 3,
                 {1, -2, 3, -2147483648.0, 2147483647.0, 0});
  // 2^53 + 1 has no double; it rounds to the nearest, 2^53.
  expect_samples(klest::read_samples(npy_file("i8_2d.npy")), 2, 2,
                 {-5, 1099511627776.0, 9007199254740992.0, -9223372036854775808.0});
}

TEST(ReadNpy, UnsignedIntegers) {
  expect_samples(klest::read_samples(npy_file("u1_2d.npy")), 2, 2, {0, 255, 128, 7});
  expect_samples(klest::read_samples(npy_file("u2_2d.npy")), 1, 2, {65535, 1});
  expect_samples(klest::read_samples(npy_file("u4_big_endian.npy")), 1, 2, {4294967295.0, 2});
  expect_samples(klest::read_samples(npy_file("u8_2d.npy")), 1, 2, {18446744073709551616.0, 3});
}

TEST(ReadNpy, OneDimensionalIsOneColumn) {
  expect_samples(klest::read_samples(npy_file("f8_1d.npy")), 4, 1, {0.5, 1.5, -2.5, 4.0});
}

TEST(ReadNpy, FormatVersions2And3) {
  expect_samples(klest::read_samples(npy_file("f8_v2.npy")), 2, 2, {1, 2, 3, 4});
  expect_samples(klest::read_samples(npy_file("f8_v3.npy")), 2, 2, {1, 2, 3, 4});
}

TEST(ParseNpy, HeaderSyntaxVariants) {
  const std::string data = little_endian_f8({1, 2, 3, 4, 5, 6});
  const std::vector<std::string> headers = {
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }",
      "{'shape': (3, 2), 'fortran_order': False, 'descr': '<f8'}",
      "{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(3,2)}",
      "  {  'descr' : '<f8' ,\n 'fortran_order' :False, 'shape':( 3 , 2 , ) ,  }   ",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 2L), }",
      "{u'descr': u'<f8', u'fortran_order': False, u'shape': (3, 2)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), 'extra': [1, (2, 'x')]}",
  };
  for (const auto& h : headers) {
    SCOPED_TRACE(h);
    expect_samples(klest::parse_npy(make_npy(h, data), "h.npy"), 3, 2, {1, 2, 3, 4, 5, 6});
    expect_samples(klest::parse_npy(make_npy(h, data, 2), "h.npy"), 3, 2, {1, 2, 3, 4, 5, 6});
  }
  expect_samples(klest::parse_npy(make_npy("{'descr': '<f8', 'fortran_order': False, "
                                           "'shape': (6,)}", data), "h.npy"),
                 6, 1, {1, 2, 3, 4, 5, 6});
}

TEST_F(SampleFiles, NpyExtensionIsCaseInsensitive) {
  const fs::path p = dir_ / "UPPER.NPY";
  fs::copy_file(npy_file("f8_2d.npy"), p);
  expect_samples(klest::read_samples(p), 3, 2, {1.5, -2.0, 0.25, 3e10, -0.0, 1e-300});
}

// ---------------------------------------------------------------------------------------------
// .npy: rejected forms

TEST(ReadNpy, RejectsFortranOrder) {
  expect_npy_error("f8_fortran.npy", ": array is in Fortran order");
  EXPECT_THAT([] { klest::read_samples(npy_file("f8_fortran.npy")); },
              ThrowsMessage<klest::InputError>(HasSubstr("numpy.ascontiguousarray")));
}

TEST(ReadNpy, RejectsOtherDimensions) {
  expect_npy_error("f8_3d.npy", ": array has shape (2, 2, 2) (3 dimensions)");
  expect_npy_error("f8_scalar.npy", ": array has shape () (0 dimensions)");
}

TEST(ReadNpy, RejectsEmptyArrays) {
  expect_npy_error("f8_no_rows.npy", ": array has shape (0, 2), so it holds no data");
  expect_npy_error("f8_no_columns.npy", ": array has shape (3, 0), so it holds no data");
}

TEST(ReadNpy, RejectsNonFiniteNamingRowAndColumn) {
  expect_npy_error("f8_nan.npy", ": row 2, column 2 is nan, but samples must be finite numbers");
  expect_npy_error("f8_neg_inf.npy",
                   ": row 3, column 1 is -inf, but samples must be finite numbers");
}

TEST(ReadNpy, RejectsUnsupportedDtypes) {
  expect_npy_error("bool.npy", ": dtype '|b1' (bool) is not supported");
  expect_npy_error("complex.npy", ": dtype '<c16' is not supported");
  expect_npy_error("unicode.npy", ": dtype '<U2' is not supported");
  expect_npy_error("object.npy", ": dtype '|O' is not supported");
  expect_npy_error("structured.npy", ": structured dtype [('a', '<f8'), ('b', '<i4')]");
  for (const char* descr : {"<f2", "<f16", "<i3", "f", "<M8[ns]", "", "<", "xf8"}) {
    SCOPED_TRACE(descr);
    const std::string h =
        std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,)}";
    EXPECT_THAT([&] { klest::parse_npy(make_npy(h, "12345678"), "d.npy"); },
                ThrowsMessage<klest::InputError>(
                    HasSubstr(std::string("d.npy: dtype '") + descr + "' is not supported")));
  }
}

TEST(ReadNpy, RejectsTruncatedData) {
  expect_npy_error("f8_truncated.npy",
                   ": data holds 1592 bytes, but shape (100, 2) of <f8 needs 1600");
}

TEST(ReadNpy, RejectsTrailingBytes) {
  expect_npy_error("f8_trailing_bytes.npy",
                   ": data holds 40 bytes, but shape (2, 2) of <f8 needs 32");
}

TEST(ParseNpy, RejectsBadMagicAndVersion) {
  EXPECT_THAT([] { klest::parse_npy("", "e.npy"); },
              ThrowsMessage<klest::InputError>(HasSubstr("e.npy: not a NumPy .npy file")));
  EXPECT_THAT([] { klest::parse_npy("1,2\n3,4\n", "e.npy"); },
              ThrowsMessage<klest::InputError>(HasSubstr("e.npy: not a NumPy .npy file")));
  std::string v4 = make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "12345678");
  v4[6] = '\x04';
  EXPECT_THAT([&] { klest::parse_npy(v4, "v.npy"); },
              ThrowsMessage<klest::InputError>(HasSubstr("v.npy: .npy format version 4.0")));
}

TEST(ParseNpy, RejectsMalformedHeaders) {
  const std::string data = little_endian_f8({1, 2});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{'descr': '<f8', 'fortran_order': False}", "it has no 'shape'"},
      {"{'shape': (2,), 'fortran_order': False}", "it has no 'descr'"},
      {"{'descr': '<f8', 'shape': (2,)}", "it has no 'fortran_order'"},
      {"{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}", "'fortran_order' is 0"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': [2]}", "'shape' is [2]"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}", "non-negative integers"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 'a')}", "non-negative integers"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
       "non-negative integers"},
      {"{'descr': 8, 'fortran_order': False, 'shape': (2,)}", "'descr' is 8"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)", "expected ',' or '}'"},
      {"{'descr' '<f8'}", "expected ':' after key 'descr'"},
      {"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,)}", "unexpected word 'Maybe'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,)}", "expected ',' or ')'"},
      {"{descr: '<f8'}", "unexpected word 'descr'"},
      {"{1: 2}", "expected a string key"},
      {"['descr', '<f8']", "expected it to start with '{'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x", "after the closing '}'"},
      {"{'descr': '<f8", "unterminated string"},
      {"", "expected it to start with '{'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.first);
    const std::string bytes = make_npy(c.first, data);
    EXPECT_THAT([&] { klest::parse_npy(bytes, "m.npy"); },
                ThrowsMessage<klest::InputError>(AllOf(HasSubstr("m.npy: "), HasSubstr(c.second))));
  }
}

TEST(ParseNpy, RejectsDeepNestingWithoutOverflowingTheStack) {
  const std::string header = "{'x': " + std::string(100000, '(') + "}";
  EXPECT_THAT([&] { klest::parse_npy(make_npy(header, "", 2), "deep.npy"); },
              ThrowsMessage<klest::InputError>(HasSubstr("nested too deeply")));
}

TEST(ParseNpy, RejectsHugeShapesWithoutAllocating) {
  const std::string h =
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4)}";
  EXPECT_THAT([&] { klest::parse_npy(make_npy(h, "12345678"), "huge.npy"); },
              ThrowsMessage<klest::InputError>(HasSubstr("huge.npy: data holds 8 bytes")));
  const std::string h2 = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 3)}";
  EXPECT_THAT([&] { klest::parse_npy(make_npy(h2, "12345678"), "huge.npy"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("data holds 8 bytes, but shape (1000000000, 3) of <f8 needs "
                            "24000000000")));
}

TEST(ParseNpy, EveryTruncationIsAnInputError) {
  const std::string good = klest::read_file(npy_file("f8_2d.npy"));
  for (std::size_t len = 0; len < good.size(); ++len) {
    SCOPED_TRACE(len);
    const std::string prefix = good.substr(0, len);  // own allocation, so ASan sees overreads
    EXPECT_THROW(klest::parse_npy(prefix, "t.npy"), klest::InputError);
  }
  std::string lying = good;  // header length says 0xFFFF
  lying[8] = '\xFF';
  lying[9] = '\xFF';
  EXPECT_THAT([&] { klest::parse_npy(lying, "t.npy"); },
              ThrowsMessage<klest::InputError>(HasSubstr("t.npy: .npy header is truncated")));
}

TEST(ParseNpy, CorruptedBytesGiveInputErrorOrData) {
  const std::string good = klest::read_file(npy_file("f8_2d.npy"));
  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<std::size_t> where(0, 127);  // magic, length and header
  std::uniform_int_distribution<int> byte(0, 255);
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = good;
    for (int k = 0; k < 1 + trial % 4; ++k) bad[where(rng)] = static_cast<char>(byte(rng));
    try {
      const auto s = klest::parse_npy(bad, "c.npy");
      EXPECT_EQ(s.values().size(), s.rows() * s.dim());
    } catch (const klest::InputError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
}

// ---------------------------------------------------------------------------------------------
// Files and writers

TEST(ReadSamples, MissingFile) {
  const fs::path p = data_dir / "csv" / "no_such_file.csv";
  EXPECT_THAT([&] { klest::read_samples(p); },
              ThrowsMessage<klest::InputError>(
                  "cannot open '" + p.string() + "': No such file or directory"));
}

TEST(ReadSamples, Directory) {
  const fs::path p = data_dir / "csv";
  EXPECT_THAT([&] { klest::read_samples(p); },
              ThrowsMessage<klest::InputError>("'" + p.string() + "' is a directory"));
  EXPECT_THAT([&] { klest::read_file(p); },
              ThrowsMessage<klest::InputError>("'" + p.string() + "' is a directory"));
}

TEST(ReadFile, ReturnsTheExactBytes) {
  EXPECT_EQ(klest::read_file(csv_file("bom.csv")), "\xEF\xBB\xBFx,y\n1,2\n");
  EXPECT_EQ(klest::read_file(csv_file("empty.csv")), "");
  EXPECT_EQ(klest::read_file(npy_file("f8_truncated.npy")).size(), 1720u);  // 128 + 1600 - 8
}

TEST_F(SampleFiles, WriteNpyMatchesNumpyByteForByte) {
  const klest::Samples s({1.5, -2.0, 0.25, 3e10, -0.0, 1e-300}, 3, 2);
  const fs::path p = dir_ / "out.npy";
  klest::write_npy(p, s);
  EXPECT_EQ(klest::read_file(p), klest::read_file(npy_file("f8_2d.npy")));
}

TEST_F(SampleFiles, WriteNpyHeaderIsAlignedAndEndsInNewline) {
  for (std::size_t rows : {0u, 1u, 9u, 10u, 12345u}) {
    for (std::size_t dim : {1u, 3u, 17u}) {
      SCOPED_TRACE(std::to_string(rows) + "x" + std::to_string(dim));
      const klest::Samples s(rows, dim);
      const fs::path p = dir_ / "h.npy";
      klest::write_npy(p, s);
      const std::string bytes = klest::read_file(p);
      ASSERT_GE(bytes.size(), 10u);
      EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
      const std::size_t header_len = std::size_t(static_cast<unsigned char>(bytes[8])) |
                                     std::size_t(static_cast<unsigned char>(bytes[9])) << 8;
      const std::size_t data_start = 10 + header_len;
      EXPECT_EQ(data_start % 64, 0u);
      ASSERT_EQ(bytes.size(), data_start + rows * dim * 8);
      EXPECT_EQ(bytes[data_start - 1], '\n');
      EXPECT_THAT(bytes.substr(10, header_len),
                  HasSubstr("{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                            std::to_string(rows) + ", " + std::to_string(dim) + "), }"));
    }
  }
}

TEST_F(SampleFiles, WriteCsvUsesShortestRoundTripText) {
  const klest::Samples s({0.1, -0.0, 1e-300, 1.7976931348623157e308, 5e-324, 3}, 2, 3);
  const fs::path p = dir_ / "out.csv";
  klest::write_csv(p, s);
  EXPECT_EQ(klest::read_file(p), "0.1,-0,1e-300\n1.7976931348623157e+308,5e-324,3\n");
}

TEST_F(SampleFiles, RoundTripsAreBitIdentical) {
  const klest::Samples s(awkward_values, 4, 3);
  klest::write_npy(dir_ / "a.npy", s);
  klest::write_csv(dir_ / "a.csv", s);
  expect_samples(klest::read_samples(dir_ / "a.npy"), 4, 3, awkward_values);
  expect_samples(klest::read_samples(dir_ / "a.csv"), 4, 3, awkward_values);
  const klest::Samples column(awkward_values, awkward_values.size(), 1);
  klest::write_csv(dir_ / "c.csv", column);
  expect_samples(klest::read_samples(dir_ / "c.csv"), awkward_values.size(), 1, awkward_values);
}

TEST_F(SampleFiles, RandomisedRoundTripsAreBitIdentical) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> dims(1, 6);
  std::uniform_int_distribution<int> rows(1, 300);
  for (int trial = 0; trial < 20; ++trial) {
    const auto d = std::size_t(dims(rng));
    const auto n = std::size_t(rows(rng));
    std::vector<double> v;
    while (v.size() < n * d) {
      // Random bit patterns cover every exponent, subnormals and both zeros.
      const double x = std::bit_cast<double>(rng());
      if (std::isfinite(x)) v.push_back(x);
    }
    SCOPED_TRACE("trial " + std::to_string(trial));
    const klest::Samples s(v, n, d);
    klest::write_npy(dir_ / "r.npy", s);
    klest::write_csv(dir_ / "r.txt", s);
    expect_samples(klest::read_samples(dir_ / "r.npy"), n, d, v);
    expect_samples(klest::read_samples(dir_ / "r.txt"), n, d, v);
  }
}

TEST_F(SampleFiles, WritersNameThePathOnFailure) {
  const klest::Samples s({1, 2}, 1, 2);
  const fs::path missing = dir_ / "no_such_folder" / "out.npy";
  EXPECT_THAT([&] { klest::write_npy(missing, s); },
              ThrowsMessage<klest::InputError>(
                  "cannot write '" + missing.string() + "': No such file or directory"));
  const fs::path missing_csv = dir_ / "no_such_folder" / "out.csv";
  EXPECT_THAT([&] { klest::write_csv(missing_csv, s); },
              ThrowsMessage<klest::InputError>(HasSubstr("cannot write '" + missing_csv.string())));
  EXPECT_THAT([&] { klest::write_csv(dir_, s); },
              ThrowsMessage<klest::InputError>(HasSubstr("cannot write '" + dir_.string() + "'")));
  // /dev/full accepts the open and fails the write, as a full disk does.
  if (fs::exists("/dev/full")) {
    const klest::Samples big(100000, 2);
    EXPECT_THAT([&] { klest::write_csv("/dev/full", big); },
                ThrowsMessage<klest::InputError>(HasSubstr("cannot write '/dev/full'")));
    EXPECT_THAT([&] { klest::write_npy("/dev/full", s); },
                ThrowsMessage<klest::InputError>(HasSubstr("cannot write '/dev/full'")));
  }
}

}  // namespace

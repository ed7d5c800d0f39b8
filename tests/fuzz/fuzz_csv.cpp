// Fuzz target: the text sample reader, klest::parse_csv. On success the samples must be
// finite and of consistent shape, and writing them back in shortest round-trip form and reading
// that again must give the same doubles, bit for bit.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz.hpp"
#include "klest/samples.hpp"

namespace {

std::string as_text(const klest::Samples& s) {
  std::string out;
  char cell[64];
  for (std::size_t i = 0; i < s.rows(); ++i) {
    const auto row = s.row(i);
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j > 0) out += ',';
      out.append(cell, std::to_chars(cell, cell + sizeof cell, row[j]).ptr);
    }
    out += '\n';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  klest::fuzz::expect_only_klest_errors([&] {
    const klest::Samples s = klest::parse_csv(text, "fuzz.csv");
    if (s.rows() == 0 || s.dim() == 0 || s.values().size() != s.rows() * s.dim())
      klest::fuzz::finding("parse_csv returned an empty or inconsistent sample set");
    for (double v : s.values()) {
      if (!std::isfinite(v)) klest::fuzz::finding("parse_csv returned a non-finite value");
    }
    const klest::Samples again = klest::parse_csv(as_text(s), "again.csv");
    if (again.rows() != s.rows() || again.dim() != s.dim() ||
        std::memcmp(again.values().data(), s.values().data(), s.values().size_bytes()) != 0)
      klest::fuzz::finding("parse_csv does not read back its values written in shortest form");
  });
  return 0;
}

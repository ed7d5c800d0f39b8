// Fuzz target: the .npy reader, klest::parse_npy. On success the samples must be finite and
// of consistent shape, and no larger than the data bytes allow (at least one byte per value).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz.hpp"
#include "klest/samples.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  klest::fuzz::expect_only_klest_errors([&] {
    const klest::Samples s = klest::parse_npy(bytes, "fuzz.npy");
    if (s.rows() == 0 || s.dim() == 0 || s.values().size() != s.rows() * s.dim())
      klest::fuzz::finding("parse_npy returned an empty or inconsistent sample set");
    if (s.values().size() > size) klest::fuzz::finding("parse_npy returned more values than bytes");
    for (double v : s.values()) {
      if (!std::isfinite(v)) klest::fuzz::finding("parse_npy returned a non-finite value");
    }
  });
  return 0;
}

// Fuzz target: the spec language, klest::parse_spec and klest::parse_spec_value. Whatever
// parses must print canonically and read back equal (the round trip spec.hpp promises: parsed
// names follow the grammar and a parsed spec holds no NaN), and printing must be a fixed point.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz.hpp"
#include "klest/spec.hpp"

namespace {

template <class T, class Parse>
void round_trip(std::string_view text, Parse parse) {
  klest::fuzz::expect_only_klest_errors([&] {
    const T parsed = parse(text);
    const std::string printed = klest::to_string(parsed);
    T again;
    try {
      again = parse(printed);
    } catch (const klest::Error& e) {
      klest::fuzz::finding(("canonical text does not parse: " + printed + ": " + e.what()).c_str());
    }
    if (!(again == parsed)) klest::fuzz::finding(("round trip changes " + printed).c_str());
    if (klest::to_string(again) != printed)
      klest::fuzz::finding(("canonical text is not a fixed point: " + printed).c_str());
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  round_trip<klest::Spec>(text, [](std::string_view t) { return klest::parse_spec(t); });
  round_trip<klest::SpecValue>(text, [](std::string_view t) { return klest::parse_spec_value(t); });
  return 0;
}

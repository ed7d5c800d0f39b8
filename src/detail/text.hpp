#pragma once
// Small text helpers for messages.

#include <string>
#include <string_view>
#include <vector>

namespace klest::detail {

/// `s` with control bytes written as escapes (\t, \r, \n, \xNN), so that a file name, a spec
/// or a line of a file shown in a message cannot break the message's one line or drive the
/// terminal. Other bytes, UTF-8 or not, are kept.
std::string escape_controls(std::string_view s);

/// FNV-1a, 64 bits, as 16 hex digits: h = offset basis; for each byte h ^= byte, h *= prime
/// (mod 2^64). For change detection (experiment texts, journal blocks), not for security.
std::string fnv1a_hex(std::string_view text);

/// "a, b, c"
std::string join(const std::vector<std::string>& words);

/// The closest of `known` to `word` within edit distance 2 (ignoring case, counting a swap of
/// neighbouring letters as one edit), or "" if none is that close: for "did you mean" hints.
std::string suggestion(std::string_view word, const std::vector<std::string>& known);

}  // namespace klest::detail

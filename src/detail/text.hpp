#pragma once
// Small text helpers for messages.

#include <string>
#include <string_view>
#include <vector>

namespace klest::detail {

/// "a, b, c"
std::string join(const std::vector<std::string>& words);

/// The closest of `known` to `word` within edit distance 2 (ignoring case, counting a swap of
/// neighbouring letters as one edit), or "" if none is that close: for "did you mean" hints.
std::string suggestion(std::string_view word, const std::vector<std::string>& known);

}  // namespace klest::detail

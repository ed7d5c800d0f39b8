#pragma once
// Limits shared by the count distributions on 0, 1, 2, ... (poisson, geometric,
// negative_binomial).

#include <string_view>

namespace klest::detail {

/// The largest mean a count distribution may have. With the mean <= 1e15 the counts that carry
/// the mass lie below 2^53 ~ 9e15, where doubles hold every integer exactly.
inline constexpr double max_count_mean = 1e15;

/// Throws InputError "distribution '<family>': parameter 'p' is <p>, but must give a mean
/// <formula> <= 1e15 (it gives <mean>)" unless mean <= max_count_mean (NaN fails too), for
/// families whose mean follows from the success probability p.
void check_count_mean(std::string_view family, double p, double mean, std::string_view formula);

}  // namespace klest::detail

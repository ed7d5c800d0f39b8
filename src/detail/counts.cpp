#include "detail/counts.hpp"

#include <string>

#include "klest/error.hpp"
#include "klest/spec.hpp"

namespace klest::detail {

void check_count_mean(std::string_view family, double p, double mean, std::string_view formula) {
  static_assert(max_count_mean == 1e15, "the message below states the limit");
  if (mean <= max_count_mean) return;
  throw InputError("distribution '" + std::string(family) + "': parameter 'p' is " +
                   format_number(p) + ", but must give a mean " + std::string(formula) +
                   " <= 1e15 (it gives " + format_number(mean) + ")");
}

}  // namespace klest::detail

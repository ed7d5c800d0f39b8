#pragma once
// The one place where estimators may use threads. parallel_for runs its body over [0, n) on
// OpenMP threads when called outside a parallel region (a single large estimate from the CLI),
// and serially inside one (the harness already parallelises over replications), so threads are
// never nested. Bodies must write only to their own index; reductions happen afterwards, in
// index order, so results do not depend on the thread count.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <omp.h>

namespace klest::detail {

/// `serial_below`: loops shorter than this run serially (thread start-up would cost more).
template <class Body>
void parallel_for(std::size_t n, Body&& body, std::size_t serial_below = 2048) {
  if (n < serial_below || n < 2 || omp_in_parallel() || omp_get_max_threads() == 1) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  // An exception must not cross the OpenMP region: keep the first, rethrow after the join.
  std::exception_ptr failure;
  const std::size_t chunk = std::max<std::size_t>(1, std::min<std::size_t>(256, n / (16 * std::size_t(omp_get_max_threads()))));
#pragma omp parallel for schedule(dynamic, chunk)
  for (std::size_t i = 0; i < n; ++i) {
    try {
      body(i);
    } catch (...) {
#pragma omp critical(klest_parallel_for_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace klest::detail

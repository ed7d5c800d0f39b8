#pragma once
// The one place where estimators may use threads. parallel_for runs its body over [0, n) on
// OpenMP threads when called outside a parallel region (a single large estimate from the CLI),
// and serially inside one (the harness already parallelises over replications), so threads are
// never nested. Bodies must write only to their own index; reductions happen afterwards, in
// index order, so results do not depend on the thread count.

#include <cstddef>
#include <exception>
#include <omp.h>

namespace klest::detail {

template <class Body>
void parallel_for(std::size_t n, Body&& body) {
  if (n < 2048 || omp_in_parallel() || omp_get_max_threads() == 1) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  // An exception must not cross the OpenMP region: keep the first, rethrow after the join.
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 256)
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

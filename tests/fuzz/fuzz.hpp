#pragma once
// Shared by the fuzz targets: run one reader on one input, accept klest::Error (the documented
// answer to bad input) and turn everything else into a crash that libFuzzer reports.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>

#include "klest/error.hpp"

namespace klest::fuzz {

/// Stops the run with `what`: a property of a successful read does not hold.
[[noreturn]] inline void finding(const char* what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what);
  std::abort();
}

/// Calls `read()`; returns normally if it succeeds or throws a klest::Error.
template <class Read>
void expect_only_klest_errors(Read&& read) {
  try {
    read();
  } catch (const klest::Error&) {
    // Rejected with a message: the expected outcome for malformed input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz finding: unexpected %s: %s\n", typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    finding("unexpected exception of a type not derived from std::exception");
  }
}

}  // namespace klest::fuzz

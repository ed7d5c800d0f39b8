#pragma once
// The klest command as a function, for main() and for the command-line fuzz target.

#include <string>

namespace klest::cli {

struct Options {
  // Parse and check the arguments (specs built, numbers checked) without reading or writing a
  // file or computing anything: what the fuzz target runs.
  bool dry_run = false;
  // OMP_NUM_THREADS as found at start-up, when it was taken out of the environment because
  // klest refuses it (see main.cpp); refused with exit 2.
  bool omp_env_refused = false;
  std::string omp_env;
};

/// Runs `klest <argv...>` and returns its exit code: 0 success; 2 bad usage or bad input (one
/// `klest:` line on stderr); 3 a run where some estimates failed; 1 an internal error.
int run(int argc, char** argv, const Options& options = {});

/// Whether an OMP_NUM_THREADS value is one klest accepts: comma-separated thread counts (one
/// per nesting level), each from 1 to max_threads.
bool omp_env_acceptable(const char* value);

}  // namespace klest::cli

// main() of the klest command (the command itself is in cli.cpp).
//
// OMP_NUM_THREADS is read by libgomp's initializer, before main: "0" makes it print a warning
// of its own and 100000 makes the first parallel region crash (libgomp keeps per-thread start
// data on the stack). The executable's .preinit_array functions run before any shared
// library's initializer, so a value klest would refuse is taken out of the environment there,
// before libgomp sees it, and refused in main with klest's own one-line message.

#include <cstring>

#include "cli/cli.hpp"

namespace {

char refused_value[128];
bool refused = false;

// At this point libc has not yet set `environ` (its own initializer runs later and points it at
// this same array), so the entry is found and removed in the array the loader passes.
void screen_omp_env(int, char**, char** env) {
  constexpr char name[] = "OMP_NUM_THREADS=";
  for (char** e = env; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, name, sizeof name - 1) != 0) continue;
    const char* value = *e + sizeof name - 1;
    if (klest::cli::omp_env_acceptable(value)) return;
    std::strncpy(refused_value, value, sizeof refused_value - 1);
    refused = true;
    for (char** rest = e; *rest != nullptr; ++rest) rest[0] = rest[1];
    return;
  }
}

[[gnu::section(".preinit_array"), gnu::used]] void (*const screen_omp_env_entry)(
    int, char**, char**) = &screen_omp_env;

}  // namespace

int main(int argc, char** argv) {
  klest::cli::Options options;
  options.omp_env_refused = refused;
  options.omp_env = refused_value;
  return klest::cli::run(argc, argv, options);
}

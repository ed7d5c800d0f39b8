// Fuzz target: the klest command line. The input is an argument vector, arguments separated by
// NUL bytes (at most 24 of them), run through klest::cli::run in dry-run mode: every option is
// parsed and checked and every spec built, but no file is read or written and nothing is
// computed. The exit code must be 0 (accepted) or 2 (refused with a message); 1 is an internal
// error and a finding, as is any crash or exception.

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"klest"};
  std::string current;
  for (std::size_t i = 0; i < size && args.size() <= 24; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current += char(data[i]);
    }
  }
  if (!current.empty() && args.size() <= 24) args.push_back(current);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Help and messages would flood the log: both streams go nowhere.
  static std::ostringstream sink;
  auto* out = std::cout.rdbuf(sink.rdbuf());
  auto* err = std::cerr.rdbuf(sink.rdbuf());
  int code = 0;
  klest::fuzz::expect_only_klest_errors([&] {
    klest::cli::Options options;
    options.dry_run = true;
    code = klest::cli::run(int(args.size()), argv.data(), options);
  });
  std::cout.rdbuf(out);
  std::cerr.rdbuf(err);
  sink.str({});
  if (code != 0 && code != 2) {
    std::fprintf(stderr, "exit code %d\n", code);
    klest::fuzz::finding("the command line gave an exit code other than 0 or 2");
  }
  return 0;
}

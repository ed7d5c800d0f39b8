#include "testing.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace klest::testing {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CommandResult run_klest(const std::string& args) { return run_klest(args, ""); }

CommandResult run_klest(const std::string& args, const std::string& shell_prefix) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string err_path =
      (dir / ("klest_test_stderr_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
          .string();
  const std::string cmd =
      shell_prefix + " " + quote(KLEST_BINARY) + " " + args + " 2>" + quote(err_path);
  CommandResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t got = 0;
  while ((got = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), got);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream err(err_path);
  std::stringstream ss;
  ss << err.rdbuf();
  r.err = ss.str();
  std::filesystem::remove(err_path);
  return r;
}

}  // namespace klest::testing

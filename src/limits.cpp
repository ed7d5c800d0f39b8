// The limits klest enforces and the machine's memory (include/klest/limits.hpp).

#include "klest/limits.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "klest/error.hpp"

namespace klest {

namespace {

// The memory limit of the cgroup (v2, then v1) klest runs in; 0 for none.
std::uint64_t cgroup_limit() {
  for (const char* path : {"/sys/fs/cgroup/memory.max",
                           "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text) || text == "max") continue;
    try {
      return std::stoull(text);
    } catch (const std::exception&) {
    }
  }
  return 0;
}

}  // namespace

std::uint64_t machine_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  std::uint64_t ram = pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : 0;
  const std::uint64_t group = cgroup_limit();
  if (group > 0 && (ram == 0 || group < ram)) ram = group;
  return ram;
}

std::string bytes_text(double bytes) {
  static constexpr const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  std::size_t u = 0;
  while (bytes >= 1000 && u + 1 < std::size(units)) {
    bytes /= 1000;
    ++u;
  }
  if (u == 0) return fmt::format("{:.0f} bytes", bytes);
  return fmt::format("{:.3g} {}", bytes, units[u]);
}

std::uint64_t parse_bytes(std::string_view text, std::string_view what) {
  const auto bad = [&] {
    if (what.empty()) {
      return InputError(fmt::format("'{}' is not a size such as 8G, 512M, 1.5GB or 16GiB", text));
    }
    return InputError(fmt::format(
        "{} is '{}', but must be a size such as 8G, 512M, 1.5GB or 16GiB", what, text));
  };
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) throw bad();
  double value = 0;
  try {
    std::size_t used = 0;
    value = std::stod(std::string(text.substr(0, i)), &used);
    if (used != i) throw bad();
  } catch (const std::exception&) {
    throw bad();
  }
  std::string unit(text.substr(i));
  for (char& c : unit) c = char(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  const char* prefixes = "KMGT";
  for (int k = 0; k < 4; ++k) {
    const std::string p(1, prefixes[k]);
    if (unit == p || unit == p + "B") scale = std::pow(1000.0, k + 1);
    if (unit == p + "IB") scale = std::pow(1024.0, k + 1);
  }
  if (scale == 0) throw bad();
  const double bytes = value * scale;
  if (!(bytes >= 1) || bytes > 1.8e19) throw bad();
  return std::uint64_t(bytes);
}

void check_memory(double need, std::uint64_t limit, const std::string& what) {
  const bool given = limit > 0;
  if (!given) limit = machine_memory();
  if (limit == 0 || need <= double(limit)) return;
  throw InputError(fmt::format(
      "{} needs about {} of memory, but {} {}; {}", what, bytes_text(need),
      given ? "--max-memory allows" : "this machine has", bytes_text(double(limit)),
      given ? "raise --max-memory or make the job smaller"
            : "make the job smaller (fewer or smaller samples, fewer threads)"));
}

int checked_threads(long long threads, std::string_view what) {
  if (threads < 1 || threads > max_threads) {
    throw InputError(fmt::format("{} is {}, but must be a thread count from 1 to {} (klest's "
                                 "limit; more threads than cores gain nothing)",
                                 what, threads, max_threads));
  }
  return int(threads);
}

}  // namespace klest

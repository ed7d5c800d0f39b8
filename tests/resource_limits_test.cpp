// The limits of include/klest/limits.hpp: bounded file reads, memory figures and the --max-memory
// grammar, thread counts, and kde's memory in high dimension measured under an address-space
// limit.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/limits.hpp"
#include "klest/samples.hpp"
#include "testing.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(ResourceLimits, FileReadsAreBoundedAndSaySo) {
  const fs::path p = fs::temp_directory_path() / ("klest_limits_" + std::to_string(::getpid()));
  std::ofstream(p) << "0123456789abcdef";
  EXPECT_EQ(klest::read_file(p, 16), "0123456789abcdef");
  EXPECT_THAT([&] { klest::read_file(p, 15); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("it has 16 bytes, but klest reads files of at most 15 bytes")));
  fs::remove(p);
}

TEST(ResourceLimits, SizesAndMemoryFigures) {
  EXPECT_EQ(klest::parse_bytes("8G", "x"), 8'000'000'000u);
  EXPECT_EQ(klest::parse_bytes("1.5GB", "x"), 1'500'000'000u);
  EXPECT_EQ(klest::parse_bytes("16GiB", "x"), std::uint64_t(16) << 30);
  EXPECT_EQ(klest::parse_bytes("512m", "x"), 512'000'000u);
  EXPECT_EQ(klest::parse_bytes("2000", "x"), 2000u);
  for (const char* bad : {"", "G", "-1G", "1X", "nanG", "1e3", "0", "99999999999T"}) {
    EXPECT_THROW(klest::parse_bytes(bad, "--max-memory"), klest::InputError) << bad;
  }
  EXPECT_EQ(klest::bytes_text(640), "640 bytes");
  EXPECT_EQ(klest::bytes_text(2.4e9), "2.4 GB");
  EXPECT_EQ(klest::bytes_text(1.18e12), "1.18 TB");
  EXPECT_GT(klest::machine_memory(), std::uint64_t(1) << 26);  // some memory, read from the system
  EXPECT_NO_THROW(klest::check_memory(1e6, 2'000'000, "job"));
  EXPECT_THAT([] { klest::check_memory(3e6, 2'000'000, "job"); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr("job needs about 3 MB of memory, but --max-memory allows 2 MB")));
  EXPECT_THAT([] { klest::check_memory(1e30, 0, "job"); },
              ThrowsMessage<klest::InputError>(HasSubstr("but this machine has")));
  EXPECT_EQ(klest::checked_threads(1024, "-t"), 1024);
  EXPECT_THROW(klest::checked_threads(1025, "-t"), klest::InputError);
  EXPECT_THROW(klest::checked_threads(0, "-t"), klest::InputError);
}

// kde builds d x d matrices only for shape=full: 3 points in d = 20000 took 9.4 GB before
// (three 20000 x 20000 matrices of doubles). Here the estimate runs in a child process whose
// address space is limited to 2 GiB; AddressSanitizer reserves far more address space than
// that for itself, so under it the estimate runs unlimited and only the estimate is checked.
TEST(ResourceLimits, KdeInTwentyThousandDimensionsNeedsNoMatrices) {
  const auto kde = klest::make_estimator("kde");
  EXPECT_LT(kde->memory_bytes(3, 3, 20000), 1e7);
  EXPECT_GT(klest::make_estimator("kde(shape=full)")->memory_bytes(3, 3, 20000), 1e10);
  klest::Rng rng = klest::rng_for(3);
  const klest::Samples x = klest::testing::gauss(rng, 3, 20000);
  const klest::Samples y = klest::testing::gauss(rng, 3, 20000, 0.5, 1);
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_NO_THROW(kde->estimate(x, y));
#else
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlimit limit{2ul << 30, 2ul << 30};
    ::setrlimit(RLIMIT_AS, &limit);
    try {
      const double v = kde->estimate(x, y).value;
      ::_exit(std::isnan(v) ? 3 : 0);
    } catch (...) {
      ::_exit(4);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "kde ran out of 2 GiB of address space (exit 4) or gave NaN";
#endif
}

}  // namespace

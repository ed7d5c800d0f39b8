#pragma once
// The limits klest enforces, in one place (README, "Limits"). Beyond each, klest refuses with
// exit 2 and a message naming the limit, rather than crashing, hanging or running out of memory.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace klest {

/// Most threads klest starts (-t, an experiment's `threads`, OMP_NUM_THREADS). libgomp keeps
/// per-thread start data on the stack and crashes far above this; no machine klest targets has
/// more cores.
inline constexpr int max_threads = 1024;

/// Largest sample file read (.npy or text), in bytes: 64 GiB.
inline constexpr std::uint64_t max_sample_file_bytes = std::uint64_t(1) << 36;

/// Largest experiment file read, in bytes: 1 MiB (the shipped ones are under 4 KiB).
inline constexpr std::uint64_t max_experiment_file_bytes = std::uint64_t(1) << 20;

/// Most parts of one dotted TOML key (a.b.c has 3) and deepest nesting of TOML arrays and
/// inline tables: toml++ 3.3 parses both recursively, without a limit of its own.
inline constexpr std::size_t max_toml_depth = 64;

/// The memory klest may use: the physical memory of the machine, or the smaller limit of the
/// control group it runs in. 0 if neither can be read.
std::uint64_t machine_memory();

/// "1.5 GB", "312 MB", "640 bytes" (decimal units, 3 significant digits).
std::string bytes_text(double bytes);

/// Parses a --max-memory value: a number with an optional unit, "8G", "512M", "1.5GB",
/// "2000000" (bytes); K, M, G, T are powers of 1000, KiB, MiB, GiB, TiB powers of 1024.
/// Throws InputError naming `what` otherwise.
std::uint64_t parse_bytes(std::string_view text, std::string_view what);

/// Refuses (InputError) when `need` bytes exceed `limit` (0: the machine's memory), saying
/// what needs them and the figure: "<what> needs about 32 GB of memory, but this machine has
/// 24.6 GB; ...". `need` is a double so that products of huge counts cannot wrap.
void check_memory(double need, std::uint64_t limit, const std::string& what);

/// A thread count given by the user as `what` ("-t", "'threads'"): returned when in
/// [1, max_threads], else InputError naming it and the limit.
int checked_threads(long long threads, std::string_view what);

}  // namespace klest

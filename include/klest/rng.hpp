#pragma once
// Random numbers. Every random draw in klest comes from an explicitly passed Rng whose seed is
// derived from the user's seed and the draw's position (never from the thread that runs it),
// and every transform from raw bits to a variate is defined by code we control or by
// Boost.Random, so the same seed gives the same numbers on every platform.

#include <cstdint>
#include <initializer_list>
#include <random>

namespace klest {

using Rng = std::mt19937_64;

/// The seed used when the caller gives none.
inline constexpr std::uint64_t default_seed = 20240611;

/// A generator seeded from a seed and any number of coordinates (cell, replication, side, ...).
/// Distinct coordinates give independent-looking streams.
Rng rng_for(std::uint64_t seed, std::initializer_list<std::uint32_t> coords = {});

/// Uniform on [0, 1) with 53 random bits.
double uniform01(Rng& rng);

/// Standard normal variate (Boost.Random's ziggurat; identical across standard libraries).
double standard_normal(Rng& rng);

}  // namespace klest

#pragma once
// The inner loop of the Euclidean brute-force neighbour search (detail/neighbours.cpp): for a
// few queries against many reference points, the single-precision value
//   g(x, y) = (1 - c) ||y||^2 - 2 x.y
// of every pair, compared at once against a threshold per query, in registers, so that the n m
// values are neither stored nor read back. Only the panels where some pair falls at or below its
// query's threshold (a fifth of them or fewer at n = 1e5) are handed on, to a callback that
// decides which points are candidates.
//
// The reference sample is laid out in panels of panel_width() points: the floats of panel p start
// at p (d + 1) panel_width(). Its first row holds (1 - c) ||y||^2 of each point, row t + 1 holds
// -2 y_t. Points past the sample's end pad the last panel with +inf in the first row and zeros
// below: they pass only a threshold of +inf, and the callback skips them. `panels` should be
// aligned to 64 bytes: a vector load across two cache lines costs two, and misaligned panels
// measured a third slower.
//
// This file is compiled with the building machine's vector units and with contracted
// multiply-adds: g is an approximation whose error the caller bounds, and neither the vector
// width nor the contraction changes which neighbours are found (the caller recomputes the
// candidates' distances exactly).

#include <cstddef>
#include <cstdint>

namespace klest::detail::product_screen {

/// Reference points per panel.
std::size_t panel_width();
/// Queries screened together.
std::size_t tile_rows();

/// Called for a panel where some pair passed: `values` holds g for tile_rows() queries (rows) by
/// panel_width() points (columns), row-major, and bit l of passed[row] is set when the pair of
/// that row and column l passed. The callback may lower `thresholds`.
using Hit = void (*)(void* context, std::size_t panel, const float* values,
                     const std::uint64_t* passed);

/// Screens tile_rows() queries (`queries`: row-major, d floats each) against the panels
/// [first, last) of `panels`. A pair passes when g <= thresholds[row]; thresholds are read again
/// after every hit. A query row padded in with threshold -inf never passes.
void screen(const float* queries, std::size_t d, const float* panels, std::size_t first,
            std::size_t last, float* thresholds, Hit hit, void* context);

/// The vector units' multiply-add limit, for benchmarks that state the screen's fraction of it:
/// `rounds` rounds of multiply_adds_per_round() independent single-precision multiply-adds on
/// vectors of the screen's width (kept in registers, nothing loaded); returns a value that
/// depends on all of them.
float multiply_add_probe(std::size_t rounds);
std::size_t multiply_adds_per_round();

}  // namespace klest::detail::product_screen

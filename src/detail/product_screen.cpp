#include "detail/product_screen.hpp"

#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

namespace klest::detail::product_screen {

namespace {

// The widest vector the compiler was allowed to use; a tile is `rows` queries by `vectors`
// vectors of points, as many accumulators as leave room in the registers (32 vector registers
// with AVX-512, 16 below) for one vector of each panel row and a broadcast query coordinate.
// Measured with AVX-512 (d = 10 and 20, panels in the first-level cache): 6 x 4 sustains about
// 80% of the machine's multiply-add rate, 8 x 2 and 12 x 2 about 70%.
#if defined(__AVX512F__)
constexpr std::size_t lanes = 16, rows = 6, vectors = 4;
#elif defined(__AVX__)
constexpr std::size_t lanes = 8, rows = 6, vectors = 2;
#else
constexpr std::size_t lanes = 4, rows = 6, vectors = 2;
#endif
constexpr std::size_t width = lanes * vectors;
static_assert(width <= 64, "a panel's pairs for one query fit one 64-bit mask");

using Floats = float __attribute__((vector_size(lanes * sizeof(float))));
using Mask = int __attribute__((vector_size(lanes * sizeof(int))));

Floats load(const float* p) {
  Floats v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

Floats min(Floats a, Floats b) { return a < b ? a : b; }

// One bit per lane, set where the comparison held.
std::uint64_t lane_bits(Mask m) {
#if defined(__AVX512F__)
  return _mm512_test_epi32_mask(__m512i(m), __m512i(m));
#elif defined(__AVX__)
  return std::uint64_t(_mm256_movemask_ps(__m256(m)));
#else
  std::uint64_t bits = 0;
  for (std::size_t l = 0; l < lanes; ++l) bits |= std::uint64_t(m[l] != 0) << l;
  return bits;
#endif
}

}  // namespace

std::size_t panel_width() { return width; }
std::size_t tile_rows() { return rows; }

void screen(const float* queries, std::size_t d, const float* panels, std::size_t first,
            std::size_t last, float* thresholds, Hit hit, void* context) {
  const std::size_t stride = (d + 1) * width;
  for (std::size_t p = first; p < last; ++p) {
    const float* panel = panels + p * stride;
    Floats acc[rows][vectors];
    for (std::size_t v = 0; v < vectors; ++v) {
      const Floats low = load(panel + v * lanes);
#pragma GCC unroll 8
      for (std::size_t r = 0; r < rows; ++r) acc[r][v] = low;
    }
    for (std::size_t t = 0; t < d; ++t) {
      Floats y[vectors];
#pragma GCC unroll 4
      for (std::size_t v = 0; v < vectors; ++v) y[v] = load(panel + (t + 1) * width + v * lanes);
#pragma GCC unroll 8
      for (std::size_t r = 0; r < rows; ++r) {
        const float x = queries[r * d + t];
#pragma GCC unroll 4
        for (std::size_t v = 0; v < vectors; ++v) acc[r][v] += x * y[v];
      }
    }
    // Whether any pair passed: the least of g - threshold over the tile is at most 0 (for floats
    // a - b <= 0 exactly when a <= b; a threshold of -inf gives +inf, and the +inf of padding
    // points against a threshold of +inf gives NaN, which compares false: neither passes).
    Floats least = acc[0][0] - thresholds[0];
#pragma GCC unroll 8
    for (std::size_t r = 0; r < rows; ++r) {
      Floats row = acc[r][0];
#pragma GCC unroll 4
      for (std::size_t v = 1; v < vectors; ++v) row = min(row, acc[r][v]);
      least = min(least, row - thresholds[r]);
    }
    if (lane_bits(least <= Floats{}) == 0) continue;
    float values[rows * width];
    std::uint64_t passed[rows];
    for (std::size_t r = 0; r < rows; ++r) {
      const Floats s = Floats{} + thresholds[r];
      passed[r] = 0;
      for (std::size_t v = 0; v < vectors; ++v) {
        __builtin_memcpy(values + r * width + v * lanes, &acc[r][v], sizeof(Floats));
        passed[r] |= lane_bits(acc[r][v] <= s) << (v * lanes);
      }
    }
    hit(context, p, values, passed);
  }
}

// As many accumulators as the screen's tile, each an independent chain of multiply-adds (which
// rounding keeps the compiler from collapsing).
float multiply_add_probe(std::size_t rounds) {
  Floats acc[rows][vectors];
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t v = 0; v < vectors; ++v) acc[r][v] = Floats{} + float(r * vectors + v);
  }
  const Floats scale = Floats{} + 0.999999f, step = Floats{} + 1e-7f;
  for (std::size_t i = 0; i < rounds; ++i) {
#pragma GCC unroll 8
    for (std::size_t r = 0; r < rows; ++r) {
#pragma GCC unroll 4
      for (std::size_t v = 0; v < vectors; ++v) acc[r][v] = acc[r][v] * scale + step;
    }
  }
  float sum = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t v = 0; v < vectors; ++v) {
      for (std::size_t l = 0; l < lanes; ++l) sum += acc[r][v][l];
    }
  }
  return sum;
}

std::size_t multiply_adds_per_round() { return rows * vectors * lanes; }

}  // namespace klest::detail::product_screen

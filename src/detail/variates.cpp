#include "detail/variates.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace klest::detail {

double standard_exponential(Rng& rng) { return -std::log1p(-uniform01(rng)); }

double log_gamma_variate(Rng& rng, double shape) {
  if (shape < 1) {
    const double e = standard_exponential(rng);  // -log U: G(s) = G(s + 1) exp(-E/s)
    return log_gamma_variate(rng, shape + 1) - e / shape;
  }
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double z = 0, v = 0;
    do {
      z = standard_normal(rng);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    if (std::log(uniform01(rng)) < 0.5 * z * z + d - d * v + d * std::log(v)) {
      return std::log(d * v);
    }
  }
}

double beta_variate(Rng& rng, double a, double b) {
  const double la = log_gamma_variate(rng, a), lb = log_gamma_variate(rng, b);
  const double x = 1 / (1 + std::exp(lb - la));
  return std::clamp(x, std::numeric_limits<double>::denorm_min(), std::nextafter(1.0, 0.0));
}

}  // namespace klest::detail

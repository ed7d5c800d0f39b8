#pragma once
// Random variates shared by the distribution families, built on klest::Rng, klest::uniform01
// and klest::standard_normal only, so that the same seed gives the same draws on every
// platform. Each function documents how many uniforms / normals it consumes, in order.

#include "klest/rng.hpp"

namespace klest::detail {

/// A standard exponential variate E = -log1p(-U), U = klest::uniform01 in [0, 1): inversion of
/// the CDF, one uniform per draw, exact up to the rounding of log1p. E lies in
/// [0, 53 log 2 ~ 36.7]; U = 0 gives -0.
double standard_exponential(Rng& rng);

/// log G for G ~ Gamma(shape, 1), shape > 0. For shape >= 1 the rejection method of
/// G. Marsaglia and W. W. Tsang, "A simple method for generating gamma variables", ACM TOMS 26
/// (2000) 363-372: per trial, standard normals until 1 + z/sqrt(9 shape - 3) > 0, then one
/// uniform (acceptance above 95%). Below 1 their boost G(s) = G(s + 1) U^(1/s): one
/// standard_exponential (-log U) first, then the draws for shape + 1; kept in logs, so that
/// tiny shapes, whose G underflows a double, still give a finite log G. Exact (no
/// approximation beyond floating-point rounding).
double log_gamma_variate(Rng& rng, double shape);

/// X ~ Beta(a, b), a, b > 0, as G_a / (G_a + G_b) from two log_gamma_variate draws (G_a first),
/// the standard construction (e.g. L. Devroye, "Non-Uniform Random Variate Generation", 1986),
/// combined as 1/(1 + exp(log G_b - log G_a)) so that small shapes do not give 0/0. Kept inside
/// (0, 1): at worst the smallest positive double or the largest double below 1.
double beta_variate(Rng& rng, double a, double b);

}  // namespace klest::detail

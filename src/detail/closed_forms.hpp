#pragma once
// Closed-form KL divergences that more than one family evaluates: a family reached from
// another by a common bijection (KL is invariant under it), or built from independent copies
// of another. One implementation each, so that the families agree to the last bit.

#include <span>
#include <string>

#include "klest/truth.hpp"

namespace klest::detail {

/// KL(Bernoulli(a) || Bernoulli(b)) = a log(a/b) + (1 - a) log((1 - a)/(1 - b)) for a, b in
/// [0, 1], evaluated as bd0(a, b) + bd0(1 - a, 1 - b) with Loader's deviance term (see
/// special.hpp), whose linear parts cancel analytically: a few ulps relative, also as a -> b,
/// where the textbook form cancels. +inf where b is 0 or 1 and a differs from it. The binomial
/// (n of them), geometric (divided by a) and negative binomial KLs are built on it.
ClosedForm bernoulli_kl(double a, double b);

/// KL(Gumbel(mu1, b1) || Gumbel(mu2, b2)) for maximum-type Gumbels, from r = b1/b2 and
/// s = (mu2 - mu1)/b2. Cross entropy minus entropy, with E exp(-(X - mu2)/b2) = exp(s)
/// Gamma(1 + r) for X ~ P, gives -log r + gamma_E (r - 1) - s + exp(s) Gamma(1 + r) - 1 (the
/// formula PyTorch and TFP register), evaluated as (expm1(u) - u) + lgamma(r) + gamma_E (r - 1)
/// with u = s + lgamma(1 + r): both groups vanish to second order as P -> Q. The magnitude
/// includes |e^u - 1| times the size of u's terms (s_magnitude: the size of the terms the
/// caller summed s from). The Weibull KL (C. Bauckhage,
/// arXiv:1310.3713, 2013) is the same, by invariance under the bijection x -> -log x, which
/// maps Weibull(k, lambda) to Gumbel(-log lambda, 1/k): r = k2/k1, s = k2 log(lambda1/lambda2).
ClosedForm gumbel_kl(double r, double s, double s_magnitude = 0);

/// e^u with magnitude e^u (1 + u_magnitude), where u_magnitude is the size of the terms u was
/// summed from: e^u inherits u's absolute rounding as a relative error.
ClosedForm exp_terms(double u, double u_magnitude);

// ---- gamma-function differences without cancellation ----------------------------------------
// lgamma and digamma are split into Stirling's main part and a small remainder,
//   lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + S(x),   digamma(x) = log x - 1/(2x) - T(x),
// T = -S' (Abramowitz & Stegun 6.1.40, 6.3.18). The main parts of a KL's lgamma and digamma
// terms then combine analytically into Loader's bd0 and r - 1 - log r, which are >= 0 and
// carry no cancellation, and what is left are differences of the small S and T. So shapes of
// 1e16 or 1e300 lose nothing to terms of size shape * log(shape) cancelling. Each function
// returns its value with the magnitude of its terms (klest::ClosedForm).

/// S(x) = lgamma(x) - [(x - 1/2) log x - x + log(2 pi)/2] > 0, x > 0: the Stirling series
/// (stirling_tail) for x >= 9, else lgamma minus the main part directly.
ClosedForm lgamma_remainder(double x);

/// T(x) = log x - 1/(2x) - digamma(x), x > 0: the series sum_k B_2k / (2k x^2k) to k = 9 for
/// x >= 10 (first omitted term below 1e-15 relative), else directly (Boost.Math digamma).
ClosedForm digamma_remainder(double x);

/// bd0(x, m, d) (special.hpp) with its magnitude: the value where the series is summed, else
/// also x |log x| + m |log m| + |d|, the size of the terms of the direct form.
ClosedForm bd0_terms(double x, double m, double d);

/// r - 1 - log r (special.hpp) with its magnitude, including |r - 1| for the rounding of r.
ClosedForm r_minus_1_minus_log_r_terms(double r);

/// dm^2/2 for dm = (m - mean)/sd, a mean m against a normal's mean, with the magnitude of the
/// rounding of m - mean (|dm| (|m| + |mean|)/sd).
ClosedForm mean_shift_term(double dm, double m, double mean, double sd);

/// KL(Gamma(a1, rate b1) || Gamma(a2, rate b2)) (Penny 2001), rewritten as
///   bd0(a2, a1 b2/b1) + (r - 1 - log r)/2 + S(a2) - S(a1) + (a2 - a1) T(a1),   r = a2/a1,
/// where the first term is Loader's deviance of the shape against the mean-matched shape (its
/// difference a2 - a1 b2/b1 from exact products) and the last group is the Bregman divergence
/// of the convex S: all three are >= 0.
ClosedForm gamma_kl(double a1, double b1, double a2, double b2);

/// The gamma entropy minus its Gaussian part: H(Gamma(a, rate b)) = log(2 pi e a)/2 - log b +
/// gamma_entropy_remainder(a), the remainder S(a) - 1/(2a) + (a - 1) T(a) (~ -1/(3a) for
/// large a).
ClosedForm gamma_entropy_remainder(double a);

/// The Beta(a, b) entropy log B(a, b) - (a - 1) psi(a) - (b - 1) psi(b) + (a + b - 2) psi(a + b)
/// as (log a + log b - 3 log c + log(2 pi e))/2 + R, c = a + b, with
///   R = S(a) + S(b) - S(c) - 1/(2a) - 1/(2b) + 1/c + (a - 1) T(a) + (b - 1) T(b) - (c - 2) T(c).
ClosedForm beta_entropy(double a, double b);
/// R above.
ClosedForm beta_entropy_remainder(double a, double b);

/// lgamma(x) - lgamma(x + d), x, d > 0, without cancelling two lgammas of size x log x: for
/// x >= 10, -d log x - (x + d - 1/2) log1p(d/x) + d + S(x) - S(x + d); else directly.
ClosedForm lgamma_difference(double x, double d);

/// log B(a, b) = lgamma(s) + lgamma_difference(l, s) for s = min(a, b), l = max(a, b).
ClosedForm log_beta_terms(double a, double b);

/// Cross entropy -E_P log q of Gamma(a, rate b) minus E_P log X, for a law P with mean mu and
/// Jensen gap J = log mu - E_P log X >= 0 (passed with its magnitude): with lgamma's Stirling
/// split (A & S 6.1.40),
///   bd0(a, b mu) + a J - log(a)/2 + log(2 pi)/2 + S(a),
/// where bd0 is Loader's deviance of a against b mu: no term of size a log a is left to cancel.
/// A pair adds E_P log X - H(P), which it can often simplify analytically.
ClosedForm gamma_cross_entropy_less_mean_log(double a, double b, double mu, ClosedForm jensen);

/// KL(Dirichlet(alpha1) || Dirichlet(alpha2)) (Penny 2001; TFP and PyTorch register it), K >= 2
/// shapes each. The lgamma/digamma form is a sum over the K + 1 slots (alpha_i, and alpha_0 with
/// sign -1) of lgamma Bregman divergences; their Stirling parts combine into
///   alpha2_0 sum_i bd0(p2_i, p1_i) + (sum_i phi(alpha2_i/alpha1_i) - phi(alpha2_0/alpha1_0))/2
///   + sum_i D_S(alpha2_i, alpha1_i) - D_S(alpha2_0, alpha1_0),
/// p_i = alpha_i/alpha_0, phi(r) = r - 1 - log r, D_S(y, x) = S(y) - S(x) + (y - x) T(x). Beta
/// is K = 2.
ClosedForm dirichlet_kl(std::span<const double> alpha1, std::span<const double> alpha2);

}  // namespace klest::detail

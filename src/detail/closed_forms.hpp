#pragma once
// Closed-form KL divergences that more than one family evaluates: a family reached from
// another by a common bijection (KL is invariant under it), or built from independent copies
// of another. One implementation each, so that the families agree to the last bit.

#include <string>

#include "klest/truth.hpp"

namespace klest::detail {

/// A closed-form value (nats, >= 0 or +inf) as a Truth with method closed_form, the reference
/// as its detail, and abs_error 4 eps value (0 for +inf): for formulas good to a few ulps, when a
/// pair is registered with register_kl rather than KLEST_REGISTER_KL.
Truth closed_form_truth(double value, std::string reference);

/// KL(Bernoulli(a) || Bernoulli(b)) = a log(a/b) + (1 - a) log((1 - a)/(1 - b)) for a, b in
/// [0, 1], evaluated as bd0(a, b) + bd0(1 - a, 1 - b) with Loader's deviance term (see
/// special.hpp), whose linear parts cancel analytically: a few ulps relative, also as a -> b,
/// where the textbook form cancels. +inf where b is 0 or 1 and a differs from it. The binomial
/// (n of them), geometric (divided by a) and negative binomial KLs are built on it.
double bernoulli_kl(double a, double b);

/// KL(Gumbel(mu1, b1) || Gumbel(mu2, b2)) for maximum-type Gumbels, from r = b1/b2 and
/// s = (mu2 - mu1)/b2. Cross entropy minus entropy, with E exp(-(X - mu2)/b2) = exp(s)
/// Gamma(1 + r) for X ~ P, gives -log r + gamma_E (r - 1) - s + exp(s) Gamma(1 + r) - 1 (the
/// formula PyTorch and TFP register), evaluated as (expm1(u) - u) + lgamma(r) + gamma_E (r - 1)
/// with u = s + lgamma(1 + r): both groups vanish to second order as P -> Q, and the absolute
/// error is a few ulps of |u| + |r - 1| (Boost.Math lgamma). The Weibull KL (C. Bauckhage,
/// arXiv:1310.3713, 2013) is the same, by invariance under the bijection x -> -log x, which
/// maps Weibull(k, lambda) to Gumbel(-log lambda, 1/k): r = k2/k1, s = k2 log(lambda1/lambda2).
double gumbel_kl(double r, double s);

}  // namespace klest::detail

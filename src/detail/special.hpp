#pragma once
// Special functions and cancellation-free differences shared by the distribution families:
// Loader's saddle-point terms for binomial-type probabilities (bd0, stirlerr, balance) and
// log-space helpers such as r - 1 - log r and e^t - 1 - t. Each is written so that the
// quantity stays accurate exactly where the textbook formula cancels.
// "Accurate" below means a few ulps relative (or the absolute error stated), in IEEE double.

namespace klest::detail {

/// bd0(x, m) = x log(x/m) + m - x >= 0 for x, m >= 0, the deviance term of the saddle-point
/// expansion in C. Loader, "Fast and accurate computation of binomial probabilities" (2000).
/// For |d| < 0.1 (x + m) it sums the series d v + 2x sum_{j>=1} v^(2j+1)/(2j+1), v = d/(x + m),
/// whose terms share one sign: a few ulps relative, also as x -> m where the textbook form
/// cancels completely. Elsewhere (there bd0 > 0.005 (x + m)) x (log x - log m) - d directly,
/// good to a few ulps of x |log x| + m |log m| absolute. d = x - m is passed in because callers
/// often know it more accurately than x - m rounds. bd0(0, m) = m; bd0(x > 0, 0) = +inf.
double bd0(double x, double m, double d);

/// stirlerr(n) = log(n!) - [(n + 1/2) log n - n + log(2 pi)/2] for real n > 0, Loader's
/// Stirling-formula error (Loader 2000). For n > 15 the Stirling series to the n^-9 term, whose
/// next term is below 3e-16 absolute; below that lgamma(n + 1) minus the Stirling formula,
/// good to ~1e-14 absolute.
double stirlerr(double n);

/// The same quantity as stirlerr, lgamma(a + 1) - [(a + 1/2) log a - a + log(2 pi)/2], by the
/// Stirling series sum_k B_2k / (2k (2k - 1) a^(2k - 1)) to nine terms (k <= 9), for a >= 9,
/// where it reaches ~1e-17 absolute (Abramowitz & Stegun 6.1.40). A more accurate sibling of
/// stirlerr's series branch, used by the gamma density for shape >= 10.
double stirling_tail(double a);

/// r q - k p for q = 1 - p as the caller rounded it: the "balance" r - n p of a binomial with
/// r successes and k failures out of n = r + k. Exact products (fma) and the rounding error of
/// q are folded back, so the result is accurate even where r q and k p nearly cancel.
double balance(double r, double k, double p, double q);

/// r - 1 - log r >= 0 for r > 0, as -log1pmx(r - 1) (Boost.Math) for 1/2 < r < 2, where the
/// direct form cancels, else directly: accurate to a few ulps relative.
double r_minus_1_minus_log_r(double r);

/// e^t - 1 - t >= 0, by its Taylor series t^2/2! + ... + t^13/13! for |t| < 0.1 (the
/// truncation is below 1e-22 relative there), else expm1(t) - t: a few ulps relative.
double expm1mx(double t);

/// log(1 + t^2) for t >= 0: log1p(t^2), or 2 log t for t >= 1e150, where t^2 would overflow.
double log1p_square(double t);

/// log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b) (Boost.Math lgamma), a, b > 0.
double log_beta(double a, double b);

}  // namespace klest::detail

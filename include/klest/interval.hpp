#pragma once
// Confidence intervals for an estimate of KL(P||Q) by resampling the two samples, for any
// estimator:
//
//   bootstrap    (B. Efron, "Bootstrap methods: another look at the jackknife", Ann. Statist.
//                7(1):1-26, 1979) R replicates, each re-estimating from n points drawn from
//                the sample of P with replacement and m drawn from the sample of Q with
//                replacement, independently; the interval is the percentile interval
//                [Q(alpha/2), Q(1 - alpha/2)] of the replicate estimates, alpha = 1 - level.
//                Resamples repeat points, which estimators built for continuous data treat as
//                ties (knn: an error by default, a distorted value with ties=skip or jitter).
//   subsampling  (D. N. Politis and J. P. Romano, "Large sample confidence regions based on
//                subsamples under minimal assumptions", Ann. Statist. 22(4):2031-2050, 1994)
//                R replicates on subsamples drawn without replacement, b_n = floor(n^(2/3))
//                points of P's sample and b_m = floor(m^(2/3)) of Q's. With the estimator's
//                convergence rate tau_n = n^beta and the effective sizes n' = min(n, m),
//                b' = min(b_n, b_m) (two-sample convention of the R package kldest), the law
//                of tau_n' (theta_n - theta) is approximated by that of
//                z = tau_b' (theta*_b - theta_n), so the interval is
//                [theta_n - Q_z(1 - alpha/2) / tau_n', theta_n - Q_z(alpha/2) / tau_n'].
//                beta is estimated from the data unless given (see IntervalOptions::rate).
//
//   bca          (B. Efron, "Better bootstrap confidence intervals", J. Amer. Statist. Assoc.
//                82(397):171-185, 1987; Efron & Tibshirani, "An Introduction to the
//                Bootstrap", 1993, ch. 14) the bootstrap replicates above, read at the
//                bias-corrected and accelerated levels Phi(z0 + (z0 + z_a) / (1 - a (z0 + z_a)))
//                for z_a = Phi^-1(alpha/2) and Phi^-1(1 - alpha/2): z0 = Phi^-1 of the share of
//                replicates below the estimate (half of those equal), which moves the interval
//                against the plug-in's bias instead of doubling it as the percentile interval
//                does; a, the acceleration, from a grouped jackknife (each sample in G =
//                min(20, size) random groups, each left out once: G estimates per sample) with
//                the two-sample formula a = sum_k G^-3 sum_g U^3 / (6 (sum_k G^-2 sum_g U^2)^1.5),
//                U = (G - 1)(mean - leave-out estimate). Costs R + 2G estimates.
//   subsampling_bc  subsampling centred on the subsamples' own mean: the interval is
//                [theta_n - shrink (Q(1 - alpha/2) - mean), theta_n - shrink (Q(alpha/2) - mean)]
//                with shrink = (b'/n')^beta, where subsampling centres on theta_n. The subsample
//                estimates carry the larger bias of the smaller size b; centred on theta_n
//                that bias shifts the interval by shrink times the bias difference (for knn(k=5)
//                on N(0,1)||N(1,2^2), n = 1000, by 0.011, a quarter of the sd), centred on their
//                mean it does not. beta is 0.5 (root-n estimators) unless given: the estimated
//                beta is noisy (sd 0.07), and its noise costs coverage. Costs R estimates.
//                The bias of theta_n itself is not removed unless bias_rate = gamma is given:
//                then the estimate is moved by the bias extrapolated across sample sizes
//                (Richardson extrapolation; for resampling Bickel, Goetze & van Zwet,
//                Statistica Sinica 7:1-31, 1997; Bertail & Politis, Canad. J. Statist.
//                29(4):667-680, 2001): with bias c s^-gamma at size s, the mean of R estimates
//                on half-samples minus theta_n is c n^-gamma (2^gamma - 1), so theta_n's bias
//                is that difference over (2^gamma - 1) (R more estimates). Measured on knn(k=5),
//                5-D Gaussians, n = 1000 with gamma = 2/d: the correction's own noise (sd 0.043,
//                as large as the estimate's) lowers coverage (0.65 against 0.72 without), so it
//                is off by default.
//
// Quantiles are R's type 7 (linear interpolation between order statistics). Replicates run in
// parallel through detail::parallel_for, each from its own streams: interval replicate r draws
// its indices from klest::rng_for(seed, {stream, 1, r, 0}) and gives a randomized estimator
// rng_for(seed, {stream, 1, r, 1}); chain r of the rate estimate draws from
// rng_for(seed, {stream, 2, r, 0}) and estimates size j with rng_for(seed, {stream, 2, r, 1 + j}).
// Results are stored by index and reduced afterwards, so the interval does not depend on the
// number of threads.
//
// Replicates whose estimate throws InputError (e.g. knn with ties=error on a bootstrap resample,
// which always repeats points) are left out and counted; infinite replicate estimates are kept in
// the ordering (an infinite bound is then reported as such) and counted. Nothing is clipped: a
// negative point estimate or bound stays negative.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klest/estimator.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"

namespace klest {

enum class IntervalMethod { bootstrap, subsampling, bca, subsampling_bc };
std::string_view to_string(IntervalMethod m);
/// "bootstrap", "subsampling", "bca" or "subsampling_bc"; InputError naming the word and the
/// choices otherwise.
IntervalMethod parse_interval_method(std::string_view name);
/// Every method's name, in the order of the enum.
std::vector<std::string> interval_method_names();
/// Whether the method takes a convergence rate (IntervalOptions::rate): the subsampling ones.
bool uses_rate(IntervalMethod m);

/// The most replicates an interval may ask for.
inline constexpr std::size_t max_interval_replicates = 1'000'000;

struct IntervalOptions {
  IntervalMethod method = IntervalMethod::bootstrap;
  double level = 0.95;           // confidence level, in (0, 1)
  std::size_t replicates = 200;  // R, in [2, max_interval_replicates]
  std::uint64_t seed = default_seed;
  std::uint32_t stream = 0;  // first coordinate of every replicate's rng_for (e.g. which
                             // estimator of several), so that streams never coincide
  /// Subsampling: b = floor(size^subsample_exponent) points per sample; in (0, 1).
  double subsample_exponent = 2.0 / 3;
  /// Subsampling: beta in tau_n = n^beta, > 0 (0.5 for root-n estimators). Unset: 0.5 for subsampling_bc; for subsampling estimated
  /// from the data after kldest's convergence_rate (N. Hartung, R package kldest; Politis,
  /// Romano & Wolf, "Subsampling", Springer 1999, ch. 8): R nested chains of subsamples at the
  /// 4 sizes b * 1.5^(j - 1.5), j = 0..3 (each chain draws the largest from the sample and each
  /// smaller one from the one above, as kldest does); at each size the log of the spread
  /// Q(1 - l) - Q(l) of the estimates, averaged over l = 0.05, 0.10, ..., 0.45, minus the
  /// finite-population term log(1 - b'/n')/2 (a choice made here: sampling without replacement
  /// shrinks the spread by sqrt(1 - b/n), which otherwise biases beta upward, by about 0.06 at
  /// b/n = 0.1); beta = minus the least-squares slope of that against log b'. It costs 4 R
  /// extra estimates on subsamples, and beta is noisy (sd 0.074 with R = 200 for a root-n
  /// estimator at n = 1000), which widens or narrows the interval by a factor (b'/n')^(delta
  /// beta): give the rate when it is known.
  std::optional<double> rate;
  /// subsampling_bc: gamma, the exponent of the estimator's bias c n^-gamma, > 0, to correct
  /// the point estimate's bias by extrapolation from half-samples. Unset: no correction.
  std::optional<double> bias_rate;
};

struct ConfidenceInterval {
  IntervalMethod method = IntervalMethod::bootstrap;
  double level = 0.95;
  double estimate = 0;         // the point estimate theta_n the interval belongs to (nats)
  double lo = 0, hi = 0;       // the bounds (nats); may be -inf / +inf, never NaN
  std::size_t replicates = 0;  // R
  std::size_t failed = 0;      // replicates whose estimate threw InputError, left out
  std::size_t infinite = 0;    // replicates whose estimate is +-inf, kept in the ordering
  std::string first_failure;   // the message of the failed replicate of lowest index, if any

  // Subsampling only.
  std::size_t subsample_p = 0, subsample_q = 0;  // b_n, b_m
  double rate = 0;                               // beta
  bool rate_estimated = false;                   // beta came from the data (else it was given)
  std::vector<std::size_t> rate_sizes;           // b' at each size of the rate estimate
  std::vector<double> rate_log_spreads;          // mean log spread of the estimates at each size
  std::size_t rate_left_out = 0;                 // rate-step estimates that failed or were infinite

  // subsampling_bc with bias_rate only: the estimated bias of the point estimate (the interval
  // is centred on estimate - bias) and the exponent gamma used.
  double bias = 0;
  double bias_rate = 0;
  // bca only: the bias correction z0 and the acceleration a.
  double z0 = 0, acceleration = 0;
};

/// A confidence interval for `estimator` on the samples p (n points) and q (m points), around
/// the point estimate `estimate` (the estimator's value on the full samples, in nats). Throws
/// InputError (naming the estimator's label) for an option out of range, for subsamples smaller
/// than the estimator needs, for a subsampling interval around an infinite point estimate, when
/// fewer than 2 replicates succeed (quoting the first failure; for the bootstrap also saying
/// that resamples repeat points), and when beta cannot be estimated (no spread, or a spread that
/// does not shrink with the subsample size). Errors of the estimator other than InputError are
/// defects and propagate.
ConfidenceInterval confidence_interval(const Estimator& estimator, SampleView p, SampleView q,
                                       double estimate, const IntervalOptions& options = {});

/// The type-7 quantile of sorted values at probability prob in [0, 1]: with h = (N - 1) prob,
/// x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]); an infinite neighbour with positive
/// weight makes it infinite (between -inf and +inf, the nearer one). `sorted` must be non-empty.
double quantile_sorted(const std::vector<double>& sorted, double prob);

}  // namespace klest

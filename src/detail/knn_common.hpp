#pragma once
// Pieces shared by the k-nearest-neighbour and spacing estimators (estimators/knn*.cpp,
// nnr.cpp, perez_cruz.cpp), so that each exists once: the `ties` parameter and the policy
// behind it (error, skip, jitter), the jitter itself, digamma differences at integers,
// index-order compensated sums of log neighbour distances per rank, and the minimum-norm
// weights of the weighted and ensemble estimators. The searches themselves are in detail/neighbours.hpp.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detail/neighbours.hpp"
#include "detail/sum.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/params.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"

namespace klest::detail {

// BibTeX entries of the papers several estimators rest on.
inline constexpr std::string_view wkv2009_bibtex =
    "@article{wang2009divergence,\n"
    "  author  = {Wang, Qing and Kulkarni, Sanjeev R. and Verd{\\'u}, Sergio},\n"
    "  title   = {Divergence Estimation for Multidimensional Densities via "
    "$k$-Nearest-Neighbor Distances},\n"
    "  journal = {IEEE Transactions on Information Theory},\n"
    "  volume  = {55},\n  number  = {5},\n  pages   = {2392--2405},\n  year    = {2009},\n"
    "  doi     = {10.1109/TIT.2009.2016060}\n}";
inline constexpr std::string_view perez_cruz2008_bibtex =
    "@inproceedings{perezcruz2008kullback,\n"
    "  author    = {P{\\'e}rez-Cruz, Fernando},\n"
    "  title     = {Kullback-Leibler Divergence Estimation of Continuous Distributions},\n"
    "  booktitle = {Proceedings of the IEEE International Symposium on Information Theory "
    "(ISIT)},\n"
    "  address   = {Toronto},\n  pages     = {1666--1670},\n  year      = {2008},\n"
    "  doi       = {10.1109/ISIT.2008.4595271}\n}";

// ---------------------------------------------------------------------------------------------
// Ties: repeated points make a neighbour distance zero (or, for the counting estimators, make
// the neighbour set depend on row order).

enum class Ties { error, skip, jitter };

/// The `ties` parameter: error (default), skip, jitter.
ParamDef ties_param();
Ties ties_from(const Params& p);

/// "1st", "2nd", "3rd", "11th", ...
std::string ordinal(std::size_t k);

/// The width of uniform jitter per column: the smallest gap between distinct values of that
/// column in the pooled samples. A column constant in both samples gets the smallest width of
/// the other columns (1 if all are constant): jittering a coordinate on which P and Q agree
/// alike leaves KL(P||Q) unchanged.
std::vector<double> resolution(SampleView x, SampleView y);
/// A copy of `s` with U(-width_j/2, width_j/2) added to column j, drawn from `rng` row by row.
Samples jittered(SampleView s, const std::vector<double>& width, Rng& rng);

/// For messages: "p row 3 coincides with p row 8" (or "... with q row 8"): the first other row
/// of x, else of y, with exactly the coordinates of x row `i` (0-based in, 1-based out). Used
/// only on error paths (O((n + m) d)).
std::string coincidence(SampleView x, SampleView y, std::size_t i);

/// The error every k-NN estimator throws for ties under ties=error:
///   estimator '<label>': <what><when> (<tied> of <total> points of <sample> <condition>);
///   repeated points need ties=skip, ties=jitter<remedy>
InputError tie_error(std::string_view label, std::string_view what, std::string_view when,
                     std::size_t tied, std::size_t total, std::string_view sample,
                     std::string_view condition, std::string_view remedy);

/// The two neighbour tables of the distance-ratio estimators: rho within the sample from P
/// (each point excluding itself, ranks 1..l) and nu from P to the sample from Q (ranks 1..k).
struct DistanceTables {
  NeighbourTable rho, nu;
  /// One flag per point of P: rho_{p_rank} or nu_{q_rank} is zero (its log-ratio term is
  /// infinite or undefined).
  std::vector<char> zero_flags(std::size_t p_rank, std::size_t q_rank) const;
};
DistanceTables distance_tables(SampleView x, SampleView y, std::size_t l, std::size_t k,
                               NeighbourQuery query);

/// tie_error for zero distances: names the first flagged point and the row it coincides with.
InputError zero_distance_error(std::string_view label, SampleView x, SampleView y,
                               const std::vector<char>& flags, std::string_view when,
                               std::string_view remedy);

/// The error for ties=skip when no term is left.
InputError nothing_left_error(std::string_view label, std::string_view sample);

/// The ties policy around one estimate. `evaluate(x, y)` searches the samples and returns a
/// state object with
///   std::size_t tied() const;                       // points whose term is affected
///   Estimate combine(bool skip) const;              // the estimate, dropping tied terms if skip
///   InputError tie_error(std::string_view when) const;  // the ties=error message
/// With no ties, or ties=skip (diagnostic "skipped"), the state is combined directly;
/// ties=error throws its error; ties=jitter perturbs both samples at their resolution (drawn
/// from `rng`: x first, then y), evaluates again and reports "tied_points" (before jitter) and
/// "jitter_width_max". Jitter smooths P and Q alike, which changes the estimand slightly.
template <class Evaluate>
Estimate resolve_ties(SampleView x, SampleView y, Ties ties, Rng& rng, Evaluate&& evaluate) {
  const auto state = evaluate(x, y);
  const std::size_t tied = state.tied();
  if (tied == 0 || ties == Ties::skip) {
    Estimate e = state.combine(ties == Ties::skip);
    if (ties == Ties::skip) e.diag.set("skipped", double(tied));
    return e;
  }
  if (ties == Ties::error) throw state.tie_error("");
  const std::vector<double> width = resolution(x, y);
  const Samples xj = jittered(x, width, rng);
  const Samples yj = jittered(y, width, rng);
  const auto again = evaluate(SampleView(xj), SampleView(yj));
  if (again.tied() != 0) {
    throw again.tie_error(
        " after jitter (the values are too large for their resolution to separate them in "
        "double precision)");
  }
  Estimate e = again.combine(false);
  e.diag.set("tied_points", double(tied));
  e.diag.set("jitter_width_max", *std::max_element(width.begin(), width.end()));
  return e;
}

// ---------------------------------------------------------------------------------------------
// Sums.

/// psi(a) - psi(b) for positive integers, exactly as the finite sum of 1/j between them.
double digamma_difference(std::size_t a, std::size_t b);
/// psi(a) for a positive integer a (Boost.Math; a few ulps).
double digamma_integer(std::size_t a);

/// One log-ratio term: the q_rank-th neighbour distance in Q over the p_rank-th in P.
struct RankPair {
  std::size_t q_rank, p_rank;
};

/// For each pair, the mean over the kept rows i of log nu_{q_rank}(i) - log rho_{p_rank}(i)
/// (nu: table of distances to the sample from Q, rho: within P), each sum compensated and in
/// index order. `skip` is empty (keep all) or one flag per row; at least one row must be kept.
std::vector<double> mean_log_ratios(const NeighbourTable& nu, const NeighbourTable& rho,
                                    std::span<const RankPair> pairs,
                                    const std::vector<char>& skip);
/// The mean over the kept rows of log t_rank(i) (one table, e.g. for an entropy).
double mean_log_distance(const NeighbourTable& t, std::size_t rank,
                         const std::vector<char>& skip);

// ---------------------------------------------------------------------------------------------
// Weights.

/// The minimum-Euclidean-norm w with A w = e_1 (A: rows x cols, row-major, rows <= cols, full
/// row rank), i.e. w = A^T (A A^T)^-1 e_1, computed by a complete orthogonal decomposition of A
/// (stabler than forming A A^T). Returns an empty vector if A is numerically rank deficient.
std::vector<double> min_norm_weights(const std::vector<double>& a, std::size_t rows,
                                     std::size_t cols);

/// Berrett, Samworth & Yuan's weights on the ranks j = 1..k in dimension d: the minimum-norm w
/// with sum_j w_j = 1 and sum_j w_j Gamma(j + 2 ell / d) / Gamma(j) = 0 for ell = 1..floor(d/4)
/// (the ratios as exp(lgamma - lgamma)); e_k when d <= 3 (no constraint). `constraints` (at
/// most floor(d/4), the default) keeps only ell = 1..constraints; 0 gives e_k. Empty if
/// k < 1 + constraints (too few ranks for the constraints).
std::vector<double> bsy_weights(std::size_t k, std::size_t d, std::size_t constraints = ~std::size_t(0));

/// The Moon-Hero ensemble weights over base estimators with neighbour counts ks (ks[j] >= 1):
/// the minimum-norm w with sum_j w_j = 1 and sum_j w_j s_j^e = 0 for every exponent e in
/// `powers` (i/d for i in J), s_j = ks[j] / scale (scale sets only the conditioning: each
/// constraint is homogeneous in s). Empty if there are fewer distinct counts than constraints.
std::vector<double> ensemble_weights(std::span<const std::size_t> ks,
                                     std::span<const double> powers, double scale);

}  // namespace klest::detail

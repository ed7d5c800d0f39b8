// Kernel density plug-in (resubstitution) KL estimator, with a leave-one-out density estimate
// for P at P's own points:
//
//   D(P||Q) ~ (1/n) sum_i [ log p_{-i}(x_i) - log q(x_i) ]
//   p_{-i}(x) = 1/(n-1) sum_{j != i} K_{H_p}(x - x_j)      (x_i left out of its own estimate)
//   q(x)      = 1/m     sum_j        K_{H_q}(x - y_j)      (x_i is not in the sample from Q)
//   K_H(v)    = K(L^-1 v) / det L,  H = L L^T with L lower triangular (the Cholesky factor of
//               the bandwidth matrix; L = diag(h_1, ..., h_d) for a diagonal H)
//
// Both densities are evaluated in log space with log-sum-exp, so a P point deep in Q's tail gives
// a large finite -log q rather than an underflow to q = 0 and a spurious +inf.
//
// Kernels (u = L^-1 v):
//   gaussian:     K(u) = (2 pi)^(-d/2) exp(-|u|^2 / 2)
//   epanechnikov: K(u) = (d + 2) / (2 c_d) (1 - |u|^2) for |u| < 1, else 0, with
//                 c_d = pi^(d/2) / Gamma(d/2 + 1) the volume of the unit d-ball (the spherical
//                 multivariate Epanechnikov kernel, Silverman 1986, Sec. 4.2.1).
//
// Evaluation by whitening. Each density works in its own coordinates z = L^-1 (x - c), c the
// mean of its own sample; then K_H(x - s) = K(z_x - z_s) / det L, so one kernel code with unit
// bandwidth serves every shape, and log det L is the Jacobian of the change of coordinates. The
// p estimate whitens x by L_p; the q estimate whitens y, and the query points x, by L_q. In
// log p - log q the two Jacobians cancel only when H_p = H_q (a fixed h, or equal sample
// covariances and sizes); in general both are kept. First of all every column of both samples
// is multiplied by a common power of two (exact) that brings its values into [-1, 1], so sums
// and squares can neither overflow nor underflow; that common change of units cancels exactly
// in log p - log q and is left out of both.
//
// Bandwidths. Each density takes its bandwidth matrix from its own sample: H_p from x (its size
// n and spread), H_q from y (m and the spread of y), because each is a density estimate of its
// own law; a pooled choice would let P's sample change the estimate of Q's density. With N the
// sample's size, sd_j the sample standard deviation of column j and S the sample covariance
// (divisor N - 1), the rule gives a factor f,
//   scott:     f = N^(-1/(d+4))                  (D. W. Scott, Multivariate Density Estimation,
//                                                  Wiley 1992; scipy's scotts_factor)
//   silverman: f = (4 / ((d + 2) N))^(1/(d+4))   (Silverman 1986, Ch. 4: the optimal width
//              for normal data and the normal kernel; scipy's silverman_factor)
// and `shape` says how the spread enters:
//   scalar:   H = h^2 I, h = f sqrt(mean_j sd_j^2), the root-mean-square column sd (rotation
//             invariant, and the sd itself in 1-D). The data are used as they are, so the
//             estimate is invariant under shifts, rotations and common scaling only.
//   diagonal: H = diag(h_j^2), h_j = f sd_j (the default). Invariant also under scaling single
//             coordinates.
//   full:     H = f^2 S, scipy.stats.gaussian_kde's choice: L = f chol(S), i.e. the sample is
//             whitened by its own Cholesky factor and smoothed with the scalar bandwidth f.
//             Invariant under every invertible affine map of both samples. S must be
//             non-singular: N >= d + 1, and every pivot of the Cholesky factor of the
//             correlation matrix (the fraction of a column's variance not explained by the
//             columns before it) above 1e-12, the threshold gaussian_fit uses, else an
//             InputError naming the sample and the column.
// In 1-D the three shapes coincide. Both rules are normal-reference rules for the Gaussian
// kernel; the Epanechnikov kernel takes the same H times the square of the ratio of the two
// kernels' optimal widths (Silverman 1986, Sec. 4.3.2, Table 4.1; J. S. Marron, D. Nolan,
// "Canonical kernels for density estimation", Statist. Probab. Lett. 7(3):195-199, 1988):
// 2.21 in 1-D, 2.40 in 2-D, 2.87 in 5-D (formula at epanechnikov_ratio). Its support radius was
// once h itself, the Gaussian width: so narrow that isolated points of P had no other point of P
// within reach, and the estimate was -inf on 9 of 10 ordinary test pairs, N(0,1) vs N(1,2^2)
// among them. Diagnostics h_p and h_q include the ratio.
// A real h > 0 overrides the rule: H = h^2 I for both samples in data units (the scalar and
// diagonal shapes then coincide; shape=full and bandwidth=lcv, which take H from the data, are
// refused with it), and constant columns and single points are allowed; an h so small that
// some point lies over 1e150 bandwidths from a sample's centre is refused (squared distances
// would overflow). With a rule, a column with zero variance in either sample (always so for a
// single point) gives an InputError naming the sample and the column (with shape=scalar only
// when every column is constant).
//
// Likelihood cross-validation (bandwidth=lcv): H = c^2 H_0, H_0 the silverman bandwidth matrix
// of the chosen shape, with the scalar c in [1/8, 4] that maximises the sample's own
// leave-one-out log-likelihood
//   LCV(c) = sum_i log s_{-i}(s_i; c^2 H_0),
// separately for each density: for P over x (the p_{-i} above), for Q over y with Q's own
// leave-one-out estimate (so m >= 2 is needed). References: J. D. F. Habbema, J. Hermans,
// K. van den Broek, "A stepwise discriminant analysis program using density estimation",
// COMPSTAT 1974, Physica-Verlag, pp. 101-110; R. P. W. Duin, "On the choice of smoothing
// parameters for Parzen estimators of probability density functions", IEEE Trans. Computers
// C-25(11):1175-1179, 1976. Search: golden section on log c over [log(1/8), log 4], always 16
// iterations (18 evaluations of LCV, no tolerance test, so the choice is deterministic), ending
// in a bracket 3.47 * 0.618^16 = 1.6e-3 wide in log c: c is within 0.16 % of a local maximiser,
// far finer than the sampling variability of the LCV bandwidth itself. The result is the better
// of the last two interior points; ties move towards larger c (so an Epanechnikov LCV that is
// -inf at both probes, from an isolated point, widens). Golden section finds a local maximum;
// LCV in c is usually unimodal, and a maximiser at an end of the bracket is returned as it is
// (diagnostics show it). The lower end also keeps LCV from running to c -> 0, where repeated
// points make it diverge (p_{-i}(x_i) >= K(0) / ((n-1) det L)); LCV is known to choose too wide
// a kernel for heavy-tailed data (P. Hall, Ann. Statist. 15(4):1491-1519, 1987).
//
// Diagnostics: "h_p" and "h_q", the geometric mean bandwidth det(L)^(1/d) in data units (h
// itself for shape=scalar); with lcv "lcv_factor_p" and "lcv_factor_q", the chosen c.
//
// With the Epanechnikov kernel the densities have compact support, and with one global
// bandwidth a query point can have no sample point within reach: an isolated point of P (its
// leave-one-out p_{-i} = 0, a term of -inf) or a point of P beyond the reach of Q's sample (q = 0,
// +inf). With the rule bandwidths both happened on ordinary data: before the canonical rescaling
// above, 9 of 10 test pairs gave +-inf; after it, still 3 of 20 data sets of N(0,1) vs N(1,2^2),
// 7 of 20 at P = Q = N(0,1), and all 20 on the correlated 5-D Gaussian pair, t3 vs normal and
// gamma(2,1) vs gamma(3,2) (n = m = 1000). The cause is the tails: a compact kernel's
// likelihood is governed by the largest gaps of the sample (P. Hall, Ann. Statist. 15(4), 1987).
// So with a rule bandwidth (silverman, scott, lcv) such a query alone takes the nearest-
// neighbour density of that sample instead, 1 / (N V_d r^d det L), r the whitened distance to
// its nearest point (N = n - 1 or m, V_d the volume of the unit ball): the balloon estimator
// with the bandwidth widened just to the nearest point (D. O. Loftsgaarden, C. P. Quesenberry,
// "A nonparametric estimate of a multivariate density function", Ann. Math. Statist.
// 36(3):1049-1051, 1965; G. R. Terrell, D. W. Scott, "Variable kernel density estimation", Ann.
// Statist. 20(3):1236-1265, 1992), in the form whose log has the same bias for P and Q (the
// knn estimator's). Every other query keeps the rule's bandwidth. A support mismatch then makes
// the estimate grow like log m instead of +inf, as knn's does (on U(0, 2) vs U(0, 1), n = m:
// 2.4 at 1000, 3.5 at 10^4), while at P = Q the few tail points affected get ordinary terms.
// Diagnostics "p_widened_points" and "q_widened_points" count those queries. With a fixed h the bandwidth is taken as given:
// q = 0 gives +inf (the plug-in's answer for that h: its Q estimate puts no mass where P has
// some), p_{-i} = 0 gives -inf, unless some q is also 0, in which case +inf is returned (the sum
// is undefined; +inf reports the support mismatch); diagnostics "q_zero_points" and
// "p_zero_points" count such points whenever there are any.
//
// Truncation (truncate=true, the default). Each density's whitened sample goes into the k-d tree
// of bounding boxes the k-NN searches use (klest::detail::BoxTree: median splits of the widest
// coordinate, leaves of at most 32 points stored one after the other); a query visits the
// leaves nearest first, skips every box beyond the truncation radius, and sums whole leaves in
// tight loops:
//   epanechnikov: the points with |u| < 1, exactly those whose kernel value is not 0: exact.
//   gaussian:     within a relative error `tolerance` (default 1e-6) of every sum, so each log
//                 density within -log(1 - tol) ~ tol and D within twice that. All terms are
//                 scaled by exp(D0 / (2 c^2)), D0 the squared distance to the nearest point
//                 (found first; the left-out point excluded), so no term exceeds 1 and the
//                 nearest is exactly 1: a query in a far tail keeps a finite log q. The query
//                 walks the tree nearest boxes first; a box of n_B points is taken whole when
//                 its error bound fits its share of the budget, tol/2 times (a lower bound of
//                 its own terms + n_B/N times a lower bound of the whole sum so far), so the
//                 errors add up to at most tol times the sum (the budget rule of A. G. Gray and
//                 A. W. Moore, "Nonparametric density estimation: toward computational
//                 tractability", SIAM Data Mining 2003). Taken whole means either n_B times the
//                 midpoint of its terms' range (the nearest and farthest corner give the range)
//                 or, in 1-3 dimensions, the box's Hermite expansion of p terms per coordinate
//                 (p = 32, 24, 12), the fast Gauss transform's far-field series (L. Greengard
//                 and J. Strain, "The fast Gauss transform", SIAM J. Sci. Stat. Comput.
//                 12(1):79-94, 1991) with a rigorous remainder bound from Cramer's inequality
//                 (see GaussExpansions), plus a bound on its rounding. Otherwise its children
//                 are visited, and at a leaf every point is summed exactly.
// The terms of one query are summed in leaf order, which depends only on the data and the
// query. truncate=false sums every pair in index order (for checking). Above dimension 4
// (Gaussian) or 12 (Epanechnikov) every pair is summed whatever `truncate` says: there the boxes
// prune too little to pay for themselves at the sizes measured (for the Gaussian kernel in 5-D
// the tree walk took over 200 s at n = m = 1e5 against about 100 s for the exact sums on two
// threads; the Epanechnikov tree was still 6x faster in 10-D at 5e3).
//
// Reference: B. W. Silverman, Density Estimation for Statistics and Data Analysis, Chapman &
// Hall, 1986 (kernels, leave-one-out density estimates, bandwidth rules). The resubstitution
// plug-in form is described above; see also ESTIMATORS.md Sec. 2.1.
//
// Assumptions: continuous densities; the estimate has an O(h^2) smoothing bias (it estimates
// the KL between the kernel-smoothed laws, roughly) and O(1/(N h^d)) variance-type terms.
// Cost: without truncation O(n (n + m) d) time. With it, O((n + m) log(n + m)) to build the
// trees plus, per query, the leaves within the radius. For the Epanechnikov kernel that is a
// fraction of order h^d of the sample. For the Gaussian kernel in 1-2 dimensions the expansions
// make it close to O(n log n) plus O(N p^d) per tree to build them: processor seconds on two
// threads of a loaded machine (n = m, P = N(0, I), Q = N(0.5, I), silverman, diagonal, tol =
// 1e-6; the previous radius truncation at 1e-12 of the largest term in parentheses):
// n = 2e4, d = 2: 0.68 (2.2); n = 1e5: d = 1 0.79, d = 2 3.2 (one thread, earlier: 132 and 91
// s). In 3-4 dimensions the walk costs about as much as that truncation did (n = 2e4, d = 3:
// 2.0 (1.95); d = 4: 3.0 (2.2)): the expansions need too many terms there and the budget keeps
// most leaves exact. Measured earlier on one thread, seconds (all pairs -> truncated):
//                   n = 1e4                        n = 1e5
//   epanechnikov  d=1, 2, 5: 0.7-1.0 -> 0.06      d=1 123 -> 5.1, d=2 66 -> 2.1, d=5 98 -> 1.1
// (the Gaussian kernel in 5-D sums every pair: 2.2 s at 1e4, 196 s at 1e5). lcv adds 18 leave-one-out passes
// over each sample, in which c up to 4 widens the radius: 30-60x the cost of the estimate at
// n = 1e4 in 1-D (35 s Gaussian, 3.7 s Epanechnikov). Memory O((n + m) d). The n queries (and
// the N terms of each LCV evaluation) run through klest::detail::parallel_for; each writes its
// own terms, which are summed afterwards in index order, so results do not depend on the thread
// count.

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "detail/box_tree.hpp"
#include "detail/parallel.hpp"
#include "detail/sum.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

// Gaussian truncation: terms below this fraction of a query's largest term are dropped.
constexpr double truncation_eps = 1e-12;
// The squared whitened radius beyond the nearest point: exp(-reach / 2) = eps.
const double gaussian_reach = 2 * std::log(1 / truncation_eps);
// Above these dimensions the box tree prunes too little to pay for itself at the sizes measured
// (n = m <= 1e5): every pair is summed there.
constexpr std::size_t tree_max_dim_gaussian = 4, tree_max_dim_epanechnikov = 12;
// The likelihood cross-validation bracket for the factor c and the number of golden-section
// iterations.
constexpr double lcv_lo = 0.125, lcv_hi = 4.0;
constexpr int lcv_iterations = 16;
// The smallest Cholesky pivot of a correlation matrix accepted for shape=full.
constexpr double singular_fraction = 1e-12;
// Whitened coordinates beyond this many bandwidths would overflow squared distances.
constexpr double max_whitened = 1e150;

enum class Kernel { gaussian, epanechnikov };
enum class Shape { scalar, diagonal, full };

// log of the kernel's normalising constant at u = 0 without the bandwidth, i.e. log K(0) for the
// Gaussian and log((d + 2) / (2 c_d)) for the Epanechnikov kernel.
double log_kernel_constant(Kernel kernel, std::size_t d) {
  const double dd = double(d);
  if (kernel == Kernel::gaussian) return -0.5 * dd * std::log(2 * std::numbers::pi);
  const double log_ball = 0.5 * dd * std::log(std::numbers::pi) - std::lgamma(0.5 * dd + 1);
  return std::log((dd + 2) / 2) - log_ball;
}

// The box tree over a whitened sample: points per leaf, at most.
constexpr std::size_t tree_leaf_size = 32;

// One sample in the coordinates of its own density estimate, z = L^-1 (x - c), row-major,
// with a box tree over it when truncating.
struct Whitened {
  std::vector<double> z;
  std::size_t rows = 0, dim = 0;
  std::unique_ptr<klest::detail::BoxTree> tree;
  const double* row(std::size_t i) const { return z.data() + i * dim; }
};

// log sum_j k(|z_j - q|^2 / c^2) over the rows j != skip of s, with k(u2) = exp(-u2 / 2)
// (Gaussian) or 1 - u2 for u2 < 1, else 0 (Epanechnikov); -inf when every term is 0. The
// Gaussian sum is taken relative to its largest term (log-sum-exp), so it never underflows; the
// Epanechnikov terms lie in (0, 1] and are summed as they are (at most N of them: no overflow,
// and no underflow since 1 - u2 >= 2^-53 for u2 < 1), with one log at the end.
// Every pair, in index order.
double log_kernel_sum_exact(Kernel kernel, const double* q, const Whitened& s, double c,
                            std::size_t skip, std::vector<double>& scratch) {
  const double inv_c2 = 1 / (c * c);
  if (kernel == Kernel::epanechnikov) {
    double sum = 0;
    for (std::size_t j = 0; j < s.rows; ++j) {
      if (j == skip) continue;
      const double u2 = klest::detail::squared_distance(q, s.row(j), s.dim) * inv_c2;
      if (u2 < 1) sum += 1 - u2;  // outside the kernel's support a point contributes exactly 0
    }
    return std::log(sum);  // -inf for an empty sum
  }
  scratch.resize(s.rows);
  double* u2s = scratch.data();
  double top = infinity;  // the smallest u2, the largest term
  std::size_t count = 0;
  for (std::size_t j = 0; j < s.rows; ++j) {
    if (j == skip) continue;
    const double u2 = klest::detail::squared_distance(q, s.row(j), s.dim) * inv_c2;
    u2s[count++] = u2;
    top = std::min(top, u2);
  }
  if (count == 0 || top == infinity) return -infinity;
  // The largest term is exp(0) = 1, so the sum is >= 1 and never underflows.
  double sum = 0;
  for (std::size_t j = 0; j < count; ++j) sum += std::exp(-0.5 * (u2s[j] - top));
  return -0.5 * top + std::log(sum);
}

// The same sum over the points within the truncation radius (see the header), leaf by leaf,
// nearest leaves first.
double log_kernel_sum_tree(Kernel kernel, const double* q, const Whitened& s, double c,
                           std::size_t skip, std::vector<double>& scratch) {
  const double c2 = c * c, inv_c2 = 1 / c2;
  const std::size_t dim = s.dim;
  double sum = 0;
  if (kernel == Kernel::epanechnikov) {
    // A hair wider than c^2 so that every point passing the test u2 < 1 is seen.
    const double radius2 = c2 * (1 + 1e-12);
    s.tree->nearest_first(
        q,
        [&](std::size_t first, std::size_t count, const double*, const double*) {
          const double* pts = s.tree->point(first);
          const std::size_t* rows = s.tree->rows_from(first);
          double leaf_sum = 0;  // a local: it stays in a register
          for (std::size_t i = 0; i < count; ++i) {
            const double u2 = klest::detail::squared_distance(q, pts + i * dim, dim) * inv_c2;
            leaf_sum += (u2 < 1) & (rows[i] != skip) ? 1 - u2 : 0.0;
          }
          sum += leaf_sum;
        },
        [&] { return radius2; });
    return std::log(sum);  // -inf for an empty sum
  }
  return log_kernel_sum_exact(kernel, q, s, c, skip, scratch);  // the Gaussian goes elsewhere
}

// Gaussian sums with a relative error bound (see the header): Hermite expansions of the tree's
// nodes for one bandwidth factor c. In units of h = sqrt(2) c the kernel is exp(-|t - s|^2), and
// for the points s of a node with centre 0 (Greengard and Strain 1991)
//   sum_j exp(-|t - s_j|^2) = sum_alpha A_alpha prod_i H_alpha_i(t_i) exp(-t_i^2),
//   A_alpha = sum_j prod_i s_ji^alpha_i / alpha_i!,
// H_n the Hermite polynomials, alpha over [0, p)^d. Per coordinate the series left out after p
// terms is at most K e^(-t^2/2) a^p / sqrt(p!) / (1 - a / sqrt(p + 1)), a = sqrt(2) rho, rho the
// node's half-width there in units of h and K = 1.086435 (Cramer's inequality
// |H_n(t)| <= K 2^(n/2) sqrt(n!) e^(t^2/2), Abramowitz and Stegun 22.14.17); with E_i that bound
// and F_i = exp(-gap_i^2) the largest kernel factor over the node (gap_i: from t_i to the
// node's slab), a point's error is at most prod_i (F_i + E_i) - prod_i F_i.
class GaussExpansions {
 public:
  GaussExpansions(const Whitened& s, double c) : tree_(*s.tree), dim_(s.dim), h_(std::sqrt(2.0) * c) {
    const std::size_t d = dim_;
    // Terms per coordinate: p^d coefficients a node, which must stay below the cost of the
    // node's exact sum to pay.
    static constexpr std::size_t terms_by_dim[] = {0, 32, 24, 12, 0};
    p_ = d < std::size(terms_by_dim) ? terms_by_dim[d] : 0;
    offset_.assign(tree_.nodes(), none);
    weight_.assign(tree_.nodes(), 0.0);
    truncation_.assign(tree_.nodes() * d, infinity);
    position_.resize(tree_.rows());
    for (std::size_t pos = 0; pos < tree_.rows(); ++pos) position_[tree_.row(pos)] = pos;
    if (p_ == 0) return;
    size_ = 1;
    for (std::size_t i = 0; i < d; ++i) size_ *= p_;
    const double max_a = 0.8 * std::sqrt(double(p_ + 1));
    // Nodes worth an expansion: narrow enough for the series and holding more points than a
    // quarter of its coefficients; at most 2^22 coefficients in all (32 MiB).
    std::size_t min_points = std::max<std::size_t>(8, size_ / 4);
    std::vector<std::size_t> chosen;
    for (;;) {
      chosen.clear();
      for (std::size_t node = 0; node < tree_.nodes(); ++node) {
        if (tree_.end(node) - tree_.begin(node) < min_points) continue;
        bool narrow = true;
        for (std::size_t i = 0; i < d; ++i) {
          narrow = narrow && std::sqrt(2.0) * 0.5 * (tree_.upper(node)[i] - tree_.lower(node)[i]) / h_ < max_a;
        }
        if (narrow) chosen.push_back(node);
      }
      if (chosen.size() * size_ <= (std::size_t(1) << 22)) break;
      min_points *= 2;
    }
    coef_.assign(chosen.size() * size_, 0.0);
    for (std::size_t k = 0; k < chosen.size(); ++k) offset_[chosen[k]] = k * size_;
    // Cramer's bound of |H_n| e^(-t^2/2) without K: 2^(n/2) sqrt(n!).
    std::vector<double> cramer(p_);
    for (std::size_t n = 0; n < p_; ++n) cramer[n] = std::exp(0.5 * (double(n) * std::numbers::ln2 + std::lgamma(double(n) + 1)));
    klest::detail::parallel_for(chosen.size(), [&](std::size_t k) {
      const std::size_t node = chosen[k];
      double* a = coef_.data() + k * size_;
      std::vector<double> pw(d * p_), outer(size_);
      for (std::size_t pos = tree_.begin(node); pos < tree_.end(node); ++pos) {
        const double* z = tree_.point(pos);
        for (std::size_t i = 0; i < d; ++i) {
          const double si = (z[i] - centre(node, i)) / h_;
          pw[i * p_] = 1;
          for (std::size_t n = 1; n < p_; ++n) pw[i * p_ + n] = pw[i * p_ + n - 1] * si / double(n);
        }
        outer_product(pw.data(), outer.data());
        for (std::size_t j = 0; j < size_; ++j) a[j] += outer[j];
      }
      // Per coordinate, K a^p / sqrt(p!) / (1 - a / sqrt(p + 1)): E_i without e^(-t_i^2 / 2).
      for (std::size_t i = 0; i < d; ++i) {
        const double a = std::sqrt(2.0) * 0.5 * (tree_.upper(node)[i] - tree_.lower(node)[i]) / h_;
        truncation_[node * d + i] =
            cramer_k * std::exp(double(p_) * std::log(a) - 0.5 * std::lgamma(double(p_) + 1)) /
            (1 - a / std::sqrt(double(p_) + 1));
      }
      // W = sum_alpha |A_alpha| prod_i 2^(alpha_i/2) sqrt(alpha_i!), for the rounding bound.
      std::vector<double> w(d * p_);
      for (std::size_t i = 0; i < d; ++i) std::copy_n(cramer.begin(), p_, w.begin() + std::ptrdiff_t(i * p_));
      outer_product(w.data(), outer.data());
      double sum = 0;
      for (std::size_t j = 0; j < size_; ++j) sum += std::abs(a[j]) * outer[j];
      weight_[node] = sum;
    }, tree_.rows() * size_ > 10000000 ? 1 : chosen.size() + 1);  // threads only for real work
  }

  /// log sum_{j != skip} exp(-|q - s_j|^2 / (2 c^2)) within a relative error `tol` (the
  /// result's log within -log(1 - tol)), skip a row of the sample or `none`.
  double log_sum(const double* q, std::size_t skip, std::size_t skip_position, double tol) const;

  /// The leaf position of a row of the sample, `none` for any other value.
  std::size_t position_of_row(std::size_t row) const {
    return row < position_.size() ? position_[row] : none;
  }

  static constexpr std::size_t none = std::size_t(-1);
  static constexpr double cramer_k = 1.086435;

 private:
  double centre(std::size_t node, std::size_t i) const {
    return 0.5 * (tree_.lower(node)[i] + tree_.upper(node)[i]);
  }
  // out[alpha] = prod_i v[i * p + alpha_i], alpha_0 most significant.
  void outer_product(const double* v, double* out) const {
    std::size_t len = 1;
    out[0] = 1;
    for (std::size_t i = 0; i < dim_; ++i) {
      for (std::size_t j = len; j-- > 0;) {
        const double x = out[j];
        for (std::size_t n = 0; n < p_; ++n) out[j * p_ + n] = x * v[i * p_ + n];
      }
      len *= p_;
    }
  }

  friend struct GaussWalk;
  const klest::detail::BoxTree& tree_;
  std::size_t dim_, p_ = 0, size_ = 0;
  double h_;
  std::vector<std::size_t> offset_;  // per node: its coefficients in coef_, or none
  std::vector<double> weight_, coef_;
  std::vector<double> truncation_;     // per node and coordinate: E_i without e^(-t_i^2 / 2)
  std::vector<std::size_t> position_;  // per row: its leaf position
};

// One query's walk of the tree, nearest boxes first. All values are scaled by exp(D0 / h^2),
// D0 the squared distance to the nearest point (its term is then exactly 1, and no term
// exceeds 1). A node is taken whole when its error bound is within its share of the budget:
// tol/2 times the sum of a lower bound of its own terms and its fraction n_N / N of a lower
// bound of the whole sum (Gray and Moore 2001); the shares add up to at most tol times the sum.
// Taken whole means the midpoint of its terms' range (n_N (Kmax + Kmin) / 2, error
// n_N (Kmax - Kmin) / 2) or its Hermite expansion; else its children, or at a leaf every point.
struct GaussWalk {
  const GaussExpansions& g;
  const double* q;
  std::size_t skip, skip_position, count;
  double tol, shift;  // shift = D0 / h^2
  std::vector<double>& herm;  // scratch, kept per thread
  std::vector<double>& work;
  std::vector<double>& factor;
  std::vector<double>& bound;
  double sum = 0, low = 0;

  double bound_low() const { return std::max(1.0, low); }

  void visit(std::size_t node) {
    const klest::detail::BoxTree& t = g.tree_;
    const std::size_t d = g.dim_;
    const double* lo = t.lower(node);
    const double* hi = t.upper(node);
    const double inv_h2 = 1 / (g.h_ * g.h_);
    double near2 = 0, far2 = 0;
    for (std::size_t i = 0; i < d; ++i) {
      const double below = lo[i] - q[i], above = q[i] - hi[i];
      const double gap = std::max(0.0, std::max(below, above));
      const double reach = std::max(std::abs(q[i] - lo[i]), std::abs(q[i] - hi[i]));
      near2 += gap * gap;
      far2 += reach * reach;
    }
    const std::size_t b = t.begin(node), e = t.end(node);
    const bool holds_skip = skip_position >= b && skip_position < e;
    const double n_node = double(e - b - (holds_skip ? 1 : 0));
    if (n_node == 0) return;
    // Rounding of near2 and far2 (a few ulps) moves Kmax and Kmin by far less than tol.
    const double k_max = std::exp(shift - near2 * inv_h2), k_min = std::exp(shift - far2 * inv_h2);
    const double budget = 0.5 * tol * (n_node * k_min + bound_low() * n_node / double(count));
    if (n_node * (k_max - k_min) * 0.5 <= budget) {
      sum += n_node * 0.5 * (k_max + k_min);
      low += n_node * k_min;
      return;
    }
    if (!holds_skip && g.offset_[node] != GaussExpansions::none && shift < 600 &&
        expansion(node, n_node, k_min, budget)) {
      return;
    }
    if (t.is_leaf(node)) {
      double leaf = 0;
      for (std::size_t pos = b; pos < e; ++pos) {
        if (pos == skip_position) continue;
        leaf += std::exp(shift - klest::detail::squared_distance(q, t.point(pos), d) * inv_h2);
      }
      sum += leaf;
      low += leaf;
      return;
    }
    // The nearer child first, so that the lower bound grows early.
    const std::size_t left = 2 * node + 1;
    const auto gap2 = [&](std::size_t child) {
      double s = 0;
      for (std::size_t i = 0; i < d; ++i) {
        const double gap = std::max(0.0, std::max(t.lower(child)[i] - q[i], q[i] - t.upper(child)[i]));
        s += gap * gap;
      }
      return s;
    };
    const bool left_first = gap2(left) <= gap2(left + 1);
    visit(left_first ? left : left + 1);
    visit(left_first ? left + 1 : left);
  }

  // The node's Hermite expansion, when its bound is within the budget.
  bool expansion(std::size_t node, double n_node, double k_min, double budget) {
    const klest::detail::BoxTree& t = g.tree_;
    const std::size_t d = g.dim_, p = g.p_;
    constexpr double cramer_k = GaussExpansions::cramer_k;
    double t2 = 0;
    herm.resize(d * p);
    factor.resize(d);
    bound.resize(d);
    for (std::size_t i = 0; i < d; ++i) {
      const double c = g.centre(node, i);
      const double ti = (q[i] - c) / g.h_;
      const double rho = 0.5 * (t.upper(node)[i] - t.lower(node)[i]) / g.h_;
      const double err = g.truncation_[node * d + i] * std::exp(-0.5 * ti * ti);
      const double gap = std::max(0.0, std::abs(ti) - rho);
      factor[i] = std::exp(-gap * gap);
      bound[i] = err;
      t2 += ti * ti;
      double* hn = herm.data() + i * p;
      hn[0] = 1;
      if (p > 1) hn[1] = 2 * ti;
      for (std::size_t n = 1; n + 1 < p; ++n) hn[n + 1] = 2 * ti * hn[n] - 2 * double(n) * hn[n - 1];
    }
    // The truncation bound, plus rounding: the terms' magnitudes sum to at most
    // exp(shift - |t|^2 / 2) K^d W, each rounded over about p d operations.
    const double rounding = 8 * (double(p * d) + 10) * 0x1p-52 * std::pow(cramer_k, double(d)) *
                            std::exp(shift - 0.5 * t2) * g.weight_[node];
    // prod (F + E) - prod F, expanded so that nothing cancels.
    double spread = 0;
    for (std::size_t i = 0; i < d; ++i) {
      double term = bound[i];
      for (std::size_t j = 0; j < d; ++j) {
        if (j != i) term *= j < i ? factor[j] + bound[j] : factor[j];
      }
      spread += term;
    }
    const double error = n_node * std::exp(shift) * spread * (1 + 0x1p-40) + n_node * 1e-300 + rounding;
    if (!(error <= budget)) return false;
    // Contract the coefficients one coordinate at a time, the last first.
    const double* from = g.coef_.data() + g.offset_[node];
    std::size_t len = g.size_ / p;
    work.resize(len);
    for (std::size_t i = d; i-- > 0;) {
      const double* hn = herm.data() + i * p;
      for (std::size_t j = 0; j < len; ++j) {
        double acc = 0;
        for (std::size_t n = 0; n < p; ++n) acc += from[j * p + n] * hn[n];
        work[j] = acc;
      }
      from = work.data();
      len /= p;
    }
    const double value = std::exp(shift - t2) * work[0];
    sum += value;
    low += std::max(n_node * k_min, value - error);
    return true;
  }
};

double GaussExpansions::log_sum(const double* q, std::size_t skip, std::size_t skip_position,
                                double tol) const {
  // D0: the nearest point's squared distance (the left-out row excluded).
  double nearest = infinity;
  tree_.nearest_first(
      q,
      [&](std::size_t first, std::size_t count, const double*, const double*) {
        for (std::size_t i = 0; i < count; ++i) {
          if (first + i == skip_position) continue;
          nearest = std::min(nearest, klest::detail::squared_distance(q, tree_.point(first + i), dim_));
        }
      },
      [&] { return std::nextafter(nearest, infinity); });
  (void)skip;
  const std::size_t count = tree_.rows() - (skip_position != none ? 1 : 0);
  thread_local std::vector<double> herm, work, factor, bound;
  GaussWalk walk{*this, q, skip, skip_position, count, tol, nearest / (h_ * h_),
                 herm, work, factor, bound};
  walk.visit(0);
  return -nearest / (h_ * h_) + std::log(walk.sum);
}

// The kernel sum by the fastest route: Gaussian sums through their expansions when given,
// Epanechnikov sums over the tree's nearby leaves when it has one, else every pair.
double log_kernel_sum(Kernel kernel, const double* q, const Whitened& s, double c,
                      std::size_t skip, std::vector<double>& scratch,
                      const GaussExpansions* gauss = nullptr, double tol = 0) {
  if (kernel == Kernel::gaussian && gauss) {
    return gauss->log_sum(q, skip, gauss->position_of_row(skip), tol);
  }
  return s.tree && kernel == Kernel::epanechnikov ? log_kernel_sum_tree(kernel, q, s, c, skip, scratch)
                                                 : log_kernel_sum_exact(kernel, q, s, c, skip, scratch);
}

// The bandwidth matrix's Cholesky factor for one density, in the column-scaled units.
struct Frame {
  std::vector<double> centre;  // d
  std::vector<double> scale;   // d: the diagonal of L
  std::vector<double> chol;    // d x d, lower triangular, row-major; only when !diagonal (a
                               // d x d matrix in d = 20000 is 3.2 GB)
  bool diagonal = true;
  double log_det = 0;          // log det L
};

class Kde {
 public:
  static constexpr std::string_view key = "kde";
  static constexpr std::string_view summary =
      "kernel density plug-in (resubstitution), leave-one-out for P, log-sum-exp; scalar, "
      "diagonal or full bandwidth matrices from rules or likelihood cross-validation; k-d tree "
      "truncation";
  static constexpr std::string_view reference =
      "Silverman (1986), Density Estimation for Statistics and Data Analysis, Chapman & Hall; "
      "likelihood cross-validation: Habbema, Hermans & van den Broek (1974), Duin (1976)";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex =
      "@book{silverman1986density,\n"
      "  author    = {Silverman, Bernard W.},\n"
      "  title     = {Density Estimation for Statistics and Data Analysis},\n"
      "  publisher = {Chapman \\& Hall},\n"
      "  address   = {London},\n"
      "  year      = {1986}\n}\n"
      "@inproceedings{habbema1974stepwise,\n"
      "  author    = {Habbema, J. D. F. and Hermans, J. and van den Broek, K.},\n"
      "  title     = {A stepwise discriminant analysis program using density estimation},\n"
      "  booktitle = {COMPSTAT 1974, Proceedings in Computational Statistics},\n"
      "  publisher = {Physica-Verlag},\n"
      "  address   = {Vienna},\n"
      "  pages     = {101--110},\n"
      "  year      = {1974}\n}\n"
      "@article{duin1976choice,\n"
      "  author    = {Duin, Robert P. W.},\n"
      "  title     = {On the Choice of Smoothing Parameters for {P}arzen Estimators of "
      "Probability Density Functions},\n"
      "  journal   = {IEEE Transactions on Computers},\n"
      "  volume    = {C-25},\n"
      "  number    = {11},\n"
      "  pages     = {1175--1179},\n"
      "  year      = {1976}\n}";

  static klest::ParamSpec params() {
    return {
        klest::param("kernel", "gaussian", "kernel: gaussian or (spherical) epanechnikov",
                     {"gaussian", "epanechnikov"}),
        klest::param("bandwidth", "silverman",
                     "bandwidth of each sample from its own size N and spread: factor "
                     "silverman (4/((d+2)N))^(1/(d+4)) or scott N^(-1/(d+4)); lcv: c times "
                     "silverman, c in [1/8, 4] maximising the leave-one-out log-likelihood",
                     {"silverman", "scott", "lcv"}),
        klest::param("h", 0.0,
                     "a fixed bandwidth in data units for every coordinate of both samples; 0 "
                     "uses the bandwidth rule (not with bandwidth=lcv or shape=full)",
                     klest::at_least(0)),
        klest::param("shape", "diagonal",
                     "bandwidth matrix: scalar (factor * rms column sd), diagonal (factor * sd "
                     "of each column) or full (factor^2 * sample covariance)",
                     {"scalar", "diagonal", "full"}),
        klest::param("truncate", true,
                     "sum through the k-d tree: epanechnikov exactly over the points within "
                     "reach, gaussian within the relative error `tolerance` (d <= 5); false "
                     "sums every pair")
            .unlabelled_at_default(),
        klest::param("tolerance", 1e-6,
                     "gaussian with truncate: bound on the relative error of each kernel sum "
                     "(so each log density is within about it)",
                     klest::between(1e-15, 0.1))
            .unlabelled_at_default(),
    };
  }

  explicit Kde(const klest::Params& p)
      : kernel_(p.get<std::string>("kernel") == "epanechnikov" ? Kernel::epanechnikov
                                                                : Kernel::gaussian),
        rule_(p.get<std::string>("bandwidth")),
        h_(p.get<double>("h")),
        shape_(shape_from(p.get<std::string>("shape"))),
        truncate_(p.get<bool>("truncate")),
        tolerance_(p.get<double>("tolerance")),
        label_(p.label()) {
    if (h_ > 0 && rule_ == "lcv") {
      throw klest::InputError(fmt::format(
          "estimator '{}': bandwidth=lcv chooses the bandwidth, but a fixed h = {} is also "
          "given; drop one of them",
          label_, h_));
    }
    if (h_ > 0 && shape_ == Shape::full) {
      throw klest::InputError(fmt::format(
          "estimator '{}': shape=full takes the bandwidth matrix from the sample covariance, "
          "but a fixed h = {} (data units, H = h^2 I) is also given; use shape=scalar with h, "
          "or drop h",
          label_, h_));
    }
  }

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous,
            .min_p = 2,
            .min_q = std::size_t(rule_ == "lcv" ? 2 : 1)};
  }

  // Five n x d or m x d copies (scaled, whitened twice, P in Q's frame), the trees and, for
  // shape=full only, the d x d covariance and Cholesky factors.
  double memory_bytes(std::size_t n, std::size_t m, std::size_t d) const {
    const double dd = double(d);
    return double(n + m) * (6 * 8 * dd + 64) + (shape_ == Shape::full ? 4 * 8 * dd * dd : 0);
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y) const {
    const std::size_t n = x.rows(), m = y.rows(), d = x.dim();

    // Common power-of-two column scaling: values into [-1, 1].
    std::vector<int> exponent(d, 0);
    for (std::size_t k = 0; k < d; ++k) {
      double largest = 0;
      for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, std::abs(x.row(i)[k]));
      for (std::size_t j = 0; j < m; ++j) largest = std::max(largest, std::abs(y.row(j)[k]));
      if (largest > 0) std::frexp(largest, &exponent[k]);
    }
    const std::vector<double> xs = scaled(x, exponent), ys = scaled(y, exponent);

    const Frame fp = frame(xs, x, exponent, "p"), fq = frame(ys, y, exponent, "q");
    const bool tree = truncate_ && d <= (kernel_ == Kernel::gaussian ? tree_max_dim_gaussian
                                                                   : tree_max_dim_epanechnikov);
    const Whitened zp = whiten(xs, d, fp, tree), zq = whiten(ys, d, fq, tree);
    const Whitened xq = whiten(xs, d, fq, false);  // P's points in Q's coordinates

    double cp = 1, cq = 1;
    if (rule_ == "lcv") {
      cp = lcv_factor(zp);
      cq = lcv_factor(zq);
    }

    const double k0 = log_kernel_constant(kernel_, d), dd = double(d);
    // The normalising constants without the factor c, which enters as -d log c.
    const double unit_p = k0 - fp.log_det - std::log(double(n - 1));
    const double unit_q = k0 - fq.log_det - std::log(double(m));
    // Epanechnikov with a bandwidth rule: a query with no point within reach takes the
    // nearest-neighbour density instead.
    const bool widen = kernel_ == Kernel::epanechnikov && !(h_ > 0);

    std::unique_ptr<GaussExpansions> gp, gq;
    if (kernel_ == Kernel::gaussian && tree) {
      gp = std::make_unique<GaussExpansions>(zp, cp);
      gq = std::make_unique<GaussExpansions>(zq, cq);
    }
    std::vector<double> log_p(n), log_q(n);
    std::vector<char> wide_p(n, 0), wide_q(n, 0);
    klest::detail::parallel_for(n, [&](std::size_t i) {
      thread_local std::vector<double> scratch;
      log_p[i] = log_kernel_sum(kernel_, zp.row(i), zp, cp, i, scratch, gp.get(), tolerance_) +
                 unit_p - dd * std::log(cp);
      log_q[i] = log_kernel_sum(kernel_, xq.row(i), zq, cq, m, scratch, gq.get(), tolerance_) +
                 unit_q - dd * std::log(cq);
      if (widen && log_p[i] == -infinity) {
        log_p[i] = widened(zp.row(i), zp, i) + unit_p;
        wide_p[i] = 1;
      }
      if (widen && log_q[i] == -infinity) {
        log_q[i] = widened(xq.row(i), zq, m) + unit_q;
        wide_q[i] = 1;
      }
    });

    // Neumaier summation in index order: deterministic whatever the thread count.
    klest::detail::CompensatedSum sum;
    std::size_t p_zero = 0, q_zero = 0, p_wide = 0, q_wide = 0;
    for (std::size_t i = 0; i < n; ++i) {
      p_wide += std::size_t(wide_p[i]);
      q_wide += std::size_t(wide_q[i]);
      p_zero += log_p[i] == -infinity;
      q_zero += log_q[i] == -infinity;
      if (log_p[i] == -infinity || log_q[i] == -infinity) continue;
      sum.add(log_p[i] - log_q[i]);
    }
    klest::Estimate e;
    if (q_zero > 0) {
      e.value = infinity;
    } else if (p_zero > 0) {
      e.value = -infinity;
    } else {
      e.value = sum.value() / double(n);
    }
    if (q_zero > 0) e.diag.set("q_zero_points", double(q_zero));
    if (p_zero > 0) e.diag.set("p_zero_points", double(p_zero));
    if (p_wide > 0) e.diag.set("p_widened_points", double(p_wide));
    if (q_wide > 0) e.diag.set("q_widened_points", double(q_wide));
    // det(L)^(1/d) in data units: the column scaling adds sum_k exponent_k log 2 to log det L.
    double log_units = 0;
    for (int ek : exponent) log_units += double(ek) * std::numbers::ln2;
    e.diag.set("h_p", std::exp((fp.log_det + log_units) / dd) * cp);
    e.diag.set("h_q", std::exp((fq.log_det + log_units) / dd) * cq);
    if (rule_ == "lcv") {
      e.diag.set("lcv_factor_p", cp);
      e.diag.set("lcv_factor_q", cq);
    }
    return e;
  }

 private:
  static Shape shape_from(const std::string& s) {
    if (s == "scalar") return Shape::scalar;
    if (s == "full") return Shape::full;
    return Shape::diagonal;
  }

  static std::vector<double> scaled(klest::SampleView s, const std::vector<int>& exponent) {
    const std::size_t d = s.dim();
    std::vector<double> out(s.rows() * d);
    for (std::size_t i = 0; i < s.rows(); ++i) {
      for (std::size_t k = 0; k < d; ++k) out[i * d + k] = std::ldexp(s.row(i)[k], -exponent[k]);
    }
    return out;
  }

  // The rule's factor f for a sample of `rows` points; lcv starts from silverman. The rules are
  // for the Gaussian kernel; the Epanechnikov kernel takes them times its canonical ratio.
  double rule_factor(std::size_t rows, std::size_t d) const {
    const double dd = double(d), nn = double(rows);
    const double f = rule_ == "scott" ? std::pow(nn, -1 / (dd + 4))
                                      : std::pow(4 / ((dd + 2) * nn), 1 / (dd + 4));
    return kernel_ == Kernel::epanechnikov ? f * epanechnikov_ratio(d) : f;
  }

  // The width of the spherical Epanechnikov kernel equivalent to the unit Gaussian, with both
  // kernels' AMISE-optimal bandwidths in the ratio
  //   [(R(K_E) / mu_2(K_E)^2) / (R(phi) / mu_2(phi)^2)]^(1/(d+4))
  //     = [2 (d + 2) (d + 4) (2 sqrt(pi))^d / c_d]^(1/(d+4)),
  // R(K) = int K^2, mu_2(K) = int u_1^2 K(u) du; for K_E: mu_2 = 1/(d + 4),
  // R = 2 (d + 2) / (c_d (d + 4)); for phi: 1 and (4 pi)^(-d/2). This is the ratio of the two
  // A(K) of Silverman (1986), Sec. 4.3.2, Table 4.1, and Marron & Nolan's canonical-kernel
  // rescaling (1988); 15^(1/5) (2 sqrt(pi))^(1/5) = 2.214 in 1-D, 2.40 in 2-D, 2.87 in 5-D.
  static double epanechnikov_ratio(std::size_t d) {
    const double dd = double(d);
    const double log_ball = 0.5 * dd * std::log(std::numbers::pi) - std::lgamma(0.5 * dd + 1);
    const double log_ratio = std::log(2 * (dd + 2) * (dd + 4)) +
                             dd * std::log(2 * std::sqrt(std::numbers::pi)) - log_ball;
    return std::exp(log_ratio / (dd + 4));
  }

  // The centre and bandwidth factor L of one sample (`s`: its column-scaled values, `raw`: the
  // data as given, for messages).
  Frame frame(const std::vector<double>& s, klest::SampleView raw,
              const std::vector<int>& exponent, const char* which) const {
    const std::size_t n = raw.rows(), d = raw.dim();
    Frame f;
    f.centre.assign(d, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < d; ++k) f.centre[k] += s[i * d + k];
    }
    for (double& c : f.centre) c /= double(n);
    f.scale.assign(d, 0.0);
    auto set_diagonal = [&](std::size_t k, double v) {
      f.scale[k] = v;
      f.log_det += std::log(v);
    };
    if (h_ > 0) {
      for (std::size_t k = 0; k < d; ++k) set_diagonal(k, std::ldexp(h_, -exponent[k]));
      return f;
    }

    // Exactly constant columns (the computed mean of equal values need not equal them).
    std::vector<bool> constant(d, true);
    for (std::size_t k = 0; k < d; ++k) {
      for (std::size_t i = 1; i < n && constant[k]; ++i) constant[k] = raw.row(i)[k] == raw.row(0)[k];
    }
    auto zero_variance = [&](std::size_t k) {
      const char* advice = shape_ == Shape::full
                               ? "use a fixed bandwidth h > 0 with shape=scalar, or drop the column"
                               : "give a fixed bandwidth h > 0 or drop the column";
      return klest::InputError(fmt::format(
          "estimator '{}': column {} of the sample from {} has zero variance ({}), so the {} "
          "rule gives a zero bandwidth; {}",
          label_, k + 1, which,
          n == 1 ? std::string("it has a single point")
                 : fmt::format("every value is {}", raw.row(0)[k]),
          rule_, advice));
    };
    if (shape_ == Shape::scalar) {
      if (std::all_of(constant.begin(), constant.end(), [](bool b) { return b; })) {
        throw klest::InputError(fmt::format(
            "estimator '{}': every column of the sample from {} has zero variance ({}), so the "
            "{} rule gives a zero bandwidth; give a fixed bandwidth h > 0",
            label_, which,
            n == 1 ? "it has a single point" : "all its points are equal", rule_));
      }
    } else {
      for (std::size_t k = 0; k < d; ++k) {
        if (constant[k]) throw zero_variance(k);
      }
    }
    if (shape_ == Shape::full && n < d + 1) {
      throw klest::InputError(fmt::format(
          "estimator '{}': sample from {} has {} points, but shape=full needs at least d + 1 = "
          "{} in dimension {} for a non-singular covariance",
          label_, which, n, d + 1, d));
    }

    // Sample variances of the scaled values (divisor n - 1), and for shape=full the lower
    // triangle of the covariance (the only d x d matrices are those of shape=full).
    const bool full = shape_ == Shape::full;
    std::vector<double> var(d, 0.0), cov(full ? d * d : 0, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double* r = s.data() + i * d;
      for (std::size_t a = 0; a < d; ++a) {
        const double va = r[a] - f.centre[a];
        var[a] += va * va;
        if (!full) continue;
        for (std::size_t b = 0; b < a; ++b) cov[a * d + b] += va * (r[b] - f.centre[b]);
      }
    }
    for (double& v : var) v /= double(n - 1);
    for (double& v : cov) v /= double(n - 1);
    const double factor = rule_factor(n, d);

    if (shape_ == Shape::diagonal) {
      for (std::size_t k = 0; k < d; ++k) set_diagonal(k, factor * std::sqrt(var[k]));
      return f;
    }
    if (shape_ == Shape::scalar) {
      // mean_k var_k in data units = 4^E mean_k var_k 4^(e_k - E), E the largest exponent.
      const int top = *std::max_element(exponent.begin(), exponent.end());
      double mean_var = 0;
      for (std::size_t k = 0; k < d; ++k) {
        mean_var += std::ldexp(var[k], 2 * (exponent[k] - top));
      }
      const double h = factor * std::sqrt(mean_var / double(d));  // in units of 2^E
      for (std::size_t k = 0; k < d; ++k) set_diagonal(k, std::ldexp(h, top - exponent[k]));
      return f;
    }

    // Full: Cholesky factor of the correlation matrix, pivots checked, scaled back by the sds.
    f.diagonal = false;
    std::vector<double> sd(d), l(d * d, 0.0);
    for (std::size_t k = 0; k < d; ++k) sd[k] = std::sqrt(var[k]);
    for (std::size_t j = 0; j < d; ++j) {
      double pivot = 1.0;  // the correlation matrix has a unit diagonal
      for (std::size_t k = 0; k < j; ++k) pivot -= l[j * d + k] * l[j * d + k];
      if (!(pivot > singular_fraction)) {
        throw klest::InputError(fmt::format(
            "estimator '{}': the sample covariance of the sample from {} is singular (column {} "
            "is a linear combination of the columns before it, to within rounding), so "
            "shape=full has no bandwidth matrix; use shape=diagonal or drop the column",
            label_, which, j + 1));
      }
      l[j * d + j] = std::sqrt(pivot);
      for (std::size_t i = j + 1; i < d; ++i) {
        double v = cov[i * d + j] / (sd[i] * sd[j]);
        for (std::size_t k = 0; k < j; ++k) v -= l[i * d + k] * l[j * d + k];
        l[i * d + j] = v / l[j * d + j];
      }
    }
    f.chol.assign(d * d, 0.0);
    for (std::size_t i = 0; i < d; ++i) {
      for (std::size_t j = 0; j <= i; ++j) f.chol[i * d + j] = factor * sd[i] * l[i * d + j];
      f.scale[i] = f.chol[i * d + i];
      f.log_det += std::log(f.scale[i]);
    }
    return f;
  }

  // z = L^-1 (x - c) for every row of the scaled sample s (forward substitution).
  Whitened whiten(const std::vector<double>& s, std::size_t d, const Frame& f,
                  bool with_tree) const {
    Whitened w;
    w.rows = s.size() / d;
    w.dim = d;
    w.z.resize(s.size());
    double largest = 0;
    for (std::size_t i = 0; i < w.rows; ++i) {
      const double* x = s.data() + i * d;
      double* z = w.z.data() + i * d;
      for (std::size_t a = 0; a < d; ++a) {
        double v = x[a] - f.centre[a];
        if (!f.diagonal) {
          for (std::size_t b = 0; b < a; ++b) v -= f.chol[a * d + b] * z[b];
        }
        z[a] = v / f.scale[a];
        largest = std::max(largest, std::abs(z[a]));
      }
    }
    if (!(largest <= max_whitened)) {
      // Only a fixed h far below the data's spread gets here (rule bandwidths grow with it).
      throw klest::InputError(fmt::format(
          "estimator '{}': the bandwidth h = {} is too small for the data: points lie up to "
          "{:.3g} bandwidths from a sample's centre, beyond the {:g} the kernel sums support",
          label_, h_, largest, max_whitened));
    }
    if (with_tree) {
      w.tree = std::make_unique<klest::detail::BoxTree>(w.z.data(), w.rows, d, tree_leaf_size);
    }
    return w;
  }

  // The fallback for a query whose kernel sum is empty: log of the nearest-neighbour density
  // 1 / (N V_d r^d det L), r the whitened distance from q to its nearest row of s (row `skip`
  // left out), less the terms log(1 / (N det L)) + log K(0) that the caller adds for every query.
  double widened(const double* q, const Whitened& s, std::size_t skip) const {
    double nearest2 = infinity;
    for (std::size_t j = 0; j < s.rows; ++j) {
      if (j != skip) nearest2 = std::min(nearest2, klest::detail::squared_distance(q, s.row(j), s.dim));
    }
    const double dd = double(s.dim);
    const double log_ball = 0.5 * dd * std::log(std::numbers::pi) - std::lgamma(0.5 * dd + 1);
    return -log_ball - 0.5 * dd * std::log(nearest2) - log_kernel_constant(kernel_, s.dim);
  }

  // sum_i log s_{-i}(s_i) for the bandwidth c L, up to a constant independent of c.
  double lcv_objective(const Whitened& w, double c) const {
    std::vector<double> term(w.rows);
    std::unique_ptr<GaussExpansions> g;
    if (kernel_ == Kernel::gaussian && w.tree) g = std::make_unique<GaussExpansions>(w, c);
    klest::detail::parallel_for(w.rows, [&](std::size_t i) {
      thread_local std::vector<double> scratch;
      term[i] = log_kernel_sum(kernel_, w.row(i), w, c, i, scratch, g.get(), tolerance_);
    });
    double sum = 0;
    for (double t : term) sum += t;  // index order; -inf if any point has no neighbour
    return sum - double(w.rows) * double(w.dim) * std::log(c);
  }

  // Golden-section search for the c maximising lcv_objective, on log c over the bracket.
  double lcv_factor(const Whitened& w) const {
    const double g = (std::sqrt(5.0) - 1) / 2;
    double a = std::log(lcv_lo), b = std::log(lcv_hi);
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = lcv_objective(w, std::exp(x1)), f2 = lcv_objective(w, std::exp(x2));
    for (int it = 0; it < lcv_iterations; ++it) {
      if (f1 > f2) {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = b - g * (b - a);
        f1 = lcv_objective(w, std::exp(x1));
      } else {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = a + g * (b - a);
        f2 = lcv_objective(w, std::exp(x2));
      }
    }
    return std::exp(f1 > f2 ? x1 : x2);
  }

  Kernel kernel_;
  std::string rule_;
  double h_;
  Shape shape_;
  bool truncate_;
  double tolerance_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(Kde);

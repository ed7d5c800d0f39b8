// k-nearest-neighbour KL estimator of Wang, Kulkarni & Verdu (2009), with separate neighbour
// ranks in the two samples (their Eq. 17 with fixed ranks):
//
//   D(P||Q) ~ (d/n) sum_i log(nu_k(i) / rho_l(i)) + psi(l) - psi(k) + log(m / (n - 1))
//
// rho_l(i): Euclidean distance from x_i to its l-th nearest neighbour among the other n-1 x's.
// nu_k(i):  Euclidean distance from x_i to its k-th nearest neighbour among the m y's.
// With l = k (the default) the digamma terms cancel and this is the classic fixed-k estimator.
// The constant is log(m/(n-1)) because rho is taken among n-1 points.
//
// Reference: Q. Wang, S. R. Kulkarni, S. Verdu, "Divergence estimation for multidimensional
// densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5):2392-2405, 2009.
//
// Assumes continuous densities: a repeated point makes rho or nu zero and the log infinite.
// Such ties follow the `ties` parameter (error, skip the affected terms, or jitter both samples
// at the data's resolution, which smooths P and Q alike and so changes the estimand slightly).
// Cost: two k-d tree builds, O((n + m) log(n + m)), and n queries of each tree.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "detail/kdtree.hpp"
#include "detail/parallel.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

using klest::detail::KdTree;

std::string ordinal(std::size_t k) {
  const char* suffix = "th";
  if (k % 100 < 11 || k % 100 > 13) {
    if (k % 10 == 1) suffix = "st";
    if (k % 10 == 2) suffix = "nd";
    if (k % 10 == 3) suffix = "rd";
  }
  return fmt::format("{}{}", k, suffix);
}

// psi(a) - psi(b) for positive integers, exactly as a finite sum.
double digamma_difference(std::size_t a, std::size_t b) {
  double s = 0;
  for (std::size_t j = std::min(a, b); j < std::max(a, b); ++j) s += 1.0 / double(j);
  return a >= b ? s : -s;
}

// Squared distances from every x_i to its l-th neighbour among the other x's and to its k-th
// neighbour among the y's.
struct NeighbourDistances {
  std::vector<double> rho_sq, nu_sq;
};

// Squared distance from row i of x to its l-th neighbour among the other rows, excluding the
// query by index (with duplicates the first hit need not be the query itself).
double self_distance_sq(const KdTree& tree, klest::SampleView x, std::size_t i, std::size_t l,
                        std::size_t* index, double* dist_sq, std::size_t* neighbour = nullptr) {
  const std::size_t found = tree.nearest(x.row(i).data(), l + 1, index, dist_sq);
  std::size_t rank = 0;
  for (std::size_t j = 0; j < found; ++j) {
    if (index[j] == i) continue;
    if (++rank == l) {
      if (neighbour) *neighbour = index[j];
      return dist_sq[j];
    }
  }
  // Unreachable: the tree holds n >= l + 1 points, so l others are always found.
  return std::numeric_limits<double>::quiet_NaN();
}

NeighbourDistances neighbour_distances(klest::SampleView x, klest::SampleView y, std::size_t l,
                                       std::size_t k) {
  const KdTree tx(x), ty(y);
  NeighbourDistances nd{std::vector<double>(x.rows()), std::vector<double>(x.rows())};
  klest::detail::parallel_for(x.rows(), [&](std::size_t i) {
    thread_local std::vector<std::size_t> index;
    thread_local std::vector<double> dist_sq;
    index.resize(std::max(l + 1, k));
    dist_sq.resize(index.size());
    nd.rho_sq[i] = self_distance_sq(tx, x, i, l, index.data(), dist_sq.data());
    ty.nearest(x.row(i).data(), k, index.data(), dist_sq.data());
    nd.nu_sq[i] = dist_sq[k - 1];
  });
  return nd;
}

// The width of uniform jitter per column: the smallest gap between distinct values of that
// column in the pooled samples. A column that is constant in both samples gets the smallest
// width of the other columns (1 if all are constant): jittering a coordinate on which P and Q
// agree alike leaves KL(P||Q) unchanged.
std::vector<double> resolution(klest::SampleView x, klest::SampleView y) {
  const std::size_t d = x.dim();
  std::vector<double> width(d, 0.0), column;
  for (std::size_t j = 0; j < d; ++j) {
    column.clear();
    for (std::size_t i = 0; i < x.rows(); ++i) column.push_back(x.row(i)[j]);
    for (std::size_t i = 0; i < y.rows(); ++i) column.push_back(y.row(i)[j]);
    std::sort(column.begin(), column.end());
    double gap = std::numeric_limits<double>::infinity();
    for (std::size_t i = 1; i < column.size(); ++i) {
      if (column[i] > column[i - 1]) gap = std::min(gap, column[i] - column[i - 1]);
    }
    width[j] = gap;
  }
  double smallest = std::numeric_limits<double>::infinity();
  for (double w : width) smallest = std::min(smallest, w);
  for (double& w : width) {
    if (std::isinf(w)) w = std::isinf(smallest) ? 1.0 : smallest;
  }
  return width;
}

klest::Samples jittered(klest::SampleView s, const std::vector<double>& width, klest::Rng& rng) {
  klest::Samples out(s);
  for (std::size_t i = 0; i < s.rows(); ++i) {
    auto row = out.row(i);
    for (std::size_t j = 0; j < s.dim(); ++j) row[j] += (klest::uniform01(rng) - 0.5) * width[j];
  }
  return out;
}

// The binary exponent of the largest magnitude in either sample (0 if all values are 0).
int magnitude_exponent(klest::SampleView x, klest::SampleView y) {
  double largest = 0;
  for (double v : x.values()) largest = std::max(largest, std::abs(v));
  for (double v : y.values()) largest = std::max(largest, std::abs(v));
  int e = 0;
  if (largest > 0) std::frexp(largest, &e);
  return e;
}

klest::Samples scaled(klest::SampleView s, int exponent) {
  klest::Samples out(s);
  for (double& v : out.values()) v = std::ldexp(v, exponent);
  return out;
}

class Knn {
 public:
  static constexpr std::string_view key = "knn";
  static constexpr std::string_view summary =
      "k-nearest-neighbour distance ratio estimator, ranks l in P and k in Q";
  static constexpr std::string_view reference =
      "Wang, Kulkarni, Verdu (2009), IEEE Trans. Inf. Theory 55(5):2392-2405";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex =
      "@article{wang2009divergence,\n"
      "  author  = {Wang, Qing and Kulkarni, Sanjeev R. and Verd{\\'u}, Sergio},\n"
      "  title   = {Divergence Estimation for Multidimensional Densities via "
      "$k$-Nearest-Neighbor Distances},\n"
      "  journal = {IEEE Transactions on Information Theory},\n"
      "  volume  = {55},\n  number  = {5},\n  pages   = {2392--2405},\n  year    = {2009},\n"
      "  doi     = {10.1109/TIT.2009.2016060}\n}";

  static klest::ParamSpec params() {
    return {
        klest::param("k", 1, "neighbour rank in the sample from Q", klest::at_least(1)),
        klest::param("l", 1, "neighbour rank within the sample from P", klest::at_least(1))
            .defaults_to("k"),
        klest::param("ties", "error",
                     "repeated points (zero distances): error, skip the affected points, or "
                     "jitter both samples at the data's resolution",
                     {"error", "skip", "jitter"}),
    };
  }

  explicit Knn(const klest::Params& p)
      : k_(std::size_t(p.get<int>("k"))),
        l_(std::size_t(p.get<int>("l"))),
        ties_(p.get<std::string>("ties")),
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = l_ + 1, .min_q = k_};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y, klest::Rng& rng) const {
    // Squared distances overflow beyond about 1e154 and underflow below about 1e-154. The
    // estimate is invariant under a common scaling, so data of extreme magnitude is rescaled
    // by a power of two, which is exact.
    if (const int e = magnitude_exponent(x, y); e > 64 || e < -64) {
      const klest::Samples xs = scaled(x, -e), ys = scaled(y, -e);
      return estimate(xs, ys, rng);
    }
    NeighbourDistances nd = neighbour_distances(x, y, l_, k_);
    const std::size_t tied = count_ties(nd);
    if (tied == 0 || ties_ == "skip") return combine(x, y, nd, ties_ == "skip");
    if (ties_ == "error") throw tie_error(x, y, nd, tied, "");

    // jitter: perturb both samples at the data's resolution and estimate again.
    const std::vector<double> width = resolution(x, y);
    const klest::Samples xj = jittered(x, width, rng);
    const klest::Samples yj = jittered(y, width, rng);
    nd = neighbour_distances(xj, yj, l_, k_);
    if (count_ties(nd) != 0) {
      throw tie_error(xj, yj, nd, count_ties(nd),
                      " after jitter (the values are too large for their resolution to "
                      "separate them in double precision)");
    }
    klest::Estimate e = combine(xj, yj, nd, false);
    e.diag.set("tied_points", double(tied));
    e.diag.set("jitter_width_max", *std::max_element(width.begin(), width.end()));
    return e;
  }

 private:
  static std::size_t count_ties(const NeighbourDistances& nd) {
    std::size_t tied = 0;
    for (std::size_t i = 0; i < nd.rho_sq.size(); ++i) {
      tied += (nd.rho_sq[i] == 0 || nd.nu_sq[i] == 0);
    }
    return tied;
  }

  klest::Estimate combine(klest::SampleView x, klest::SampleView y, const NeighbourDistances& nd,
                          bool skip) const {
    const std::size_t n = x.rows(), m = y.rows(), d = x.dim();
    // Neumaier summation in index order: deterministic whatever the thread count.
    double sum = 0, carry = 0;
    std::size_t used = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (skip && (nd.rho_sq[i] == 0 || nd.nu_sq[i] == 0)) continue;
      // Squared distances, hence the factor 1/2 on the log.
      const double term = 0.5 * (std::log(nd.nu_sq[i]) - std::log(nd.rho_sq[i]));
      const double t = sum + term;
      carry += std::abs(sum) >= std::abs(term) ? (sum - t) + term : (term - t) + sum;
      sum = t;
      ++used;
    }
    if (used == 0) {
      throw klest::InputError(fmt::format(
          "estimator '{}': every point of p has a repeated neighbour, so no term is left "
          "after skipping ties; use ties=jitter",
          label_));
    }
    klest::Estimate e;
    e.value = double(d) * ((sum + carry) / double(used)) + digamma_difference(l_, k_) +
              std::log(double(m) / double(n - 1));
    if (skip) e.diag.set("skipped", double(n - used));
    return e;
  }

  klest::InputError tie_error(klest::SampleView x, klest::SampleView y,
                              const NeighbourDistances& nd, std::size_t tied,
                              const std::string& when) const {
    std::size_t i = 0;
    while (nd.rho_sq[i] != 0 && nd.nu_sq[i] != 0) ++i;
    std::vector<std::size_t> index(std::max(l_ + 1, k_));
    std::vector<double> dist_sq(index.size());
    std::string what;
    if (nd.rho_sq[i] == 0) {
      std::size_t j = 0;
      self_distance_sq(KdTree(x), x, i, l_, index.data(), dist_sq.data(), &j);
      what = fmt::format("p row {} coincides with p row {}, its {} neighbour in p", i + 1, j + 1,
                         ordinal(l_));
    } else {
      KdTree(y).nearest(x.row(i).data(), k_, index.data(), dist_sq.data());
      what = fmt::format("p row {} coincides with q row {}, its {} neighbour in q", i + 1,
                         index[k_ - 1] + 1, ordinal(k_));
    }
    return klest::InputError(fmt::format(
        "estimator '{}': {}{} ({} of {} points of p have a zero neighbour distance); "
        "repeated points need ties=skip, ties=jitter, or larger ranks k and l",
        label_, what, when, tied, x.rows()));
  }

  std::size_t k_, l_;
  std::string ties_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(Knn);

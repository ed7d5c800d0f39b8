// k-nearest-neighbour KL estimator of Wang, Kulkarni & Verdu (2009), with separate neighbour
// ranks in the two samples (their Eq. 17 with fixed ranks):
//
//   D(P||Q) ~ (d/n) sum_i log(nu_k(i) / rho_l(i)) + psi(l) - psi(k) + log(m / (n - 1))
//
// rho_l(i): distance from x_i to its l-th nearest neighbour among the other n-1 x's.
// nu_k(i):  distance from x_i to its k-th nearest neighbour among the m y's.
// Any norm serves, the same for rho and nu (the unit-ball volume cancels): `metric` chooses the
// Euclidean norm or the max-norm.
// With l = k (the default) the digamma terms cancel and this is the classic fixed-k estimator.
// The constant is log(m/(n-1)) because rho is taken among n-1 points.
//
// Reference: Q. Wang, S. R. Kulkarni, S. Verdu, "Divergence estimation for multidimensional
// densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5):2392-2405, 2009.
//
// Assumes continuous densities: a repeated point makes rho or nu zero and the log infinite.
// Such ties follow the `ties` parameter (error, skip the affected terms, or jitter both samples
// at the data's resolution, which smooths P and Q alike and so changes the estimand slightly).
// Cost: two neighbour searches (detail/neighbours.hpp: sorted in 1-D, a k-d tree at low
// dimension, blocked brute force at high dimension; `search` overrides the choice, which never
// changes the estimate beyond the rounding of a distance).

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "detail/neighbours.hpp"
#include "detail/parallel.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

using klest::detail::NeighbourQuery;
using klest::detail::NeighbourTable;

std::string ordinal(std::size_t k) {
  const char* suffix = "th";
  if (k % 100 < 11 || k % 100 > 13) {
    if (k % 10 == 1) suffix = "st";
    if (k % 10 == 2) suffix = "nd";
    if (k % 10 == 3) suffix = "rd";
  }
  return fmt::format("{}{}", k, suffix);
}

// "coincides with", or, for distinct rows whose distance is below what a double can resolve
// next to the largest value of the data (a gap under 2^-990 of it), says so.
std::string coincide(std::span<const double> a, std::span<const double> b) {
  if (std::equal(a.begin(), a.end(), b.begin(), b.end())) return "coincides with";
  return "is, at the resolution of doubles next to the data's largest value, no distance from";
}

// psi(a) - psi(b) for positive integers, exactly as a finite sum.
double digamma_difference(std::size_t a, std::size_t b) {
  double s = 0;
  for (std::size_t j = std::min(a, b); j < std::max(a, b); ++j) s += 1.0 / double(j);
  return a >= b ? s : -s;
}

// Distances from every x_i to its l-th neighbour among the other x's and to its k-th
// neighbour among the y's.
struct NeighbourDistances {
  NeighbourTable rho, nu;
  bool tied(std::size_t i) const { return rho.row(i).back() == 0 || nu.row(i).back() == 0; }
};

NeighbourDistances neighbour_distances(klest::SampleView x, klest::SampleView y, std::size_t l,
                                       std::size_t k, NeighbourQuery q) {
  q.k = l;
  NeighbourTable rho = klest::detail::nearest_neighbours_self(x, q);
  q.k = k;
  return {std::move(rho), klest::detail::nearest_neighbours(y, x, q)};
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
        klest::detail::metric_param(),
        klest::detail::search_param(),
    };
  }

  explicit Knn(const klest::Params& p)
      : k_(std::size_t(p.get<int>("k"))),
        l_(std::size_t(p.get<int>("l"))),
        ties_(p.get<std::string>("ties")),
        query_{.metric = klest::detail::metric_from(p), .search = klest::detail::search_from(p)},
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = l_ + 1, .min_q = k_};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y, klest::Rng& rng) const {
    NeighbourDistances nd = neighbour_distances(x, y, l_, k_, query_);
    const std::size_t tied = count_ties(nd);
    if (tied == 0 || ties_ == "skip") return combine(x, y, nd, ties_ == "skip");
    if (ties_ == "error") throw tie_error(x, y, nd, tied, "");

    // jitter: perturb both samples at the data's resolution and estimate again.
    const std::vector<double> width = resolution(x, y);
    const klest::Samples xj = jittered(x, width, rng);
    const klest::Samples yj = jittered(y, width, rng);
    nd = neighbour_distances(xj, yj, l_, k_, query_);
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
    for (std::size_t i = 0; i < nd.rho.rows; ++i) tied += nd.tied(i);
    return tied;
  }

  klest::Estimate combine(klest::SampleView x, klest::SampleView y, const NeighbourDistances& nd,
                          bool skip) const {
    const std::size_t n = x.rows(), m = y.rows(), d = x.dim();
    // Neumaier summation in index order: deterministic whatever the thread count.
    double sum = 0, carry = 0;
    std::size_t used = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (skip && nd.tied(i)) continue;
      const double term = nd.nu.log_distance(i, k_) - nd.rho.log_distance(i, l_);
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
    while (!nd.tied(i)) ++i;
    // The rows involved: search again reporting indices (only on this error path).
    NeighbourQuery q = query_;
    q.with_index = true;
    const klest::SampleView xi(x.row(i).data(), 1, x.dim());
    std::string what;
    if (nd.rho.row(i).back() == 0) {
      q.k = l_;
      const std::size_t j = klest::detail::nearest_neighbours_self(x, q).neighbour(i, l_);
      what = fmt::format("p row {} {} p row {}, its {} neighbour in p", i + 1,
                         coincide(x.row(i), x.row(j)), j + 1, ordinal(l_));
    } else {
      q.k = k_;
      const std::size_t j = klest::detail::nearest_neighbours(y, xi, q).neighbour(0, k_);
      what = fmt::format("p row {} {} q row {}, its {} neighbour in q", i + 1,
                         coincide(x.row(i), y.row(j)), j + 1, ordinal(k_));
    }
    return klest::InputError(fmt::format(
        "estimator '{}': {}{} ({} of {} points of p have a zero neighbour distance); "
        "repeated points need ties=skip, ties=jitter, or larger ranks k and l",
        label_, what, when, tied, x.rows()));
  }

  std::size_t k_, l_;
  std::string ties_;
  NeighbourQuery query_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(Knn);

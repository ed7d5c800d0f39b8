#include "detail/neighbours.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <utility>

#include <omp.h>
#include <parallel/algorithm>

#define EIGEN_DONT_PARALLELIZE  // threads come from parallel_for only
// GCC 12 reports its own AVX-512 intrinsics (used by Eigen under -march=native) as reading an
// uninitialised value (GCC bug 105593); the warning is about the compiler's header, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#pragma GCC diagnostic pop

#include "detail/kdtree.hpp"
#include "detail/parallel.hpp"

namespace klest::detail {

namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

// The binary exponent of the largest magnitude in either sample (0 if all values are 0).
int magnitude_exponent(SampleView a, SampleView b) {
  double largest = 0;
  for (double v : a.values()) largest = std::max(largest, std::abs(v));
  for (double v : b.values()) largest = std::max(largest, std::abs(v));
  int e = 0;
  if (largest > 0) std::frexp(largest, &e);
  return e;
}

Samples scaled_copy(SampleView s, int exponent) {
  Samples out(s);
  for (double& v : out.values()) v = std::ldexp(v, exponent);
  return out;
}

double max_distance(const double* a, const double* b, std::size_t dim) {
  double s = 0;
  for (std::size_t j = 0; j < dim; ++j) s = std::max(s, std::abs(a[j] - b[j]));
  return s;
}


// Keeps the k smallest (distance, index) pairs offered, ties broken by index so every search
// reports the same neighbours.
class Best {
 public:
  explicit Best(std::size_t k) : k_(k) { items_.reserve(k + 1); }
  /// Empty again, for k (keeps the storage: no allocation per query).
  void reset(std::size_t k) {
    k_ = k;
    items_.clear();
    items_.reserve(k + 1);
  }
  double worst() const {
    return items_.size() < k_ ? std::numeric_limits<double>::infinity() : items_.back().first;
  }
  void offer(double dist, std::size_t index) {
    if (items_.size() == k_ && !(std::pair(dist, index) < items_.back())) return;
    auto at = std::upper_bound(items_.begin(), items_.end(), std::pair(dist, index));
    items_.insert(at, {dist, index});
    if (items_.size() > k_) items_.pop_back();
  }
  std::size_t size() const { return items_.size(); }
  const std::vector<std::pair<double, std::size_t>>& items() const { return items_; }
  void clear() { items_.clear(); }

 private:
  std::size_t k_;
  std::vector<std::pair<double, std::size_t>> items_;
};

void store(NeighbourTable& t, std::size_t i, const Best& best) {
  for (std::size_t j = 0; j < t.k; ++j) {
    t.scaled[i * t.k + j] = best.items()[j].first;
    if (!t.index.empty()) t.index[i * t.k + j] = best.items()[j].second;
  }
}

// Sorts (value, row) pairs: all distinct, so the result is the same whichever sort runs. Outside
// a parallel region libstdc++'s parallel mode spreads it over the OpenMP threads.
void sort_pairs(std::vector<std::pair<double, std::size_t>>& v) {
  if (omp_in_parallel() || omp_get_max_threads() == 1 || v.size() < 100000) {
    std::sort(v.begin(), v.end());
  } else {
    __gnu_parallel::sort(v.begin(), v.end());
  }
}

// 1-D: sort the reference once; each query walks outward from its position. Queries run in
// sorted order (within a sample, the reference order itself), so consecutive binary searches
// touch the same memory.
void search_sorted(SampleView ref, SampleView queries, bool self, NeighbourTable& t) {
  std::vector<std::pair<double, std::size_t>> sorted(ref.rows());
  for (std::size_t i = 0; i < ref.rows(); ++i) sorted[i] = {ref.data()[i], i};
  sort_pairs(sorted);
  // The queries in ascending order, with their values beside their rows (no random reads).
  std::vector<std::pair<double, std::size_t>> q_sorted;
  if (!self) {
    q_sorted.resize(queries.rows());
    for (std::size_t i = 0; i < q_sorted.size(); ++i) q_sorted[i] = {queries.data()[i], i};
    sort_pairs(q_sorted);
  }
  const auto& order = self ? sorted : q_sorted;
  const std::size_t k = t.k;
  const double inf = std::numeric_limits<double>::infinity();
  const std::ptrdiff_t end = std::ptrdiff_t(sorted.size());
  parallel_for(queries.rows(), [&](std::size_t position) {
    const auto [x, i] = order[position];
    // Within the sample the query sits at its own sorted position, which is skipped.
    std::ptrdiff_t left, right;
    if (self) {
      left = std::ptrdiff_t(position) - 1;
      right = std::ptrdiff_t(position) + 1;
    } else {
      const auto split =
          std::lower_bound(sorted.begin(), sorted.end(), std::pair(x, std::size_t(0)));
      left = split - sorted.begin() - 1;
      right = split - sorted.begin();
    }
    // Walking outward always takes the nearer side, so neighbours come in ascending distance:
    // the first k are the answer.
    double* dist = t.scaled.data() + i * k;
    std::size_t* index = t.index.empty() ? nullptr : t.index.data() + i * k;
    for (std::size_t j = 0; j < k; ++j) {
      const double dl = left >= 0 ? x - sorted[std::size_t(left)].first : inf;
      const double dr = right < end ? sorted[std::size_t(right)].first - x : inf;
      const bool take_left = dl < dr || (dl == dr && left >= 0 &&
                                         sorted[std::size_t(left)].second <
                                             sorted[std::size_t(right)].second);
      dist[j] = take_left ? dl : dr;
      const std::size_t at = std::size_t(take_left ? left-- : right++);
      if (index) index[j] = sorted[at].second;
    }
  });
}

// Every pair. The max-norm goes a query at a time.
void search_brute_max(SampleView ref, SampleView queries, bool self, NeighbourTable& t) {
  const std::size_t d = ref.dim(), k = t.k;
  parallel_for(queries.rows(), [&](std::size_t i) {
    Best best(k);
    const double* x = queries.row(i).data();
    for (std::size_t r = 0; r < ref.rows(); ++r) {
      if (self && r == i) continue;
      const double dist = max_distance(x, ref.data() + r * d, d);
      if (dist <= best.worst()) best.offer(dist, r);
    }
    store(t, i, best);
  }, 64);
}

// Euclidean brute force through matrix products: on data centred at the reference mean and
// scaled by a power of two to magnitudes at most 1, ||x - y||^2 ~ ||x||^2 + ||y||^2 - 2 x.y for a
// block of queries against a block of reference rows at once (Eigen's cache-blocked product, in
// single precision: twice the vector width), then the exact distance for the few candidates.
//
// The product form is only approximate. With u the single-precision unit roundoff, rounding the
// coordinates, the product and the sum err by at most about (d + 6) u (||x||^2 + ||y||^2)
// (Higham, Accuracy and Stability of Numerical Algorithms, 2002, section 3.1); the bound used,
// e(x, y) = 4 (d + 10) u (||x||^2 + ||y||^2) + 2^-100, leaves room to spare and covers values
// flushed below the single-precision range. For each query, U = the k-th smallest of approx + e
// seen so far bounds the true k-th squared distance from above, and a row with approx - e > U
// cannot be among the k nearest. Rows passing that test are candidates whose squared distances
// are then computed exactly in double precision from the original data, as the other searches
// compute them, so every search reports the same numbers.
void search_brute_euclidean(SampleView ref, SampleView queries, bool self, NeighbourTable& t) {
  using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const std::size_t d = ref.dim(), m = ref.rows(), n = queries.rows(), k = t.k;
  const Eigen::Map<const MatrixD> r_raw(ref.data(), Eigen::Index(m), Eigen::Index(d));
  const Eigen::RowVectorXd centre = r_raw.colwise().mean();
  MatrixD rc = r_raw.rowwise() - centre, qc;
  if (!self) {
    qc = Eigen::Map<const MatrixD>(queries.data(), Eigen::Index(n), Eigen::Index(d)).rowwise() -
         centre;
  }
  double largest = rc.cwiseAbs().maxCoeff();
  if (!self) largest = std::max(largest, qc.cwiseAbs().maxCoeff());
  int e = 0;
  if (largest > 0) std::frexp(largest, &e);
  const MatrixF rf = (rc * std::ldexp(1.0, -e)).cast<float>();
  const MatrixF qf = self ? MatrixF() : MatrixF((qc * std::ldexp(1.0, -e)).cast<float>());
  const MatrixF& qm = self ? rf : qf;
  rc.resize(0, 0);
  qc.resize(0, 0);
  const Eigen::VectorXd r_norm = rf.cast<double>().rowwise().squaredNorm();
  const Eigen::VectorXd q_norm = self ? r_norm : Eigen::VectorXd(qm.cast<double>().rowwise().squaredNorm());
  const double c = 4 * (double(d) + 10) * std::numeric_limits<float>::epsilon() / 2;
  const double floor = std::ldexp(1.0, -100);
  const Eigen::RowVectorXf r_low = ((1 - c) * r_norm.transpose()).cast<float>();

  constexpr std::size_t query_block = 128, ref_block = 512;
  const std::size_t blocks = (n + query_block - 1) / query_block;
  parallel_for(blocks, [&](std::size_t b) {
    const std::size_t q0 = b * query_block, qn = std::min(query_block, n - q0);
    // Per query: the k smallest upper bounds (ascending) and the candidates (lower bound, row).
    std::vector<double> upper(qn * k, std::numeric_limits<double>::infinity());
    std::vector<std::vector<std::pair<double, std::size_t>>> cand(qn);
    MatrixF g;
    for (std::size_t r0 = 0; r0 < m; r0 += ref_block) {
      const std::size_t rn = std::min(ref_block, m - r0);
      const auto r_block = r_low.segment(Eigen::Index(r0), Eigen::Index(rn));
      g.noalias() = qm.middleRows(Eigen::Index(q0), Eigen::Index(qn)) *
                    rf.middleRows(Eigen::Index(r0), Eigen::Index(rn)).transpose();
      for (std::size_t a = 0; a < qn; ++a) {
        const std::size_t i = q0 + a;
        const double qi = q_norm[Eigen::Index(i)];
        double* ub = upper.data() + a * k;
        // approx - e without the floor, (1 - c)(||x||^2 + ||y||^2) - 2 x.y, for the whole row at
        // once (vectorised); most rows of most blocks hold no candidate and stop here.
        auto lower = g.row(Eigen::Index(a)).array();
        lower = (r_block.array() + float((1 - c) * qi)) - 2 * lower;
        if (double(lower.minCoeff()) - floor > ub[k - 1]) continue;
        const float* row = g.data() + a * rn;
        auto& list = cand[a];
        for (std::size_t j = 0; j < rn; ++j) {
          const std::size_t r = r0 + j;
          const double lo = double(row[j]) - floor;
          if (lo > ub[k - 1] || (self && r == i)) continue;
          list.emplace_back(lo, r);
          const double hi = lo + 2 * floor + 2 * c * (qi + r_norm[Eigen::Index(r)]);
          if (hi < ub[k - 1]) {
            std::size_t at = k - 1;
            while (at > 0 && ub[at - 1] > hi) {
              ub[at] = ub[at - 1];
              --at;
            }
            ub[at] = hi;
          }
        }
        if (list.size() > 8 * k + 64) {
          std::erase_if(list, [&](const auto& x) { return x.first > ub[k - 1]; });
        }
      }
    }
    for (std::size_t a = 0; a < qn; ++a) {
      const std::size_t i = q0 + a;
      Best exact(k);
      for (const auto& [lower, r] : cand[a]) {
        if (lower > upper[a * k + k - 1]) continue;
        exact.offer(squared_distance(queries.row(i).data(), ref.data() + r * d, d), r);
      }
      std::vector<std::pair<double, std::size_t>> items = exact.items();
      exact.clear();
      for (auto& [dist, r] : items) exact.offer(std::sqrt(dist), r);
      store(t, i, exact);
    }
  }, 2);
}

// The rows of `s` in Morton (Z-curve) order of their first three coordinates: consecutive
// queries then visit the same parts of the tree, which keeps it in cache.
std::vector<std::size_t> z_order(SampleView s) {
  const std::size_t n = s.rows(), d = s.dim(), used = std::min<std::size_t>(d, 3);
  std::vector<double> lo(used, std::numeric_limits<double>::infinity()), hi(used, -lo[0]);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < used; ++j) {
      lo[j] = std::min(lo[j], s.row(i)[j]);
      hi[j] = std::max(hi[j], s.row(i)[j]);
    }
  }
  std::vector<std::pair<std::uint64_t, std::size_t>> keyed(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t code = 0;
    for (std::size_t j = 0; j < used; ++j) {
      const double width = hi[j] - lo[j];
      const double unit = width > 0 ? (s.row(i)[j] - lo[j]) / width : 0;
      const auto cell = std::uint64_t(std::min(unit, 1.0) * 2097151.0);  // 21 bits
      for (std::size_t b = 0; b < 21; ++b) code |= ((cell >> b) & 1u) << (b * used + j);
    }
    keyed[i] = {code, i};
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = keyed[i].second;
  return order;
}

void search_kdtree(SampleView ref, SampleView queries, bool self, Metric metric,
                   NeighbourTable& t) {
  const KdTree tree(ref);
  const std::size_t d = ref.dim(), k = t.k, want = k + (self ? 1 : 0);
  const std::vector<std::size_t> order = z_order(queries);
  parallel_for(queries.rows(), [&](std::size_t position) {
    const std::size_t i = order[position];
    thread_local std::vector<std::size_t> index;
    thread_local std::vector<double> dist_sq;
    thread_local std::vector<std::pair<std::size_t, double>> ball;
    index.resize(want);
    dist_sq.resize(want);
    const double* x = queries.row(i).data();
    const std::size_t found = tree.nearest(x, want, index.data(), dist_sq.data());
    Best best(k);
    const std::size_t skip = self ? i : none;
    for (std::size_t j = 0; j < found; ++j) {
      if (index[j] == skip) continue;
      best.offer(metric == Metric::euclidean ? std::sqrt(dist_sq[j])
                                             : max_distance(x, ref.data() + index[j] * d, d),
                 index[j]);
    }
    if (metric == Metric::maximum && d > 1) {
      // The k Euclidean neighbours are within max-norm distance u = best.worst(); every point
      // within u in max-norm is within u sqrt(d) in Euclidean distance.
      const double u = best.worst();
      const double radius_sq = u * u * double(d) * (1 + 1e-12) + std::numeric_limits<double>::min();
      tree.within(x, radius_sq, ball);
      best.clear();
      for (const auto& [r, dsq] : ball) {
        (void)dsq;
        if (r != skip) best.offer(max_distance(x, ref.data() + r * d, d), r);
      }
    }
    store(t, i, best);
  });
}

NeighbourTable search_scaled(SampleView ref, SampleView queries, bool self,
                             const NeighbourQuery& q);

NeighbourTable search(SampleView ref, SampleView queries, bool self, const NeighbourQuery& q) {
  if (ref.dim() != queries.dim()) throw std::logic_error("nearest_neighbours: dimensions differ");
  if (q.k == 0 || q.k + (self ? 1 : 0) > ref.rows()) {
    throw std::logic_error("nearest_neighbours: k out of range");
  }
  // Squared distances overflow beyond about 1e154 and underflow below about 1e-154. Data of
  // extreme magnitude is scaled by a power of two (exact) so that its largest value is 2^480:
  // squares then neither overflow (even summed over 2^30 coordinates) nor underflow for
  // distances down to 2^-990 times the largest value.
  if (const int e = magnitude_exponent(ref, queries); e > 64 || e < -64) {
    const int shift = 480 - e;
    const Samples rs = scaled_copy(ref, shift);
    NeighbourTable t;
    if (self) {
      t = search_scaled(rs, rs, true, q);
    } else {
      const Samples qs = scaled_copy(queries, shift);
      t = search_scaled(rs, qs, false, q);
    }
    t.exponent -= shift;
    return t;
  }
  return search_scaled(ref, queries, self, q);
}

// The search proper, on data whose squared distances are representable.
NeighbourTable search_scaled(SampleView ref, SampleView queries, bool self,
                             const NeighbourQuery& q) {
  NeighbourTable t;
  t.rows = queries.rows();
  t.k = q.k;
  t.scaled.resize(t.rows * t.k);
  if (q.with_index) t.index.resize(t.rows * t.k);
  Search s = q.search;
  if (s == Search::automatic) s = choose_search(ref.rows(), queries.rows(), ref.dim(), q.k, q.metric);
  if (s == Search::sorted && ref.dim() != 1) s = Search::kdtree;
  switch (s) {
    case Search::sorted: search_sorted(ref, queries, self, t); break;
    case Search::brute:
      if (q.metric == Metric::euclidean) {
        search_brute_euclidean(ref, queries, self, t);
      } else {
        search_brute_max(ref, queries, self, t);
      }
      break;
    case Search::kdtree:
    case Search::automatic: search_kdtree(ref, queries, self, q.metric, t); break;
  }
  return t;
}

}  // namespace

NeighbourTable nearest_neighbours(SampleView reference, SampleView queries,
                                  const NeighbourQuery& q) {
  return search(reference, queries, false, q);
}

NeighbourTable nearest_neighbours_self(SampleView points, const NeighbourQuery& q) {
  return search(points, points, true, q);
}

// Measured with `klest estimate -e 'knn(k=5, search=...)'` on n = m = 2e4 Gaussian samples
// (CPU seconds, kdtree / brute): d = 3: 0.07 / 0.62, d = 5: 0.17 / 0.64, d = 8: 0.95 / 0.65,
// d = 10: 2.5 / 0.66, d = 20: 17 / 0.75. The tree's cost grows steeply with d while the product
// form barely notices it, and the tree gains with n only at low d, so the rule is by dimension.
Search choose_search(std::size_t reference_rows, std::size_t query_rows, std::size_t dim,
                     std::size_t k, Metric metric) {
  (void)reference_rows;
  (void)query_rows;
  (void)k;
  if (dim == 1) return Search::sorted;
  // The max-norm has no product form: its brute force is a plain loop, slower than the tree.
  if (metric == Metric::euclidean && dim >= 8) return Search::brute;
  return Search::kdtree;
}

double log_unit_ball_volume(std::size_t dim, Metric metric) {
  const double d = double(dim);
  if (metric == Metric::maximum) return d * std::numbers::ln2;
  return 0.5 * d * std::log(std::numbers::pi) - std::lgamma(0.5 * d + 1);
}

ParamDef metric_param() {
  return param("metric", "euclidean",
               "distance: euclidean, or max (the max-norm, largest coordinate difference)",
               {"euclidean", "max"});
}

ParamDef search_param() {
  return param("search", "auto",
               "neighbour search: auto (by dimension), kdtree, or brute; the estimate does not "
               "depend on it",
               {"auto", "kdtree", "brute"})
      .unlabelled_at_default();
}

Metric metric_from(const Params& p) {
  return p.get<std::string>("metric") == "max" ? Metric::maximum : Metric::euclidean;
}

Search search_from(const Params& p) {
  const std::string s = p.get<std::string>("search");
  if (s == "kdtree") return Search::kdtree;
  if (s == "brute") return Search::brute;
  return Search::automatic;
}

std::string_view to_string(Metric m) { return m == Metric::euclidean ? "euclidean" : "max"; }

std::string_view to_string(Search s) {
  switch (s) {
    case Search::automatic: return "auto";
    case Search::sorted: return "sorted";
    case Search::kdtree: return "kdtree";
    case Search::brute: return "brute";
  }
  return "auto";
}

}  // namespace klest::detail

#include "detail/neighbours.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <omp.h>
#include <parallel/algorithm>

#define EIGEN_DONT_PARALLELIZE  // threads come from parallel_for only
// This file is compiled for the building machine's full instruction set (KLEST_NATIVE), where
// Eigen aligns its heap blocks to 64 bytes rather than 16. Its inline functions must then not be
// merged with those of the other files, which use Eigen too: a block allocated by one version
// and freed by the other corrupts the heap. Eigen's namespace is renamed here, so that this
// file's copies are its own.
#define Eigen klest_native_eigen
// GCC 12 reports its own AVX-512 intrinsics (used by Eigen under -march=native) as reading an
// uninitialised value (GCC bug 105593); the warning is about the compiler's header, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "detail/box_tree.hpp"
#include "detail/parallel.hpp"
#include "detail/product_screen.hpp"

namespace klest::detail {

namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
// Points per leaf of the k-d trees.
constexpr std::size_t tree_leaf_size = 32;

double largest_magnitude(SampleView s) {
  double largest = 0;
  for (double v : s.values()) largest = std::max(largest, std::abs(v));
  return largest;
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
// reports the same neighbours. A max-heap on (distance, index) while offers come, so an offer
// costs O(log k), not O(k) (at k in the hundreds a sorted insertion cost more than the
// distances); sorted() puts the k in ascending order once, at the end.
class Best {
 public:
  explicit Best(std::size_t k) : k_(k) { items_.reserve(k); }
  double worst() const {
    return items_.size() < k_ ? std::numeric_limits<double>::infinity() : items_.front().first;
  }
  void offer(double dist, std::size_t index) {
    const std::pair<double, std::size_t> item(dist, index);
    if (items_.size() < k_) {
      items_.push_back(item);
      std::push_heap(items_.begin(), items_.end());
    } else if (item < items_.front()) {
      std::pop_heap(items_.begin(), items_.end());
      items_.back() = item;
      std::push_heap(items_.begin(), items_.end());
    }
  }
  std::size_t size() const { return items_.size(); }
  /// The pairs held, ascending; the heap is used up (offer nothing more before clear()).
  const std::vector<std::pair<double, std::size_t>>& sorted() {
    std::sort_heap(items_.begin(), items_.end());
    return items_;
  }
  void clear() { items_.clear(); }

 private:
  std::size_t k_;
  std::vector<std::pair<double, std::size_t>> items_;
};

void store(NeighbourTable& t, std::size_t i, Best& best) {
  const auto& items = best.sorted();
  for (std::size_t j = 0; j < t.k; ++j) {
    t.scaled[i * t.k + j] = items[j].first;
    if (!t.index.empty()) t.index[i * t.k + j] = items[j].second;
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

// A 1-D sample as (value, row) pairs in ascending order.
using SortedSample = std::vector<std::pair<double, std::size_t>>;

SortedSample sorted_sample(SampleView s) {
  SortedSample v(s.rows());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = {s.data()[i], i};
  sort_pairs(v);
  return v;
}

// 1-D: both samples sorted once; each query walks outward from its position in the reference.
// Queries run in sorted order, so consecutive queries touch the same memory; within one sample
// the query's position is its own.
void search_sorted(const SortedSample& sorted, const SortedSample& order, bool self,
                   NeighbourTable& t) {
  const std::size_t k = t.k;
  const double inf = std::numeric_limits<double>::infinity();
  const std::ptrdiff_t end = std::ptrdiff_t(sorted.size());
  parallel_for(order.size(), [&](std::size_t position) {
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
    // Ties go by row, as in the other searches. To the right, equal values come in ascending
    // rows already; to the left, a run of equal values ending at `left` is taken from its start
    // (its smallest row) upward: positions [run, left] hold the run, `next` is the next to take.
    std::ptrdiff_t run = 0, next = 0;
    const auto start_run = [&] {
      if (left < 0) return;
      if (left == 0 || sorted[std::size_t(left - 1)].first != sorted[std::size_t(left)].first) {
        run = next = left;  // a run of one: no search
        return;
      }
      const auto from = std::lower_bound(sorted.begin(), sorted.begin() + left,
                                         std::pair(sorted[std::size_t(left)].first, std::size_t(0)));
      run = next = from - sorted.begin();
    };
    start_run();
    // Walking outward always takes the nearer side, so neighbours come in ascending distance:
    // the first k are the answer.
    double* dist = t.scaled.data() + i * k;
    std::size_t* index = t.index.empty() ? nullptr : t.index.data() + i * k;
    for (std::size_t j = 0; j < k; ++j) {
      const double dl = left >= 0 ? x - sorted[std::size_t(next)].first : inf;
      const double dr = right < end ? sorted[std::size_t(right)].first - x : inf;
      const bool take_left = dl < dr || (dl == dr && left >= 0 &&
                                         sorted[std::size_t(next)].second <
                                             sorted[std::size_t(right)].second);
      dist[j] = take_left ? dl : dr;
      std::size_t at;
      if (take_left) {
        at = std::size_t(next++);
        if (next > left) {  // the run is used up: the next one ends just below it
          left = run - 1;
          start_run();
        }
      } else {
        at = std::size_t(right++);
      }
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
// scaled by a power of two to magnitudes at most 1, ||x - y||^2 ~ ||x||^2 + ||y||^2 - 2 x.y for
// every pair, in single precision, a tile of queries against a panel of reference points at a
// time (detail/product_screen), then the exact distance for the few candidates.
//
// The product form is only approximate. With u the single-precision unit roundoff, rounding the
// coordinates, the product and the sum (the product accumulates onto (1 - c) ||y||^2 in single
// precision, ||x||^2 is added in double) err by at most about (d + 6) u (||x||^2 + ||y||^2)
// (Higham, Accuracy and Stability of Numerical Algorithms, 2002, section 3.1; fused multiply-adds
// only lower it); the bound used, e(x, y) = 4 (d + 10) u (||x||^2 + ||y||^2) + 2^-100, leaves
// room to spare and covers values flushed below the single-precision range. For each query,
// U = the k-th smallest of approx + e seen so far bounds the true k-th squared distance from
// above, and a point with approx - e > U cannot be among the k nearest. Points passing that test
// are candidates whose squared distances are then computed exactly in double precision from the
// original data, as the other searches compute them, so every search reports the same numbers.

// The smallest float at or above x.
float float_at_or_above(double x) {
  constexpr double largest = std::numeric_limits<float>::max();
  if (!(x <= largest)) return std::numeric_limits<float>::infinity();
  const float f = float(std::max(x, -largest));
  return double(f) < x ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

// A candidate of the brute-force search: bounds on its squared distance, and its row.
struct Candidate {
  double lower, upper;
  std::size_t row;
};

// Leaves the k smallest pairs of v (k <= v.size()) at its front, ascending: a selection, then a
// sort of the k.
void keep_smallest(std::vector<std::pair<double, std::size_t>>& v, std::size_t k) {
  if (v.size() > k) {
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k - 1), v.end());
    v.resize(k);
  }
  std::sort(v.begin(), v.end());
}

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

  // The reference points in panels (product_screen.hpp): (1 - c) ||y||^2, then -2 y (exact: a
  // power of two), coordinate by coordinate.
  namespace ps = product_screen;
  const std::size_t width = ps::panel_width(), tile = ps::tile_rows();
  const std::size_t panels = (m + width - 1) / width, stride = (d + 1) * width;
  std::vector<float> panel_storage(panels * stride + 16, 0.0f);  // aligned to 64 bytes below
  float* const panel = std::bit_cast<float*>(
      (std::bit_cast<std::uintptr_t>(panel_storage.data()) + 63) & ~std::uintptr_t(63));
  for (std::size_t p = 0; p < panels; ++p) {
    for (std::size_t l = 0; l < width; ++l) {
      const std::size_t r = p * width + l;
      float* at = panel + p * stride + l;
      if (r >= m) {
        at[0] = std::numeric_limits<float>::infinity();
        continue;
      }
      at[0] = float((1 - c) * r_norm[Eigen::Index(r)]);
      for (std::size_t j = 0; j < d; ++j) {
        at[(j + 1) * width] = -2 * rf(Eigen::Index(r), Eigen::Index(j));
      }
    }
  }

  // Queries go in blocks of 16 tiles, each block against the panels a group at a time: 16 KiB of
  // them, which stay in the first-level cache while the block's tiles pass over them (measured at
  // d = 10 and 20, n = m = 1e5: groups of 8, 16, 32 and 64 KiB and blocks of 4, 8 and 16 tiles;
  // 16 KiB and 16 tiles were fastest, 64 KiB a third slower).
  const std::size_t query_block = 16 * tile;
  const std::size_t panel_group = std::max<std::size_t>(1, (std::size_t(1) << 12) / stride);
  const std::size_t blocks = (n + query_block - 1) / query_block;
  parallel_for(blocks, [&](std::size_t b) {
    const std::size_t q0 = b * query_block, qn = std::min(query_block, n - q0);
    const std::size_t tiles = (qn + tile - 1) / tile;
    // Per query: the candidates (lower and upper bound, row), the bound U on its k-th squared
    // distance (the k-th smallest upper bound among the candidates at the last tightening) and
    // the screen's threshold, the float at or above U - ((1 - c) ||x||^2 - 2^-100); rows padding
    // the last tile never pass. U is tightened in batches, once every 2k new candidates (a
    // selection over the list's upper bounds, then the candidates above U dropped): O(1) a
    // candidate. Keeping the k smallest upper bounds at every candidate cost O(k) a candidate
    // in a sorted array and O(log k) in a heap. Processor seconds for knn(k) at d = 10,
    // n = m = 1e4, sorted array / heap / batches of k / batches of 2k (loaded machine):
    // k = 309: 3.1 / 2.1 / 1.65 / 1.35; k = 5: 0.07 / 0.08 / 0.10 / 0.09 (start-up included).
    std::vector<std::vector<Candidate>> cand(qn);
    std::vector<double> upper(qn, std::numeric_limits<double>::infinity());
    std::vector<std::size_t> limit(qn, k);
    std::vector<float> threshold(tiles * tile, -std::numeric_limits<float>::infinity());
    std::fill_n(threshold.begin(), qn, std::numeric_limits<float>::infinity());
    std::vector<float> q(tiles * tile * d, 0.0f);
    for (std::size_t a = 0; a < qn; ++a) {
      for (std::size_t j = 0; j < d; ++j) q[a * d + j] = qm(Eigen::Index(q0 + a), Eigen::Index(j));
    }
    std::vector<double> uppers;
    const auto tighten = [&](std::size_t a) {
      auto& list = cand[a];
      if (list.size() < k) return;
      uppers.clear();
      for (const Candidate& x : list) uppers.push_back(x.upper);
      std::nth_element(uppers.begin(), uppers.begin() + std::ptrdiff_t(k - 1), uppers.end());
      upper[a] = std::min(upper[a], uppers[k - 1]);
      std::erase_if(list, [&](const Candidate& x) { return x.lower > upper[a]; });
      limit[a] = list.size() + 2 * k;
    };
    std::size_t tile0 = 0;  // the first query (in the block) of the tile being screened
    // A panel where some pair passed: the candidates among its points, for each query of the
    // tile, with the bound and the threshold tightened as they come.
    auto on_hit = [&](std::size_t p, const float* values, const std::uint64_t* passed) {
      for (std::size_t row = 0; row < tile && tile0 + row < qn; ++row) {
        if (passed[row] == 0) continue;
        const std::size_t a = tile0 + row, i = q0 + a;
        const float* g = values + row * width;
        const double qi = q_norm[Eigen::Index(i)], q_low = (1 - c) * qi - floor;
        const double u = upper[a];
        auto& list = cand[a];
        for (std::uint64_t bits = passed[row]; bits != 0; bits &= bits - 1) {
          const std::size_t l = std::size_t(std::countr_zero(bits)), r = p * width + l;
          if (r >= m) break;
          const double lo = double(g[l]) + q_low;
          if (lo > u || (self && r == i)) continue;
          list.push_back({lo, lo + 2 * floor + 2 * c * (qi + r_norm[Eigen::Index(r)]), r});
        }
        if (list.size() >= limit[a]) {
          tighten(a);
          threshold[a] = float_at_or_above(upper[a] - q_low);
        }
      }
    };
    using OnHit = decltype(on_hit);
    const ps::Hit hit = [](void* context, std::size_t p, const float* values,
                           const std::uint64_t* passed) {
      (*static_cast<OnHit*>(context))(p, values, passed);
    };
    for (std::size_t p0 = 0; p0 < panels; p0 += panel_group) {
      const std::size_t p1 = std::min(panels, p0 + panel_group);
      for (std::size_t a = 0; a < tiles; ++a) {
        tile0 = a * tile;
        ps::screen(q.data() + a * tile * d, d, panel, p0, p1, threshold.data() + a * tile,
                   hit, &on_hit);
      }
    }
    // The exact squared distances of the candidates within U, the k smallest by (distance,
    // row), then their distances in ascending order, ties by row.
    std::vector<std::pair<double, std::size_t>> exact;
    for (std::size_t a = 0; a < qn; ++a) {
      const std::size_t i = q0 + a;
      tighten(a);
      exact.clear();
      for (const Candidate& x : cand[a]) {
        exact.emplace_back(squared_distance(queries.row(i).data(), ref.data() + x.row * d, d),
                           x.row);
      }
      keep_smallest(exact, k);
      for (auto& [dist, r] : exact) dist = std::sqrt(dist);
      // Rounding the root can tie distinct squares: restore row order within such ties.
      for (std::size_t j = 1; j < k; ++j) {
        for (std::size_t at = j; at > 0 && exact[at] < exact[at - 1]; --at) {
          std::swap(exact[at], exact[at - 1]);
        }
      }
      for (std::size_t j = 0; j < k; ++j) {
        t.scaled[i * k + j] = exact[j].first;
        if (!t.index.empty()) t.index[i * k + j] = exact[j].second;
      }
    }
  }, 2);
}

// The next double above a non-negative x (x itself if infinite): a bound that lets distances
// equal to x through a strict comparison.
double next_up(double x) {
  return x < std::numeric_limits<double>::infinity()
             ? std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) + 1)
             : x;
}

// The k best (distance, row) pairs offered to one query, ascending, ties broken by row; each
// also keeps the leaf position of its point, which seeds the next query. Distances are in the
// Gap's units (squared for the Euclidean metric). `worst()` is the k-th distance once k are
// held, before that the bound given to reset(), which must be at least the true k-th distance:
// only points within it need be offered.
class Nearest {
 public:
  struct Item {
    double dist;
    std::size_t row, position;
  };
  void reset(std::size_t k, double bound) {
    k_ = k;
    size_ = 0;
    if (items_.size() < k + 1) items_.resize(k + 1);
    worst_ = bound;
    visit_ = next_up(bound);
  }
  double worst() const { return worst_; }
  /// Boxes at a distance below this may hold a point that enters: worst() itself included.
  double visit_bound() const { return visit_; }
  /// Offers a point with dist <= worst().
  void offer(double dist, std::size_t row, std::size_t position) {
    if (size_ == k_ && dist == worst_ && row > items_[k_ - 1].row) return;
    // Insertion from the back; slot k takes the item pushed out.
    std::size_t at = size_;
    while (at > 0 && (dist < items_[at - 1].dist ||
                      (dist == items_[at - 1].dist && row < items_[at - 1].row))) {
      items_[at] = items_[at - 1];
      --at;
    }
    items_[at] = Item{dist, row, position};
    if (size_ < k_) ++size_;
    if (size_ == k_) {
      worst_ = items_[k_ - 1].dist;
      visit_ = next_up(worst_);
    }
  }
  const Item& operator[](std::size_t j) const { return items_[j]; }

 private:
  std::size_t k_ = 0, size_ = 0;
  std::vector<Item> items_;  // k + 1 slots, the first size_ in use
  double worst_ = 0, visit_ = 0;
};

// A point's distance from q in the Gap's units, coordinates accumulated in order (as the box
// distances are, so that no point is nearer than its box).
template <class Gap, std::size_t D>
double gap_distance(const double* q, const double* p, std::size_t dim) {
  const std::size_t d = D > 0 ? D : dim;
  double s = 0;
  for (std::size_t j = 0; j < d; ++j) s = Gap::add(s, std::abs(q[j] - p[j]));
  return s;
}

// One search the queries run: `ref`'s tree, the table it fills, and whether it is the queries'
// own sample (the query's own row is then excluded).
struct TreeJob {
  const BoxTree* ref;
  bool self;
  NeighbourTable* out;
};

// Runs the queries in the leaf order of their own tree, in blocks of consecutive positions.
// Within a block, the previous query's k neighbours (and, within one sample, the previous query
// itself) are k points near the query: the k-th smallest of their distances bounds the search
// from the start. The bound changes only the work, never the answer (the search is exact, and
// ties go by row), and blocks start afresh, so the result does not depend on the threads.
template <class Gap, std::size_t D>
void tree_queries(const BoxTree& queries, std::span<const TreeJob> jobs) {
  constexpr std::size_t block = 256;
  const std::size_t n = queries.rows(), dim = queries.dim(), d = D > 0 ? D : dim;
  const std::size_t blocks = (n + block - 1) / block;
  parallel_for(blocks, [&](std::size_t b) {
    std::vector<Nearest> best(jobs.size());
    std::vector<std::vector<std::size_t>> seeds(jobs.size());
    std::vector<double> seed_dist, dist;
    const std::size_t p0 = b * block, p1 = std::min(n, p0 + block);
    for (std::size_t p = p0; p < p1; ++p) {
      const double* x = queries.point(p);
      const std::size_t row = queries.row(p);
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        const TreeJob& job = jobs[j];
        const BoxTree& ref = *job.ref;
        const std::size_t k = job.out->k, stride = ref.stride();
        const std::size_t skip = job.self ? row : none;
        if (job.self && p > p0) seeds[j].push_back(p - 1);
        seed_dist.clear();
        for (std::size_t s : seeds[j]) {
          if (ref.row(s) != skip) seed_dist.push_back(gap_distance<Gap, D>(x, ref.point(s), dim));
        }
        // The k-th smallest of at most k + 1 seeds: the largest or the second largest (one
        // pass; a general selection cost an eighth of the whole search at k = 5, d = 2).
        double bound = std::numeric_limits<double>::infinity();
        if (seed_dist.size() >= k) {
          double top = -bound, second = -bound;
          for (double v : seed_dist) {
            second = std::max(second, std::min(top, v));
            top = std::max(top, v);
          }
          bound = seed_dist.size() == k ? top : second;
        }
        Nearest& near = best[j];
        near.reset(k, bound);
        dist.resize(stride);
        ref.nearest_first<Gap, D>(
            x,
            [&](std::size_t first, std::size_t count, const double* columns, const double*) {
              // The leaf's distances a coordinate at a time (vectorised), accumulated in the
              // same order as gap_distance's.
              for (std::size_t i = 0; i < count; ++i) dist[i] = 0;
              for (std::size_t c = 0; c < d; ++c) {
                const double xc = x[c];
                const double* column = columns + c * stride;
                for (std::size_t i = 0; i < count; ++i) {
                  dist[i] = Gap::add(dist[i], std::abs(xc - column[i]));
                }
              }
              for (std::size_t i = 0; i < count; ++i) {
                if (dist[i] <= near.worst() && ref.row(first + i) != skip) {
                  near.offer(dist[i], ref.row(first + i), first + i);
                }
              }
            },
            [&] { return near.visit_bound(); });
        NeighbourTable& t = *job.out;
        seeds[j].clear();
        for (std::size_t c = 0; c < k; ++c) {
          const Nearest::Item& item = near[c];
          t.scaled[row * k + c] =
              std::is_same_v<Gap, SquaredEuclidean> ? std::sqrt(item.dist) : item.dist;
          if (!t.index.empty()) t.index[row * k + c] = item.row;
          seeds[j].push_back(item.position);
        }
      }
    }
  }, 2);
}

template <class Gap>
void tree_queries(const BoxTree& queries, std::span<const TreeJob> jobs) {
  switch (queries.dim()) {
    case 2: return tree_queries<Gap, 2>(queries, jobs);
    case 3: return tree_queries<Gap, 3>(queries, jobs);
    case 4: return tree_queries<Gap, 4>(queries, jobs);
    case 5: return tree_queries<Gap, 5>(queries, jobs);
    case 6: return tree_queries<Gap, 6>(queries, jobs);
    case 7: return tree_queries<Gap, 7>(queries, jobs);
    case 8: return tree_queries<Gap, 8>(queries, jobs);
    default: return tree_queries<Gap, 0>(queries, jobs);
  }
}

void tree_queries(const BoxTree& queries, std::span<const TreeJob> jobs, Metric metric) {
  if (metric == Metric::euclidean) {
    tree_queries<SquaredEuclidean>(queries, jobs);
  } else {
    tree_queries<MaxNorm>(queries, jobs);
  }
}

// One table to fill: for every query row, its neighbours among the rows of `ref`, which is the
// queries' own sample when `self` (each query's own row excluded).
struct Request {
  SampleView ref;
  bool self;
  std::size_t k;
  NeighbourTable* out;
};

// What a SearchReuse scope keeps on its thread: per sample seen, a copy of its values (so that a
// later sample is recognised by content, never by address alone) and the tree or sorted copy
// built for it.
struct ReuseEntry {
  std::vector<double> values;
  std::size_t dim = 0;
  std::shared_ptr<const BoxTree> tree;
  std::shared_ptr<const SortedSample> sorted;
};
thread_local std::deque<ReuseEntry>* reuse_store = nullptr;  // a deque: entries stay put

ReuseEntry* reuse_entry(SampleView s) {
  if (!reuse_store) return nullptr;
  for (ReuseEntry& e : *reuse_store) {
    if (e.dim == s.dim() && e.values.size() == s.values().size() &&
        std::equal(e.values.begin(), e.values.end(), s.values().begin())) {
      return &e;
    }
  }
  ReuseEntry& e = reuse_store->emplace_back();
  e.values.assign(s.values().begin(), s.values().end());
  e.dim = s.dim();
  return &e;
}

// The trees of these samples: kept ones where a SearchReuse scope has them, the others built
// side by side (and kept, in a scope).
std::vector<std::shared_ptr<const BoxTree>> trees_for(std::span<const SampleView> samples) {
  std::vector<std::shared_ptr<const BoxTree>> trees(samples.size());
  std::vector<ReuseEntry*> entries(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    entries[i] = reuse_entry(samples[i]);
    if (entries[i]) trees[i] = entries[i]->tree;
  }
  parallel_for(samples.size(), [&](std::size_t i) {
    if (!trees[i]) trees[i] = std::make_shared<const BoxTree>(samples[i], tree_leaf_size);
  }, 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (entries[i]) entries[i]->tree = trees[i];
  }
  return trees;
}

std::shared_ptr<const SortedSample> sorted_for(SampleView s) {
  ReuseEntry* entry = reuse_entry(s);
  if (entry && entry->sorted) return entry->sorted;
  auto sorted = std::make_shared<const SortedSample>(sorted_sample(s));
  if (entry) entry->sorted = sorted;
  return sorted;
}

// The k-d tree searches: one tree per sample (built side by side), the queries in their own
// tree's leaf order, every request answered for a query before the next.
void search_kdtree(SampleView queries, std::span<const Request> requests, Metric metric) {
  std::vector<SampleView> samples{queries};
  std::vector<std::size_t> tree_of(requests.size(), 0);
  for (std::size_t r = 0; r < requests.size(); ++r) {
    if (!requests[r].self) {
      tree_of[r] = samples.size();
      samples.push_back(requests[r].ref);
    }
  }
  const std::vector<std::shared_ptr<const BoxTree>> trees = trees_for(samples);
  std::vector<TreeJob> jobs;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    jobs.push_back({&*trees[tree_of[r]], requests[r].self, requests[r].out});
  }
  tree_queries(*trees[0], jobs, metric);
}

// The search proper, on data whose squared distances are representable.
void search_scaled(SampleView queries, std::span<const Request> requests,
                   const NeighbourQuery& q) {
  std::size_t rows = 0, k = 0;
  for (const Request& r : requests) {
    NeighbourTable& t = *r.out;
    t.rows = queries.rows();
    t.k = r.k;
    t.scaled.resize(t.rows * t.k);
    if (q.with_index) t.index.resize(t.rows * t.k);
    rows = std::max(rows, r.ref.rows());
    k = std::max(k, r.k);
  }
  Search s = q.search;
  if (s == Search::automatic) s = choose_search(rows, queries.rows(), queries.dim(), k, q.metric);
  if (s == Search::sorted && queries.dim() != 1) s = Search::kdtree;
  switch (s) {
    case Search::sorted: {
      const std::shared_ptr<const SortedSample> order = sorted_for(queries);
      for (const Request& r : requests) {
        if (r.self) {
          search_sorted(*order, *order, true, *r.out);
        } else {
          search_sorted(*sorted_for(r.ref), *order, false, *r.out);
        }
      }
      break;
    }
    case Search::brute:
      for (const Request& r : requests) {
        if (q.metric == Metric::euclidean) {
          search_brute_euclidean(r.ref, queries, r.self, *r.out);
        } else {
          search_brute_max(r.ref, queries, r.self, *r.out);
        }
      }
      break;
    case Search::kdtree:
    case Search::automatic: search_kdtree(queries, requests, q.metric); break;
  }
}

void search(SampleView queries, std::span<const Request> requests, const NeighbourQuery& q) {
  double largest = largest_magnitude(queries);
  for (const Request& r : requests) {
    if (r.ref.dim() != queries.dim()) {
      throw std::logic_error("nearest_neighbours: dimensions differ");
    }
    if (r.k == 0 || r.k + (r.self ? 1 : 0) > r.ref.rows()) {
      throw std::logic_error("nearest_neighbours: k out of range");
    }
    if (!r.self) largest = std::max(largest, largest_magnitude(r.ref));
  }
  int e = 0;  // the binary exponent of the largest magnitude (0 if every value is 0)
  if (largest > 0) std::frexp(largest, &e);
  // Squared distances overflow beyond about 1e154 and underflow below about 1e-154. Data of
  // extreme magnitude is scaled by a power of two (exact) so that its largest value is 2^480:
  // squares then neither overflow (even summed over 2^30 coordinates) nor underflow for
  // distances down to 2^-990 times the largest value.
  if (e > 64 || e < -64) {
    const int shift = 480 - e;
    const Samples qs = scaled_copy(queries, shift);
    std::vector<Samples> refs;
    refs.reserve(requests.size());
    std::vector<Request> scaled;
    for (const Request& r : requests) {
      if (r.self) {
        scaled.push_back({qs, true, r.k, r.out});
      } else {
        refs.push_back(scaled_copy(r.ref, shift));
        scaled.push_back({refs.back(), false, r.k, r.out});
      }
    }
    search_scaled(qs, scaled, q);
    for (const Request& r : requests) r.out->exponent -= shift;
    return;
  }
  search_scaled(queries, requests, q);
}

}  // namespace

SearchReuse::SearchReuse() {
  if (!reuse_store) {
    reuse_store = new std::deque<ReuseEntry>();
    owner_ = true;
  }
}

SearchReuse::~SearchReuse() {
  if (owner_) {
    delete reuse_store;
    reuse_store = nullptr;
  }
}

NeighbourTable nearest_neighbours(SampleView reference, SampleView queries,
                                  const NeighbourQuery& q) {
  NeighbourTable t;
  const Request r{reference, false, q.k, &t};
  search(queries, {&r, 1}, q);
  return t;
}

NeighbourTable nearest_neighbours_self(SampleView points, const NeighbourQuery& q) {
  NeighbourTable t;
  const Request r{points, true, q.k, &t};
  search(points, {&r, 1}, q);
  return t;
}

std::pair<NeighbourTable, NeighbourTable> nearest_neighbours_both(SampleView x, SampleView y,
                                                                  std::size_t self_k,
                                                                  std::size_t cross_k,
                                                                  const NeighbourQuery& q) {
  std::pair<NeighbourTable, NeighbourTable> t;
  const Request r[2] = {{x, true, self_k, &t.first}, {y, false, cross_k, &t.second}};
  search(x, r, q);
  return t;
}

// Measured with `klest estimate --json -e 'knn(k=5, search=...)'` on two threads, P = N(0, I),
// Q = N(0.5, I) samples, n = m (seconds for the estimate, best of 3, kdtree / brute):
//   d       n = 2e4        n = 1e5
//   5       0.11 / 0.16    0.62 / 2.07
//   6       0.24 / 0.16    1.13 / 1.98
//   7       0.36 / 0.20    1.69 / 2.14
//   8       0.60 / 0.21    3.71 / 2.62
//   9       0.91 / 0.18    6.25 / 2.58
//   10      1.18 / 0.22    10.2 / 3.02
//   12      2.84 / 0.24    22.4 / 3.08
// The product form's cost grows with n m and barely notices d; the tree's grows steeply with d
// and more slowly with m. Interpolating the ratio between the two sizes (log-linearly in m), the
// searches cost the same at m = 4e4 for d = 6, 6e4 for d = 7, 2e5 for d = 8, 8e5 for d = 9, and
// several million for d = 10. So: brute force from d = 10, at d = 8 and 9 while m <= 200000, at
// d = 6 and 7 while m <= 40000; the tree below (and for the max-norm, which has no product form
// and whose brute force is a plain loop).
Search choose_search(std::size_t reference_rows, std::size_t query_rows, std::size_t dim,
                     std::size_t k, Metric metric) {
  (void)query_rows;  // both searches cost the same per query
  (void)k;
  if (dim == 1) return Search::sorted;
  if (metric == Metric::euclidean &&
      (dim >= 10 || (dim >= 8 && reference_rows <= 200000) ||
       (dim >= 6 && reference_rows <= 40000))) {
    return Search::brute;
  }
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

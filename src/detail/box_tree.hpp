#pragma once
// A k-d tree of bounding boxes over one sample, its points copied leaf by leaf so that a search
// reads whole leaves from contiguous memory. The k-NN searches (detail/neighbours.cpp) and the
// kernel sums of `kde` walk it through nearest_first().
//
// The tree is complete: every leaf lies at the same depth L, the smallest for which no leaf holds
// more than leaf_size points, and node j of depth t (counted from 0) covers the positions
// [floor(j n / 2^t), floor((j + 1) n / 2^t)). Each node splits the widest coordinate of its box
// at that boundary (an nth_element, ties broken by row index), so the shape depends only on the
// data. Nodes are numbered as in a binary heap (root 0, children 2i + 1 and 2i + 2), which needs
// no child links and keeps the boxes of two siblings side by side in memory.
//
// Position p (0 .. rows-1) is the p-th point in leaf order: point(p) its coordinates, row(p) its
// row in the sample. Consecutive positions are near each other in space, which makes leaf order
// a good order in which to run queries.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "klest/samples.hpp"

namespace klest::detail {

/// How a box's distance from a query accumulates over coordinates: Euclidean in squared units,
/// the max-norm as it is. Each gap and each step is rounded monotonically, so a point's computed
/// distance (accumulated the same way, coordinates in order) is never below its box's.
struct SquaredEuclidean {
  static double add(double s, double gap) { return s + gap * gap; }
};
struct MaxNorm {
  static double add(double s, double gap) { return std::max(s, gap); }
};

/// Squared Euclidean distance between two points of `dim` coordinates, coordinates in order.
inline double squared_distance(const double* a, const double* b, std::size_t dim) {
  double s = 0;
  for (std::size_t j = 0; j < dim; ++j) {
    const double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

class BoxTree {
 public:
  /// Indexes the `rows` x `dim` row-major values at `points` (copied), at most `leaf_size`
  /// points per leaf. O(n log n); the levels are built on the OpenMP threads.
  BoxTree(const double* points, std::size_t rows, std::size_t dim, std::size_t leaf_size);
  BoxTree(SampleView s, std::size_t leaf_size) : BoxTree(s.data(), s.rows(), s.dim(), leaf_size) {}

  std::size_t rows() const { return row_.size(); }
  std::size_t dim() const { return dim_; }
  /// The most points a leaf holds.
  std::size_t max_leaf() const { return max_leaf_; }
  const double* point(std::size_t position) const { return points_.data() + position * dim_; }
  std::size_t row(std::size_t position) const { return row_[position]; }
  const std::size_t* rows_from(std::size_t position) const { return row_.data() + position; }
  /// The nodes, for walks of their own (the kernel sums of `kde`): numbered as in a binary heap
  /// (root 0, children 2i + 1 and 2i + 2), node i covering the positions [begin(i), end(i)) and
  /// the box lower(i) .. upper(i) (dim() values each), the smallest holding its points.
  std::size_t nodes() const { return 2 * first_leaf_ + 1; }
  bool is_leaf(std::size_t node) const { return node >= first_leaf_; }
  std::size_t begin(std::size_t node) const {
    const std::size_t t = std::size_t(std::bit_width(node + 1) - 1);
    return boundary_at(node + 1 - (std::size_t(1) << t), t);
  }
  std::size_t end(std::size_t node) const {
    const std::size_t t = std::size_t(std::bit_width(node + 1) - 1);
    return boundary_at(node + 2 - (std::size_t(1) << t), t);
  }
  const double* lower(std::size_t node) const { return box_.data() + node * 2 * dim_; }
  const double* upper(std::size_t node) const { return lower(node) + dim_; }

  /// Leaves also hold their points coordinate by coordinate, for loops over a leaf's points:
  /// coordinate k of the leaf's i-th point is columns[k * stride() + i].
  std::size_t stride() const { return stride_; }

  /// Calls leaf(first_position, count, columns, lower) for leaves of the tree, the nearer child
  /// of every node first, skipping each subtree that cannot hold a point whose distance from q
  /// (in Gap's units) is below bound(), which is read afresh before each subtree (it may shrink
  /// as leaves are seen). `columns` holds the leaf's points coordinate by coordinate (see
  /// stride()), `lower` the lower corner of its box, followed by the upper. Every point whose
  /// distance (accumulated with Gap, coordinates in order) is below bound() is seen. D > 0 fixes
  /// the dimension at compile time (it must equal dim()).
  ///
  /// A subtree's distance is tracked as in nanoflann (Arya and Mount's incremental distance):
  /// the gaps between q and the subtree's slab along each split axis met on the way down, one
  /// gap updated per level, so a node costs O(1) rather than O(d). That sum is a lower bound of
  /// any point's distance in exact arithmetic. Under rounding, the initial sum errs by at most d
  /// eps relative, each update (a subtraction and an addition, never decreasing the sum) by 2 eps,
  /// and a point's own distance by d eps; so a subtree is skipped only when its distance exceeds
  /// bound() by more than a relative 4 (d + L + 2) eps, L the depth of the tree.
  template <class Gap = SquaredEuclidean, std::size_t D = 0, class Leaf, class Bound>
  void nearest_first(const double* q, Leaf&& leaf, Bound&& bound) const {
    const std::size_t d = D > 0 ? D : dim_;
    double gaps[D > 0 ? D : 1];
    std::vector<double> heap_gaps;
    double* g = gaps;
    if constexpr (D == 0) {
      heap_gaps.resize(d);
      g = heap_gaps.data();
    }
    // The gaps to the root's box start the tally.
    const double* lo = box_.data();
    const double* hi = lo + d;
    double dist = 0;
    for (std::size_t k = 0; k < d; ++k) {
      const double t = q[k] < lo[k] ? lo[k] - q[k] : (q[k] > hi[k] ? q[k] - hi[k] : 0.0);
      g[k] = Gap::add(0.0, t);
      dist = Gap::add(dist, t);
    }
    const double shrink = std::max(0.0, 1 - 4 * (double(d) + double(depth_) + 2) * 0x1p-53);
    if (dist * shrink < bound()) descend<Gap>(0, q, dist, g, shrink, leaf, bound);
  }

 private:
  template <class Gap, class Leaf, class Bound>
  void descend(std::size_t node, const double* q, double dist, double* gaps, double shrink,
               Leaf& leaf, Bound& bound) const {
    if (node >= first_leaf_) {
      const std::size_t j = node - first_leaf_;
      const std::size_t begin = boundary(j), end = boundary(j + 1);
      leaf(begin, end - begin, columns_.data() + j * dim_ * stride_,
           box_.data() + node * 2 * dim_);
      return;
    }
    const Split& s = split_[node];
    const double v = q[s.axis];
    const std::size_t left = 2 * node + 1;
    // The left child's points lie at or below s.low along the axis, the right child's at or
    // above s.high (s.low <= s.high): the nearer child is the one on q's side of the middle.
    const bool left_near = (v - s.low) + (v - s.high) < 0;
    descend<Gap>(left_near ? left : left + 1, q, dist, gaps, shrink, leaf, bound);
    // The far child's gap along the axis is at least the node's own there.
    const double gap = Gap::add(0.0, left_near ? s.high - v : v - s.low);
    const double old = gaps[s.axis];
    double far;
    if constexpr (std::is_same_v<Gap, SquaredEuclidean>) {
      far = dist - old + gap;
    } else {
      far = std::max(dist, gap);
    }
    if (far * shrink < bound()) {
      gaps[s.axis] = gap;
      descend<Gap>(left_near ? left + 1 : left, q, far, gaps, shrink, leaf, bound);
      gaps[s.axis] = old;
    }
  }

  // An internal node: its split axis, the largest coordinate there of its left child's points
  // and the smallest of its right child's.
  struct Split {
    double low, high;
    std::size_t axis;
  };

  static constexpr std::size_t max_depth = 62;

  // (value on the split axis, row, position): ordered by value, then row, so the split is unique.
  struct Key {
    double value;
    std::size_t row, position;
  };

  // The first position of node j of depth t: floor(j n / 2^t).
  std::size_t boundary_at(std::size_t j, std::size_t t) const {
    __extension__ using wide = unsigned __int128;
    return std::size_t((wide(j) * row_.size()) >> t);
  }
  std::size_t boundary(std::size_t leaf) const { return boundary_at(leaf, depth_); }
  void build_node(std::size_t node, std::size_t t, std::size_t j, std::vector<Key>& keys,
                  std::vector<double>& moved);

  std::size_t dim_;
  std::size_t depth_ = 0;       // L: the depth of every leaf
  std::size_t first_leaf_ = 0;  // 2^L - 1: the number of internal nodes
  std::size_t max_leaf_ = 0;
  std::size_t stride_ = 0;      // max_leaf_ rounded up to a multiple of 8
  std::vector<double> box_;     // per node: its lower corner, then its upper corner
  std::vector<Split> split_;    // per internal node
  std::vector<double> points_;  // rows x dim, in leaf order
  std::vector<std::size_t> row_;
  std::vector<double> columns_;  // per leaf: dim rows of stride values (points, then +inf)
};

}  // namespace klest::detail

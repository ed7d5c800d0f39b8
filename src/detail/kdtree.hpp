#pragma once
// nanoflann's k-d tree behind a small interface (kept out of every other file so that the API
// change between nanoflann 1.4 and 1.5 touches only kdtree.cpp). Euclidean metric. The k-NN
// estimators search with klest's own tree (detail/box_tree.hpp, through detail/neighbours.hpp);
// this one is the widely used baseline the benchmarks time it against (tests/bench/knn_bench.cpp).

#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "klest/samples.hpp"

namespace klest::detail {

class KdTree {
 public:
  /// Indexes `points`, which must outlive the tree. Building is O(n log n).
  explicit KdTree(SampleView points, std::size_t leaf_size = 16);
  ~KdTree();
  KdTree(const KdTree&) = delete;
  KdTree& operator=(const KdTree&) = delete;

  /// The min(k, size()) points nearest to `query` (dim() values): their row indices and squared
  /// Euclidean distances, nearest first. `index` and `dist_sq` need room for k entries.
  /// Returns how many were found. Thread-safe (const).
  std::size_t nearest(const double* query, std::size_t k, std::size_t* index,
                      double* dist_sq) const;

  /// Every point within squared Euclidean distance `radius_sq` (strictly less) of `query`, as
  /// (row index, squared distance) pairs in no particular order. Thread-safe (const).
  void within(const double* query, double radius_sq,
              std::vector<std::pair<std::size_t, double>>& found) const;

  std::size_t size() const { return points_.rows(); }
  std::size_t dim() const { return points_.dim(); }

 private:
  struct Impl;
  SampleView points_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace klest::detail

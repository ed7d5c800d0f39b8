#include "detail/box_tree.hpp"

#include <limits>

#include "detail/parallel.hpp"

namespace klest::detail {

BoxTree::BoxTree(const double* points, std::size_t rows, std::size_t dim, std::size_t leaf_size)
    : dim_(dim), points_(points, points + rows * dim), row_(rows) {
  leaf_size = std::max<std::size_t>(leaf_size, 1);
  // A leaf of depth L holds floor or ceil of n / 2^L points.
  const auto most = [&](std::size_t t) { return (rows + (std::size_t(1) << t) - 1) >> t; };
  while (depth_ < max_depth && most(depth_) > leaf_size) ++depth_;
  first_leaf_ = (std::size_t(1) << depth_) - 1;
  max_leaf_ = most(depth_);
  for (std::size_t i = 0; i < rows; ++i) row_[i] = i;
  box_.resize((2 * first_leaf_ + 1) * 2 * dim_);
  std::vector<Key> keys(rows);
  std::vector<double> moved(rows * dim);
  // Level by level: the nodes of one level cover disjoint positions, so they build in parallel.
  for (std::size_t t = 0; t <= depth_; ++t) {
    const std::size_t count = std::size_t(1) << t, first = count - 1;
    // Threads only for large trees: below, starting them costs more than the level (and
    // leaves them spinning while the caller goes on).
    parallel_for(count, [&](std::size_t j) { build_node(first + j, t, j, keys, moved); },
                 rows >= 65536 ? 2 : count + 1);
  }
  split_.resize(first_leaf_);
  for (std::size_t node = 0; node < first_leaf_; ++node) {
    const double* lo = box_.data() + node * 2 * dim_;
    const double* hi = lo + dim_;
    std::size_t axis = 0;  // as build_node chose it
    for (std::size_t k = 1; k < dim_; ++k) {
      if (hi[k] - lo[k] > hi[axis] - lo[axis]) axis = k;
    }
    const double* left = box_.data() + (2 * node + 1) * 2 * dim_;
    const double* right = box_.data() + (2 * node + 2) * 2 * dim_;
    split_[node] = {left[dim_ + axis], right[axis], axis};
  }
  stride_ = (max_leaf_ + 7) / 8 * 8;
  const std::size_t leaves = first_leaf_ + 1;
  columns_.assign(leaves * dim_ * stride_, std::numeric_limits<double>::infinity());
  for (std::size_t j = 0; j < leaves; ++j) {
    double* c = columns_.data() + j * dim_ * stride_;
    for (std::size_t p = boundary(j), i = 0; p < boundary(j + 1); ++p, ++i) {
      for (std::size_t k = 0; k < dim_; ++k) c[k * stride_ + i] = points_[p * dim_ + k];
    }
  }
}

// Sets the box of node `node` (node j of depth t) and, for an internal node, orders its points
// so that those of its left child come first. The median split runs on contiguous (value, row)
// pairs in the node's part of `keys`, and the points then move as whole rows through its part of
// `moved`: each level costs one sequential pass over the data.
void BoxTree::build_node(std::size_t node, std::size_t t, std::size_t j, std::vector<Key>& keys,
                         std::vector<double>& moved) {
  const std::size_t d = dim_, begin = boundary_at(j, t), end = boundary_at(j + 1, t);
  double* lo = box_.data() + node * 2 * d;
  double* hi = lo + d;
  std::fill_n(lo, d, std::numeric_limits<double>::infinity());
  std::fill_n(hi, d, -std::numeric_limits<double>::infinity());
  for (std::size_t i = begin; i < end; ++i) {
    const double* p = points_.data() + i * d;
    for (std::size_t k = 0; k < d; ++k) {
      lo[k] = std::min(lo[k], p[k]);
      hi[k] = std::max(hi[k], p[k]);
    }
  }
  if (t == depth_) return;
  std::size_t axis = 0;
  for (std::size_t k = 1; k < d; ++k) {
    if (hi[k] - lo[k] > hi[axis] - lo[axis]) axis = k;
  }
  const std::size_t split = boundary_at(2 * j + 1, t + 1);
  for (std::size_t i = begin; i < end; ++i) keys[i] = {points_[i * d + axis], row_[i], i};
  std::nth_element(keys.begin() + std::ptrdiff_t(begin), keys.begin() + std::ptrdiff_t(split),
                   keys.begin() + std::ptrdiff_t(end), [](const Key& a, const Key& b) {
                     return a.value < b.value || (a.value == b.value && a.row < b.row);
                   });
  for (std::size_t i = begin; i < end; ++i) {
    std::copy_n(points_.data() + keys[i].position * d, d, moved.data() + i * d);
    row_[i] = keys[i].row;
  }
  std::copy_n(moved.data() + begin * d, (end - begin) * d, points_.data() + begin * d);
}

}  // namespace klest::detail

#include "detail/kdtree.hpp"

#include <nanoflann.hpp>

namespace klest::detail {

namespace {

// nanoflann's dataset interface over a row-major view.
struct ViewAdaptor {
  SampleView points;
  std::size_t kdtree_get_point_count() const { return points.rows(); }
  double kdtree_get_pt(std::size_t i, std::size_t j) const {
    return points.data()[i * points.dim() + j];
  }
  template <class Box>
  bool kdtree_get_bbox(Box&) const {
    return false;
  }
};

using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<double, ViewAdaptor>,
                                                 ViewAdaptor, -1, std::size_t>;

}  // namespace

struct KdTree::Impl {
  ViewAdaptor adaptor;
  Tree tree;
  Impl(SampleView points, std::size_t leaf_size)
      : adaptor{points},
        tree(int(points.dim()), adaptor, nanoflann::KDTreeSingleIndexAdaptorParams(leaf_size)) {}
};

KdTree::KdTree(SampleView points, std::size_t leaf_size)
    : points_(points), impl_(std::make_unique<Impl>(points, leaf_size)) {}

KdTree::~KdTree() = default;

std::size_t KdTree::nearest(const double* query, std::size_t k, std::size_t* index,
                            double* dist_sq) const {
  return impl_->tree.knnSearch(query, k, index, dist_sq);
}

void KdTree::within(const double* query, double radius_sq,
                    std::vector<std::pair<std::size_t, double>>& found) const {
  found.clear();
  impl_->tree.radiusSearch(query, radius_sq, found, nanoflann::SearchParams(32, 0, false));
}

}  // namespace klest::detail

#pragma once
// Nearest-neighbour distances for the k-NN estimators: the one place that searches.
//
// nearest_neighbours(reference, queries, q) gives, for every row of `queries`, the distances to
// its q.k nearest rows of `reference`, ascending; nearest_neighbours_self(points, q) the same
// within one sample, each point excluding itself by index (with repeated points the first hit
// need not be the point itself).
//
// Three searches give the same distances and the same neighbours (ties go by row index), up to
// the rounding of a distance, and differ only in cost; Search::automatic picks one by dimension
// and reference size (see choose_search):
//   sorted  1-D only: both samples sorted once, each query walks outward from its position,
//           O((n + m) log(n + m)).
//   kdtree  klest's k-d tree (detail/box_tree.hpp), best at low dimension: one tree per sample,
//           built side by side; queries run in the leaf order of their own sample's tree, each
//           starting with the bound its predecessor's neighbours give. Both metrics natively.
//   brute   every pair, blocked, through single-precision matrix products with a rigorous error
//           bound and exact recomputation of the candidates; best once the tree degrades
//           (d >= 8 to 10). Data in a few tight clusters far apart makes the bound loose and many
//           rows candidates: still exact, but then as slow as a plain loop.
// nearest_neighbours_both() answers the two tables of the two-sample estimators in one pass, with
// one sort or one tree of the query sample serving both.
//
// Data of extreme magnitude would overflow or underflow squared distances, so the search works on
// the samples scaled by a power of two (exact) and reports distances in those units together with
// the exponent: distance = scaled * 2^exponent. Estimators use log_distance(), which is exact and
// finite for every positive distance, or ratios of scaled distances.

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "klest/params.hpp"
#include "klest/samples.hpp"

namespace klest::detail {

enum class Metric { euclidean, maximum };
enum class Search { automatic, sorted, kdtree, brute };

struct NeighbourQuery {
  std::size_t k = 1;
  Metric metric = Metric::euclidean;
  Search search = Search::automatic;
  bool with_index = false;  // also report the row index of every neighbour
};

struct NeighbourTable {
  std::size_t rows = 0;  // queries
  std::size_t k = 0;
  int exponent = 0;            // distances are scaled[.] * 2^exponent
  std::vector<double> scaled;  // rows x k, ascending within a row
  std::vector<std::size_t> index;  // rows x k when asked for, else empty

  /// Distance from query i to its j-th neighbour, j = 1..k (may overflow to inf only for data
  /// near the largest doubles; prefer log_distance).
  double distance(std::size_t i, std::size_t j) const {
    return std::ldexp(scaled[i * k + j - 1], exponent);
  }
  /// log of that distance: -inf for a zero distance, never overflowing.
  double log_distance(std::size_t i, std::size_t j) const {
    return std::log(scaled[i * k + j - 1]) + double(exponent) * 0.69314718055994530942;
  }
  std::size_t neighbour(std::size_t i, std::size_t j) const { return index[i * k + j - 1]; }
  std::span<const double> row(std::size_t i) const { return {scaled.data() + i * k, k}; }
};

/// The k nearest rows of `reference` for every row of `queries` (k <= reference.rows()).
NeighbourTable nearest_neighbours(SampleView reference, SampleView queries,
                                  const NeighbourQuery& q);
/// The k nearest other rows of `points` for every row (k < points.rows()).
NeighbourTable nearest_neighbours_self(SampleView points, const NeighbourQuery& q);

/// Both tables of the two-sample estimators at once: for every row of x, its `self_k` nearest
/// other rows of x (first) and its `cross_k` nearest rows of y (second). The same tables as
/// nearest_neighbours_self(x, ..) and nearest_neighbours(y, x, ..), for less work: one sort or
/// one tree of x serves both, and each query of x asks both samples in turn. q.k is not used.
std::pair<NeighbourTable, NeighbourTable> nearest_neighbours_both(SampleView x, SampleView y,
                                                                  std::size_t self_k,
                                                                  std::size_t cross_k,
                                                                  const NeighbourQuery& q);

/// While one lives, the searches on this thread keep the k-d trees and sorted copies they build
/// and reuse them for a sample with the same values (compared in full), so that estimators run
/// one after another on the same samples (the experiment harness, per replication) build them
/// once. Scopes nest (the outermost one owns the store); not copyable.
class SearchReuse {
 public:
  SearchReuse();
  ~SearchReuse();
  SearchReuse(const SearchReuse&) = delete;
  SearchReuse& operator=(const SearchReuse&) = delete;

 private:
  bool owner_ = false;
};

/// The search Search::automatic runs for these sizes.
Search choose_search(std::size_t reference_rows, std::size_t query_rows, std::size_t dim,
                     std::size_t k, Metric metric);

/// log of the volume of the unit ball of the metric in d dimensions.
double log_unit_ball_volume(std::size_t dim, Metric metric);

// The `metric` and `search` parameters every k-NN estimator declares, and their values.
ParamDef metric_param();
ParamDef search_param();
Metric metric_from(const Params& p);
Search search_from(const Params& p);
std::string_view to_string(Metric m);
std::string_view to_string(Search s);

}  // namespace klest::detail

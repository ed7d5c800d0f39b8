#include "detail/knn_common.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Dense>
#include <boost/math/special_functions/digamma.hpp>
#include <fmt/format.h>

namespace klest::detail {

ParamDef ties_param() {
  return param("ties", "error",
               "repeated points (zero distances): error, skip the affected points, or jitter "
               "both samples at the data's resolution",
               {"error", "skip", "jitter"});
}

Ties ties_from(const Params& p) {
  const std::string t = p.get<std::string>("ties");
  if (t == "skip") return Ties::skip;
  if (t == "jitter") return Ties::jitter;
  return Ties::error;
}

std::string ordinal(std::size_t k) {
  const char* suffix = "th";
  if (k % 100 < 11 || k % 100 > 13) {
    if (k % 10 == 1) suffix = "st";
    if (k % 10 == 2) suffix = "nd";
    if (k % 10 == 3) suffix = "rd";
  }
  return fmt::format("{}{}", k, suffix);
}

std::vector<double> resolution(SampleView x, SampleView y) {
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

Samples jittered(SampleView s, const std::vector<double>& width, Rng& rng) {
  Samples out(s);
  for (std::size_t i = 0; i < s.rows(); ++i) {
    auto row = out.row(i);
    for (std::size_t j = 0; j < s.dim(); ++j) row[j] += (uniform01(rng) - 0.5) * width[j];
  }
  return out;
}

std::string coincidence(SampleView x, SampleView y, std::size_t i) {
  const auto same = [&](std::span<const double> a) {
    return std::equal(a.begin(), a.end(), x.row(i).begin());
  };
  for (std::size_t j = 0; j < x.rows(); ++j) {
    if (j != i && same(x.row(j))) return fmt::format("p row {} coincides with p row {}", i + 1, j + 1);
  }
  for (std::size_t j = 0; j < y.rows(); ++j) {
    if (same(y.row(j))) return fmt::format("p row {} coincides with q row {}", i + 1, j + 1);
  }
  // A zero distance between distinct rows: only possible when coordinates differ by less than
  // the smallest representable difference after the search's scaling.
  return fmt::format("p row {} has a zero neighbour distance", i + 1);
}

InputError tie_error(std::string_view label, std::string_view what, std::string_view when,
                     std::size_t tied, std::size_t total, std::string_view sample,
                     std::string_view condition, std::string_view remedy) {
  return InputError(fmt::format(
      "estimator '{}': {}{} ({} of {} points of {} {}); repeated points need ties=skip, "
      "ties=jitter{}",
      label, what, when, tied, total, sample, condition, remedy));
}

InputError nothing_left_error(std::string_view label, std::string_view sample) {
  return InputError(fmt::format(
      "estimator '{}': every point of {} has a repeated neighbour, so no term is left after "
      "skipping ties; use ties=jitter",
      label, sample));
}

std::vector<char> DistanceTables::zero_flags(std::size_t p_rank, std::size_t q_rank) const {
  std::vector<char> flags(rho.rows);
  for (std::size_t i = 0; i < rho.rows; ++i) {
    flags[i] = rho.row(i)[p_rank - 1] == 0 || nu.row(i)[q_rank - 1] == 0;
  }
  return flags;
}

DistanceTables distance_tables(SampleView x, SampleView y, std::size_t l, std::size_t k,
                               NeighbourQuery query) {
  auto [rho, nu] = nearest_neighbours_both(x, y, l, k, query);
  return {std::move(rho), std::move(nu)};
}

InputError zero_distance_error(std::string_view label, SampleView x, SampleView y,
                               const std::vector<char>& flags, std::string_view when,
                               std::string_view remedy) {
  const std::size_t first = std::size_t(std::find(flags.begin(), flags.end(), 1) - flags.begin());
  const std::size_t tied = std::size_t(std::count(flags.begin(), flags.end(), 1));
  return tie_error(label, coincidence(x, y, first), when, tied, x.rows(), "p",
                   "have a zero neighbour distance", remedy);
}

double digamma_difference(std::size_t a, std::size_t b) {
  double s = 0;
  for (std::size_t j = std::min(a, b); j < std::max(a, b); ++j) s += 1.0 / double(j);
  return a >= b ? s : -s;
}

double digamma_integer(std::size_t a) { return boost::math::digamma(double(a)); }

std::vector<double> mean_log_ratios(const NeighbourTable& nu, const NeighbourTable& rho,
                                    std::span<const RankPair> pairs,
                                    const std::vector<char>& skip) {
  std::vector<double> out;
  out.reserve(pairs.size());
  for (const RankPair& r : pairs) {
    CompensatedSum sum;
    std::size_t used = 0;
    for (std::size_t i = 0; i < rho.rows; ++i) {
      if (!skip.empty() && skip[i]) continue;
      sum.add(nu.log_distance(i, r.q_rank) - rho.log_distance(i, r.p_rank));
      ++used;
    }
    out.push_back(sum.value() / double(used));
  }
  return out;
}

double mean_log_distance(const NeighbourTable& t, std::size_t rank,
                         const std::vector<char>& skip) {
  CompensatedSum sum;
  std::size_t used = 0;
  for (std::size_t i = 0; i < t.rows; ++i) {
    if (!skip.empty() && skip[i]) continue;
    sum.add(t.log_distance(i, rank));
    ++used;
  }
  return sum.value() / double(used);
}

std::vector<double> min_norm_weights(const std::vector<double>& a, std::size_t rows,
                                     std::size_t cols) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) m(Eigen::Index(r), Eigen::Index(c)) = a[r * cols + c];
  }
  const Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(m);
  if (rows > cols || cod.rank() < Eigen::Index(rows)) return {};
  Eigen::VectorXd e1 = Eigen::VectorXd::Zero(Eigen::Index(rows));
  e1(0) = 1;
  const Eigen::VectorXd w = cod.solve(e1);
  return std::vector<double>(w.data(), w.data() + w.size());
}

std::vector<double> bsy_weights(std::size_t k, std::size_t d, std::size_t constraints) {
  constraints = std::min(constraints, d / 4);
  std::vector<double> w(k, 0.0);
  if (constraints == 0) {
    w[k - 1] = 1;
    return w;
  }
  if (k < constraints + 1) return {};
  std::vector<double> a((constraints + 1) * k, 1.0);
  for (std::size_t ell = 1; ell <= constraints; ++ell) {
    const double shift = 2.0 * double(ell) / double(d);
    for (std::size_t j = 1; j <= k; ++j) {
      a[ell * k + j - 1] = std::exp(std::lgamma(double(j) + shift) - std::lgamma(double(j)));
    }
  }
  return min_norm_weights(a, constraints + 1, k);
}

std::vector<double> ensemble_weights(std::span<const std::size_t> ks,
                                     std::span<const double> powers, double scale) {
  const std::size_t cols = ks.size(), rows = powers.size() + 1;
  std::vector<std::size_t> distinct(ks.begin(), ks.end());
  std::sort(distinct.begin(), distinct.end());
  if (std::size_t(std::unique(distinct.begin(), distinct.end()) - distinct.begin()) < rows) {
    return {};
  }
  std::vector<double> a(rows * cols, 1.0);
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      a[i * cols + j] = std::pow(double(ks[j]) / scale, powers[i - 1]);
    }
  }
  return min_norm_weights(a, rows, cols);
}

}  // namespace klest::detail

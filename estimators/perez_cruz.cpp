// One-dimensional KL estimator of Perez-Cruz (2008) from the slopes of the piecewise-linear
// interpolated empirical CDFs of the two samples:
//
//   D(P||Q) ~ (1/n) sum_i log( dPc(x_i) / dQc(x_i) ) - 1
//
// Pc is the continuous piecewise-linear interpolation of the empirical CDF
// Pe(x) = (1/n) sum_i U(x - x_i), U the unit step with U(0) = 1/2: through the points
// (x_(i), (i - 1/2)/n) of the sorted sample, closed by anchors where it reaches 0 and 1. Qc is
// built the same way from y. dPc(x) = Pc(x) - Pc(x - eps) for eps below every spacing, and only
// the ratio matters, so dPc / eps and dQc / eps are the left slopes:
//   dPc(x_(i)) / eps = 1 / (n (x_(i) - x_(i-1)))          P's own left spacing
//   dQc(x) / eps     = 1 / (m (y_(j+1) - y_(j))),  y_(j) < x <= y_(j+1)   the gap of y holding x
// so each term is log(m / n) + log(gap_y) - log(spacing_x).
// Why -1: n p(x) (x_(i) - x_(i-1)) is about Exp(1), so E[-log] = gamma, while the y-gap that
// contains a point is size-biased, m q(x) gap ~ Gamma(2, 1), with E[-log] = -psi(2) = gamma - 1.
// The raw mean therefore estimates KL + 1, and the 1 is subtracted.
//
// Reference: F. Perez-Cruz, "Kullback-Leibler divergence estimation of continuous
// distributions", Proc. IEEE International Symposium on Information Theory (ISIT), Toronto,
// 2008, pp. 1666-1670 (the 1-D empirical-CDF estimator and its almost-sure convergence).
//
// Choices the paper leaves open:
// * Anchors. Each end piece carries the half-point mass 1/(2n) that U(0) = 1/2 leaves outside
//   the sample, and is given half the width of the adjacent gap between distinct values:
//   x_0 = x_(1) - (x_(2) - x_(1)) / 2, and for Q y_0 = y_(1) - g_1 / 2,
//   y_(m+1) = y_(m) + g_m / 2 (g_1, g_m the first and last positive gaps of y). The end pieces
//   thus continue the slope of the neighbouring piece until the CDF reaches 0 or 1, and the
//   smallest x gets the slope 1 / (n (x_(2) - x_(1))), distributed like every other spacing.
// * Points of P outside Q's anchored range (x <= y_0 or x > y_(m+1)) have dQc = 0 under the
//   interpolated CDF, an infinite term. `outside`:
//     nearest (default): beyond the anchors Q's slope is its nearest-neighbour density,
//       1 / (m 2 |x - y_end|), y_end = y_(1) or y_(m) (the 1-NN density estimate of Perez-Cruz's
//       k-NN form and of Wang, Kulkarni & Verdu 2009, with the ball [x - r, x + r] reaching the
//       nearest y). At the anchor, 2 |x - y_end| is the end gap, so the slope continues the end
//       piece without a jump. A point far beyond Q's sample then gives a large term, and a
//       support mismatch makes the estimate grow without bound with m (on U(0, 2) vs U(0, 1),
//       infinite truth: about 0.5 log m - 1.06, derived in the tests), as knn's does; at
//       P = Q the few points just beyond Q's extremes (about n / m expected at each end) get
//       ordinary terms.
//     drop: leaves them out and averages over the rest. This hides support mismatch and biases
//       towards 0, since such points are where log(p/q) is largest (on U(0, 2) vs U(0, 1) it
//       drops half of P and reports log(1/2) = -0.69); +inf if no point of P is left. It was
//       the default, and is kept for comparison.
//     infinite: the plug-in's +inf as soon as there is one such point. Honest but fragile: at
//       P = Q a point of P lies beyond Q's range in most samples.
//   Each way diagnostic "outside_q_points" counts them (tied points left out under ties=skip are
//   not counted).
// * Ties. A value repeated in the sample from P gives a zero spacing and an infinite term.
//   `ties`, with knn's policy (detail/knn_common.hpp): error (default; names the rows), skip
//   (leave out every copy of a repeated value, reported as "skipped"), or jitter (uniform noise
//   at the data's resolution, the smallest gap between distinct values of both samples pooled,
//   added to both samples; reported as "tied_points" and "jitter_width_max"; it smooths P and Q
//   alike and so changes the estimand slightly). Repeated values in the sample from Q are
//   harmless: every x falls in a gap between two distinct y's.
// * A sample from Q with a single distinct value has no slope at all: InputError.
//
// Data: 1-D continuous samples, n >= 2 (the anchor needs two x's), m >= 2. Cost: sorting both
// samples and one merge walk, O(n log n + m log m) (jitter adds a sort of the pooled values);
// no neighbour search. Serial: the terms are summed in sorted order. Spacings are differences
// of sorted values (an overflowing difference is halved first) and only their log ratios
// enter, so the estimate is invariant under x -> a x + b (a > 0) applied to both samples, up to
// rounding; a < 0 mirrors the line and turns left slopes into right ones.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "detail/knn_common.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

namespace kd = klest::detail;

constexpr double infinity = std::numeric_limits<double>::infinity();

// log(hi - lo) for hi > lo, also when the difference overflows.
double log_gap(double hi, double lo) {
  const double g = hi - lo;
  return std::isinf(g) ? std::log(hi / 2 - lo / 2) + std::numbers::ln2 : std::log(g);
}

// The sample from P sorted by value, keeping each value's row (equal values in row order).
using Sorted = std::vector<std::pair<double, std::size_t>>;

Sorted sorted_rows(klest::SampleView x) {
  Sorted s(x.rows());
  for (std::size_t i = 0; i < x.rows(); ++i) s[i] = {x.data()[i], i};
  std::sort(s.begin(), s.end());
  return s;
}

std::vector<double> sorted_values(klest::SampleView y) {
  std::vector<double> v(y.values().begin(), y.values().end());
  std::sort(v.begin(), v.end());
  return v;
}

// Whether sorted point i shares its value with a neighbour.
bool is_tied(const Sorted& xs, std::size_t i) {
  return (i > 0 && xs[i].first == xs[i - 1].first) ||
         (i + 1 < xs.size() && xs[i].first == xs[i + 1].first);
}

class PerezCruz {
 public:
  static constexpr std::string_view key = "perez_cruz";
  static constexpr std::string_view summary =
      "1-D estimator from the slopes of both samples' interpolated empirical CDFs, minus 1";
  static constexpr std::string_view reference =
      "Perez-Cruz (2008), Proc. IEEE ISIT, pp. 1666-1670";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex = kd::perez_cruz2008_bibtex;

  static klest::ParamSpec params() {
    return {
        ties_param(),
        klest::param("outside", "nearest",
                     "points of p beyond the anchored range of q's sample, where q's CDF is "
                     "flat: nearest (q's slope there 1/(2 m |x - nearest y|)), drop them, or "
                     "infinite (the plug-in's +inf)",
                     {"nearest", "drop", "infinite"}),
    };
  }

  // knn's `ties` parameter, where a tie is a value repeated in the sample from P.
  static klest::ParamDef ties_param() {
    klest::ParamDef t = kd::ties_param();
    t.help = "values repeated in p (zero spacings): error, skip them, or jitter both samples "
             "at the data's resolution";
    return t;
  }

  explicit PerezCruz(const klest::Params& p)
      : ties_(kd::ties_from(p)),
        outside_(p.get<std::string>("outside")),
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = 2, .min_q = 2, .max_dim = 1};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y, klest::Rng& rng) const {
    return kd::resolve_ties(x, y, ties_, rng, [this](klest::SampleView a, klest::SampleView b) {
      return State{this, sorted_rows(a), sorted_values(b)};
    });
  }

 private:
  struct State {
    const PerezCruz* self;
    Sorted xs;
    std::vector<double> ys;

    std::size_t tied() const {
      std::size_t t = 0;
      for (std::size_t i = 0; i < xs.size(); ++i) t += is_tied(xs, i);
      return t;
    }

    klest::InputError tie_error(std::string_view when) const {
      std::size_t i = 1;
      while (xs[i].first != xs[i - 1].first) ++i;
      return kd::tie_error(self->label_,
                           fmt::format("p row {} coincides with p row {} (value {})",
                                       xs[i - 1].second + 1, xs[i].second + 1,
                                       klest::format_number(xs[i].first)),
                           when, tied(), xs.size(), "p",
                           "are repeated values, which make a spacing zero", "");
    }

    klest::Estimate combine(bool skip) const;
  };

  kd::Ties ties_;
  std::string outside_;
  std::string label_;
};

klest::Estimate PerezCruz::State::combine(bool skip) const {
  const std::size_t n = xs.size(), m = ys.size();
  const std::string& label = self->label_;
  if (!(ys.front() < ys.back())) {
    throw klest::InputError(fmt::format(
        "estimator '{}': every point of the sample from q is {}, so its interpolated CDF has "
        "no slope",
        label, klest::format_number(ys.front())));
  }
  // The first and last positive gaps of y, and the anchors half a gap beyond the ends.
  const double y_second = *std::upper_bound(ys.begin(), ys.end(), ys.front());
  const double y_penultimate = *(std::lower_bound(ys.begin(), ys.end(), ys.back()) - 1);
  const double log_gap_first = log_gap(y_second, ys.front());
  const double log_gap_last = log_gap(ys.back(), y_penultimate);
  const double anchor_lo = ys.front() - (y_second / 2 - ys.front() / 2);
  const double anchor_hi = ys.back() + (ys.back() / 2 - y_penultimate / 2);

  kd::CompensatedSum sum;  // in sorted order
  std::size_t used = 0, outside = 0;
  std::size_t j = 0;  // the number of y's below the current x
  for (std::size_t i = 0; i < n; ++i) {
    if (skip && is_tied(xs, i)) continue;
    const double xi = xs[i].first;
    while (j < m && ys[j] < xi) ++j;
    double log_q_gap = infinity;  // dQc = 0: outside the anchored range
    if (j == 0) {
      if (xi > anchor_lo) log_q_gap = log_gap_first;
    } else if (j == m) {
      if (xi <= anchor_hi) log_q_gap = log_gap_last;
    } else {
      log_q_gap = log_gap(ys[j], ys[j - 1]);
    }
    if (std::isinf(log_q_gap)) {
      ++outside;
      if (self->outside_ != "nearest") continue;
      // Twice the distance to the nearest y: the end gap at the anchor itself.
      log_q_gap = std::numbers::ln2 +
                  (j == 0 ? log_gap(ys.front(), xi) : log_gap(xi, ys.back()));
    }
    // The smallest x takes the spacing above it (its anchor is half that spacing away).
    sum.add(log_q_gap - (i == 0 ? log_gap(xs[1].first, xi) : log_gap(xi, xs[i - 1].first)));
    ++used;
  }

  klest::Estimate e;
  e.diag.set("outside_q_points", double(outside));
  if (outside > 0 && (self->outside_ == "infinite" || used == 0)) {
    e.value = infinity;
    return e;
  }
  if (used == 0) throw kd::nothing_left_error(label, "p");
  e.value = sum.value() / double(used) + std::log(double(m) / double(n)) - 1;
  return e;
}

}  // namespace

KLEST_REGISTER_ESTIMATOR(PerezCruz);

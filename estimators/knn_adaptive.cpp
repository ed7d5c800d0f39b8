// Bias-reduced k-nearest-neighbour KL estimator with adaptive ranks (Wang, Kulkarni & Verdu 2009;
// their generalized estimator, Eq. 17, with the ranks chosen per point as in their Eq. 29):
//
//   delta_i = max(rho_1(i), nu_1(i))
//   l_i = #{j != i : |x_j - x_i| <= delta_i},   k_i = #{j : |y_j - x_i| <= delta_i}
//   D(P||Q) ~ (d/n) sum_i log(nu_{k_i}(i) / rho_{l_i}(i))
//             + (1/n) sum_i [psi(l_i) - psi(k_i)] + log(m / (n - 1))
//
// rho_j(i): distance from x_i to its j-th nearest neighbour among the other n-1 x's.
// nu_j(i):  distance from x_i to its j-th nearest neighbour among the m y's.
// Both l_i and k_i are >= 1 by construction; both balls then have about the same radius delta_i,
// so their local smoothing biases cancel better than with fixed ranks (most useful at higher d).
// Any norm serves, the same for both samples (`metric`).
//
// Counting: l_i and k_i count the distances <= delta_i among the max_k nearest in each sample
// (or all of them, when a sample is smaller), so they are capped at max_k (default 100, as
// kldest::kld_est_brnn). The search runs in two stages with the same result: the 16 nearest of
// every point settle almost every count; the points whose count fills those 16 are searched
// again up to max_k. A capped count still gives a valid term (the
// generalized estimator holds for any ranks), only a less balanced one; diagnostic
// "capped_points" counts the points whose l_i or k_i reached max_k while the sample had more
// points. "mean_l" and "mean_k" report the average ranks.
//
// Reference: Q. Wang, S. R. Kulkarni, S. Verdu, "Divergence estimation for multidimensional
// densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5):2392-2405, 2009.
// Same as kldest::kld_est_brnn (R package kldest, N. Hartung).
//
// Accepts continuous data. A point whose term has a zero distance (rho_{l_i} or nu_{k_i}: a
// repeated point) follows `ties` as in knn: error, skip, or jitter both samples at the data's
// resolution (smooths P and Q alike, changing the estimand slightly). Cost: two searches of 16
// neighbours for every point and of max_k for the few that need them (detail/neighbours.hpp),
// plus O(n log max_k) counting.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "detail/knn_common.hpp"
#include "detail/neighbours.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

namespace kd = klest::detail;

// Neighbours searched for every point before the few that need more are searched to max_k.
constexpr std::size_t first_stage = 16;

class KnnAdaptive {
 public:
  static constexpr std::string_view key = "knn_adaptive";
  static constexpr std::string_view summary =
      "bias-reduced k-NN distance ratios, ranks adapted per point to a common radius";
  static constexpr std::string_view reference =
      "Wang, Kulkarni, Verdu (2009), IEEE Trans. Inf. Theory 55(5):2392-2405 (Eq. 29)";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex = kd::wkv2009_bibtex;

  static klest::ParamSpec params() {
    return {
        klest::param("max_k", 100, "cap on the adaptive ranks l_i and k_i (neighbours searched)",
                     klest::at_least(1)),
        kd::ties_param(),
        kd::metric_param(),
        kd::search_param(),
    };
  }

  explicit KnnAdaptive(const klest::Params& p)
      : max_k_(std::size_t(p.get<int>("max_k"))),
        ties_(kd::ties_from(p)),
        query_{.metric = kd::metric_from(p), .search = kd::search_from(p)},
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = 2, .min_q = 1};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y, klest::Rng& rng) const {
    return kd::resolve_ties(x, y, ties_, rng, [this](klest::SampleView a, klest::SampleView b) {
      return evaluate(a, b);
    });
  }

 private:
  struct State {
    const KnnAdaptive* self;
    klest::SampleView x, y;
    std::vector<std::size_t> l, k;      // per point
    std::vector<double> log_ratio;      // log nu_{k_i}(i) - log rho_{l_i}(i)
    std::vector<char> flags;            // a zero distance in the term
    std::size_t capped = 0;

    std::size_t tied() const { return std::size_t(std::count(flags.begin(), flags.end(), 1)); }

    klest::InputError tie_error(std::string_view when) const {
      return kd::zero_distance_error(self->label_, x, y, flags, when, "");
    }

    klest::Estimate combine(bool skip) const {
      const std::size_t n = x.rows(), m = y.rows();
      kd::CompensatedSum logs, digammas, ls, ks;
      std::size_t used = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (skip && flags[i]) continue;
        logs.add(log_ratio[i]);
        digammas.add(kd::digamma_difference(l[i], k[i]));
        ls.add(double(l[i]));
        ks.add(double(k[i]));
        ++used;
      }
      if (used == 0) throw kd::nothing_left_error(self->label_, "p");
      const double u = double(used);
      klest::Estimate e;
      e.value = double(x.dim()) * (logs.value() / u) + digammas.value() / u +
                std::log(double(m) / double(n - 1));
      e.diag.set("capped_points", double(capped));
      e.diag.set("mean_l", ls.value() / u);
      e.diag.set("mean_k", ks.value() / u);
      return e;
    }
  };

  // The ranks of one point from its rows of distances within P (rho, ascending, in units of
  // 2^er) and to Q (nu, units of 2^eq): counts of distances <= delta = max(rho_1, nu_1).
  // `complete_p` / `complete_q`: the row holds every distance up to the cap, so a count equal
  // to its length is final. Returns false when a row was too short to decide its count.
  static bool rank_point(std::span<const double> rho, int er, std::span<const double> nu, int eq,
                         bool complete_p, bool complete_q, State& s, std::size_t i) {
    // Compare in the units of the larger exponent (exact scaling by powers of two).
    const int e = std::max(er, eq);
    const double delta = std::max(std::ldexp(rho[0], er - e), std::ldexp(nu[0], eq - e));
    const auto count = [&](std::span<const double> row, int exponent) {
      const double bound = std::ldexp(delta, e - exponent);
      const auto c = std::size_t(std::upper_bound(row.begin(), row.end(), bound) - row.begin());
      return std::max<std::size_t>(c, 1);
    };
    const std::size_t l = count(rho, er), k = count(nu, eq);
    if ((l == rho.size() && !complete_p) || (k == nu.size() && !complete_q)) return false;
    const double ln2 = 0.69314718055994530942;
    s.l[i] = l;
    s.k[i] = k;
    s.log_ratio[i] = std::log(nu[k - 1]) - std::log(rho[l - 1]) + double(eq - er) * ln2;
    s.flags[i] = rho[l - 1] == 0 || nu[k - 1] == 0;
    return true;
  }

  // Two stages: the first few neighbours of every point settle almost all counts; only the
  // points whose count fills its row are searched again up to the cap (max_k).
  State evaluate(klest::SampleView x, klest::SampleView y) const {
    const std::size_t n = x.rows(), m = y.rows(), d = x.dim();
    const std::size_t kp = std::min(max_k_, n - 1), kq = std::min(max_k_, m);
    const std::size_t kp1 = std::min(kp, first_stage), kq1 = std::min(kq, first_stage);
    State s{this, x, y, std::vector<std::size_t>(n), std::vector<std::size_t>(n),
            std::vector<double>(n), std::vector<char>(n), 0};
    const kd::DistanceTables t = kd::distance_tables(x, y, kp1, kq1, query_);
    std::vector<std::size_t> again;
    for (std::size_t i = 0; i < n; ++i) {
      if (!rank_point(t.rho.row(i), t.rho.exponent, t.nu.row(i), t.nu.exponent, kp1 == kp,
                      kq1 == kq, s, i)) {
        again.push_back(i);
      }
    }
    if (!again.empty()) {
      // Those points as queries: within P they find themselves too, so one more neighbour is
      // asked for and the point's own index dropped.
      klest::Samples queries(again.size(), d);
      for (std::size_t r = 0; r < again.size(); ++r) {
        std::copy(x.row(again[r]).begin(), x.row(again[r]).end(), queries.row(r).begin());
      }
      kd::NeighbourQuery q = query_;
      q.with_index = true;
      q.k = kp + 1;
      const kd::NeighbourTable rho = kd::nearest_neighbours(x, queries, q);
      q.k = kq;
      q.with_index = false;
      const kd::NeighbourTable nu = kd::nearest_neighbours(y, queries, q);
      std::vector<double> own(kp);
      for (std::size_t r = 0; r < again.size(); ++r) {
        const std::size_t i = again[r];
        std::size_t out = 0;
        bool dropped = false;
        for (std::size_t j = 1; j <= kp + 1 && out < kp; ++j) {
          if (!dropped && rho.neighbour(r, j) == i) {
            dropped = true;
            continue;
          }
          own[out++] = rho.row(r)[j - 1];
        }
        rank_point(own, rho.exponent, nu.row(r), nu.exponent, true, true, s, i);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      s.capped += (s.l[i] == kp && kp < n - 1) || (s.k[i] == kq && kq < m);
    }
    return s;
  }

  std::size_t max_k_;
  kd::Ties ties_;
  kd::NeighbourQuery query_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(KnnAdaptive);

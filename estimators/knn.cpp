// k-nearest-neighbour KL estimator of Wang, Kulkarni & Verdu (2009), with separate neighbour
// ranks in the two samples (their Eq. 17 with fixed ranks):
//
//   D(P||Q) ~ (d/n) sum_i log(nu_k(i) / rho_l(i)) + psi(l) - psi(k) + log(m / (n - 1))
//
// rho_l(i): distance from x_i to its l-th nearest neighbour among the other n-1 x's.
// nu_k(i):  distance from x_i to its k-th nearest neighbour among the m y's.
// Any norm serves, the same for rho and nu (the unit-ball volume cancels): `metric` chooses the
// Euclidean norm or the max-norm.
// With l = k (the default) the digamma terms cancel and this is the classic fixed-k estimator.
// The constant is log(m/(n-1)) because rho is taken among n-1 points.
//
// Reference: Q. Wang, S. R. Kulkarni, S. Verdu, "Divergence estimation for multidimensional
// densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5):2392-2405, 2009.
//
// Assumes continuous densities: a repeated point makes rho or nu zero and the log infinite.
// Such ties follow the `ties` parameter (error, skip the affected terms, or jitter both samples
// at the data's resolution, which smooths P and Q alike and so changes the estimand slightly).
// Cost: two neighbour searches (detail/neighbours.hpp: sorted in 1-D, a k-d tree at low
// dimension, blocked brute force at high dimension; `search` overrides the choice, which never
// changes the estimate beyond the rounding of a distance).

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "detail/knn_common.hpp"
#include "detail/neighbours.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

namespace kd = klest::detail;

class Knn {
 public:
  static constexpr std::string_view key = "knn";
  static constexpr std::string_view summary =
      "k-nearest-neighbour distance ratio estimator, ranks l in P and k in Q";
  static constexpr std::string_view reference =
      "Wang, Kulkarni, Verdu (2009), IEEE Trans. Inf. Theory 55(5):2392-2405";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex = kd::wkv2009_bibtex;

  static klest::ParamSpec params() {
    return {
        klest::param("k", 1, "neighbour rank in the sample from Q", klest::at_least(1)),
        klest::param("l", 1, "neighbour rank within the sample from P", klest::at_least(1))
            .defaults_to("k"),
        kd::ties_param(),
        kd::metric_param(),
        kd::search_param(),
    };
  }

  explicit Knn(const klest::Params& p)
      : k_(std::size_t(p.get<int>("k"))),
        l_(std::size_t(p.get<int>("l"))),
        ties_(kd::ties_from(p)),
        query_{.metric = kd::metric_from(p), .search = kd::search_from(p)},
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = l_ + 1, .min_q = k_};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y, klest::Rng& rng) const {
    return kd::resolve_ties(x, y, ties_, rng, [&](klest::SampleView a, klest::SampleView b) {
      return State{this, a, b, kd::distance_tables(a, b, l_, k_, query_)};
    });
  }

 private:
  // One search of both samples, as resolve_ties wants it.
  struct State {
    const Knn* self;
    klest::SampleView x, y;
    kd::DistanceTables tables;
    std::vector<char> flags = tables.zero_flags(self->l_, self->k_);

    std::size_t tied() const { return std::size_t(std::count(flags.begin(), flags.end(), 1)); }

    klest::Estimate combine(bool skip) const {
      if (skip && tied() == x.rows()) throw kd::nothing_left_error(self->label_, "p");
      const std::size_t m = y.rows(), d = x.dim();
      const kd::RankPair pair{self->k_, self->l_};
      const double mean = kd::mean_log_ratios(tables.nu, tables.rho, {&pair, 1},
                                              skip ? flags : std::vector<char>())[0];
      klest::Estimate e;
      e.value = double(d) * mean + kd::digamma_difference(self->l_, self->k_) +
                std::log(double(m) / double(x.rows() - 1));
      return e;
    }

    klest::InputError tie_error(std::string_view when) const {
      return kd::zero_distance_error(self->label_, x, y, flags, when, ", or larger ranks k and l");
    }
  };

  std::size_t k_, l_;
  kd::Ties ties_;
  kd::NeighbourQuery query_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(Knn);

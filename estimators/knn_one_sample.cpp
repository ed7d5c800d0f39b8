// One-sample k-nearest-neighbour KL estimator against a KNOWN density q (Perez-Cruz 2008,
// Eq. 18):
//
//   D(P||Q) ~ (1/n) sum_i [ psi(k) - log(n - 1) - log V_d - d log rho_k(i) - log q(x_i) ]
//
// rho_k(i): distance from x_i to its k-th nearest neighbour among the other n-1 x's.
// V_d:      volume of the unit ball of the chosen norm (`metric`): pi^(d/2) / Gamma(d/2 + 1)
//           for the Euclidean norm, 2^d for the max-norm. Unlike the two-sample knn, nothing
//           cancels it, so rho and V_d must come from the same norm.
// It is the Kozachenko-Leonenko k-NN entropy estimate of P (Berrett-Samworth-Yuan form, n-1
// because rho is taken among n-1 points) subtracted from the exact cross-entropy term
// -(1/n) sum log q(x_i). psi(k) (not log k) is the constant: the log of the k-NN density
// estimate k / ((n-1) V_d rho_k^d) has expectation log p + log k - psi(k) for fixed k, so
// psi(k) makes the estimate consistent at fixed k.
//
// Reference: F. Perez-Cruz, "Kullback-Leibler divergence estimation of continuous
// distributions", Proc. IEEE International Symposium on Information Theory (ISIT), Toronto,
// 2008, pp. 1666-1670 (the one-sample estimator, Eq. 18). Entropy part: L. F. Kozachenko,
// N. N. Leonenko, Problems Inf. Transmission 23(2):95-101, 1987.
//
// Q is a distribution spec (parameter `q`, any continuous family of the ground-truth library),
// evaluated with its log_density. The sample from Q that every estimator receives is NOT used:
// the interface always passes one (the wrapper rejects an empty sample), so any sample of the
// data's dimension will do, even a single row; experiments draw one anyway.
// Dimension: a q of dimension d is used as given; a 1-D q against d-dimensional data is applied
// to every coordinate independently, i.e. Q is the product of d copies of q. That is what makes
// the default q = normal(mean=0, sd=1) mean "the standard normal N(0, I_d) in the data's
// dimension" (a fixed spec cannot name a d-dimensional law for every d). Any other dimension of
// q is an InputError naming both dimensions.
// If q(x_i) = 0 for some sample point, P gives positive mass to a set where q vanishes and
// KL(P||Q) = +inf exactly (not an artefact of estimation): the estimate is +inf, with the number
// of such points in diagnostic "q_zero_points"; no neighbour search is run. A point where q is
// infinite (a density with a pole, hit exactly) makes the sum undefined: InputError.
//
// Assumes a continuous P: a repeated point makes rho_k zero (when at least k other points
// coincide with it) and its term +inf. `ties` as in knn: error (default; names the rows), skip
// (drop those terms and average the rest, reported as "skipped"), or jitter: uniform noise at
// the resolution of the sample from P alone (the smallest gap between distinct values of each
// column; Q is a known law, not a sample, so neither takes part), reported as "tied_points" and
// "jitter_width_max". Jitter estimates KL(P * U || Q) for the small uniform U, close to but not
// KL(P||Q); log q is evaluated at the jittered points.
// Cost: one neighbour search within the sample from P (detail/neighbours.hpp: sorted in 1-D, a
// k-d tree at low dimension, blocked brute force at high dimension; `search` overrides the
// choice, which never changes the estimate beyond the rounding of a distance) plus n
// evaluations of log q (through detail::parallel_for; sums afterwards in index order).

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "detail/components.hpp"
#include "detail/knn_common.hpp"
#include "detail/neighbours.hpp"
#include "detail/parallel.hpp"
#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"

namespace {

namespace kd = klest::detail;

constexpr double infinity = std::numeric_limits<double>::infinity();

class KnnOneSample {
 public:
  static constexpr std::string_view key = "knn_one_sample";
  static constexpr std::string_view summary =
      "one-sample k-NN estimator against a known density q (the sample from Q is not used)";
  static constexpr std::string_view reference =
      "Perez-Cruz (2008), Proc. IEEE ISIT, pp. 1666-1670, Eq. 18";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex = kd::perez_cruz2008_bibtex;

  static klest::ParamSpec params() {
    return {
        klest::param("k", 1, "neighbour rank within the sample from P", klest::at_least(1)),
        klest::param_value("q", klest::ParamType::spec,
                           klest::Spec{"normal", {{"mean", 0}, {"sd", 1}}},
                           "the known density of Q: a continuous distribution spec of the data's "
                           "dimension, or 1-D and then applied to every coordinate independently "
                           "(the default is N(0, I_d)); the sample from Q is not used"),
        ties_param(),
        kd::metric_param(),
        kd::search_param(),
    };
  }

  // knn's `ties` parameter; jitter here perturbs the sample from P alone.
  static klest::ParamDef ties_param() {
    klest::ParamDef t = kd::ties_param();
    t.help = "repeated points (zero distances): error, skip the affected points, or jitter the "
             "sample from P at its resolution";
    return t;
  }

  explicit KnnOneSample(const klest::Params& p)
      : k_(std::size_t(p.get<int>("k"))),
        ties_(kd::ties_from(p)),
        query_{.k = k_, .metric = kd::metric_from(p), .search = kd::search_from(p)},
        label_(p.label()) {
    const std::string where = fmt::format("estimator '{}': parameter 'q': ", label_);
    q_ = kd::make_component(p.get<klest::Spec>("q"), where);
    if (q_->kind() != klest::Support::continuous) {
      throw klest::InputError(fmt::format("{}'{}' is {}, but must be continuous (a density)",
                                          where, q_->spec(), klest::to_string(q_->kind())));
    }
  }

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = k_ + 1, .min_q = 1};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView /*unused*/,
                           klest::Rng& rng) const {
    const std::size_t d = x.dim();
    if (q_->dim() != d && q_->dim() != 1) {
      throw klest::InputError(fmt::format(
          "estimator '{}': q '{}' has dimension {}, but the samples have dimension {} (a 1-D q "
          "is applied to every coordinate; otherwise the dimensions must agree)",
          label_, q_->spec(), q_->dim(), d));
    }
    // q(x_i) = 0 settles the answer before any search: KL(P||Q) = +inf exactly.
    std::vector<double> log_q = log_density(x);
    if (const std::size_t zero = count_zero(log_q); zero > 0) return infinite(zero);
    // The ties policy on P alone: x stands in for the unused sample from Q too, so the jitter
    // width is P's resolution.
    return kd::resolve_ties(x, x, ties_, rng, [&](klest::SampleView a, klest::SampleView) {
      std::vector<double> lq = a.data() == x.data() ? std::move(log_q) : log_density(a);
      return State{this, a, std::move(lq), kd::nearest_neighbours_self(a, query_)};
    });
  }

 private:
  // log q at every row of x; a 1-D q against d > 1 columns is summed over the coordinates.
  std::vector<double> log_density(klest::SampleView x) const {
    const std::size_t n = x.rows(), d = x.dim();
    const bool per_coordinate = q_->dim() != d;
    std::vector<double> out(n);
    kd::parallel_for(n, [&](std::size_t i) {
      const auto row = x.row(i);
      if (!per_coordinate) {
        out[i] = q_->log_density(row);
        return;
      }
      double s = 0;
      // Stop at -inf: a later +inf would make NaN.
      for (std::size_t j = 0; j < d && s != -infinity; ++j) s += q_->log_density(row.subspan(j, 1));
      out[i] = s;
    });
    for (std::size_t i = 0; i < n; ++i) {
      if (out[i] == infinity) {
        throw klest::InputError(fmt::format(
            "estimator '{}': the density of q '{}' is infinite at p row {}, so its term is "
            "-inf and the estimate is undefined",
            label_, q_->spec(), i + 1));
      }
    }
    return out;
  }

  static std::size_t count_zero(const std::vector<double>& log_q) {
    return std::size_t(std::count(log_q.begin(), log_q.end(), -infinity));
  }

  static klest::Estimate infinite(std::size_t zero) {
    klest::Estimate e;
    e.value = infinity;
    e.diag.set("q_zero_points", double(zero));
    return e;
  }

  struct State {
    const KnnOneSample* self;
    klest::SampleView x;
    std::vector<double> log_q;
    kd::NeighbourTable rho;
    std::vector<char> flags = zero_flags(rho);

    static std::vector<char> zero_flags(const kd::NeighbourTable& t) {
      std::vector<char> f(t.rows);
      for (std::size_t i = 0; i < t.rows; ++i) f[i] = t.row(i).back() == 0;
      return f;
    }

    std::size_t tied() const { return std::size_t(std::count(flags.begin(), flags.end(), 1)); }

    klest::InputError tie_error(std::string_view when) const {
      return kd::zero_distance_error(self->label_, x, x, flags, when, ", or a larger rank k");
    }

    klest::Estimate combine(bool skip) const {
      // Only jittered points can reach here with q = 0 (a jittered point left q's support).
      if (const std::size_t zero = count_zero(log_q); zero > 0) return infinite(zero);
      if (skip && tied() == x.rows()) throw kd::nothing_left_error(self->label_, "p");
      const std::vector<char> none;
      const std::vector<char>& drop = skip ? flags : none;
      kd::CompensatedSum sum_log_q;
      std::size_t used = 0;
      for (std::size_t i = 0; i < x.rows(); ++i) {
        if (drop.empty() || !drop[i]) {
          sum_log_q.add(log_q[i]);
          ++used;
        }
      }
      const std::size_t n = x.rows(), d = x.dim(), k = self->k_;
      klest::Estimate e;
      e.value = kd::digamma_integer(k) - std::log(double(n - 1)) -
                kd::log_unit_ball_volume(d, self->query_.metric) -
                double(d) * kd::mean_log_distance(rho, k, drop) - sum_log_q.value() / double(used);
      return e;
    }
  };

  std::size_t k_;
  kd::Ties ties_;
  kd::NeighbourQuery query_;
  std::string label_;
  std::shared_ptr<const klest::Distribution> q_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(KnnOneSample);

// KL(P||Q) as a k-nearest-neighbour cross-entropy minus a Kozachenko-Leonenko entropy:
//
//   H(P)     = -psi(l) + c_P + log V_d + (d/n) sum_i log rho_l(i)
//   Hx(P,Q)  = -psi(k) + c_Q + log V_d + (d/n) sum_i log nu_k(i)
//   D(P||Q) ~ Hx(P,Q) - H(P)
//            = (d/n) sum_i log(nu_k(i) / rho_l(i)) + psi(l) - psi(k) + c_Q - c_P
//
// rho_l(i): distance from x_i to its l-th nearest neighbour among the other n-1 x's.
// nu_k(i):  distance from x_i to its k-th nearest neighbour among the m y's.
// V_d: volume of the unit ball of the metric in use (Euclidean pi^(d/2) / Gamma(d/2 + 1), max-norm
// 2^d; detail::log_unit_ball_volume). It cancels in the difference but not in the two parts.
//
// `constants` chooses c_P and c_Q:
//   bsy:     c_P = log(n - 1), c_Q = log m (the form of Berrett, Samworth & Yuan and of
//            IndepTest::KLentropy). The difference is then exactly the estimator `knn` of Wang,
//            Kulkarni & Verdu with the same ranks, whose constant is log(m / (n - 1)).
//   digamma: c_P = psi(n), c_Q = psi(m + 1) (Kraskov, Stoegbauer & Grassberger's entropy
//            constant; psi(m + 1) for the cross-entropy). Under local uniformity the mass of the
//            P-ball to the l-th of n - 1 points is Beta(l, n - l), E log = psi(l) - psi(n), and
//            that of the Q-ball to the k-th of m points is Beta(k, m - k + 1),
//            E log = psi(k) - psi(m + 1), so these constants are exact in that sense. They
//            differ from bsy by 1/(2m) - 1/(2n) + O(n^-2) (ESTIMATORS.md Sec. 1.3).
// The estimate is computed from the per-point log ratios (one compensated sum of
// log nu - log rho, as in knn), which cancels better than subtracting the two parts; H(P) and
// Hx(P,Q) are reported as diagnostics "entropy" and "cross_entropy" (nats), equal to the
// estimate's parts up to rounding.
//
// References: L. F. Kozachenko, N. N. Leonenko, "Sample estimate of the entropy of a random
// vector", Problems Inf. Transmission 23(2):95-101, 1987; M. N. Goria, N. N. Leonenko,
// V. V. Mergel, P. L. Novi Inverardi, "A new class of random vector entropy estimators and its
// applications in testing statistical hypotheses", J. Nonparametric Stat. 17(3):277-297, 2005
// (k-th neighbour); N. Leonenko, L. Pronzato, V. Savani, "A class of Renyi information
// estimators for multidimensional densities", Ann. Statist. 36(5):2153-2182, 2008
// (cross-entropy, KL as the difference).
//
// Accepts continuous data in any dimension. A repeated point makes a distance zero and a log
// infinite: the `ties` parameter (error, skip the affected points in both parts, or jitter as
// in knn). Cost: two neighbour searches (detail/neighbours.hpp), O((n + m) log(n + m)) at low
// dimension.

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

class KnnEntropy {
 public:
  static constexpr std::string_view key = "knn_entropy";
  static constexpr std::string_view summary =
      "k-NN cross-entropy minus Kozachenko-Leonenko entropy, constants bsy or digamma";
  static constexpr std::string_view reference =
      "Goria, Leonenko, Mergel, Novi Inverardi (2005), J. Nonparametric Stat. 17(3):277-297; "
      "Leonenko, Pronzato, Savani (2008), Ann. Statist. 36(5):2153-2182";
  static constexpr klest::Support accepts = klest::Support::continuous;
  static constexpr std::string_view bibtex =
      "@article{leonenko2008class,\n"
      "  author  = {Leonenko, Nikolai and Pronzato, Luc and Savani, Vippal},\n"
      "  title   = {A Class of {R}{\\'e}nyi Information Estimators for Multidimensional "
      "Densities},\n"
      "  journal = {The Annals of Statistics},\n"
      "  volume  = {36},\n  number  = {5},\n  pages   = {2153--2182},\n  year    = {2008},\n"
      "  doi     = {10.1214/07-AOS539}\n}";

  static klest::ParamSpec params() {
    return {
        klest::param("k", 1, "neighbour rank in the sample from Q (cross-entropy)",
                     klest::at_least(1)),
        klest::param("l", 1, "neighbour rank within the sample from P (entropy)",
                     klest::at_least(1))
            .defaults_to("k"),
        klest::param("constants", "bsy",
                     "bsy: log(n-1) and log m (equals knn); digamma: psi(n) and psi(m+1)",
                     {"bsy", "digamma"}),
        kd::ties_param(),
        kd::metric_param(),
        kd::search_param(),
    };
  }

  explicit KnnEntropy(const klest::Params& p)
      : k_(std::size_t(p.get<int>("k"))),
        l_(std::size_t(p.get<int>("l"))),
        digamma_(p.get<std::string>("constants") == "digamma"),
        ties_(kd::ties_from(p)),
        query_{.metric = kd::metric_from(p), .search = kd::search_from(p)},
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::continuous, .min_p = l_ + 1, .min_q = k_};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y, klest::Rng& rng) const {
    return kd::resolve_ties(x, y, ties_, rng, [this](klest::SampleView a, klest::SampleView b) {
      return State{this, a, b, kd::distance_tables(a, b, l_, k_, query_)};
    });
  }

 private:
  struct State {
    const KnnEntropy* self;
    klest::SampleView x, y;
    kd::DistanceTables t;
    std::vector<char> flags = t.zero_flags(self->l_, self->k_);

    std::size_t tied() const { return std::size_t(std::count(flags.begin(), flags.end(), 1)); }

    klest::InputError tie_error(std::string_view when) const {
      return kd::zero_distance_error(self->label_, x, y, flags, when,
                                     ", or larger ranks k and l");
    }

    klest::Estimate combine(bool skip) const {
      const std::vector<char> none;
      const std::vector<char>& drop = skip ? flags : none;
      if (skip && tied() == x.rows()) throw kd::nothing_left_error(self->label_, "p");
      const std::size_t n = x.rows(), m = y.rows(), d = x.dim(), k = self->k_, l = self->l_;
      const kd::RankPair pair{k, l};
      const double mean_ratio = kd::mean_log_ratios(t.nu, t.rho, {&pair, 1}, drop)[0];
      const double c_p = self->digamma_ ? kd::digamma_integer(n) : std::log(double(n - 1));
      const double c_q = self->digamma_ ? kd::digamma_integer(m + 1) : std::log(double(m));
      const double log_v = kd::log_unit_ball_volume(d, self->query_.metric);

      klest::Estimate e;
      e.value = self->digamma_
                    ? double(d) * mean_ratio + kd::digamma_difference(l, k) +
                          kd::digamma_difference(m + 1, n)
                    : double(d) * mean_ratio + kd::digamma_difference(l, k) +
                          std::log(double(m) / double(n - 1));
      e.diag.set("entropy", -kd::digamma_integer(l) + c_p + log_v +
                                double(d) * kd::mean_log_distance(t.rho, l, drop));
      e.diag.set("cross_entropy", -kd::digamma_integer(k) + c_q + log_v +
                                      double(d) * kd::mean_log_distance(t.nu, k, drop));
      return e;
    }
  };

  std::size_t k_, l_;
  bool digamma_;
  kd::Ties ties_;
  kd::NeighbourQuery query_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(KnnEntropy);

// KL estimators for discrete (categorical or integer) data. Every distinct row is a category
// (with d > 1 a row is a tuple of integers). With counts x_k of category k in the sample from P
// (n points) and y_k in the sample from Q (m points), over the categories k seen in P:
//
//   plugin:          D = sum_k (x_k/n) log((x_k/n) / (y_k/m))
//                    +inf when some x_k > 0 = y_k (the plug-in's honest answer: its Q puts no
//                    mass where P's has some). Bias (K_P - 1)/(2n) + (sum_k p_k/q_k - 1)/(2m)
//                    to first order, where K_P is the number of categories with p_k > 0.
//   miller_madow:    D_MM = D - (K^_P - 1)/(2n) - (sum_k p^_k/q^_k - 1)/(2m),
//                    p^_k = x_k/n, q^_k = y_k/m, K^_P = number of categories seen in P.
//                    The first term is the Miller-Madow entropy correction (E[-sum p^ log p^]
//                    falls short of the entropy by (K_P - 1)/(2n)); the second is the same
//                    delta-method argument applied to log q^: E[log q^_k] ~ log q_k -
//                    (1 - q_k)/(2 m q_k), summed with weights p_k. +inf where the plug-in is.
//   add:             p^_k = (x_k + alpha)/(n + K alpha), q^_k = (y_k + alpha)/(m + K alpha),
//                    D = sum over all K categories of p^_k log(p^_k / q^_k), always finite.
//                    K is the alphabet: the categories seen in either sample, or, when the
//                    parameter alphabet = K > 0 is given, the categories 0, ..., K-1 (1-D data
//                    only; a value outside that range is an error). The K - U categories seen in
//                    neither sample (U = the union's size) contribute
//                    (K - U) a/(n + K a) log((m + K a)/(n + K a)) in closed form, so a huge K
//                    costs nothing. Both sides are smoothed alike (as in a Bayesian posterior
//                    mean under a symmetric Dirichlet(alpha) prior); the default alpha = 1/2 is
//                    the Jeffreys / Krichevsky-Trofimov prior. The estimand is changed: the
//                    bias depends on alpha and K and shrinks only like 1/n.
//   zhang_grabchak:  D_ZG = sum_k (x_k/n) [A_k - B_k],
//                      A_k = sum_{v=1}^{m-y_k} (1/v) prod_{j=1}^{v} (1 - y_k/(m-j+1)),
//                      B_k = sum_{v=1}^{n-x_k} (1/v) prod_{j=1}^{v} (1 - (x_k-1)/(n-j)).
//                    A_k estimates -log q_k (finite even for y_k = 0), B_k estimates
//                    -log p_k; the bias is exponentially small on a fixed alphabet.
//                    The products are ratios of binomial coefficients, prod = C(M-Y, v)/C(M, v)
//                    with (M, Y) = (m, y_k) and (n-1, x_k-1), and the sums telescope exactly:
//                      sum_{v=1}^{M-Y} (1/v) C(M-Y, v)/C(M, v) = H_M - H_Y,
//                    H_N = 1 + 1/2 + ... + 1/N = psi(N + 1) + gamma. Hence, exactly,
//                      D_ZG = psi(m + 1) - psi(n) + sum_k (x_k/n) [psi(x_k) - psi(y_k + 1)],
//                    which is what is evaluated: no products are accumulated at all (so nothing
//                    can underflow or lose accuracy as n and m grow), O(K) after counting
//                    instead of O(K (n + m)). For the entropy half this identity is the one
//                    T. Schurmann points out ("A note on entropy estimation", Neural
//                    Computation 27(10), 2015); the cross-entropy half is the same identity at
//                    (M, Y) = (m, y_k). The test suite checks it against the double sum.
//
// The default method is zhang_grabchak: it is finite on every input (the plug-in's expectation
// is +inf for every finite m, since P(y_k = 0) > 0), its bias is exponentially small where the
// plug-in's and Miller-Madow's are O(1/n) and O(1/n^2), and it costs no more. plugin is the
// textbook maximum-likelihood value, for comparison; alpha is used by add only; alphabet is
// checked for every method (values in 0, ..., K-1) but changes only add's value (a category
// seen in neither sample adds nothing to the other methods).
//
// References:
//   Z. Zhang, M. Grabchak, "Nonparametric estimation of Kullback-Leibler divergence", Neural
//     Computation 26(11):2570-2593, 2014 (zhang_grabchak; the plug-in's infinite expectation).
//   G. A. Miller, "Note on the bias of information estimates", in H. Quastler (ed.),
//     Information Theory in Psychology: Problems and Methods, Free Press, 1955, pp. 95-100
//     (the (K - 1)/(2n) entropy correction of miller_madow).
//   R. E. Krichevsky, V. K. Trofimov, "The performance of universal encoding", IEEE Trans. Inf.
//     Theory 27(2):199-207, 1981 (the add-1/2 estimator of add's default).
//   S. Kullback, R. A. Leibler, "On information and sufficiency", Ann. Math. Statist. 22(1),
//     1951 (the plug-in is the definition at the empirical frequencies).
//
// Accepts integer-valued data of any dimension (the wrapper rejects non-integer values, naming
// the sample, row and value). Values are categories, not magnitudes: 3 and 4 are as different
// as 3 and 400. Diagnostics: categories_p, categories_q (distinct rows in each sample),
// p_categories_missing_in_q (seen in P, not in Q: the cause of +inf for plugin and
// miller_madow), and alphabet (K) for add.
// Cost: sorting the rows, O((n + m) d log(n + m)) time and O(n + m) extra memory; then O(K).
// Sums run in category order (sorted rows), so the result is deterministic.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/special_functions/digamma.hpp>
#include <fmt/format.h>

#include "detail/sum.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/spec.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// -1, 0 or 1 as row a (d values) sorts before, with or after row b, lexicographically. -0 and
// +0 compare equal, so they are one category.
int compare_rows(const double* a, const double* b, std::size_t d) {
  for (std::size_t j = 0; j < d; ++j) {
    if (a[j] < b[j]) return -1;
    if (b[j] < a[j]) return 1;
  }
  return 0;
}

// The distinct rows of a sample in lexicographic order (d values each, concatenated) with how
// often each occurs.
struct Tally {
  std::vector<double> rows;
  std::vector<double> counts;
};

Tally tally(klest::SampleView s) {
  const std::size_t d = s.dim();
  Tally t;
  auto add = [&](const double* row) {
    if (!t.counts.empty() && compare_rows(t.rows.data() + t.rows.size() - d, row, d) == 0) {
      ++t.counts.back();
    } else {
      t.rows.insert(t.rows.end(), row, row + d);
      t.counts.push_back(1);
    }
  };
  if (d == 1) {
    std::vector<double> v(s.values().begin(), s.values().end());
    std::sort(v.begin(), v.end());
    for (const double& x : v) add(&x);
  } else {
    std::vector<std::size_t> order(s.rows());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const double* data = s.data();
    std::sort(order.begin(), order.end(), [data, d](std::size_t a, std::size_t b) {
      return compare_rows(data + a * d, data + b * d, d) < 0;
    });
    for (std::size_t i : order) add(data + i * d);
  }
  return t;
}

// One category of the union of both samples, with its counts in each.
struct Cell {
  double x = 0, y = 0;
};

// The counts of every category seen in either sample, in lexicographic order of the rows.
std::vector<Cell> count_categories(klest::SampleView x, klest::SampleView y) {
  const std::size_t d = x.dim();
  const Tally tx = tally(x), ty = tally(y);
  std::vector<Cell> cells;
  std::size_t i = 0, j = 0;
  while (i < tx.counts.size() || j < ty.counts.size()) {
    const int c = i == tx.counts.size()   ? 1
                  : j == ty.counts.size() ? -1
                                          : compare_rows(&tx.rows[i * d], &ty.rows[j * d], d);
    Cell cell;
    if (c <= 0) cell.x = tx.counts[i++];
    if (c >= 0) cell.y = ty.counts[j++];
    cells.push_back(cell);
  }
  return cells;
}

using klest::detail::CompensatedSum;

class Discrete {
 public:
  static constexpr std::string_view key = "discrete";
  static constexpr std::string_view summary =
      "categorical / integer data: plug-in, Miller-Madow, add-alpha or Zhang-Grabchak over the "
      "distinct rows";
  static constexpr std::string_view reference =
      "Zhang, Grabchak (2014), Neural Computation 26(11):2570-2593 (zhang_grabchak); Miller "
      "(1955), Information Theory in Psychology (miller_madow); Krichevsky, Trofimov (1981), "
      "IEEE Trans. Inf. Theory 27(2) (add)";
  static constexpr klest::Support accepts = klest::Support::discrete;
  static constexpr std::string_view bibtex =
      "@article{zhang2014kl,\n"
      "  author  = {Zhang, Zhiyi and Grabchak, Michael},\n"
      "  title   = {Nonparametric Estimation of {K}{\\\"u}llback-{L}eibler Divergence},\n"
      "  journal = {Neural Computation},\n"
      "  volume  = {26},\n  number  = {11},\n  pages   = {2570--2593},\n  year    = {2014}\n}";

  static klest::ParamSpec params() {
    return {
        klest::param("method", "zhang_grabchak",
                     "zhang_grabchak (finite, nearly unbiased), plugin (maximum likelihood; "
                     "+inf when Q's sample lacks a category of P's), miller_madow (plug-in "
                     "minus its first-order bias), add (add-alpha smoothing of both samples)",
                     {"zhang_grabchak", "plugin", "miller_madow", "add"}),
        klest::param("alpha", 0.5,
                     "pseudo-count added to every category by method=add (0.5: Jeffreys / "
                     "Krichevsky-Trofimov, 1: Laplace)",
                     klest::greater_than(0)),
        klest::param("alphabet", 0,
                     "number of categories K: the data are 1-D integers 0, ..., K-1 and add "
                     "smooths over all K; 0: the categories seen in either sample",
                     klest::at_least(0)),
    };
  }

  explicit Discrete(const klest::Params& p)
      : method_(p.get<std::string>("method")),
        alpha_(p.get<double>("alpha")),
        alphabet_(std::size_t(p.get<int>("alphabet"))),
        label_(p.label()) {}

  klest::Requirements requirements() const {
    return {.support = klest::Support::discrete, .max_dim = alphabet_ > 0 ? 1u : 0u};
  }

  klest::Estimate estimate(klest::SampleView x, klest::SampleView y) const {
    if (alphabet_ > 0) {
      check_alphabet(x, "p");
      check_alphabet(y, "q");
    }
    const std::vector<Cell> cells = count_categories(x, y);
    klest::Estimate e;
    std::size_t in_p = 0, in_q = 0, missing = 0;
    for (const Cell& c : cells) {
      in_p += c.x > 0;
      in_q += c.y > 0;
      missing += c.x > 0 && c.y == 0;
    }
    const double n = double(x.rows()), m = double(y.rows());
    if (method_ == "zhang_grabchak") {
      e.value = zhang_grabchak(cells, n, m);
    } else if (method_ == "add") {
      const double k = alphabet_ > 0 ? double(alphabet_) : double(cells.size());
      e.value = add(cells, n, m, k);
    } else if (missing > 0) {
      e.value = inf;
    } else {
      e.value = plugin(cells, n, m);
      if (method_ == "miller_madow") {
        CompensatedSum ratio;  // sum_k p^_k / q^_k
        for (const Cell& c : cells) {
          if (c.x > 0) ratio.add((c.x / n) / (c.y / m));
        }
        e.value -= (double(in_p) - 1) / (2 * n) + (ratio.value() - 1) / (2 * m);
      }
    }
    e.diag.set("categories_p", double(in_p));
    e.diag.set("categories_q", double(in_q));
    e.diag.set("p_categories_missing_in_q", double(missing));
    if (method_ == "add") {
      e.diag.set("alphabet", alphabet_ > 0 ? double(alphabet_) : double(cells.size()));
    }
    return e;
  }

 private:
  // Every category of P is also one of Q's here.
  static double plugin(const std::vector<Cell>& cells, double n, double m) {
    CompensatedSum s;
    for (const Cell& c : cells) {
      if (c.x > 0) s.add((c.x / n) * (std::log(c.x / n) - std::log(c.y / m)));
    }
    return s.value();
  }

  static double zhang_grabchak(const std::vector<Cell>& cells, double n, double m) {
    using boost::math::digamma;
    CompensatedSum s;
    for (const Cell& c : cells) {
      if (c.x > 0) s.add((c.x / n) * (digamma(c.x) - digamma(c.y + 1)));
    }
    return (digamma(m + 1) - digamma(n)) + s.value();
  }

  double add(const std::vector<Cell>& cells, double n, double m, double k) const {
    const double np = n + k * alpha_, mq = m + k * alpha_;
    CompensatedSum s;
    for (const Cell& c : cells) {
      // p^ log(p^/q^) with p^/q^ = ((x + a)/(y + a)) (mq/np), logs taken apart.
      s.add((c.x + alpha_) / np *
            (std::log(c.x + alpha_) - std::log(c.y + alpha_) + std::log(mq / np)));
    }
    // Categories of the alphabet seen in neither sample: p = alpha/np, q = alpha/mq each.
    const double unseen = k - double(cells.size());
    if (unseen > 0) s.add(unseen * (alpha_ / np) * std::log(mq / np));
    return s.value();
  }

  void check_alphabet(klest::SampleView s, const char* side) const {
    for (std::size_t i = 0; i < s.rows(); ++i) {
      const double v = s.row(i)[0];
      if (!(v >= 0 && v < double(alphabet_))) {
        throw klest::InputError(fmt::format(
            "estimator '{}': sample from {}: row {} is {}, but alphabet={} allows only the "
            "categories 0, ..., {}",
            label_, side, i + 1, klest::format_number(v), alphabet_, alphabet_ - 1));
      }
    }
  }

  std::string method_;
  double alpha_;
  std::size_t alphabet_;
  std::string label_;
};

}  // namespace

KLEST_REGISTER_ESTIMATOR(Discrete);

// The truth engine: closed forms from the registry, infinite cases decided from supports and
// tails, and the numerical routes (1-D quadrature, discrete summation, Monte Carlo).

#include "klest/truth.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <fmt/format.h>

#include "detail/parallel.hpp"
#include "klest/error.hpp"

namespace klest {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}

std::string_view to_string(TruthMethod m) {
  switch (m) {
    case TruthMethod::closed_form: return "closed_form";
    case TruthMethod::support: return "support";
    case TruthMethod::tails: return "tails";
    case TruthMethod::quadrature: return "quadrature";
    case TruthMethod::summation: return "summation";
    case TruthMethod::monte_carlo: return "monte_carlo";
    case TruthMethod::given: return "given";
  }
  return "?";
}

// ---- registry -------------------------------------------------------------------------------

namespace {

struct PairEntry {
  KlPairInfo info;
  KlFormula formula;
};

std::map<std::pair<std::string, std::string>, PairEntry>& pair_registry() {
  static std::map<std::pair<std::string, std::string>, PairEntry> r;
  return r;
}

}  // namespace

void register_kl(KlPairInfo info, KlFormula formula) {
  auto key = std::make_pair(info.p_family, info.q_family);
  auto& r = pair_registry();
  if (r.contains(key)) {
    throw std::logic_error("closed-form KL for '" + key.first + "' || '" + key.second +
                           "' is registered twice");
  }
  r.emplace(std::move(key), PairEntry{std::move(info), std::move(formula)});
}

std::vector<const KlPairInfo*> kl_pairs() {
  std::vector<const KlPairInfo*> out;
  for (const auto& [key, entry] : pair_registry()) out.push_back(&entry.info);
  return out;
}

std::optional<Truth> closed_form_kl(const Distribution& p, const Distribution& q,
                                    const TruthOptions& options) {
  auto& r = pair_registry();
  auto it = r.find({p.family(), q.family()});
  if (it == r.end()) return std::nullopt;
  return it->second.formula(p, q, options);
}

ClosedForm kl_terms(std::initializer_list<double> terms) {
  double value = 0, magnitude = 0;
  for (double t : terms) {
    value += t;
    magnitude += std::abs(t);
  }
  return {value, magnitude};
}

Truth closed_form_truth(const ClosedForm& kl, std::string reference, const Distribution& p,
                        const Distribution& q) {
  if (std::isnan(kl.value)) {
    throw std::logic_error("closed-form KL '" + p.spec() + "' || '" + q.spec() + "' is NaN");
  }
  const double err = std::isinf(kl.value)
                         ? 0.0
                         : closed_form_ulps * std::numeric_limits<double>::epsilon() *
                               std::max(kl.magnitude, std::abs(kl.value));
  return Truth{kl.value, err, TruthMethod::closed_form, std::move(reference)};
}

KlFormula kl_formula(std::string reference,
                     std::function<ClosedForm(const Distribution&, const Distribution&)> f) {
  return [reference = std::move(reference), f = std::move(f)](
             const Distribution& p, const Distribution& q,
             const TruthOptions&) -> std::optional<Truth> {
    return closed_form_truth(f(p, q), reference, p, q);
  };
}

// ---- infinite cases -------------------------------------------------------------------------

namespace {

// Does E_P[-log q] converge on one side where P's support is unbounded?
bool tail_finite(const Tail& p, const Tail& q) {
  using K = Tail::Kind;
  switch (q.kind) {
    case K::bounded: return false;  // P reaches where Q does not (caught by the support check)
    case K::power:                  // -log q ~ (rate + 1) log|x|: E_P log|x| is finite
    case K::lognormal:              // -log q ~ c log^2|x|: finite for every tail we model
      return true;
    case K::exp_power:              // -log q ~ c |x|^a: needs the a-th moment of P
      return p.kind != K::power || p.rate > q.rate;
    case K::double_exp:             // -log q ~ exp(r |x|): needs E_P exp(r |x|)
      if (p.kind == K::double_exp) return true;
      if (p.kind == K::exp_power) return p.rate > 1 || (p.rate == 1 && p.coef > q.rate);
      return false;
  }
  return false;
}

std::string tail_name(const Tail& t) {
  switch (t.kind) {
    case Tail::Kind::bounded: return "bounded";
    case Tail::Kind::exp_power: return fmt::format("exp(-c|x|^{})", t.rate);
    case Tail::Kind::lognormal: return "lognormal";
    case Tail::Kind::double_exp: return fmt::format("exp(-exp({}|x|))", t.rate);
    case Tail::Kind::power: return fmt::format("|x|^-{}", t.rate + 1);
  }
  return "?";
}

std::optional<Truth> infinite_by_support(const Distribution& p, const Distribution& q) {
  if (p.kind() != q.kind()) {
    return Truth{inf, 0.0, TruthMethod::support,
                 fmt::format("P is {} and Q is {}: P is not absolutely continuous w.r.t. Q",
                             to_string(p.kind()), to_string(q.kind()))};
  }
  const auto sp = p.support(), sq = q.support();
  for (std::size_t j = 0; j < sp.size(); ++j) {
    if (!sq[j].contains(sp[j])) {
      return Truth{inf, 0.0, TruthMethod::support,
                   fmt::format("P's support [{}, {}] is not inside Q's [{}, {}]{}",
                               format_number(sp[j].lo), format_number(sp[j].hi),
                               format_number(sq[j].lo), format_number(sq[j].hi),
                               sp.size() > 1 ? fmt::format(" in coordinate {}", j + 1) : "")};
    }
  }
  return std::nullopt;
}

std::optional<Truth> infinite_by_tails(const Distribution& p, const Distribution& q) {
  if (p.dim() != 1 || p.kind() != Support::continuous) return std::nullopt;
  const auto [pl, pr] = p.tails();
  const auto [ql, qr] = q.tails();
  const auto s = p.support()[0];
  for (int side = 0; side < 2; ++side) {
    const bool unbounded = side == 0 ? std::isinf(s.lo) : std::isinf(s.hi);
    const Tail& tp = side == 0 ? pl : pr;
    const Tail& tq = side == 0 ? ql : qr;
    if (unbounded && !tail_finite(tp, tq)) {
      return Truth{inf, 0.0, TruthMethod::tails,
                   fmt::format("E_P[-log q] diverges in the {} tail (P ~ {}, Q ~ {})",
                               side == 0 ? "left" : "right", tail_name(tp), tail_name(tq))};
    }
  }
  return std::nullopt;
}

// ---- 1-D quadrature -------------------------------------------------------------------------

Truth quadrature(const Distribution& p, const Distribution& q, const TruthOptions& o) {
  const Interval s = p.support()[0];
  bool q_vanishes = false;
  double where = 0, max_log_ratio = 0;
  auto f = [&](double x) {
    const double lp = p.log_density({&x, 1});
    // Outside P's support, exp(lp) underflowing, or an infinite density at a single point
    // (an integrable singularity hit exactly): no mass.
    if (!(lp > -745.0) || lp == inf) return 0.0;
    const double lq = q.log_density({&x, 1});
    if (lq == -inf) {
      if (!q_vanishes) where = x;
      q_vanishes = true;
      return 0.0;
    }
    max_log_ratio = std::max(max_log_ratio, std::abs(lp - lq));
    return std::exp(lp) * (lp - lq);
  };

  // Break points: the support's finite ends, both landmark sets, and a few scale lengths
  // around P's centre, so each piece is smooth and the tails start beyond the bulk.
  std::vector<double> cuts;
  auto add = [&](double x) {
    if (std::isfinite(x) && x >= s.lo && x <= s.hi) cuts.push_back(x);
  };
  add(s.lo);
  add(s.hi);
  for (double x : p.landmarks()) add(x);
  for (double x : q.landmarks()) add(x);
  const auto lp_marks = p.landmarks();
  const double centre = !lp_marks.empty() ? lp_marks.front()
                        : std::isfinite(s.lo) && std::isfinite(s.hi) ? 0.5 * (s.lo + s.hi)
                        : std::isfinite(s.lo) ? s.lo
                        : std::isfinite(s.hi) ? s.hi
                                              : 0.0;
  const double scale = p.scale();
  for (double k : {1.0, 4.0, 16.0}) {
    add(centre - k * scale);
    add(centre + k * scale);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  if (cuts.empty()) cuts.push_back(centre);

  boost::math::quadrature::tanh_sinh<double> ts;
  boost::math::quadrature::exp_sinh<double> es;
  const double tol = o.rel_tol;
  std::size_t pieces = 0;
  // Integrates g over P's support piece by piece; returns the sum and adds the error estimates.
  auto integrate = [&](auto g, double& error) {
    double total = 0;
    pieces = 0;
    auto piece = [&](double a, double b) {
      double err = 0, l1 = 0, v = 0;
      std::size_t levels = 0;
      if (std::isinf(a) || std::isinf(b)) {
        v = es.integrate(g, a, b, tol, &err, &l1, &levels);
      } else if (a == s.lo || b == s.hi) {
        // Pieces at a support end may hold an integrable endpoint singularity. The two-argument
        // form (x and its distance to the nearer end) keeps Boost 1.74's tanh_sinh from placing
        // a node on the end itself; the end carries no mass, so it counts 0.
        auto inside = [&](double x, double) { return x <= a || x >= b ? 0.0 : g(x); };
        v = ts.integrate(inside, a, b, tol, &err, &l1, &levels);
      } else {
        v = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(g, a, b, 15, tol, &err,
                                                                          &l1);
      }
      total += v;
      error += err;
      ++pieces;
    };
    if (std::isinf(s.lo)) piece(-inf, cuts.front());
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) piece(cuts[i], cuts[i + 1]);
    if (std::isinf(s.hi)) piece(cuts.back(), inf);
    return total;
  };
  double value = 0, error = 0, mass_error = 0, mass = 0;
  try {
    value = integrate(f, error);
    // P's own mass over the same pieces: mass double precision cannot reach (a singular
    // density within 1e-16 of a support end) is lost to both integrals, and the KL integrand
    // there is at most about max|log p - log q| times that mass.
    mass = integrate(
        [&](double x) {
          const double lp = p.log_density({&x, 1});
          return lp > -745.0 && lp != inf ? std::exp(lp) : 0.0;
        },
        mass_error);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("KL('{}' || '{}'): quadrature failed: {}", p.spec(), q.spec(),
                                 e.what()));
  }
  if (q_vanishes) {
    return Truth{inf, 0.0, TruthMethod::support,
                 fmt::format("Q's density is 0 at x = {} where P's is not", format_number(where))};
  }
  const double lost = std::abs(1 - mass);
  if (lost > 100 * std::numeric_limits<double>::epsilon()) {
    error += lost * (max_log_ratio + std::abs(value));
  }
  return Truth{value, error, TruthMethod::quadrature,
               fmt::format("Boost.Math adaptive quadrature over {} pieces, tolerance {}; P's "
                           "density integrates to 1 within {}",
                           pieces, format_number(tol), format_number(lost))};
}

// ---- discrete summation ---------------------------------------------------------------------

Truth summation(const Distribution& p, const Distribution& q, const TruthOptions& o) {
  const Interval s = p.support()[0];
  const auto marks = p.landmarks();
  const double bulk_end =
      (marks.empty() ? std::max(s.lo, 0.0) : *std::max_element(marks.begin(), marks.end())) +
      10 * std::max(1.0, p.scale());
  constexpr double max_terms = 1e8;
  double sum = 0, carry = 0, error = 0, prev_p = 0, magnitude = 0;
  double k = std::ceil(s.lo);
  std::size_t terms = 0;
  for (; k <= s.hi; k += 1) {
    if (++terms > max_terms) {
      throw InputError(fmt::format("KL('{}' || '{}'): the sum over the support did not settle "
                                   "within {} terms",
                                   p.spec(), q.spec(), max_terms));
    }
    const double lp = p.log_density({&k, 1});
    if (lp == -inf) {
      if (k > bulk_end && std::isinf(s.hi)) break;
      continue;
    }
    const double lq = q.log_density({&k, 1});
    if (lq == -inf) {
      return Truth{inf, 0.0, TruthMethod::support,
                   fmt::format("Q has no mass at {} where P has {}", format_number(k),
                               format_number(std::exp(lp)))};
    }
    const double pk = std::exp(lp);
    const double term = pk * (lp - lq);
    magnitude += pk * (std::abs(lp) + std::abs(lq)) + std::abs(term);
    const double t = sum + term;
    carry += std::abs(sum) >= std::abs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
    if (std::isinf(s.hi) && k > bulk_end && pk < prev_p) {
      // Past the bulk with decreasing mass: bound the rest by a geometric tail.
      const double r = pk / prev_p;
      const double rest = pk * r / (1 - r) * std::max(1.0, 2 * std::abs(lp - lq));
      if (rest < 1e-3 * o.rel_tol * std::max(1.0, std::abs(sum))) {
        error = rest;
        break;
      }
    }
    prev_p = pk;
  }
  // Rounding: log p and log q each carry a few ulps of their own size, which survive in
  // p (log p - log q) even when the two nearly cancel, and the summation adds a few ulps of
  // each term; the bound is relative to those magnitudes, not to the (possibly tiny) result.
  return Truth{sum + carry, error + 4 * std::numeric_limits<double>::epsilon() * magnitude,
               TruthMethod::summation,
               fmt::format("exact sum over {} support points, tail bounded", terms)};
}

// ---- Monte Carlo ----------------------------------------------------------------------------

Truth monte_carlo(const Distribution& p, const Distribution& q, const TruthOptions& o) {
  const std::size_t n = std::max<std::size_t>(o.mc_samples, 2);
  constexpr std::size_t chunk = 1 << 14;
  const std::size_t chunks = (n + chunk - 1) / chunk;
  struct Acc {
    double count = 0, mean = 0, m2 = 0;
    bool q_zero = false;
  };
  std::vector<Acc> acc(chunks);
  detail::parallel_for(
      chunks,
      [&](std::size_t c) {
        Rng rng = rng_for(o.seed, {std::uint32_t(c), 0x6d63u});
        std::vector<double> x(p.dim());
        Acc a;
        const std::size_t m = std::min(chunk, n - c * chunk);
        for (std::size_t i = 0; i < m; ++i) {
          p.sample(rng, x);
          const double lq = q.log_density(x);
          if (lq == -inf) {
            a.q_zero = true;
            break;
          }
          const double v = p.log_density(x) - lq;
          a.count += 1;
          const double d = v - a.mean;
          a.mean += d / a.count;
          a.m2 += d * (v - a.mean);
        }
        acc[c] = a;
      },
      2);
  Acc total;
  for (const Acc& a : acc) {  // Chan et al.'s pairwise combination, in chunk order
    if (a.q_zero) {
      return Truth{inf, 0.0, TruthMethod::support,
                   "Q's density is 0 at a draw from P (Monte Carlo)"};
    }
    const double count = total.count + a.count;
    const double d = a.mean - total.mean;
    total.mean += d * a.count / count;
    total.m2 += a.m2 + d * d * total.count * a.count / count;
    total.count = count;
  }
  const double var = total.m2 / (total.count - 1);
  return Truth{total.mean, std::sqrt(var / total.count), TruthMethod::monte_carlo,
               fmt::format("N = {}, seed {}; abs_error is one standard error (assumes "
                           "Var_P[log p - log q] is finite)",
                           n, o.seed)};
}

}  // namespace

Truth true_kl(const Distribution& p, const Distribution& q, const TruthOptions& options) {
  if (p.dim() != q.dim()) {
    throw InputError(fmt::format("KL('{}' || '{}'): dimensions differ (P has d = {}, Q has d = {})",
                                 p.spec(), q.spec(), p.dim(), q.dim()));
  }
  if (auto t = infinite_by_support(p, q)) return *t;
  if (auto t = infinite_by_tails(p, q)) return *t;
  if (options.use_closed_form) {
    if (auto t = closed_form_kl(p, q, options)) return *t;
  }
  if (p.dim() == 1 && p.kind() == Support::continuous) return quadrature(p, q, options);
  if (p.dim() == 1 && p.kind() == Support::discrete) return summation(p, q, options);
  return monte_carlo(p, q, options);
}

}  // namespace klest

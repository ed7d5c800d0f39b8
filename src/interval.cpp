#include "klest/interval.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include "detail/parallel.hpp"
#include "klest/error.hpp"
#include "klest/spec.hpp"

namespace klest {

namespace {

struct MethodName {
  IntervalMethod method;
  std::string_view name;
};
constexpr MethodName method_names[] = {
    {IntervalMethod::bootstrap, "bootstrap"},
    {IntervalMethod::subsampling, "subsampling"},
    {IntervalMethod::bca, "bca"},
    {IntervalMethod::subsampling_bc, "subsampling_bc"},
};

}  // namespace

std::string_view to_string(IntervalMethod m) {
  for (const MethodName& n : method_names)
    if (n.method == m) return n.name;
  return "unknown";
}

std::vector<std::string> interval_method_names() {
  std::vector<std::string> out;
  for (const MethodName& n : method_names) out.emplace_back(n.name);
  return out;
}

bool uses_rate(IntervalMethod m) {
  return m == IntervalMethod::subsampling || m == IntervalMethod::subsampling_bc;
}

IntervalMethod parse_interval_method(std::string_view name) {
  for (const MethodName& n : method_names)
    if (n.name == name) return n.method;
  std::string known;
  for (const MethodName& n : method_names) known += (known.empty() ? "" : ", ") + std::string(n.name);
  throw InputError(fmt::format("interval method '{}' is unknown (known: {})", name, known));
}

double quantile_sorted(const std::vector<double>& sorted, double prob) {
  const double h = double(sorted.size() - 1) * prob;
  const std::size_t i = std::min(std::size_t(h), sorted.size() - 1);
  const double frac = h - double(i);
  if (frac == 0 || i + 1 == sorted.size()) return sorted[i];
  const double a = sorted[i], b = sorted[i + 1];
  if (a == b) return a;
  if (std::isinf(a) && std::isinf(b)) return frac < 0.5 ? a : b;  // -inf and +inf
  if (std::isinf(a)) return a;                                    // -inf with weight 1 - frac > 0
  if (std::isinf(b)) return b;                                    // +inf with weight frac > 0
  return a + frac * (b - a);
}

namespace {

// Sizes of the rate estimate relative to b: 1.5^(j - 1.5), j = 0..3 (geometric mean 1).
constexpr int rate_sizes = 4;
constexpr double rate_spacing = 1.5;

// What one replicate produced.
struct Outcome {
  double value = 0;
  bool failed = false;
  std::string message;
};

// `count` row indices out of n: with replacement (bootstrap), or without (a subsample, Floyd's
// algorithm, returned in increasing order so the subsample keeps the sample's row order).
std::vector<std::size_t> draw_indices(Rng& rng, std::size_t n, std::size_t count, bool replace) {
  std::vector<std::size_t> idx;
  idx.reserve(count);
  auto below = [&](std::size_t k) {  // uniform on 0..k-1
    return std::min(k - 1, std::size_t(uniform01(rng) * double(k)));
  };
  if (replace) {
    for (std::size_t i = 0; i < count; ++i) idx.push_back(below(n));
    return idx;
  }
  std::unordered_set<std::size_t> chosen;
  chosen.reserve(count);
  for (std::size_t j = n - count; j < n; ++j) {
    const std::size_t t = below(j + 1);
    chosen.insert(chosen.contains(t) ? j : t);
  }
  idx.assign(chosen.begin(), chosen.end());
  std::sort(idx.begin(), idx.end());
  return idx;
}

// `count` of the indices `from`, drawn without replacement, in increasing order.
std::vector<std::size_t> pick(Rng& rng, const std::vector<std::size_t>& from, std::size_t count) {
  std::vector<std::size_t> out;
  out.reserve(count);
  for (std::size_t k : draw_indices(rng, from.size(), count, false)) out.push_back(from[k]);
  return out;
}

Samples gather(SampleView s, const std::vector<std::size_t>& idx) {
  Samples out(idx.size(), s.dim());
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const auto src = s.row(idx[i]);
    std::copy(src.begin(), src.end(), out.row(i).begin());
  }
  return out;
}

// Runs `count` replicates of step `step`: replicate r estimates from size_p points of p and
// size_q of q, drawn with or without replacement. Results by index.
std::vector<Outcome> run_replicates(const Estimator& est, SampleView p, SampleView q,
                                    std::size_t size_p, std::size_t size_q, bool replace,
                                    std::size_t count, const IntervalOptions& o,
                                    std::uint32_t step) {
  std::vector<Outcome> out(count);
  detail::parallel_for(
      count,
      [&](std::size_t r) {
        Rng draw = rng_for(o.seed, {o.stream, step, std::uint32_t(r), 0});
        Rng inner = rng_for(o.seed, {o.stream, step, std::uint32_t(r), 1});
        const Samples x = gather(p, draw_indices(draw, p.rows(), size_p, replace));
        const Samples y = gather(q, draw_indices(draw, q.rows(), size_q, replace));
        try {
          out[r].value = est.estimate(x, y, inner).value;
        } catch (const InputError& e) {
          out[r].failed = true;
          out[r].message = e.what();
        }
      },
      /*serial_below=*/2);
  return out;
}

class Builder {
 public:
  Builder(const Estimator& est, SampleView p, SampleView q, double estimate,
          const IntervalOptions& o)
      : est_(est), p_(p), q_(q), o_(o) {
    iv_.method = o.method;
    iv_.level = o.level;
    iv_.estimate = estimate;
    iv_.replicates = o.replicates;
  }

  ConfidenceInterval run() {
    check_options();
    if (p_.empty() || q_.empty()) fail("the samples must not be empty");
    if (o_.method == IntervalMethod::bootstrap || o_.method == IntervalMethod::bca) {
      const auto values =
          collect(run_replicates(est_, p_, q_, p_.rows(), q_.rows(), true, o_.replicates, o_, 1));
      const double alpha = 1 - o_.level;
      double lo_level = alpha / 2, hi_level = 1 - alpha / 2;
      if (o_.method == IntervalMethod::bca) {
        if (!std::isfinite(iv_.estimate)) {
          fail(fmt::format("the point estimate is {}, but bca needs a finite one",
                           format_number(iv_.estimate)));
        }
        bca_levels(values, lo_level, hi_level);
      }
      iv_.lo = quantile_sorted(values, lo_level);
      iv_.hi = quantile_sorted(values, hi_level);
      return iv_;
    }
    subsample();
    return iv_;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(
        fmt::format("estimator '{}': {} interval: {}", est_.label(), to_string(o_.method), what));
  }

  void check_options() const {
    if (!(o_.level > 0 && o_.level < 1)) {
      fail(fmt::format("level is {}, but must be in (0, 1)", format_number(o_.level)));
    }
    if (o_.replicates < 2 || o_.replicates > max_interval_replicates) {
      fail(fmt::format("replicates is {}, but must be in [2, {}]", o_.replicates,
                       max_interval_replicates));
    }
    if (!(o_.subsample_exponent > 0 && o_.subsample_exponent < 1)) {
      fail(fmt::format("subsample exponent is {}, but must be in (0, 1)",
                       format_number(o_.subsample_exponent)));
    }
    if (o_.bias_rate && !(*o_.bias_rate > 0 && std::isfinite(*o_.bias_rate))) {
      fail(fmt::format("bias rate is {}, but must be a finite number > 0",
                       format_number(*o_.bias_rate)));
    }
    if (o_.rate && !(*o_.rate > 0 && std::isfinite(*o_.rate))) {
      fail(fmt::format("rate is {}, but must be a finite number > 0", format_number(*o_.rate)));
    }
  }

  // The sorted values of the replicates that did not fail; counts failures and infinities.
  std::vector<double> collect(const std::vector<Outcome>& outcomes) {
    std::vector<double> values;
    for (const Outcome& r : outcomes) {
      if (r.failed) {
        if (iv_.failed++ == 0) iv_.first_failure = r.message;
        continue;
      }
      if (std::isinf(r.value)) ++iv_.infinite;
      values.push_back(r.value);
    }
    if (values.size() < 2) {
      std::string hint;
      if (o_.method == IntervalMethod::bootstrap) {
        hint =
            "; bootstrap resamples repeat points, so an estimator that refuses repeated points "
            "needs its ties option (knn: ties=skip or ties=jitter), or use subsampling, "
            "which draws without replacement";
      }
      fail(fmt::format("{} of {} replicates failed, the first with: {}{}", iv_.failed,
                       outcomes.size(), iv_.first_failure, hint));
    }
    std::sort(values.begin(), values.end());
    return values;
  }

  // floor(n^exponent); the relative 1e-12 keeps exact powers exact (1000^(2/3) = 100, which
  // pow gives as 99.99999999999997).
  std::size_t subsample_size(std::size_t n) const {
    return std::size_t(std::floor(std::pow(double(n), o_.subsample_exponent) * (1 + 1e-12)));
  }

  // A subsample size must be at least what the estimator needs and below the sample size.
  void check_size(std::size_t b, std::size_t n, std::size_t least, const char* side,
                  const std::string& what) const {
    if (b < least || b >= n) {
      fail(fmt::format("{} of the sample from {} ({} points) would have {} points, but {}", what,
                       side, n, b,
                       b < least ? fmt::format("the estimator needs at least {}", least)
                                 : std::string("a subsample must be smaller than the sample")));
    }
  }

  // BCa: moves the percentile levels by the bias correction z0 and the acceleration a.
  void bca_levels(const std::vector<double>& sorted, double& lo_level, double& hi_level) {
    const boost::math::normal normal;
    const double R = double(sorted.size());
    const auto below = std::lower_bound(sorted.begin(), sorted.end(), iv_.estimate);
    const auto upto = std::upper_bound(sorted.begin(), sorted.end(), iv_.estimate);
    double share = (double(below - sorted.begin()) + 0.5 * double(upto - below)) / R;
    share = std::clamp(share, 0.5 / R, 1 - 0.5 / R);  // all on one side: the largest shift R allows
    iv_.z0 = boost::math::quantile(normal, share);
    iv_.acceleration = acceleration();
    auto level = [&](double prob) {
      const double z = boost::math::quantile(normal, prob);
      const double denom = 1 - iv_.acceleration * (iv_.z0 + z);
      if (!(denom > 0)) return prob < 0.5 ? 0.0 : 1.0;  // beyond the replicates: the extreme one
      return boost::math::cdf(normal, iv_.z0 + (iv_.z0 + z) / denom);
    };
    lo_level = level(lo_level);
    hi_level = level(hi_level);
  }

  // The acceleration from a grouped jackknife over both samples (see the header).
  double acceleration() {
    Rng rng = rng_for(o_.seed, {o_.stream, 3, 0, 0});
    double sum2 = 0, sum3 = 0;
    for (int side = 0; side < 2; ++side) {
      const SampleView s = side == 0 ? p_ : q_;
      const std::size_t groups = std::min<std::size_t>(20, s.rows());
      // A random assignment of rows to groups of (almost) equal size.
      std::vector<std::size_t> order(s.rows());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      for (std::size_t i = order.size(); i > 1; --i) {
        const std::size_t j = std::min(i - 1, std::size_t(uniform01(rng) * double(i)));
        std::swap(order[i - 1], order[j]);
      }
      std::vector<double> left_out(groups);
      std::vector<char> failed(groups, 0);
      detail::parallel_for(
          groups,
          [&](std::size_t g) {
            std::vector<std::size_t> keep;
            for (std::size_t i = 0; i < order.size(); ++i)
              if (i % groups != g) keep.push_back(order[i]);
            std::sort(keep.begin(), keep.end());
            Rng inner = rng_for(o_.seed, {o_.stream, 3, std::uint32_t(side), std::uint32_t(1 + g)});
            try {
              const Samples kept = gather(s, keep);
              left_out[g] = side == 0 ? est_.estimate(kept, q_, inner).value
                                      : est_.estimate(p_, kept, inner).value;
              if (!std::isfinite(left_out[g])) failed[g] = 1;
            } catch (const InputError&) {
              failed[g] = 1;
            }
          },
          /*serial_below=*/2);
      std::vector<double> ok;
      for (std::size_t g = 0; g < groups; ++g)
        if (!failed[g]) ok.push_back(left_out[g]);
      if (ok.size() < 2) continue;  // no acceleration from this side
      double mean = 0;
      for (double v : ok) mean += v / double(ok.size());
      const double G = double(ok.size());
      for (double v : ok) {
        const double u = (G - 1) * (mean - v);
        sum2 += u * u / (G * G);
        sum3 += u * u * u / (G * G * G);
      }
    }
    if (!(sum2 > 0)) return 0;
    return sum3 / (6 * std::pow(sum2, 1.5));
  }

  void subsample() {
    const std::size_t n = p_.rows(), m = q_.rows();
    if (!std::isfinite(iv_.estimate)) {
      fail(fmt::format("the point estimate is {}, but subsampling needs a finite one",
                       format_number(iv_.estimate)));
    }
    const Requirements req = est_.requirements();
    const std::size_t bn = subsample_size(n), bm = subsample_size(m);
    const std::string rule = fmt::format("a subsample (size^{:.4g})", o_.subsample_exponent);
    check_size(bn, n, req.min_p, "p", rule);
    check_size(bm, m, req.min_q, "q", rule);
    iv_.subsample_p = bn;
    iv_.subsample_q = bm;
    const double n_eff = double(std::min(n, m)), b_eff = double(std::min(bn, bm));

    if (o_.rate) {
      iv_.rate = *o_.rate;
    } else if (o_.method == IntervalMethod::subsampling_bc) {
      iv_.rate = 0.5;
    } else {
      estimate_rate(bn, bm, req);
    }
    const auto values = collect(run_replicates(est_, p_, q_, bn, bm, false, o_.replicates, o_, 1));
    // z = tau_b' (theta* - theta_n); bounds theta_n - Q_z(.) / tau_n'. As tau_b'/tau_n' =
    // (b'/n')^beta this is theta_n - (b'/n')^beta (Q(.) - theta_n) in the replicate quantiles.
    const double shrink = std::pow(b_eff / n_eff, iv_.rate);
    const double alpha = 1 - o_.level;
    const double upper_q = quantile_sorted(values, 1 - alpha / 2);
    const double lower_q = quantile_sorted(values, alpha / 2);
    double centre = iv_.estimate, reference = iv_.estimate;
    if (o_.method == IntervalMethod::subsampling_bc) {
      reference = finite_mean(values, "subsamples");
    }
    if (o_.method == IntervalMethod::subsampling_bc && o_.bias_rate) {
      iv_.bias_rate = *o_.bias_rate;
      check_size(n / 2, n, req.min_p, "p", "a half-sample for the bias correction");
      check_size(m / 2, m, req.min_q, "q", "a half-sample for the bias correction");
      // Half-samples (without replacement) of both samples: their mean minus theta_n is
      // c n^-gamma (2^gamma - 1).
      const auto halves = collect_quiet(
          run_replicates(est_, p_, q_, p_.rows() / 2, q_.rows() / 2, false, o_.replicates, o_, 4));
      const double half_mean = finite_mean(halves, "half-samples");
      iv_.bias = (half_mean - iv_.estimate) / (std::pow(2.0, iv_.bias_rate) - 1);
      centre = iv_.estimate - iv_.bias;
    }
    iv_.lo = centre - shrink * (upper_q - reference);
    iv_.hi = centre - shrink * (lower_q - reference);
  }

  // The mean of the finite values; an error naming `what` when there is none.
  double finite_mean(const std::vector<double>& values, const char* what) const {
    double sum = 0;
    std::size_t k = 0;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      sum += v;
      ++k;
    }
    if (k == 0) fail(fmt::format("no estimate on the {} is finite, so no bias correction", what));
    return sum / double(k);
  }

  // Like collect, for a step whose failures are not the interval's own replicates.
  std::vector<double> collect_quiet(const std::vector<Outcome>& outcomes) {
    std::vector<double> values;
    for (const Outcome& r : outcomes)
      if (!r.failed) values.push_back(r.value);
    if (values.empty()) fail("every estimate on the half-samples for the bias correction failed");
    return values;
  }

  void estimate_rate(std::size_t bn, std::size_t bm, const Requirements& req) {
    iv_.rate_estimated = true;
    // The sizes, smallest first.
    std::vector<std::size_t> sp(rate_sizes), sq(rate_sizes);
    for (int j = 0; j < rate_sizes; ++j) {
      const double power = double(j) - 0.5 * (rate_sizes - 1);
      const double factor = std::pow(rate_spacing, power);
      sp[j] = std::size_t(std::floor(double(bn) * factor));
      sq[j] = std::size_t(std::floor(double(bm) * factor));
      const std::string what =
          fmt::format("the rate estimate needs subsamples 1.5^{:+g} times as large, so one", power);
      check_size(sp[j], p_.rows(), req.min_p, "p", what);
      check_size(sq[j], q_.rows(), req.min_q, "q", what);
      const std::size_t b = std::min(sp[j], sq[j]);
      if (!iv_.rate_sizes.empty() && b <= iv_.rate_sizes.back()) {
        fail(
            fmt::format("the samples are too small to estimate the convergence rate (subsample "
                        "sizes {} and {} coincide); give the rate explicitly (--rate in klest "
                        "estimate)",
                        iv_.rate_sizes.back(), b));
      }
      iv_.rate_sizes.push_back(b);
    }
    // Nested chains: chain r draws the largest subsample from the sample and each smaller one
    // from the one above it, so that the spreads at neighbouring sizes share noise and their
    // differences, which fix the slope, are less noisy.
    std::vector<std::vector<Outcome>> outcomes(rate_sizes, std::vector<Outcome>(o_.replicates));
    detail::parallel_for(
        o_.replicates,
        [&](std::size_t r) {
          Rng draw = rng_for(o_.seed, {o_.stream, 2, std::uint32_t(r), 0});
          std::vector<std::size_t> ip, iq;
          for (int j = rate_sizes - 1; j >= 0; --j) {
            const bool top = j == rate_sizes - 1;
            ip = top ? draw_indices(draw, p_.rows(), sp[j], false) : pick(draw, ip, sp[j]);
            iq = top ? draw_indices(draw, q_.rows(), sq[j], false) : pick(draw, iq, sq[j]);
            Rng inner = rng_for(o_.seed, {o_.stream, 2, std::uint32_t(r), std::uint32_t(1 + j)});
            try {
              outcomes[j][r].value = est_.estimate(gather(p_, ip), gather(q_, iq), inner).value;
            } catch (const InputError& e) {
              outcomes[j][r].failed = true;
              outcomes[j][r].message = e.what();
            }
          }
        },
        /*serial_below=*/2);
    std::vector<double> log_b, log_spread;
    for (int j = 0; j < rate_sizes; ++j) {
      const std::size_t b = iv_.rate_sizes[j];
      std::vector<double> z;
      const Outcome* first_failed = nullptr;
      for (const Outcome& r : outcomes[j]) {
        if (r.failed && !first_failed) first_failed = &r;
        if (r.failed || std::isinf(r.value)) {
          ++iv_.rate_left_out;
        } else {
          z.push_back(r.value);
        }
      }
      if (z.size() < 2) {
        fail(fmt::format(
            "only {} of {} estimates on subsamples of {} points for the rate "
            "estimate are finite{}; give the rate explicitly (--rate in klest "
            "estimate)",
            z.size(), outcomes[j].size(), b,
            first_failed ? ", the first failure: " + first_failed->message : std::string()));
      }
      std::sort(z.begin(), z.end());
      double mean_log = 0;
      for (int k = 1; k <= 9; ++k) {
        const double l = 0.05 * k;
        const double spread = quantile_sorted(z, 1 - l) - quantile_sorted(z, l);
        if (!(spread > 0)) {
          fail(
              fmt::format("the estimates on subsamples of {} points do not vary (their {:g}% and "
                          "{:g}% quantiles coincide), so the convergence rate cannot be "
                          "estimated; give it explicitly (--rate in klest estimate)",
                          b, 100 * l, 100 * (1 - l)));
        }
        mean_log += std::log(spread) / 9;
      }
      iv_.rate_log_spreads.push_back(mean_log);
      log_b.push_back(std::log(double(b)));
      // Finite-population correction: without replacement the spread of a smooth estimator on
      // b of n points is ~ b^-beta sqrt(1 - b/n), which would steepen the slope (by ~0.06 at
      // b/n = 0.1); it is divided out, with the effective sizes b' and n'.
      const double n_eff = double(std::min(p_.rows(), q_.rows()));
      log_spread.push_back(mean_log - 0.5 * std::log1p(-double(b) / n_eff));
    }
    double mx = 0, my = 0;
    for (std::size_t j = 0; j < log_b.size(); ++j) {
      mx += log_b[j] / double(log_b.size());
      my += log_spread[j] / double(log_b.size());
    }
    double sxy = 0, sxx = 0;
    for (std::size_t j = 0; j < log_b.size(); ++j) {
      sxy += (log_b[j] - mx) * (log_spread[j] - my);
      sxx += (log_b[j] - mx) * (log_b[j] - mx);
    }
    iv_.rate = -sxy / sxx;
    if (!(iv_.rate > 0) || !std::isfinite(iv_.rate)) {
      fail(
          fmt::format("the estimated convergence rate beta is {} (the spread of the estimates "
                      "does not shrink as the subsample grows from {} to {} points), but must "
                      "be > 0; give it explicitly (--rate in klest estimate)",
                      format_number(iv_.rate), iv_.rate_sizes.front(), iv_.rate_sizes.back()));
    }
  }

  const Estimator& est_;
  SampleView p_, q_;
  const IntervalOptions& o_;
  ConfidenceInterval iv_;
};

}  // namespace

ConfidenceInterval confidence_interval(const Estimator& estimator, SampleView p, SampleView q,
                                       double estimate, const IntervalOptions& options) {
  return Builder(estimator, p, q, estimate, options).run();
}

}  // namespace klest

#pragma once
// Experiments: reproducible bias / variance / MSE studies of estimators against ground truth.
//
// An experiment file (TOML) names distribution pairs, sample sizes, estimators, replications and
// a seed. The harness expands it into cells (pair x size x estimator), draws the samples of each
// (pair, size, replication) once and hands them to every estimator (common random numbers), runs
// replications in parallel, and writes tidy CSV, a manifest and report tables. The samples of
// replication r depend only on (seed, pair, size, r), so any thread count gives the same
// replications.csv, byte for byte.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "klest/interval.hpp"
#include "klest/truth.hpp"

namespace klest {

/// One distribution pair, KL(p || q), with an optional truth given by the user.
struct ExperimentPair {
  std::string p, q;                 // distribution specs as written
  std::optional<double> truth;      // overrides the computed truth ("truth = 0.5")
  int line = 0;                     // where it was declared, for messages
};

/// How the second sample's size m follows n.
struct SizeRule {
  enum class Kind { equal, ratio, list } kind = Kind::equal;
  double ratio = 1;                 // m = round(ratio * n), at least 1
  std::vector<std::size_t> m;       // one per n
};

/// One interval method of the experiment's `intervals` key: computed for every estimate, its
/// coverage of the truth reported per cell.
struct ExperimentInterval {
  std::string label;                // canonical spec, e.g. "subsampling(rate=0.5)"
  IntervalOptions options;          // method, level, replicates, rate; seed and stream unset
};

/// A validated experiment file.
struct ExperimentSpec {
  std::string name;
  std::string description;
  std::uint64_t seed = 0;
  std::size_t replications = 0;
  std::vector<std::size_t> sizes;   // n, ascending as written
  SizeRule m_rule;
  std::vector<ExperimentPair> pairs;
  std::vector<std::string> estimators;  // estimator specs as written
  std::optional<int> threads;
  std::vector<ExperimentInterval> intervals;  // the `intervals` key; empty for none
  TruthOptions truth;               // settings of the truth engine ([truth] table)
  std::string path;                 // the file it came from ("" for text)
  std::string text;                 // its exact text, stored in the manifest
  std::string hash;                 // hex digest of `text` (FNV-1a 64), for resume checks

  /// m for the i-th size.
  std::size_t m_for(std::size_t size_index) const;
};

/// Reads and validates an experiment file: every key, type and value, every distribution and
/// estimator spec (built once to check them), before anything is sampled. Throws ConfigError
/// naming the file, the line and the key at fault, and listing the keys allowed:
///   experiments/x.toml:14: unknown key 'replication' (allowed: name, description, ...)
ExperimentSpec read_experiment(const std::filesystem::path& path);
/// The same from text; `name` stands for the file name in messages.
ExperimentSpec parse_experiment(std::string_view text, const std::string& name);

// ---- statistics ----------------------------------------------------------------------------

/// Summary of the replicate estimates of one cell against its truth. Infinite and failed
/// estimates are never dropped silently: they are counted (+inf, -inf and failed apart), and the
/// statistics of a cell with any infinite estimate are infinite or undefined, as the arithmetic
/// makes them; the finite_* fields repeat the statistics over the finite estimates alone, beside
/// the robust ones (median, median absolute error, trimmed mean) that infinite values do not
/// break.
struct CellStats {
  std::size_t replications = 0;   // rows in the cell
  std::size_t finite = 0;         // finite estimates
  std::size_t plus_inf = 0;       // +inf estimates
  std::size_t minus_inf = 0;      // -inf estimates
  std::size_t failed = 0;         // errors (no value; left out of every statistic below)
  // Over every estimate that has a value (finite and infinite). NaN means undefined.
  double mean = 0, bias = 0, variance = 0, sd = 0, mse = 0, rmse = 0;
  double se_mean = 0;             // sd / sqrt(k): the Monte Carlo SE of mean and of bias
  double se_rmse = 0;             // delta-method SE of the RMSE
  double ci_low = 0, ci_high = 0; // 95% interval for the mean (normal approximation)
  // Robust, over every estimate that has a value.
  double median = 0;              // median of the estimates
  double median_abs_error = 0;    // median of |estimate - truth|
  double trimmed_mean = 0;        // mean after dropping floor(k / 10) values at each end
  // Over the finite estimates alone (NaN when there are none).
  double finite_mean = 0, finite_bias = 0, finite_sd = 0, finite_rmse = 0;
  double median_seconds = 0;

  std::size_t infinite() const { return plus_inf + minus_inf; }
};

/// Statistics of `estimates` (the values of the rows that did not fail: finite or +-inf; a NaN
/// is counted as failed) against `truth`; `failed` counts further rows without a value. With k
/// values:
/// - all finite: variance uses k - 1; mse is the mean of (e - truth)^2, i.e. bias^2 + variance
///   (k - 1) / k; se_rmse = sd((e - truth)^2) / (2 rmse sqrt(k)); ci = mean -+ z sd / sqrt(k).
/// - any infinite: mean is +inf or -inf (undefined, NaN, when both occur); variance, sd and
///   se_mean are +inf (NaN when every value is the same infinity); ci_low, ci_high and se_rmse
///   are NaN; the error of an estimate is e - truth, and 0 when e == truth (an infinite estimate
///   of an infinite truth is exact), so mse and rmse are +inf when any error is infinite.
/// - bias = mean - truth (0 when equal, NaN when undefined). An infinite truth makes the error of
///   every finite estimate infinite (bias -inf, mse +inf).
/// With k = 0 every statistic is NaN (written as an empty cell); with k = 1 the spreads are 0.
/// median_seconds is over all rows.
CellStats cell_stats(std::span<const double> estimates, double truth, std::size_t failed,
                     std::span<const double> seconds);

/// Least-squares slope of log(y) against log(x) with its standard error (NaN when fewer than
/// three usable points; points with y <= 0 or non-finite are skipped).
struct RateFit {
  double slope = 0, se = 0;
  std::size_t points = 0;
};
RateFit log_log_slope(std::span<const double> x, std::span<const double> y);
/// Least-squares slope of y against log(x) with its standard error: how fast y grows per unit
/// of log x (for the mean estimate of an infinite divergence against log n). Points with a
/// non-finite y or x <= 0 are skipped; NaN when fewer than three remain.
RateFit log_slope(std::span<const double> x, std::span<const double> y);

/// How the confidence intervals of one cell and interval method hold against the truth.
struct CoverageStats {
  std::size_t intervals = 0;     // intervals computed
  std::size_t failed = 0;        // replications without an interval (its estimate or it failed)
  double coverage = 0;           // share of the intervals with lo <= truth <= hi
  double coverage_se = 0;        // binomial SE, sqrt(c (1 - c) / intervals)
  double median_width = 0;       // median of hi - lo (+inf when an interval is unbounded)
  double miss_below = 0;         // share of the intervals entirely below the truth (hi < truth)
  double miss_above = 0;         // share entirely above it (lo > truth)
};

/// Coverage of the intervals [lo[i], hi[i]] (same length) against `truth`; with no interval
/// every share is NaN.
CoverageStats coverage_stats(std::span<const double> lo, std::span<const double> hi,
                             double truth, std::size_t failed);

// ---- running -------------------------------------------------------------------------------

struct RunOptions {
  std::filesystem::path out_dir;    // results go here
  bool force = false;               // start over even if results exist
  bool quiet = false;               // no progress line
  std::optional<int> threads;       // overrides the file's threads
  std::uint64_t max_memory = 0;     // refuse a run needing more bytes (0: the machine's memory)
};

struct RunSummary {
  std::size_t rows = 0;             // estimates written
  std::size_t failed = 0;           // of which errors
  std::size_t resumed = 0;          // replications taken from an earlier, interrupted run
  double seconds = 0;
};

/// Runs (or resumes) an experiment into options.out_dir: replications.csv, summary.csv,
/// rates.csv, manifest.json, report.md, report.tex, references.bib. Refuses (ConfigError) to
/// resume a folder whose results came from a different experiment text unless `force`, to use a
/// folder another run holds (a lock, .klest-lock, held for the run's life and released by the
/// kernel however the run ends), to overwrite result files no run in the folder wrote, and
/// (InputError) to start a run whose memory estimate exceeds max_memory or the machine. Damaged
/// journal blocks are reported on stderr and recomputed; a journal append that fails stops the
/// run (InputError) with what was saved kept for a resume.
RunSummary run_experiment(const ExperimentSpec& spec, const RunOptions& options);

}  // namespace klest

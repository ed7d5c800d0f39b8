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

/// Summary of the replicate estimates of one cell against its truth.
struct CellStats {
  std::size_t replications = 0;   // rows in the cell
  std::size_t finite = 0;         // finite estimates (the statistics below use these)
  std::size_t infinite = 0;       // +-inf estimates
  std::size_t failed = 0;         // errors
  double mean = 0, bias = 0, variance = 0, sd = 0, mse = 0, rmse = 0;
  double se_mean = 0;             // sd / sqrt(finite): the Monte Carlo SE of mean and of bias
  double se_rmse = 0;             // delta-method SE of the RMSE
  double ci_low = 0, ci_high = 0; // 95% interval for the mean (normal approximation)
  double median_seconds = 0;
};

/// Statistics of `estimates` (finite values; `infinite` and `failed` count the rest, and a
/// non-finite value passed in `estimates` is counted there instead) against `truth`, over the
/// k finite values: variance uses k - 1; mse is the mean of (e - truth)^2, i.e. bias^2 +
/// variance (k - 1) / k; se_rmse = sd((e - truth)^2) / (2 rmse sqrt(k)). With k = 0 every
/// statistic is NaN (written as an empty cell); with k = 1 the spreads are 0. A +inf truth
/// gives bias -inf and mse, rmse +inf. median_seconds is over all rows.
CellStats cell_stats(std::span<const double> estimates, double truth, std::size_t infinite,
                     std::size_t failed, std::span<const double> seconds);

/// Least-squares slope of log(y) against log(x) with its standard error (NaN when fewer than
/// three usable points; points with y <= 0 or non-finite are skipped).
struct RateFit {
  double slope = 0, se = 0;
  std::size_t points = 0;
};
RateFit log_log_slope(std::span<const double> x, std::span<const double> y);

// ---- running -------------------------------------------------------------------------------

struct RunOptions {
  std::filesystem::path out_dir;    // results go here
  bool force = false;               // start over even if results exist
  bool quiet = false;               // no progress line
  std::optional<int> threads;       // overrides the file's threads
};

struct RunSummary {
  std::size_t rows = 0;             // estimates written
  std::size_t failed = 0;           // of which errors
  std::size_t resumed = 0;          // replications taken from an earlier, interrupted run
  double seconds = 0;
};

/// Runs (or resumes) an experiment into options.out_dir: replications.csv, summary.csv,
/// rates.csv, manifest.json, report.md, report.tex, references.bib. Refuses (ConfigError) to
/// resume a folder whose results came from a different experiment text unless `force`.
RunSummary run_experiment(const ExperimentSpec& spec, const RunOptions& options);

}  // namespace klest

#pragma once
// Internal to the harness: the expanded plan of an experiment, the per-estimate records, and the
// writers of the result files.

#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "klest/distribution.hpp"
#include "klest/estimator.hpp"
#include "klest/experiment.hpp"
#include "klest/truth.hpp"

namespace klest {

struct PlannedPair {
  std::unique_ptr<Distribution> p, q;
  Truth truth;
};

/// The experiment expanded: built distributions and estimators, truths, and the numbering of
/// work items (pair-major, then size, then replication).
struct ExperimentPlan {
  std::vector<PlannedPair> pairs;
  std::vector<std::unique_ptr<Estimator>> estimators;
  std::size_t sizes = 0, replications = 0;
  std::size_t intervals = 0;  // interval methods, computed for every estimate

  std::size_t items() const { return pairs.size() * sizes * replications; }
  std::tuple<std::size_t, std::size_t, std::size_t> coordinates(std::size_t item) const {
    return {item / (sizes * replications), (item / replications) % sizes, item % replications};
  }
};

/// Builds the plan: every distribution and estimator, and each pair's truth.
ExperimentPlan make_plan(const ExperimentSpec& spec);

/// One confidence interval around one estimate.
struct IntervalRecord {
  bool ok = false;
  double lo = 0, hi = 0;
  std::string error;  // why there is none, when !ok
};

/// One estimate of one work item, with its intervals (one per interval method, in order).
struct EstimateRecord {
  bool ok = false;
  double value = 0;
  double seconds = 0;
  std::string diagnostics;  // "key=value;key=value"
  std::string error;        // the message when !ok
  std::vector<IntervalRecord> intervals;
};

struct RunInfo {
  std::string started, finished;
  int threads = 1;
  double seconds = 0;
  std::size_t resumed = 0;
};

/// The names of the files write_results writes, manifest.json and (with intervals)
/// intervals.csv included. `klest run --force`
/// removes them (and the journal) before starting over; a fresh run refuses a folder that holds
/// one of them without a journal, rather than overwrite a file it did not write.
const std::vector<std::string>& result_files();

/// Writes `text` to `path` through a temporary file in the same folder and a rename.
void write_atomically(const std::filesystem::path& path, const std::string& text);

/// Writes replications.csv, timings.csv, summary.csv, rates.csv, manifest.json, report.md,
/// report.tex and references.bib into `dir`, and intervals.csv when the experiment has
/// intervals.
void write_results(const ExperimentSpec& spec, const ExperimentPlan& plan,
                   const std::vector<EstimateRecord>& results, const RunInfo& info,
                   const std::filesystem::path& dir);

}  // namespace klest

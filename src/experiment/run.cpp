// The harness: expands an experiment into work items (pair x size x replication), draws each
// item's samples once, runs every estimator on them, journals results as they finish, and
// writes the result files when every item is done.
//
// Resumability: journal.txt holds one block per finished work item, written with a single
// append and terminated by a 'done' line; a block cut short by a kill has no 'done' line and is
// discarded on resume. Result files are written to a temporary name and renamed, so none is
// ever half-written.

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "detail/neighbours.hpp"
#include "experiment/writers.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/experiment.hpp"
#include "klest/interval.hpp"

namespace klest {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view journal_magic = "klest-journal 1";

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Journal lines are tab-separated; tabs and newlines inside messages are replaced.
std::string clean(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

std::string diagnostics_text(const Diagnostics& d) {
  std::string out;
  for (const auto& [k, v] : d.items()) {
    out += (out.empty() ? "" : ";") + k + "=" + format_number(v);
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t t = line.find('\t', start);
    out.push_back(line.substr(start, t == std::string::npos ? std::string::npos : t - start));
    if (t == std::string::npos) break;
    start = t + 1;
  }
  return out;
}

double parse_double(const std::string& s) {
  if (s == "inf") return INFINITY;
  if (s == "-inf") return -INFINITY;
  return std::stod(s);
}

// Reads the finished blocks of a journal into `results` (indexed as in the plan). Returns how
// many work items were complete.
std::size_t read_journal(const fs::path& path, const std::string& hash, const ExperimentPlan& plan,
                         std::vector<EstimateRecord>& results, std::vector<char>& done) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return 0;
  const auto head = split_tabs(line);
  if (head.size() != 2 || head[0] != journal_magic) {
    throw ConfigError(fmt::format("{}: not a klest journal; use --force to start over",
                                  path.string()));
  }
  if (head[1] != hash) {
    throw ConfigError(fmt::format(
        "{} holds results of a different experiment text (hash {}, this file has {}); "
        "use --force to start over",
        path.parent_path().string(), head[1], hash));
  }
  std::vector<EstimateRecord> block;
  std::size_t complete = 0;
  const std::size_t e_count = plan.estimators.size();
  while (std::getline(in, line)) {
    const auto f = split_tabs(line);
    try {
      if (f.size() == 4 && f[0] == "done") {
        const std::size_t item = std::stoul(f[1]);
        const bool intervals_complete =
            std::all_of(block.begin(), block.end(), [&](const EstimateRecord& r) {
              return r.intervals.size() == plan.intervals;
            });
        if (item < done.size() && block.size() == e_count && intervals_complete && !done[item]) {
          for (std::size_t e = 0; e < e_count; ++e) results[item * e_count + e] = block[e];
          done[item] = 1;
          ++complete;
        }
        block.clear();
      } else if (f.size() == 8 && f[0] == "i" && !block.empty()) {
        // An interval of the block's latest estimate; its method index must come in order.
        EstimateRecord& owner = block.back();
        if (std::stoul(f[3]) != owner.intervals.size() ||
            owner.intervals.size() >= plan.intervals) {
          block.clear();
          continue;
        }
        IntervalRecord iv;
        iv.ok = f[4] == "ok";
        iv.lo = iv.ok ? parse_double(f[5]) : 0;
        iv.hi = iv.ok ? parse_double(f[6]) : 0;
        iv.error = f[7];
        owner.intervals.push_back(std::move(iv));
      } else if (f.size() == 7 && f[0] == "e") {
        EstimateRecord r;
        r.ok = f[2] == "ok";
        r.value = r.ok ? parse_double(f[3]) : NAN;
        r.seconds = parse_double(f[4]);
        r.diagnostics = f[5];
        r.error = f[6];
        block.push_back(std::move(r));
      } else {
        block.clear();  // a torn line: drop the block it belongs to
      }
    } catch (const std::exception&) {
      block.clear();
    }
  }
  return complete;
}

// The intervals of one estimate, one per interval method of the experiment. Interval j of
// estimator e in replication r of (pair, size) draws from a seed made of the experiment seed and
// those coordinates, so it does not depend on the thread that runs it.
std::vector<IntervalRecord> intervals_of(const ExperimentSpec& spec, const ExperimentPlan& plan,
                                         const Estimator& est, const EstimateRecord& rec,
                                         const Samples& x, const Samples& y,
                                         std::array<std::uint32_t, 4> at) {
  std::vector<IntervalRecord> out(plan.intervals);
  for (std::size_t j = 0; j < plan.intervals; ++j) {
    IntervalRecord& iv = out[j];
    if (!rec.ok) {
      iv.error = "the estimate failed";
      continue;
    }
    IntervalOptions o = spec.intervals[j].options;
    Rng seeder = rng_for(spec.seed, {at[0], at[1], at[2], 0x10000u + at[3], std::uint32_t(j)});
    o.seed = seeder();
    o.stream = 0;
    try {
      const ConfidenceInterval ci = confidence_interval(est, x, y, rec.value, o);
      iv.ok = true;
      iv.lo = ci.lo;
      iv.hi = ci.hi;
    } catch (const Error& err) {
      iv.error = clean(err.what());
    } catch (const std::exception& err) {
      iv.error = clean(std::string("internal error: ") + err.what());
    }
  }
  return out;
}

class Progress {
 public:
  Progress(std::size_t total, std::size_t already, bool enabled)
      : total_(total), done_(already), start_done_(already), enabled_(enabled),
        start_(Clock::now()), last_(start_) {}
  void tick() {
    ++done_;
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && done_ != total_) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = double(done_ - start_done_) / std::max(secs, 1e-9);
    const double left = rate > 0 ? double(total_ - done_) / rate : 0;
    std::fprintf(stderr, "\r\033[Kklest: %zu/%zu replications, %.1f/s, about %.0f s left",
                 done_, total_, rate, left);
    if (done_ == total_) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  std::size_t total_, done_, start_done_;
  bool enabled_;
  Clock::time_point start_, last_;
};

}  // namespace

RunSummary run_experiment(const ExperimentSpec& spec, const RunOptions& options) {
  const auto wall_start = Clock::now();
  const std::string started = utc_now();
  ExperimentPlan plan = make_plan(spec);  // builds distributions and estimators, computes truth

  {
    std::error_code ec;
    fs::create_directories(options.out_dir, ec);
    if (ec || !fs::is_directory(options.out_dir)) {
      throw ConfigError(fmt::format("cannot create the output folder '{}': {}",
                                    options.out_dir.string(),
                                    ec ? ec.message() : "a file of that name exists"));
    }
  }
  const fs::path journal = options.out_dir / "journal.txt";
  if (options.force) {
    std::error_code ec;
    fs::remove(journal, ec);
  }

  const std::size_t items = plan.items();
  const std::size_t e_count = plan.estimators.size();
  std::vector<EstimateRecord> results(items * e_count);
  std::vector<char> done(items, 0);
  std::size_t resumed = 0;
  {
    // A journal that cannot even be looked at (a symlink loop, no permission) is a problem of
    // the output folder, named as such, not an internal error.
    std::error_code ec;
    const bool exists = fs::exists(journal, ec);
    if (ec) {
      throw ConfigError(fmt::format("cannot read '{}': {}", journal.string(), ec.message()));
    }
    if (exists) resumed = read_journal(journal, spec.hash, plan, results, done);
  }

  // Rewrite the journal with its complete blocks only, then append to it.
  {
    std::string text = fmt::format("{}\t{}\n", journal_magic, spec.hash);
    for (std::size_t item = 0; item < items; ++item) {
      if (done[item]) text += journal_block(item, &results[item * e_count], e_count);
    }
    write_atomically(journal, text);
  }
  std::FILE* jf = std::fopen(journal.c_str(), "ab");
  if (!jf) throw ConfigError(fmt::format("cannot write '{}'", journal.string()));

  std::vector<std::size_t> pending;
  for (std::size_t item = 0; item < items; ++item) {
    if (!done[item]) pending.push_back(item);
  }

  const int threads = options.threads.value_or(spec.threads.value_or(omp_get_max_threads()));
  // Replications run on `threads` threads and the estimates inside them serially; with one
  // thread the region below is inactive, so the estimators' own loops would otherwise start
  // threads of their own. The setting is restored when the run ends, however it ends.
  struct ThreadLimit {
    int saved = omp_get_max_threads();
    explicit ThreadLimit(int n) { omp_set_num_threads(n); }
    ~ThreadLimit() { omp_set_num_threads(saved); }
  } limit(threads);
  Progress progress(items, items - pending.size(), !options.quiet && ::isatty(2));

#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::size_t k = 0; k < pending.size(); ++k) {
    const std::size_t item = pending[k];
    const auto [pi, si, r] = plan.coordinates(item);
    EstimateRecord* out = &results[item * e_count];
    try {
      Rng rp = rng_for(spec.seed, {std::uint32_t(pi), std::uint32_t(si), std::uint32_t(r), 0});
      Rng rq = rng_for(spec.seed, {std::uint32_t(pi), std::uint32_t(si), std::uint32_t(r), 1});
      const Samples x = plan.pairs[pi].p->sample(rp, spec.sizes[si]);
      const Samples y = plan.pairs[pi].q->sample(rq, spec.m_for(si));
      {
        // The estimators of one replication share the neighbour-search trees of x and y.
        const detail::SearchReuse reuse;
        for (std::size_t e = 0; e < e_count; ++e) {
          Rng re = rng_for(spec.seed, {std::uint32_t(pi), std::uint32_t(si), std::uint32_t(r),
                                       std::uint32_t(2 + e)});
          const auto start = Clock::now();
          try {
            const Estimate est = plan.estimators[e]->estimate(x, y, re);
            out[e].ok = true;
            out[e].value = est.value;
            out[e].diagnostics = diagnostics_text(est.diag);
          } catch (const Error& err) {
            out[e].ok = false;
            out[e].error = clean(err.what());
          } catch (const std::exception& err) {
            out[e].ok = false;
            out[e].error = clean(std::string("internal error: ") + err.what());
          }
          out[e].seconds = std::chrono::duration<double>(Clock::now() - start).count();
        }
      }
      // Intervals outside the reuse scope: their subsamples must not fill its store.
      for (std::size_t e = 0; e < e_count; ++e) {
        out[e].intervals = intervals_of(spec, plan, *plan.estimators[e], out[e], x, y,
                                        {std::uint32_t(pi), std::uint32_t(si), std::uint32_t(r),
                                         std::uint32_t(e)});
      }
    } catch (const std::exception& err) {  // sampling failed: every estimate of the item fails
      for (std::size_t e = 0; e < e_count; ++e) {
        out[e] = EstimateRecord{};
        out[e].error = clean(std::string("sampling failed: ") + err.what());
        out[e].intervals.assign(plan.intervals, IntervalRecord{false, 0, 0, "no samples"});
      }
    }
    const std::string block = journal_block(item, out, e_count);
#pragma omp critical(klest_journal)
    {
      std::fwrite(block.data(), 1, block.size(), jf);
      std::fflush(jf);
      progress.tick();
    }
  }
  std::fclose(jf);

  RunSummary summary;
  summary.rows = results.size();
  summary.resumed = resumed;
  for (const auto& r : results) summary.failed += !r.ok;
  summary.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();

  RunInfo info;
  info.started = started;
  info.finished = utc_now();
  info.threads = threads;
  info.seconds = summary.seconds;
  info.resumed = resumed;
  write_results(spec, plan, results, info, options.out_dir);
  return summary;
}

}  // namespace klest

// The harness: expands an experiment into work items (pair x size x replication), draws each
// item's samples once, runs every estimator on them, journals results as they finish, and
// writes the result files when every item is done.
//
// Resumability: journal.txt holds one checked block per finished work item (journal.hpp); a
// block cut short by a kill is discarded on resume and a damaged one reported and recomputed.
// Result files are written to a temporary name and renamed, so none is ever half-written. One
// run at a time holds the folder (FolderLock).

#include <fcntl.h>
#include <omp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "detail/neighbours.hpp"
#include "detail/text.hpp"
#include "experiment/journal.hpp"
#include "experiment/writers.hpp"
#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/experiment.hpp"
#include "klest/interval.hpp"
#include "klest/limits.hpp"
#include "klest/samples.hpp"

namespace klest {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

// An exclusive lock on <folder>/.klest-lock for the life of a run: flock(2), so the kernel
// releases it when the process ends, however it ends (a kill, a crash). The file says who holds
// it, for the message another run gives. Local file systems; over NFS flock may not lock.
class FolderLock {
 public:
  explicit FolderLock(const fs::path& dir) {
    const fs::path path = dir / ".klest-lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw ConfigError(fmt::format("cannot write '{}': {}", path.string(),
                                    std::generic_category().message(errno)));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      // The holder writes its note just after taking the lock: give it a moment.
      std::string holder;
      for (int attempt = 0; attempt < 20 && holder.empty(); ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        char text[256] = {};
        const ssize_t got = ::pread(fd_, text, sizeof text - 1, 0);
        holder.assign(text, got > 0 ? std::size_t(got) : 0);
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
      }
      ::close(fd_);
      if (err == EWOULDBLOCK) {
        throw ConfigError(fmt::format(
            "the output folder '{}' is in use by another klest run ({}); wait for it to end or "
            "give another folder with -o",
            dir.string(), holder.empty() ? "which has not yet said who it is" : holder));
      }
      throw ConfigError(fmt::format("cannot lock '{}': {}", path.string(),
                                    std::generic_category().message(err)));
    }
    char host[256] = "unknown";
    ::gethostname(host, sizeof host - 1);
    const std::string who =
        fmt::format("pid {} on host {}, started {}\n", ::getpid(), host, utc_now());
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, who.data(), who.size(), 0) < 0) {
      // The lock holds without the note; only the other run's message is poorer.
    }
  }
  ~FolderLock() { ::close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

// Before a run writes into `dir`: with --force, removes what earlier runs wrote (the result
// files, their temporaries, the journal and scripts/plot's figures) so that no file of the old
// experiment is left beside the new ones. Without a journal, the folder holds no run's results,
// and a file with a result file's name is someone else's: refused, never overwritten.
void prepare_folder(const fs::path& dir, bool force) {
  const fs::path journal = dir / "journal.txt";
  std::error_code ec;
  const bool has_journal = fs::exists(journal, ec);
  if (ec) throw ConfigError(fmt::format("cannot read '{}': {}", journal.string(), ec.message()));
  if (!has_journal) {
    for (const std::string& f : result_files()) {
      if (fs::exists(dir / f, ec)) {
        throw ConfigError(fmt::format(
            "'{}' exists, but no klest run in this folder wrote it (there is no journal.txt); "
            "klest does not overwrite it: give a new or empty folder with -o",
            (dir / f).string()));
      }
    }
    return;
  }
  if (!force) return;
  std::vector<fs::path> old = {journal, journal.string() + ".tmp", dir / "figures"};
  for (const std::string& f : result_files()) {
    old.push_back(dir / f);
    old.push_back(dir / (f + ".tmp"));
  }
  for (const fs::path& p : old) {
    fs::remove_all(p, ec);
    if (ec) throw ConfigError(fmt::format("cannot remove '{}': {}", p.string(), ec.message()));
  }
}

// About how many bytes the run needs at its peak: per estimate, its record and its rows of the
// result files and the journal, all held in memory; per thread, the samples of the largest
// work item and the largest estimator's working memory on them.
double run_memory(const ExperimentSpec& spec, const ExperimentPlan& plan, std::size_t threads) {
  constexpr double bytes_per_estimate = sizeof(EstimateRecord) + 500;
  double per_thread = 0;
  for (std::size_t pi = 0; pi < plan.pairs.size(); ++pi) {
    const std::size_t d = plan.pairs[pi].p->dim();
    for (std::size_t si = 0; si < spec.sizes.size(); ++si) {
      const std::size_t n = spec.sizes[si], m = spec.m_for(si);
      double estimator = 0;
      for (const auto& e : plan.estimators) estimator = std::max(estimator, e->memory_bytes(n, m, d));
      per_thread = std::max(per_thread, 8.0 * double(d) * double(n + m) + estimator);
    }
  }
  const double busy = double(std::min<std::size_t>(threads, plan.items()));
  return double(plan.items()) * double(plan.estimators.size()) * bytes_per_estimate +
         busy * per_thread;
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

  // The folder first, so that a folder that cannot be used stops the run before any work.
  {
    std::error_code ec;
    fs::create_directories(options.out_dir, ec);
    if (ec || !fs::is_directory(options.out_dir)) {
      throw ConfigError(fmt::format("cannot create the output folder '{}': {}",
                                    options.out_dir.string(),
                                    ec ? ec.message() : "a file of that name exists"));
    }
  }
  const FolderLock lock(options.out_dir);
  prepare_folder(options.out_dir, options.force);

  ExperimentPlan plan = make_plan(spec);  // builds distributions and estimators, computes truth
  const int threads = checked_threads(
      options.threads.value_or(spec.threads.value_or(std::min(omp_get_max_threads(), max_threads))),
      "the thread count");
  check_memory(run_memory(spec, plan, std::size_t(threads)), options.max_memory,
               fmt::format("experiment '{}' ({} estimates; n up to {}; {} threads)", spec.name,
                           double(plan.items()) * double(plan.estimators.size()),
                           *std::max_element(spec.sizes.begin(), spec.sizes.end()), threads));

  const fs::path journal = options.out_dir / "journal.txt";
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
    if (exists) {
      const JournalRead read = read_journal(read_file(journal), journal.string(), spec.hash,
                                            e_count, plan.intervals, results, done);
      for (const std::string& d : read.damage) {
        std::fprintf(stderr, "klest: %s\n", detail::escape_controls(d).c_str());
      }
      resumed = read.complete;
    }
  }

  // Rewrite the journal with its complete blocks only, then append to it.
  {
    std::string text = journal_header(spec.hash);
    for (std::size_t item = 0; item < items; ++item) {
      if (done[item]) text += journal_block(item, &results[item * e_count], e_count);
    }
    write_atomically(journal, text);
  }
  std::FILE* jf = std::fopen(journal.c_str(), "ab");
  if (!jf) {
    throw ConfigError(fmt::format("cannot write '{}': {}", journal.string(),
                                  std::generic_category().message(errno)));
  }

  std::vector<std::size_t> pending;
  for (std::size_t item = 0; item < items; ++item) {
    if (!done[item]) pending.push_back(item);
  }

  // Replications run on `threads` threads and the estimates inside them serially; with one
  // thread the region below is inactive, so the estimators' own loops would otherwise start
  // threads of their own. The setting is restored when the run ends, however it ends.
  struct ThreadLimit {
    int saved = omp_get_max_threads();
    explicit ThreadLimit(int n) { omp_set_num_threads(n); }
    ~ThreadLimit() { omp_set_num_threads(saved); }
  } limit(threads);
  Progress progress(items, items - pending.size(), !options.quiet && ::isatty(2));

  // A journal append that fails (a full disk) stops the run: the items after it are skipped,
  // since their results could not be saved, and the run ends with an error after the loop.
  std::atomic<int> append_error{0};
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::size_t k = 0; k < pending.size(); ++k) {
    if (append_error.load() != 0) continue;
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
    if (append_error.load() == 0) {
      errno = 0;
      if (std::fwrite(block.data(), 1, block.size(), jf) != block.size() ||
          std::fflush(jf) != 0) {
        append_error = errno != 0 ? errno : EIO;
      } else {
        progress.tick();
      }
    }
  }
  errno = 0;
  if (std::fclose(jf) != 0 && append_error.load() == 0) append_error = errno != 0 ? errno : EIO;
  if (const int err = append_error.load(); err != 0) {
    throw InputError(fmt::format(
        "cannot append to '{}': {}; the run stopped, and the replications saved before it are "
        "kept: run the same command again to resume",
        journal.string(), std::generic_category().message(err)));
  }

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

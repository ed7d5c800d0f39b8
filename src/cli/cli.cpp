// The klest command: estimate KL(P||Q) from sample files, compute the true KL between
// distributions, draw samples, run experiments, and list what is registered. main() is in
// main.cpp.
//
// Exit codes: 0 success; 2 bad usage or bad input (one line on stderr naming the problem);
// 1 an internal error (a defect in klest, reported as such).

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "cli/cli.hpp"
#include "detail/text.hpp"
#include "klest/error.hpp"
#include "klest/limits.hpp"
#include "klest/estimator.hpp"
#include "klest/interval.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"
#include "klest/truth.hpp"
#include "klest/distribution.hpp"
#include "klest/experiment.hpp"
#include "klest/version.hpp"

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr int exit_bad_input = 2;
constexpr int exit_internal = 1;
constexpr int exit_some_failed = 3;

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// JSON has no infinity: non-finite values are written as the strings "inf" and "-inf".
Json json_number(double x) {
  if (std::isfinite(x)) return x;
  return klest::format_number(x);
}

// JSON text is UTF-8: a byte that is not (a file name in Latin-1, say) is written as U+FFFD
// instead of failing the whole output.
std::string json_text(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void set_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

// ---- option checks shared by the commands ---------------------------------------------------

// --seed: a whole number in [0, 2^64 - 1], written in decimal. CLI11 would take "-1" or 2^64
// and wrap or saturate them silently.
const CLI::Validator seed_check(
    [](std::string& text) -> std::string {
      const bool digits = !text.empty() && text.size() <= 20 &&
                          std::all_of(text.begin(), text.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
      if (digits && (text.size() < 20 || text <= "18446744073709551615")) return {};
      return text + " is not a whole number from 0 to 2^64 - 1 = 18446744073709551615";
    },
    "0..2^64-1");

// A real number in (lo, hi) or [lo, hi], finite, written in full: CLI11's own checks let nan
// through (every comparison with it is false).
CLI::Validator real_check(double lo, double hi, bool open_low) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && std::isfinite(v) && (open_low ? v > lo : v >= lo) && v <= hi)
            return {};
        } catch (const std::exception&) {
        }
        return fmt::format("{} is not a finite number {} {} and <= {}", text,
                           open_low ? ">" : ">=", klest::format_number(lo),
                           klest::format_number(hi));
      },
      "real");
}

const CLI::Validator threads_check(
    [](std::string& text) -> std::string {
      try {
        std::size_t used = 0;
        const long long t = std::stoll(text, &used);
        if (used == text.size()) {
          if (t >= 1 && t <= klest::max_threads) return {};
        }
      } catch (const std::exception&) {
      }
      return fmt::format("{} is not a thread count from 1 to {} (klest's limit; more threads "
                         "than cores gain nothing)",
                         text, klest::max_threads);
    },
    "1..1024");

const CLI::Validator memory_check(
    [](std::string& text) -> std::string {
      try {
        klest::parse_bytes(text, "");
      } catch (const klest::Error& e) {
        return e.what();
      }
      return {};
    },
    "SIZE");

std::uint64_t memory_limit(const std::string& text) {
  return text.empty() ? 0 : klest::parse_bytes(text, "--max-memory");
}

// The folder a file is to be written in exists and can be written: checked before the work
// that produces the file, not after.
void check_output_folder(const std::filesystem::path& file) {
  const std::filesystem::path dir =
      file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw klest::InputError(fmt::format("cannot write '{}': the folder '{}' does not exist",
                                        file.string(), dir.string()));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw klest::InputError(fmt::format("cannot write '{}': the folder '{}' is not writable",
                                        file.string(), dir.string()));
  }
}

// ---- klest estimate -------------------------------------------------------------------------

struct EstimateOptions {
  std::vector<std::string> specs;
  std::string p_path, q_path;
  bool json = false;
  bool bits = false;
  std::uint64_t seed = klest::default_seed;
  int threads = 0;
  // Confidence interval (--ci): empty for none.
  std::string ci;
  double level = klest::IntervalOptions{}.level;
  std::size_t replicates = klest::IntervalOptions{}.replicates;
  double rate = 0;  // 0: estimated (subsampling)
  std::string max_memory;
};

// "[lo, hi] 95% bootstrap (200 replicates)", with the subsample sizes and beta for
// subsampling: the third column of the text output. `unit` converts nats to what is shown.
std::string interval_text(const klest::ConfidenceInterval& iv, double unit) {
  std::string detail = fmt::format("{} replicates", iv.replicates);
  if (klest::uses_rate(iv.method)) {
    const std::string b = iv.subsample_p == iv.subsample_q
                              ? std::to_string(iv.subsample_p)
                              : fmt::format("{}/{}", iv.subsample_p, iv.subsample_q);
    detail += fmt::format(", b = {}, beta = {:.3g} {}", b, iv.rate,
                          iv.rate_estimated ? "estimated" : "given");
  }
  return fmt::format("[{}, {}] {:g}% {} ({})", klest::format_number(iv.lo * unit),
                     klest::format_number(iv.hi * unit), 100 * iv.level,
                     klest::to_string(iv.method), detail);
}

// What an interval's reader should know: failed and infinite replicates.
std::vector<std::string> interval_notes(const klest::ConfidenceInterval& iv) {
  std::vector<std::string> notes;
  if (iv.failed > 0) {
    notes.push_back(fmt::format("{} of {} replicates failed and are left out of the interval; "
                                "the first: {}",
                                iv.failed, iv.replicates, iv.first_failure));
  }
  if (iv.infinite > 0) {
    notes.push_back(fmt::format("{} of {} replicate estimates are infinite (kept in the ordering)",
                                iv.infinite, iv.replicates));
  }
  if (iv.rate_left_out > 0) {
    notes.push_back(fmt::format("{} estimates of the rate step failed or were infinite and are "
                                "left out of it",
                                iv.rate_left_out));
  }
  return notes;
}

constexpr const char* negative_note = "note: negative estimate; KL is >= 0, the estimator is not";

Json interval_json(const klest::ConfidenceInterval& iv, double unit, double secs) {
  Json j;
  j["method"] = std::string(klest::to_string(iv.method));
  j["level"] = iv.level;
  j["lo"] = json_number(iv.lo * unit);
  j["hi"] = json_number(iv.hi * unit);
  j["replicates"] = iv.replicates;
  j["failed"] = iv.failed;
  j["infinite"] = iv.infinite;
  if (iv.failed > 0) j["first_failure"] = iv.first_failure;
  if (iv.method == klest::IntervalMethod::bca) {
    j["z0"] = iv.z0;
    j["acceleration"] = iv.acceleration;
  }
  if (iv.method == klest::IntervalMethod::subsampling_bc && iv.bias_rate > 0) {
    j["bias"] = json_number(iv.bias * unit);
    j["bias_rate"] = iv.bias_rate;
  }
  if (klest::uses_rate(iv.method)) {
    j["subsample_p"] = iv.subsample_p;
    j["subsample_q"] = iv.subsample_q;
    j["rate"] = iv.rate;
    j["rate_estimated"] = iv.rate_estimated;
    if (iv.rate_estimated) {
      j["rate_sizes"] = iv.rate_sizes;
      j["rate_log_spreads"] = iv.rate_log_spreads;
      j["rate_left_out"] = iv.rate_left_out;
    }
  }
  Json notes = Json::array();
  for (const auto& n : interval_notes(iv)) notes.push_back(n);
  if (iv.estimate < 0) notes.push_back(negative_note);
  j["notes"] = notes;
  j["seconds"] = secs;
  return j;
}

void run_estimate(const EstimateOptions& o) {
  std::optional<klest::IntervalMethod> ci;
  if (!o.ci.empty()) ci = klest::parse_interval_method(o.ci);
  if (o.rate > 0 && !(ci && klest::uses_rate(*ci))) {
    throw klest::InputError("--rate applies only to --ci subsampling and subsampling_bc");
  }
  // Build every estimator first, so that a bad spec fails before any file is read.
  std::vector<std::unique_ptr<klest::Estimator>> estimators;
  for (const auto& s : o.specs) estimators.push_back(klest::make_estimator(s));
  if (estimators.empty()) estimators.push_back(klest::make_estimator("knn"));

  const klest::Samples p = klest::read_samples(o.p_path);
  const klest::Samples q = klest::read_samples(o.q_path);
  if (p.dim() != q.dim()) {
    throw klest::InputError(fmt::format(
        "{} is {} and {} is {}: the samples must have the same dimension", o.p_path,
        klest::shape_string(p), o.q_path, klest::shape_string(q)));
  }
  // Estimates run one after another; an interval adds a resample of each sample.
  const std::uint64_t limit = memory_limit(o.max_memory);
  for (const auto& est : estimators) {
    const double samples = 8.0 * double(p.dim()) * double(p.rows() + q.rows());
    const double need = samples * (ci ? 2 : 1) + est->memory_bytes(p.rows(), q.rows(), p.dim());
    klest::check_memory(need, limit,
                        fmt::format("estimator '{}' on {} and {}", est->label(),
                                    klest::shape_string(p), klest::shape_string(q)));
  }
  set_threads(o.threads);

  for (std::size_t e = 0; e < estimators.size(); ++e) {
    const klest::Estimator& est = *estimators[e];
    // Each estimator gets its own stream, so adding an -e does not change the others' results.
    klest::Rng rng = klest::rng_for(o.seed, {std::uint32_t(e)});
    const auto start = Clock::now();
    const klest::Estimate r = est.estimate(p, q, rng);
    const double secs = seconds_since(start);
    const double unit = o.bits ? 1 / std::log(2.0) : 1.0;
    const double shown = r.value * unit;
    std::optional<klest::ConfidenceInterval> iv;
    double iv_secs = 0;
    if (ci) {
      klest::IntervalOptions io;
      io.method = *ci;
      io.level = o.level;
      io.replicates = o.replicates;
      io.seed = o.seed;
      io.stream = std::uint32_t(e);
      if (o.rate > 0) io.rate = o.rate;
      const auto iv_start = Clock::now();
      iv = klest::confidence_interval(est, p, q, r.value, io);
      iv_secs = seconds_since(iv_start);
    }
    if (o.json) {
      Json j;
      j["estimator"] = est.label();
      j["name"] = est.info().name;
      j["p"] = o.p_path;
      j["q"] = o.q_path;
      j["n"] = p.rows();
      j["m"] = q.rows();
      j["d"] = p.dim();
      j["value"] = json_number(shown);
      j["unit"] = o.bits ? "bits" : "nats";
      j["seconds"] = secs;
      Json diag = Json::object();
      for (const auto& [key, value] : r.diag.items()) diag[key] = json_number(value);
      j["diagnostics"] = diag;
      if (iv) j["interval"] = interval_json(*iv, unit, iv_secs);
      std::cout << json_text(j) << '\n';
    } else {
      std::cout << klest::format_number(shown) << '\t' << est.label();
      if (iv) std::cout << '\t' << interval_text(*iv, unit);
      std::cout << '\n';
      for (const auto& [key, value] : r.diag.items()) {
        std::cerr << fmt::format("klest: {}: {} = {}\n", est.label(), key,
                                 klest::format_number(value));
      }
      if (iv) {
        for (const auto& note : interval_notes(*iv)) {
          std::cerr << fmt::format("klest: {}: interval: {}\n", est.label(), note);
        }
      }
      if (r.value < 0) std::cerr << fmt::format("klest: {}: {}\n", est.label(), negative_note);
    }
    std::cout.flush();
  }
}

// ---- klest list -----------------------------------------------------------------------------

Json params_json(const klest::ParamSpec& params) {
  Json out = Json::array();
  for (const auto& p : params) {
    out.push_back({{"name", p.name},
                   {"type", std::string(klest::to_string(p.type))},
                   {"default", p.default_text()},
                   {"allowed", p.constraint_text()},
                   {"help", p.help}});
  }
  return out;
}

void print_params(const klest::ParamSpec& params) {
  std::size_t width = 0;
  for (const auto& p : params) width = std::max(width, p.name.size());
  for (const auto& p : params) {
    std::cout << fmt::format("  {:<{}}  {} (default {}): {}\n", p.name, width,
                             p.constraint_text(), p.default_text(), p.help);
  }
}

void run_list(const std::string& what, bool json) {
  const bool all = what.empty();
  if (all || what == "estimators") {
    if (!json) std::cout << "Estimators (use as -e 'name(param=value, ...)'):\n";
    for (const klest::EstimatorInfo* info : klest::estimator_infos()) {
      if (json) {
        std::cout << Json{{"kind", "estimator"},
                          {"name", info->name},
                          {"summary", info->summary},
                          {"reference", info->reference},
                          {"accepts", std::string(klest::to_string(info->accepts))},
                          {"params", params_json(info->params)}}
                         .dump(-1, ' ', false, Json::error_handler_t::replace)
                  << '\n';
        continue;
      }
      std::cout << fmt::format("\n{}  {}\n  reference: {}\n  accepts:   {} data\n", info->name,
                               info->summary, info->reference, klest::to_string(info->accepts));
      print_params(info->params);
    }
  }
  if (all || what == "distributions") {
    if (!json) std::cout << (all ? "\n" : "") << "Distributions (use as 'name(param=value, ...)' or positionally, 'normal(0, 1)'):\n";
    for (const klest::DistributionInfo* info : klest::distribution_infos()) {
      if (json) {
        std::cout << Json{{"kind", "distribution"},
                          {"name", info->name},
                          {"summary", info->summary},
                          {"data", std::string(klest::to_string(info->kind))},
                          {"params", params_json(info->params)}}
                         .dump(-1, ' ', false, Json::error_handler_t::replace)
                  << '\n';
        continue;
      }
      std::cout << fmt::format("\n{}  {} ({})\n", info->name, info->summary,
                               klest::to_string(info->kind));
      print_params(info->params);
    }
  }
  if (all || what == "pairs") {
    if (!json) std::cout << (all ? "\n" : "") << "Closed-form KL(P||Q) pairs:\n";
    for (const klest::KlPairInfo* pair : klest::kl_pairs()) {
      if (json) {
        std::cout << Json{{"kind", "kl_pair"},
                          {"p", pair->p_family},
                          {"q", pair->q_family},
                          {"reference", pair->reference}}
                         .dump(-1, ' ', false, Json::error_handler_t::replace)
                  << '\n';
        continue;
      }
      std::cout << fmt::format("  {:<34} {}\n", pair->p_family + " || " + pair->q_family,
                               pair->reference);
    }
  }
}

// ---- klest truth ----------------------------------------------------------------------------

struct TruthCommand {
  std::string p, q;
  bool json = false;
  bool numeric = false;
  std::size_t mc_samples = klest::TruthOptions{}.mc_samples;
  std::uint64_t seed = klest::default_seed;
  double rel_tol = klest::TruthOptions{}.rel_tol;
  int threads = 0;
};

void run_truth(const TruthCommand& o) {
  const auto p = klest::make_distribution(o.p);
  const auto q = klest::make_distribution(o.q);
  set_threads(o.threads);
  const auto start = Clock::now();
  const klest::Truth t = klest::true_kl(
      *p, *q,
      {.use_closed_form = !o.numeric, .mc_samples = o.mc_samples, .seed = o.seed,
       .rel_tol = o.rel_tol});
  const double secs = seconds_since(start);
  if (o.json) {
    std::cout << Json{{"p", p->spec()},
                      {"q", q->spec()},
                      {"value", json_number(t.value)},
                      {"abs_error", json_number(t.abs_error)},
                      {"method", std::string(klest::to_string(t.method))},
                      {"detail", t.detail},
                      {"seconds", secs}}
                     .dump(-1, ' ', false, Json::error_handler_t::replace)
              << '\n';
    return;
  }
  std::cout << fmt::format("KL(P||Q)   {} nats\n", klest::format_number(t.value))
            << fmt::format("abs error  {}\n", klest::format_number(t.abs_error))
            << fmt::format("method     {}: {}\n", klest::to_string(t.method), t.detail)
            << fmt::format("P          {}\nQ          {}\n", p->spec(), q->spec());
}

// ---- klest sample ---------------------------------------------------------------------------

struct SampleCommand {
  std::string spec, out;
  std::size_t n = 1000;
  std::uint64_t seed = klest::default_seed;
  std::string max_memory;
};

void run_sample(const SampleCommand& o) {
  const auto d = klest::make_distribution(o.spec);
  check_output_folder(o.out);
  // The draws, and for text about as many bytes again of formatted output per block.
  klest::check_memory(8.0 * double(o.n) * double(d->dim()), memory_limit(o.max_memory),
                      fmt::format("{} draws of {} (d = {})", o.n, d->spec(), d->dim()));
  klest::Rng rng = klest::rng_for(o.seed);
  const klest::Samples s = d->sample(rng, o.n);
  std::string ext = std::filesystem::path(o.out).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".npy") {
    klest::write_npy(o.out, s);
  } else {
    klest::write_csv(o.out, s);
  }
  std::cerr << fmt::format("klest: wrote {} draws of {} (d = {}) to {}\n", o.n, d->spec(),
                           d->dim(), o.out);
}

// ---- klest run ------------------------------------------------------------------------------

struct RunCommand {
  std::string file;
  std::string out;
  bool force = false, quiet = false, plot = false;
  int threads = 0;
  std::string max_memory;
};

// The summary table on the terminal: one line per cell.
void print_summary(const std::filesystem::path& dir) {
  std::ifstream in(dir / "report.md");
  std::string line;
  while (std::getline(in, line)) std::cout << line << '\n';
}

int run_run(const RunCommand& o) {
  const klest::ExperimentSpec spec = klest::read_experiment(o.file);
  klest::RunOptions options;
  options.out_dir = o.out.empty() ? std::filesystem::path("results") / spec.name
                                  : std::filesystem::path(o.out);
  options.force = o.force;
  options.quiet = o.quiet;
  if (o.threads > 0) options.threads = o.threads;
  options.max_memory = memory_limit(o.max_memory);
  const klest::RunSummary s = klest::run_experiment(spec, options);
  print_summary(options.out_dir);
  std::cerr << fmt::format("klest: {} estimates in {:.1f} s{}; results in {}\n", s.rows,
                           s.seconds,
                           s.resumed ? fmt::format(" ({} replications resumed)", s.resumed) : "",
                           options.out_dir.string());
  if (o.plot) {
    const std::string cmd = shell_quote(std::string(klest::source_dir) + "/scripts/plot") +
                            " " + shell_quote(options.out_dir.string());
    if (std::system(cmd.c_str()) != 0) std::cerr << "klest: scripts/plot failed\n";
  }
  if (s.failed > 0) {
    std::cerr << fmt::format("klest: {} of {} estimates failed; see the error column of "
                             "replications.csv\n",
                             s.failed, s.rows);
    return exit_some_failed;
  }
  return 0;
}

}  // namespace

namespace klest::cli {

bool omp_env_acceptable(const char* value) {
  // libgomp's grammar: comma-separated positive integers, white space around them allowed.
  std::string_view v(value);
  while (true) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    std::size_t digits = 0;
    long long n = 0;
    while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') {
      if (n <= max_threads) n = n * 10 + (v[digits] - '0');
      ++digits;
    }
    if (digits == 0 || n < 1 || n > max_threads) return false;
    v.remove_prefix(digits);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    if (v.empty()) return true;
    if (v.front() != ',') return false;
    v.remove_prefix(1);
  }
}

int run(int argc, char** argv, const Options& options) {
  if (options.omp_env_refused) {
    std::cerr << fmt::format("klest: OMP_NUM_THREADS is '{}', but must be a thread count from 1 "
                             "to {} (or a comma-separated list of them); unset it to use every "
                             "core\n",
                             detail::escape_controls(options.omp_env), max_threads);
    return exit_bad_input;
  }
  CLI::App app{fmt::format(
      "klest {}: estimate the Kullback-Leibler divergence KL(P||Q) from samples, in nats.",
      klest::version)};
  app.set_version_flag("--version", fmt::format("klest {} ({})", klest::version, klest::git_describe));
  app.require_subcommand(1);
  app.footer("Run 'klest <command> --help' for a command's options.");

  EstimateOptions eo;
  auto* estimate = app.add_subcommand(
      "estimate", "Estimate KL(P||Q) from a sample of P and a sample of Q.");
  // One spec per -e: a vector option would otherwise take the files after it as specs too.
  estimate->add_option("-e,--estimator", eo.specs,
                       "Estimator spec, e.g. 'knn(k=5)'; repeat for several (default: knn). "
                       "'klest list' shows them all.")
      ->allow_extra_args(false);
  estimate->add_option("P", eo.p_path,
                       "Sample from P: .npy (float64/float32/int, C order) or text (CSV, TSV or "
                       "white space; optional header; '#' comments), one row per point")
      ->required();
  estimate->add_option("Q", eo.q_path, "Sample from Q, in the same forms")->required();
  estimate->add_flag("--json", eo.json,
                     "Print one JSON object per estimate: estimator label with every parameter, "
                     "n, m, d, value, seconds, diagnostics");
  estimate->add_flag("--bits", eo.bits, "Report bits instead of nats");
  estimate->add_option("--seed", eo.seed, "Seed for randomized estimators and jitter")
      ->capture_default_str()->check(seed_check);
  estimate->add_option("-t,--threads", eo.threads, "Threads (default: all cores; at most 1024)")
      ->check(threads_check);
  estimate->add_option("--max-memory", eo.max_memory,
                       "Refuse an estimate that would need more memory than this, e.g. 8G "
                       "(default: the machine's memory)")
      ->check(memory_check);
  auto* ci_opt = estimate->add_option(
      "--ci", eo.ci,
      "Add a confidence interval: 'bootstrap' (percentile; resamples with replacement), "
      "'bca' (bias-corrected and accelerated bootstrap, Efron 1987), 'subsampling' (Politis & "
      "Romano 1994; subsamples of n^(2/3) points without replacement) or 'subsampling_bc' "
      "(subsampling centred on the subsamples' mean, beta = 0.5 unless --rate: the one that "
      "holds its level for knn, see README)");
  ci_opt->check(CLI::IsMember(klest::interval_method_names()));
  const CLI::Validator open_unit(
      [](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && v > 0 && v < 1) return {};
        } catch (const std::exception&) {
        }
        return "level is " + text + ", but must be a number in (0, 1), e.g. 0.95";
      },
      "in (0, 1)");
  estimate->add_option("--level", eo.level, "Confidence level of --ci")
      ->capture_default_str()->check(open_unit)->needs(ci_opt);
  estimate->add_option("--replicates", eo.replicates, "Resamples or subsamples for --ci")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(2), klest::max_interval_replicates))
      ->needs(ci_opt);
  estimate->add_option("--rate", eo.rate,
                       "Subsampling: the estimator's convergence rate beta (error ~ n^-beta; "
                       "0.5 for root-n estimators) instead of estimating it from the data")
      ->check(real_check(0, 1e6, true))->needs(ci_opt);
  estimate->footer(
      "Prints one line per estimator, '<value><TAB><label>', in nats; +inf prints as 'inf'.\n"
      "With --ci a third column gives the interval, e.g.\n"
      "  0.52<TAB>gaussian_fit(ddof=0)<TAB>[0.43, 0.61] 95% bootstrap (200 replicates)\n"
      "  ... [0.44, 0.60] 95% subsampling (200 replicates, b = 46, beta = 0.51 estimated)\n"
      "and --json an 'interval' object. Replicates are seeded by --seed and give the same\n"
      "interval on any number of threads. Replicates whose estimate fails are left out and\n"
      "infinite ones kept in the ordering; both are counted and reported (stderr, JSON\n"
      "'notes'). Nothing is clipped at 0: a negative estimate is printed with a note.\n"
      "Bootstrap resamples repeat points: knn with ties=error then fails on every replicate,\n"
      "and ties=skip or ties=jitter change what the replicates estimate (the interval drifts),\n"
      "so for knn use --ci subsampling_bc. Subsampling estimates beta from 4 further\n"
      "subsample sizes (4 x replicates more estimates) unless --rate gives it.\n"
      "Example: klest estimate -e 'knn(k=5)' -e knn p.csv q.npy\n"
      "         klest estimate -e 'knn(k=5)' --ci subsampling --replicates 500 p.csv q.npy");

  bool list_json = false;
  std::string list_what;
  auto* list = app.add_subcommand(
      "list", "List the estimators, distribution families and closed-form KL pairs.");
  list->add_option("what", list_what, "Only one section: estimators, distributions or pairs")
      ->check(CLI::IsMember({"estimators", "distributions", "pairs"}));
  list->add_flag("--json", list_json, "Print one JSON object per entry");

  TruthCommand to;
  auto* truth = app.add_subcommand(
      "truth", "The true KL(P||Q) between two distributions, with its error and how it was obtained.");
  truth->add_option("P", to.p, "Distribution spec, e.g. 'normal(0, 1)'")->required();
  truth->add_option("Q", to.q, "Distribution spec, e.g. 'student_t(df=3)'")->required();
  truth->add_flag("--numeric", to.numeric,
                  "Skip the closed forms: quadrature (1-D), summation (discrete) or Monte Carlo");
  truth->add_option("--mc-samples", to.mc_samples, "Monte Carlo sample size")
      ->capture_default_str()->check(CLI::Range(std::size_t(2), std::size_t(1) << 40));
  truth->add_option("--seed", to.seed, "Monte Carlo seed")->capture_default_str()->check(seed_check);
  truth->add_option("--tol", to.rel_tol, "Relative tolerance of quadrature and summation")
      ->capture_default_str()->check(real_check(1e-15, 1e-2, false));
  truth->add_option("-t,--threads", to.threads, "Threads (default: all cores; at most 1024)")
      ->check(threads_check);
  truth->add_flag("--json", to.json, "Print one JSON object");
  truth->footer("Infinite KL prints as 'inf' with method 'support' or 'tails'.\n"
                "Example: klest truth 'normal(0, 1)' 'student_t(df=3)'");

  SampleCommand so;
  auto* sample = app.add_subcommand("sample", "Draw a sample from a distribution into a file.");
  sample->add_option("spec", so.spec, "Distribution spec, e.g. 'mixture(weights=[0.5,0.5], "
                                      "components=[normal(-2,1), normal(2,1)])'")
      ->required();
  sample->add_option("-n", so.n, "Number of draws")->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 36));
  sample->add_option("-o,--output", so.out, "Output file: .npy (float64) or text (CSV)")
      ->required();
  sample->add_option("--seed", so.seed, "Seed")->capture_default_str()->check(seed_check);
  sample->add_option("--max-memory", so.max_memory,
                     "Refuse to draw more than this takes, e.g. 8G (default: the machine's memory)")
      ->check(memory_check);

  RunCommand ro;
  auto* run = app.add_subcommand(
      "run", "Run an experiment file: bias, variance, MSE and rates of estimators against truth.");
  run->add_option("file", ro.file, "Experiment file (TOML); see experiments/")->required();
  run->add_option("-o,--out", ro.out, "Output folder (default: results/<name>)");
  run->add_flag("--force", ro.force, "Start over, discarding earlier results in the folder");
  run->add_flag("-q,--quiet", ro.quiet, "No progress line");
  run->add_flag("--plot", ro.plot, "Draw figures with scripts/plot afterwards");
  run->add_option("-t,--threads", ro.threads,
                  "Threads (default: the file's, else all cores; at most 1024)")
      ->check(threads_check);
  run->add_option("--max-memory", ro.max_memory,
                  "Refuse a run that would need more memory than this, e.g. 8G (default: the "
                  "machine's memory)")
      ->check(memory_check);
  run->footer(
      "Writes replications.csv, timings.csv, summary.csv, rates.csv, manifest.json, report.md,\n"
      "report.tex and references.bib. Re-running the same command resumes an interrupted run;\n"
      "damaged journal blocks are reported and recomputed. One run at a time holds a folder\n"
      "(<folder>/.klest-lock); --force removes what earlier runs wrote there, and a folder with\n"
      "result files but no journal is refused rather than overwritten.\n"
      "Exit codes: 0 done; 2 bad experiment file, folder in use, too little memory or a failed\n"
      "journal write (run again to resume); 3 done, but some estimates failed.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "klest: " << detail::escape_controls(e.what())
              << "\nRun 'klest --help' for usage.\n";
    return exit_bad_input;
  }

  try {
    if (options.dry_run) {
      // What can be checked without files: the specs and the option combinations.
      if (*estimate) {
        if (!eo.ci.empty()) parse_interval_method(eo.ci);
        for (const auto& spec : eo.specs) make_estimator(spec);
        memory_limit(eo.max_memory);
      }
      if (*truth) {
        make_distribution(to.p);
        make_distribution(to.q);
      }
      if (*sample) {
        make_distribution(so.spec);
        memory_limit(so.max_memory);
      }
      return 0;
    }
    if (*estimate) run_estimate(eo);
    if (*run) return run_run(ro);
    if (*list) run_list(list_what, list_json);
    if (*truth) run_truth(to);
    if (*sample) run_sample(so);
  } catch (const klest::Error& e) {
    // Messages quote file names, specs and lines of files: control bytes in them are escaped
    // here, once, so that every message stays one line.
    std::cerr << "klest: " << detail::escape_controls(e.what()) << '\n';
    return exit_bad_input;
  } catch (const std::bad_alloc&) {
    std::cerr << "klest: out of memory\n";
    return exit_internal;
  } catch (const std::exception& e) {
    std::cerr << "klest: internal error: " << detail::escape_controls(e.what()) << '\n';
    return exit_internal;
  }
  return 0;
}

}  // namespace klest::cli

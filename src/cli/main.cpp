// The klest command: estimate KL(P||Q) from sample files, list the estimators, and run the
// quickstart job.
//
// Exit codes: 0 success; 2 bad usage or bad input (one line on stderr naming the problem);
// 1 an internal error (a defect in klest, reported as such).

#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "klest/rng.hpp"
#include "klest/samples.hpp"
#include "klest/version.hpp"

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr int exit_bad_input = 2;
constexpr int exit_internal = 1;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// JSON has no infinity: non-finite values are written as the strings "inf" and "-inf".
Json json_number(double x) {
  if (std::isfinite(x)) return x;
  return klest::format_number(x);
}

void set_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

// ---- klest estimate -------------------------------------------------------------------------

struct EstimateOptions {
  std::vector<std::string> specs;
  std::string p_path, q_path;
  bool json = false;
  bool bits = false;
  std::uint64_t seed = klest::default_seed;
  int threads = 0;
};

void run_estimate(const EstimateOptions& o) {
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
  set_threads(o.threads);

  for (std::size_t e = 0; e < estimators.size(); ++e) {
    const klest::Estimator& est = *estimators[e];
    // Each estimator gets its own stream, so adding an -e does not change the others' results.
    klest::Rng rng = klest::rng_for(o.seed, {std::uint32_t(e)});
    const auto start = Clock::now();
    const klest::Estimate r = est.estimate(p, q, rng);
    const double secs = seconds_since(start);
    const double shown = o.bits ? r.value / std::log(2.0) : r.value;
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
      std::cout << j.dump() << '\n';
    } else {
      std::cout << klest::format_number(shown) << '\t' << est.label() << '\n';
      for (const auto& [key, value] : r.diag.items()) {
        std::cerr << fmt::format("klest: {}: {} = {}\n", est.label(), key,
                                 klest::format_number(value));
      }
    }
    std::cout.flush();
  }
}

// ---- klest list -----------------------------------------------------------------------------

void run_list(bool json) {
  if (json) {
    for (const klest::EstimatorInfo* info : klest::estimator_infos()) {
      Json j;
      j["name"] = info->name;
      j["summary"] = info->summary;
      j["reference"] = info->reference;
      j["accepts"] = std::string(klest::to_string(info->accepts));
      Json params = Json::array();
      for (const auto& p : info->params) {
        params.push_back({{"name", p.name},
                          {"type", std::string(klest::to_string(p.type))},
                          {"default", p.default_text()},
                          {"allowed", p.constraint_text()},
                          {"help", p.help}});
      }
      j["params"] = params;
      std::cout << j.dump() << '\n';
    }
    return;
  }
  std::cout << "Estimators (use as -e 'name(param=value, ...)'):\n";
  for (const klest::EstimatorInfo* info : klest::estimator_infos()) {
    std::cout << fmt::format("\n{}  {}\n  reference: {}\n  accepts:   {} data\n", info->name,
                             info->summary, info->reference, klest::to_string(info->accepts));
    std::size_t width = 0;
    for (const auto& p : info->params) width = std::max(width, p.name.size());
    for (const auto& p : info->params) {
      std::cout << fmt::format("  {:<{}}  {} (default {}): {}\n", p.name, width,
                               p.constraint_text(), p.default_text(), p.help);
    }
  }
}

// ---- klest quickstart -----------------------------------------------------------------------

struct QuickstartOptions {
  std::vector<std::size_t> sizes{1000, 10000};
  std::size_t dim = 2;
  std::uint64_t seed = klest::default_seed;
  int threads = 0;
};

// P = N(0, I) and Q = N(mean, scale^2 I) in d dimensions; closed form
// KL = (d/2) (1/scale^2 - 1 + 2 log scale) + |mean|^2 / (2 scale^2).
struct GaussianPair {
  std::string name;
  double mean_shift;  // of the first coordinate
  double scale;
  double truth(std::size_t d) const {
    const double s2 = scale * scale;
    return 0.5 * double(d) * (1 / s2 - 1 + 2 * std::log(scale)) + mean_shift * mean_shift / (2 * s2);
  }
};

klest::Samples gaussian_sample(klest::Rng& rng, std::size_t n, std::size_t d, double shift,
                               double scale) {
  klest::Samples s(n, d);
  for (std::size_t i = 0; i < n; ++i) {
    auto row = s.row(i);
    for (std::size_t j = 0; j < d; ++j) {
      row[j] = scale * klest::standard_normal(rng) + (j == 0 ? shift : 0.0);
    }
  }
  return s;
}

void run_quickstart(const QuickstartOptions& o) {
  set_threads(o.threads);
  const std::vector<GaussianPair> pairs{{"mean shift 1", 1.0, 1.0}, {"scale 2", 0.0, 2.0}};
  std::cout << fmt::format(
      "klest quickstart: P = N(0, I_{0}) against Q = N(mu, s^2 I_{0}), one draw each, seed {1}\n\n",
      o.dim, o.seed);
  std::cout << fmt::format("{:<14} {:>7} {:<32} {:>10} {:>10} {:>10} {:>9}\n", "pair", "n",
                           "estimator", "estimate", "truth", "error", "seconds");
  for (std::size_t pi = 0; pi < pairs.size(); ++pi) {
    const GaussianPair& pair = pairs[pi];
    for (std::size_t si = 0; si < o.sizes.size(); ++si) {
      const std::size_t n = o.sizes[si];
      klest::Rng rp = klest::rng_for(o.seed, {std::uint32_t(pi), std::uint32_t(si), 0});
      klest::Rng rq = klest::rng_for(o.seed, {std::uint32_t(pi), std::uint32_t(si), 1});
      const klest::Samples p = gaussian_sample(rp, n, o.dim, 0.0, 1.0);
      const klest::Samples q = gaussian_sample(rq, n, o.dim, pair.mean_shift, pair.scale);
      const double truth = pair.truth(o.dim);
      for (const klest::EstimatorInfo* info : klest::estimator_infos()) {
        const auto est = klest::make_estimator(info->name, {});
        klest::Rng rng = klest::rng_for(o.seed, {std::uint32_t(pi), std::uint32_t(si), 2});
        const auto start = Clock::now();
        const double v = est->estimate(p, q, rng).value;
        std::cout << fmt::format("{:<14} {:>7} {:<32} {:>10.4f} {:>10.4f} {:>+10.4f} {:>9.3f}\n",
                                 pair.name, n, est->label(), v, truth, v - truth,
                                 seconds_since(start));
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{fmt::format(
      "klest {}: estimate the Kullback-Leibler divergence KL(P||Q) from samples, in nats.",
      klest::version)};
  app.set_version_flag("--version", fmt::format("klest {} ({})", klest::version, klest::git_describe));
  app.require_subcommand(1);
  app.footer("Run 'klest <command> --help' for a command's options.");

  EstimateOptions eo;
  auto* estimate = app.add_subcommand(
      "estimate", "Estimate KL(P||Q) from a sample of P and a sample of Q.");
  estimate->add_option("-e,--estimator", eo.specs,
                       "Estimator spec, e.g. 'knn(k=5)'; repeat for several (default: knn). "
                       "'klest list' shows them all.");
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
      ->capture_default_str();
  estimate->add_option("-t,--threads", eo.threads, "Threads (default: all cores)")
      ->check(CLI::PositiveNumber);
  estimate->footer(
      "Prints one line per estimator, '<value><TAB><label>', in nats; +inf prints as 'inf'.\n"
      "Example: klest estimate -e 'knn(k=5)' -e knn p.csv q.npy");

  bool list_json = false;
  auto* list = app.add_subcommand("list", "List the estimators with their parameters and references.");
  list->add_flag("--json", list_json, "Print one JSON object per estimator");

  QuickstartOptions qo;
  auto* quick = app.add_subcommand(
      "quickstart",
      "Estimate KL between Gaussian samples with every registered estimator, beside the truth.");
  quick->add_option("-n,--sizes", qo.sizes, "Sample sizes (n = m)")->capture_default_str()
      ->check(CLI::Range(std::size_t(2), std::size_t(100000000)));
  quick->add_option("-d,--dim", qo.dim, "Dimension")->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(1000)));
  quick->add_option("--seed", qo.seed, "Seed")->capture_default_str();
  quick->add_option("-t,--threads", qo.threads, "Threads (default: all cores)")
      ->check(CLI::PositiveNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "klest: " << e.what() << "\nRun 'klest --help' for usage.\n";
    return exit_bad_input;
  }

  try {
    if (*estimate) run_estimate(eo);
    if (*list) run_list(list_json);
    if (*quick) run_quickstart(qo);
  } catch (const klest::Error& e) {
    std::cerr << "klest: " << e.what() << '\n';
    return exit_bad_input;
  } catch (const std::bad_alloc&) {
    std::cerr << "klest: out of memory\n";
    return exit_internal;
  } catch (const std::exception& e) {
    std::cerr << "klest: internal error: " << e.what() << '\n';
    return exit_internal;
  }
  return 0;
}

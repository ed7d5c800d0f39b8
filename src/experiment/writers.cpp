// The harness's plan and its result files: tidy CSV, the manifest, report tables and the
// bibliography.

#include "experiment/writers.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include <Eigen/Core>
#include <boost/version.hpp>
#include <fmt/format.h>
#include <nanoflann.hpp>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "klest/error.hpp"
#include "klest/version.hpp"

namespace klest {

namespace {

namespace fs = std::filesystem;

// A CSV field: quoted when it holds a comma, quote or line break.
std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Numbers in result files: shortest round-trip text; NaN (undefined) as an empty cell.
std::string num(double x) { return std::isnan(x) ? "" : format_number(x); }

std::string fixed(double x, int digits) {
  if (std::isnan(x)) return "–";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}f}", x, digits);
}

// A statistic in a report: NaN is undefined (e.g. the mean of +inf and -inf).
std::string stat_text(double x, int digits) {
  if (std::isnan(x)) return "undefined";
  return fixed(x, digits);
}

std::string tex_number(double x, int digits) {
  if (std::isnan(x)) return "undef.";
  if (std::isinf(x)) return x > 0 ? "$\\infty$" : "$-\\infty$";
  return fmt::format("{:.{}f}", x, digits);
}

std::string latex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '_': case '&': case '%': case '#': case '$': case '{': case '}':
        out += '\\';
        out += c;
        break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '\\': out += "\\textbackslash{}"; break;
      default: out += c;
    }
  }
  return out;
}

struct Cell {
  std::size_t pair, size, estimator;
  CellStats stats;
  std::vector<CoverageStats> coverage;  // one per interval method
};

}  // namespace

ExperimentPlan make_plan(const ExperimentSpec& spec) {
  ExperimentPlan plan;
  plan.sizes = spec.sizes.size();
  plan.replications = spec.replications;
  plan.intervals = spec.intervals.size();
  for (const ExperimentPair& pair : spec.pairs) {
    PlannedPair pp{make_distribution(pair.p), make_distribution(pair.q), {}};
    if (pair.truth) {
      pp.truth = Truth{*pair.truth, 0.0, TruthMethod::given,
                       fmt::format("stated in {}", spec.path.empty() ? spec.name : spec.path)};
    } else {
      pp.truth = true_kl(*pp.p, *pp.q, spec.truth);
    }
    plan.pairs.push_back(std::move(pp));
  }
  for (const std::string& e : spec.estimators) plan.estimators.push_back(make_estimator(e));
  return plan;
}

const std::vector<std::string>& result_files() {
  static const std::vector<std::string> files = {
      "replications.csv", "timings.csv", "summary.csv",    "rates.csv",
      "manifest.json",    "report.md",   "report.tex",     "references.bib", "intervals.csv"};
  return files;
}

void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw InputError(fmt::format("cannot write '{}'", tmp.string()));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                    std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    if (std::fclose(f) != 0 || !ok) {
      throw InputError(fmt::format("cannot write '{}' (disk full?)", tmp.string()));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw InputError(fmt::format("cannot write '{}': {}", path.string(), ec.message()));
}

void write_results(const ExperimentSpec& spec, const ExperimentPlan& plan,
                   const std::vector<EstimateRecord>& results, const RunInfo& info,
                   const fs::path& dir) {
  const std::size_t E = plan.estimators.size();
  const std::string& name = spec.name;

  // replications.csv and timings.csv, in plan order: independent of the thread count.
  std::string reps =
      "experiment,pair,p,q,n,m,d,estimator,replication,seed,estimate,truth,truth_error,"
      "truth_method,status,diagnostics,error\n";
  std::string times = "experiment,pair,n,estimator,replication,seconds\n";
  for (std::size_t item = 0; item < plan.items(); ++item) {
    const auto [pi, si, r] = plan.coordinates(item);
    const PlannedPair& pp = plan.pairs[pi];
    for (std::size_t e = 0; e < E; ++e) {
      const EstimateRecord& rec = results[item * E + e];
      const std::string label = plan.estimators[e]->label();
      reps += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv(name),
                          pi + 1, csv(pp.p->spec()), csv(pp.q->spec()), spec.sizes[si],
                          spec.m_for(si), pp.p->dim(), csv(label), r + 1, spec.seed,
                          rec.ok ? format_number(rec.value) : "", num(pp.truth.value),
                          num(pp.truth.abs_error), to_string(pp.truth.method),
                          rec.ok ? "ok" : "error", csv(rec.diagnostics), csv(rec.error));
      times += fmt::format("{},{},{},{},{},{}\n", csv(name), pi + 1, spec.sizes[si], csv(label),
                           r + 1, format_number(rec.seconds));
    }
  }
  write_atomically(dir / "replications.csv", reps);
  write_atomically(dir / "timings.csv", times);

  // Per-cell statistics, and per cell and interval method the coverage.
  const std::size_t J = plan.intervals;
  std::vector<Cell> cells;
  for (std::size_t pi = 0; pi < plan.pairs.size(); ++pi) {
    for (std::size_t si = 0; si < plan.sizes; ++si) {
      for (std::size_t e = 0; e < E; ++e) {
        std::vector<double> values, seconds;
        std::size_t failed = 0;
        std::vector<std::vector<double>> lo(J), hi(J);
        std::vector<std::size_t> iv_failed(J, 0);
        for (std::size_t r = 0; r < plan.replications; ++r) {
          const std::size_t item = (pi * plan.sizes + si) * plan.replications + r;
          const EstimateRecord& rec = results[item * E + e];
          seconds.push_back(rec.seconds);
          if (!rec.ok) {
            ++failed;
          } else {
            values.push_back(rec.value);
          }
          for (std::size_t j = 0; j < J; ++j) {
            if (j < rec.intervals.size() && rec.intervals[j].ok) {
              lo[j].push_back(rec.intervals[j].lo);
              hi[j].push_back(rec.intervals[j].hi);
            } else {
              ++iv_failed[j];
            }
          }
        }
        const double truth = plan.pairs[pi].truth.value;
        Cell cell{pi, si, e, cell_stats(values, truth, failed, seconds), {}};
        for (std::size_t j = 0; j < J; ++j) {
          cell.coverage.push_back(coverage_stats(lo[j], hi[j], truth, iv_failed[j]));
        }
        cells.push_back(std::move(cell));
      }
    }
  }
  // One row per cell, or with intervals one per cell and interval method (the estimate
  // statistics repeated); median_seconds stays the last column.
  std::string summary =
      "experiment,pair,p,q,n,m,d,estimator,truth,truth_error,truth_method,replications,finite,"
      "plus_inf,minus_inf,failed,share_plus_inf,share_minus_inf,share_failed,mean,bias,variance,"
      "sd,mse,rmse,se_bias,se_rmse,ci_low,ci_high,median,median_abs_error,trimmed_mean,"
      "finite_mean,finite_bias,finite_sd,finite_rmse,interval,interval_level,"
      "interval_replicates,intervals,intervals_failed,coverage,coverage_se,median_width,"
      "miss_below,miss_above,median_seconds\n";
  for (const Cell& c : cells) {
    const PlannedPair& pp = plan.pairs[c.pair];
    const CellStats& s = c.stats;
    const double rows = double(s.replications);
    const std::string head = fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
        "{},{},{},{},{},{},{}",
        csv(name), c.pair + 1, csv(pp.p->spec()), csv(pp.q->spec()), spec.sizes[c.size],
        spec.m_for(c.size), pp.p->dim(), csv(plan.estimators[c.estimator]->label()),
        num(pp.truth.value), num(pp.truth.abs_error), to_string(pp.truth.method),
        s.replications, s.finite, s.plus_inf, s.minus_inf, s.failed,
        num(double(s.plus_inf) / rows), num(double(s.minus_inf) / rows),
        num(double(s.failed) / rows), num(s.mean), num(s.bias), num(s.variance), num(s.sd),
        num(s.mse), num(s.rmse), num(s.se_mean), num(s.se_rmse), num(s.ci_low), num(s.ci_high),
        num(s.median), num(s.median_abs_error), num(s.trimmed_mean), num(s.finite_mean),
        num(s.finite_bias), num(s.finite_sd), num(s.finite_rmse));
    if (J == 0) {
      summary += head + fmt::format(",,,,,,,,,,,{}\n", num(s.median_seconds));
      continue;
    }
    for (std::size_t j = 0; j < J; ++j) {
      const ExperimentInterval& iv = spec.intervals[j];
      const CoverageStats& cv = c.coverage[j];
      summary += head + fmt::format(",{},{},{},{},{},{},{},{},{},{},{}\n", csv(iv.label),
                                    num(iv.options.level), iv.options.replicates, cv.intervals,
                                    cv.failed, num(cv.coverage), num(cv.coverage_se),
                                    num(cv.median_width), num(cv.miss_below),
                                    num(cv.miss_above), num(s.median_seconds));
    }
  }
  write_atomically(dir / "summary.csv", summary);

  // intervals.csv: one row per estimate and interval method.
  if (J > 0) {
    std::string ivs =
        "experiment,pair,n,m,estimator,replication,interval,level,replicates,estimate,lo,hi,"
        "truth,covered,status,error\n";
    for (std::size_t item = 0; item < plan.items(); ++item) {
      const auto [pi, si, r] = plan.coordinates(item);
      const double truth = plan.pairs[pi].truth.value;
      for (std::size_t e = 0; e < E; ++e) {
        const EstimateRecord& rec = results[item * E + e];
        const std::string label = plan.estimators[e]->label();
        for (std::size_t j = 0; j < J; ++j) {
          const ExperimentInterval& iv = spec.intervals[j];
          const IntervalRecord* ir = j < rec.intervals.size() ? &rec.intervals[j] : nullptr;
          const bool ok = ir && ir->ok;
          const std::string covered =
              !ok || std::isnan(truth) ? "" : (ir->lo <= truth && truth <= ir->hi ? "1" : "0");
          ivs += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv(name),
                             pi + 1, spec.sizes[si], spec.m_for(si), csv(label), r + 1,
                             csv(iv.label), num(iv.options.level), iv.options.replicates,
                             rec.ok ? format_number(rec.value) : "",
                             ok ? format_number(ir->lo) : "", ok ? format_number(ir->hi) : "",
                             num(truth), covered, ok ? "ok" : "error",
                             csv(ir ? ir->error : std::string("missing")));
        }
      }
    }
    write_atomically(dir / "intervals.csv", ivs);
  }

  // rates.csv: log-log slopes against n per pair and estimator, and the growth of the mean
  // per unit of log n (what an estimate of an infinite divergence shows instead of a bias).
  struct Rate {
    RateFit rmse, bias, growth;
  };
  std::map<std::pair<std::size_t, std::size_t>, Rate> rates;
  std::string rates_csv =
      "experiment,pair,p,q,estimator,points,rmse_slope,rmse_slope_se,abs_bias_slope,"
      "abs_bias_slope_se,mean_growth_points,mean_per_log_n,mean_per_log_n_se\n";
  for (std::size_t pi = 0; pi < plan.pairs.size(); ++pi) {
    for (std::size_t e = 0; e < E; ++e) {
      std::vector<double> n, rmse, bias, mean;
      for (const Cell& c : cells) {
        if (c.pair != pi || c.estimator != e) continue;
        n.push_back(double(spec.sizes[c.size]));
        rmse.push_back(c.stats.rmse);
        bias.push_back(std::abs(c.stats.bias));
        mean.push_back(c.stats.mean);
      }
      Rate r{log_log_slope(n, rmse), log_log_slope(n, bias), log_slope(n, mean)};
      rates[{pi, e}] = r;
      const PlannedPair& pp = plan.pairs[pi];
      rates_csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv(name), pi + 1,
                               csv(pp.p->spec()), csv(pp.q->spec()),
                               csv(plan.estimators[e]->label()), r.rmse.points,
                               num(r.rmse.slope), num(r.rmse.se), num(r.bias.slope),
                               num(r.bias.se), r.growth.points, num(r.growth.slope),
                               num(r.growth.se));
    }
  }
  write_atomically(dir / "rates.csv", rates_csv);

  // manifest.json: everything needed to rerun and cite the run.
  char host[256] = "unknown";
  ::gethostname(host, sizeof host - 1);
  nlohmann::ordered_json m;
  m["klest"] = {{"version", version}, {"git", git_describe}};
  m["build"] = {{"compiler", compiler}, {"build_type", build_type}, {"flags", cxx_flags}};
  m["libraries"] = {
      {"boost", BOOST_LIB_VERSION},
      {"eigen", fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
                            EIGEN_MINOR_VERSION)},
      {"nanoflann", fmt::format("{:#x}", NANOFLANN_VERSION)},
      {"fmt", FMT_VERSION},
      {"tomlplusplus", fmt::format("{}.{}.{}", TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH)},
      {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR,
                                    NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH)},
      {"openmp", _OPENMP}};
  m["host"] = host;
  m["threads"] = info.threads;
  m["experiment"] = {{"name", spec.name},     {"description", spec.description},
                     {"path", spec.path},     {"hash", spec.hash},
                     {"seed", spec.seed},     {"replications", spec.replications},
                     {"text", spec.text}};
  nlohmann::ordered_json truths = nlohmann::ordered_json::array();
  for (std::size_t pi = 0; pi < plan.pairs.size(); ++pi) {
    const PlannedPair& pp = plan.pairs[pi];
    truths.push_back({{"pair", pi + 1},
                      {"p", pp.p->spec()},
                      {"q", pp.q->spec()},
                      {"value", format_number(pp.truth.value)},
                      {"abs_error", format_number(pp.truth.abs_error)},
                      {"method", std::string(to_string(pp.truth.method))},
                      {"detail", pp.truth.detail}});
  }
  m["truth"] = truths;
  std::size_t failed = 0;
  for (const auto& r : results) failed += !r.ok;
  m["run"] = {{"started", info.started}, {"finished", info.finished},
              {"seconds", info.seconds}, {"estimates", results.size()},
              {"failed", failed},        {"resumed_replications", info.resumed}};
  m["files"] = nlohmann::ordered_json::array();
  for (const std::string& f : result_files()) {
    if (f != "manifest.json" && (f != "intervals.csv" || J > 0)) m["files"].push_back(f);
  }
  nlohmann::ordered_json ivj = nlohmann::ordered_json::array();
  for (const ExperimentInterval& iv : spec.intervals) {
    ivj.push_back({{"method", iv.label},
                   {"level", iv.options.level},
                   {"replicates", iv.options.replicates}});
  }
  m["intervals"] = ivj;
  // Paths need not be UTF-8 (JSON text is): such bytes are written as U+FFFD.
  write_atomically(dir / "manifest.json",
                   m.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");

  // report.md and report.tex: one table per pair, then the rates, the coverage of the
  // intervals and the references. A cell with an infinite estimate is marked (†): its mean, sd
  // and RMSE are infinite or undefined, as they are; one with failures (‡) is over the rest.
  std::string md = fmt::format("# {}\n\n", spec.name);
  if (!spec.description.empty()) md += spec.description + "\n\n";
  md += fmt::format("Seed {}, {} replications per cell, klest {} ({}). Estimates in nats; "
                    "± is one Monte Carlo standard error.\n",
                    spec.seed, spec.replications, version, git_describe);
  std::string tex = fmt::format(
      "% {} -- generated by klest {}; needs \\usepackage{{booktabs}}\n", spec.name, version);
  const std::string note_inf =
      "† Some estimates are infinite (+inf and −inf columns): mean, bias, sd and RMSE are then "
      "infinite, or undefined when both signs occur; the median absolute error (MAE) is not, and "
      "summary.csv holds the finite estimates' own statistics in its finite_* columns.";
  const std::string note_failed =
      "‡ Some estimates failed (failed column): the statistics are over the others.";
  const std::string tex_note_inf =
      "$^\\dagger$ Some estimates are infinite: mean, bias, sd and RMSE are then infinite, or "
      "undefined (undef.) when both signs occur; MAE is the median absolute error.";
  const std::string tex_note_failed =
      "$^\\ddagger$ Some estimates failed: the statistics are over the others.";
  for (std::size_t pi = 0; pi < plan.pairs.size(); ++pi) {
    const PlannedPair& pp = plan.pairs[pi];
    const bool infinite_truth = std::isinf(pp.truth.value);
    md += fmt::format("\n## Pair {}: KL(P‖Q)\n\n- P = `{}`\n- Q = `{}`\n- truth = {} (± {}, {}: {})\n\n",
                      pi + 1, pp.p->spec(), pp.q->spec(), format_number(pp.truth.value),
                      format_number(pp.truth.abs_error), to_string(pp.truth.method),
                      pp.truth.detail);
    if (infinite_truth) {
      md += "The truth is infinite: a finite estimate misses it by an infinite amount, so bias "
            "and RMSE are not shown; how the mean grows with n is, below the table.\n\n"
            "| estimator | n | m | mean | median | sd | +inf | −inf | failed |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    } else {
      md += "| estimator | n | m | mean | bias | sd | RMSE | MAE | +inf | −inf | failed |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    }
    tex += fmt::format(
        "\n\\begin{{table}}[ht]\n\\centering\n\\caption{{{}: $\\mathrm{{KL}}(P\\,\\|\\,Q)$ with "
        "$P$ = \\texttt{{{}}}, $Q$ = \\texttt{{{}}}, truth {} ({}).}}\n",
        latex_escape(spec.name), latex_escape(pp.p->spec()), latex_escape(pp.q->spec()),
        tex_number(pp.truth.value, 4), latex_escape(std::string(to_string(pp.truth.method))));
    if (infinite_truth) {
      tex += "\\begin{tabular}{lrrrrrrrr}\n\\toprule\nestimator & $n$ & $m$ & mean & median & "
             "sd & $+\\infty$ & $-\\infty$ & failed \\\\\n\\midrule\n";
    } else {
      tex += "\\begin{tabular}{lrrrrrrrrrr}\n\\toprule\nestimator & $n$ & $m$ & mean & bias & "
             "sd & RMSE & MAE & $+\\infty$ & $-\\infty$ & failed \\\\\n\\midrule\n";
    }
    bool any_inf = false, any_failed = false;
    for (const Cell& c : cells) {
      if (c.pair != pi) continue;
      const CellStats& s = c.stats;
      const std::string label = plan.estimators[c.estimator]->label();
      const bool inf_mark = s.infinite() > 0, failed_mark = s.failed > 0;
      any_inf = any_inf || inf_mark;
      any_failed = any_failed || failed_mark;
      const std::string mark = std::string(inf_mark ? " †" : "") + (failed_mark ? " ‡" : "");
      const std::string tex_mark =
          inf_mark || failed_mark
              ? fmt::format("$^{{{}{}}}$", inf_mark ? "\\dagger" : "",
                            failed_mark ? "\\ddagger" : "")
              : "";
      const std::string mean = s.infinite() > 0 || s.finite < 2
                                   ? stat_text(s.mean, 4)
                                   : stat_text(s.mean, 4) + " ± " + stat_text(s.se_mean, 4);
      if (infinite_truth) {
        md += fmt::format("| `{}`{} | {} | {} | {} | {} | {} | {} | {} | {} |\n", label, mark,
                          spec.sizes[c.size], spec.m_for(c.size), mean, stat_text(s.median, 4),
                          stat_text(s.sd, 4), s.plus_inf, s.minus_inf, s.failed);
        tex += fmt::format("\\texttt{{{}}}{} & {} & {} & {} & {} & {} & {} & {} & {} \\\\\n",
                           latex_escape(label), tex_mark, spec.sizes[c.size], spec.m_for(c.size),
                           tex_number(s.mean, 4), tex_number(s.median, 4), tex_number(s.sd, 4),
                           s.plus_inf, s.minus_inf, s.failed);
      } else {
        md += fmt::format("| `{}`{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", label,
                          mark, spec.sizes[c.size], spec.m_for(c.size), mean,
                          stat_text(s.bias, 4), stat_text(s.sd, 4), stat_text(s.rmse, 4),
                          stat_text(s.median_abs_error, 4), s.plus_inf, s.minus_inf, s.failed);
        tex += fmt::format(
            "\\texttt{{{}}}{} & {} & {} & {} & {} & {} & {} & {} & {} & {} & {} \\\\\n",
            latex_escape(label), tex_mark, spec.sizes[c.size], spec.m_for(c.size),
            tex_number(s.mean, 4), tex_number(s.bias, 4), tex_number(s.sd, 4),
            tex_number(s.rmse, 4), tex_number(s.median_abs_error, 4), s.plus_inf, s.minus_inf,
            s.failed);
      }
    }
    tex += "\\bottomrule\n\\end{tabular}\n";
    if (any_inf || any_failed) md += "\n";
    if (any_inf) {
      md += note_inf + "\n";
      tex += "\n\\par\\footnotesize " + tex_note_inf + "\n";
    }
    if (any_failed) {
      md += (any_inf ? "\n" : "") + note_failed + "\n";
      tex += "\n\\par\\footnotesize " + tex_note_failed + "\n";
    }
    tex += "\\end{table}\n";
    if (infinite_truth) {
      md += "\n| estimator | growth of the mean per unit of log n | sizes fitted |\n"
            "|---|---:|---:|\n";
      for (std::size_t e = 0; e < E; ++e) {
        const Rate& r = rates[{pi, e}];
        md += fmt::format("| `{}` | {} ± {} | {} |\n", plan.estimators[e]->label(),
                          fixed(r.growth.slope, 3), fixed(r.growth.se, 3), r.growth.points);
      }
      md += "\nAn estimator that notices the infinite divergence grows without bound (a slope "
            "clearly above 0) or returns +inf; one that settles does not notice it. The slope "
            "needs at least three sizes.\n";
    } else if (plan.sizes >= 3) {
      md += "\n| estimator | RMSE slope in n | abs(bias) slope in n |\n|---|---:|---:|\n";
      for (std::size_t e = 0; e < E; ++e) {
        const Rate& r = rates[{pi, e}];
        md += fmt::format("| `{}` | {} ± {} | {} ± {} |\n", plan.estimators[e]->label(),
                          fixed(r.rmse.slope, 3), fixed(r.rmse.se, 3), fixed(r.bias.slope, 3),
                          fixed(r.bias.se, 3));
      }
    }
    if (J > 0) {
      md += "\n| estimator | n | interval | level | coverage | median width | below | above | "
            "failed |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n";
      tex += fmt::format(
          "\n\\begin{{table}}[ht]\n\\centering\n\\caption{{{}: coverage of the intervals, "
          "$P$ = \\texttt{{{}}}, $Q$ = \\texttt{{{}}}.}}\n"
          "\\begin{{tabular}}{{lrlrrrrrr}}\n\\toprule\nestimator & $n$ & interval & level & "
          "coverage & width & below & above & failed \\\\\n\\midrule\n",
          latex_escape(spec.name), latex_escape(pp.p->spec()), latex_escape(pp.q->spec()));
      for (const Cell& c : cells) {
        if (c.pair != pi) continue;
        const std::string label = plan.estimators[c.estimator]->label();
        for (std::size_t j = 0; j < J; ++j) {
          const CoverageStats& cv = c.coverage[j];
          const ExperimentInterval& iv = spec.intervals[j];
          md += fmt::format("| `{}` | {} | `{}` | {} | {} ± {} | {} | {} | {} | {} |\n", label,
                            spec.sizes[c.size], iv.label, format_number(iv.options.level),
                            fixed(cv.coverage, 3), fixed(cv.coverage_se, 3),
                            stat_text(cv.median_width, 4), fixed(cv.miss_below, 3),
                            fixed(cv.miss_above, 3), cv.failed);
          tex += fmt::format(
              "\\texttt{{{}}} & {} & \\texttt{{{}}} & {} & {} $\\pm$ {} & {} & {} & {} & {} "
              "\\\\\n",
              latex_escape(label), spec.sizes[c.size], latex_escape(iv.label),
              format_number(iv.options.level), tex_number(cv.coverage, 3),
              tex_number(cv.coverage_se, 3), tex_number(cv.median_width, 4),
              tex_number(cv.miss_below, 3), tex_number(cv.miss_above, 3), cv.failed);
        }
      }
      md += "\nCoverage is the share of the intervals that hold the truth (± its binomial "
            "standard error); below / above are the shares lying entirely below / above it; "
            "failed counts replications without an interval.\n";
      tex += "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
    }
  }

  // References: the estimators and truth methods this run used, and klest itself.
  std::string bib =
      "@software{klest,\n  title   = {klest: a toolkit for estimating Kullback-Leibler "
      "divergence from samples and measuring estimators},\n  author  = {{The klest "
      "developers}},\n  version = {" +
      std::string(version) + "},\n  year    = {2026}\n}\n";
  md += "\n## References\n\n- klest " + std::string(version) + " (" + git_describe +
        "), cited as `klest` in references.bib.\n";
  tex += "\n% References: see references.bib (klest";
  std::set<std::string> seen;
  for (const auto& est : plan.estimators) {
    const EstimatorInfo& info = est->info();
    if (!seen.insert(info.name).second) continue;
    md += fmt::format("- `{}`: {}\n", info.name, info.reference);
    if (!info.bibtex.empty()) {
      bib += "\n" + info.bibtex + "\n";
      const auto brace = info.bibtex.find('{'), comma = info.bibtex.find(',');
      if (brace != std::string::npos && comma != std::string::npos) {
        tex += ", " + info.bibtex.substr(brace + 1, comma - brace - 1);
      }
    }
  }
  bool quadrature = false;
  std::set<std::string> truth_refs;
  for (const PlannedPair& pp : plan.pairs) {
    if (pp.truth.method == TruthMethod::quadrature) quadrature = true;
    if (pp.truth.method == TruthMethod::closed_form) truth_refs.insert(pp.truth.detail);
  }
  for (const std::string& r : truth_refs) md += "- truth (closed form): " + r + "\n";
  if (quadrature) {
    md += "- truth (quadrature): Boost.Math " BOOST_LIB_VERSION
          " adaptive quadrature (tanh-sinh, exp-sinh, Gauss-Kronrod)\n";
    bib += "\n@misc{boostmath,\n  title  = {Boost.Math},\n  note   = {version " BOOST_LIB_VERSION
           "},\n  url    = {https://www.boost.org/libs/math}\n}\n";
    tex += ", boostmath";
  }
  tex += ")\n";
  write_atomically(dir / "report.md", md);
  write_atomically(dir / "report.tex", tex);
  write_atomically(dir / "references.bib", bib);
}

}  // namespace klest

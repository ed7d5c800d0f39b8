// The result files of the harness when a cell holds infinite and failed estimates: results are
// injected into write_results (the writer the harness calls) and every file it writes is read
// back and checked. Nothing infinite may be hidden: +inf, -inf and failed are counted apart, the
// moment statistics of such a cell are infinite (or undefined), the finite-only and robust
// statistics sit in their own columns, and the reports mark the cell.
//
// The injected cells, against truth KL(N(0,1) || N(1,1)) = 0.5, n = 100, 4 replications:
//   knn(k=5):      0.4, +inf, 0.6, failed
//     plus_inf 1, failed 1; mean = bias = sd = rmse = +inf; median of 0.4 0.6 inf = 0.6;
//     |errors| 0.1 0.1 inf: MAE 0.1; finite: mean 0.5, bias 0, sd sqrt(0.02), rmse 0.1.
//   gaussian_fit:  0.45, 0.55, -inf, 0.5
//     minus_inf 1; mean = bias = -inf; median of -inf 0.45 0.5 0.55 = 0.475;
//     |errors| 0.05 0.05 inf 0: sorted 0 0.05 0.05 inf, MAE 0.05; finite mean 0.5.
// Intervals (one method): knn's [0.3, 0.7], none (inf estimate), [0.55, 0.9], none (failed);
// gaussian_fit's [0.4, 0.6], [0.1, 0.45], none, [0.3, 0.7]: coverage 1/2 and 2/3.

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "experiment/writers.hpp"
#include "klest/experiment.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr double inf = std::numeric_limits<double>::infinity();

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A small CSV reader (quoted fields with "" escapes, no line breaks inside fields).
std::vector<std::map<std::string, std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          fields.back() += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          fields.back() += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.emplace_back();
      } else {
        fields.back() += c;
      }
    }
    rows.push_back(fields);
  }
  std::vector<std::map<std::string, std::string>> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    EXPECT_EQ(rows[r].size(), rows[0].size()) << "row " << r;
    std::map<std::string, std::string> m;
    for (std::size_t c = 0; c < rows[0].size() && c < rows[r].size(); ++c) m[rows[0][c]] = rows[r][c];
    out.push_back(m);
  }
  return out;
}

double number(const std::string& s) {
  if (s == "inf") return inf;
  if (s == "-inf") return -inf;
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::stod(s);
}

klest::EstimateRecord ok(double v) {
  klest::EstimateRecord r;
  r.ok = true;
  r.value = v;
  r.seconds = 0.001;
  return r;
}

klest::EstimateRecord failed() {
  klest::EstimateRecord r;
  r.error = "estimator 'knn(k=5)': injected failure";
  r.seconds = 0.001;
  return r;
}

klest::IntervalRecord iv(double lo, double hi) { return {true, lo, hi, ""}; }
klest::IntervalRecord no_iv(const std::string& why) { return {false, 0, 0, why}; }

class InjectedInfinities : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("klest_writers_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    spec_ = klest::parse_experiment(R"toml(name = "injected"
seed = 5
replications = 4
sizes = [100]
pairs = [["normal(0, 1)", "normal(1, 1)"]]
estimators = ["knn(k=5)", "gaussian_fit"]
intervals = ["subsampling(rate=0.5)"]
)toml",
                                    "injected.toml");
    plan_ = klest::make_plan(spec_);
    // Item r holds estimator 0 then 1 (results are item-major).
    const std::vector<klest::EstimateRecord> knn = {ok(0.4), ok(inf), ok(0.6), failed()};
    const std::vector<klest::EstimateRecord> fit = {ok(0.45), ok(0.55), ok(-inf), ok(0.5)};
    const std::vector<klest::IntervalRecord> knn_iv = {
        iv(0.3, 0.7), no_iv("the point estimate is inf"), iv(0.55, 0.9), no_iv("the estimate failed")};
    const std::vector<klest::IntervalRecord> fit_iv = {iv(0.4, 0.6), iv(0.1, 0.45),
                                                       no_iv("the point estimate is -inf"),
                                                       iv(0.3, 0.7)};
    for (std::size_t r = 0; r < 4; ++r) {
      results_.push_back(knn[r]);
      results_.back().intervals = {knn_iv[r]};
      results_.push_back(fit[r]);
      results_.back().intervals = {fit_iv[r]};
    }
    klest::RunInfo info;
    info.started = info.finished = "2026-01-01T00:00:00Z";
    klest::write_results(spec_, plan_, results_, info, dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  klest::ExperimentSpec spec_;
  klest::ExperimentPlan plan_;
  std::vector<klest::EstimateRecord> results_;
};

TEST_F(InjectedInfinities, ReplicationsKeepEveryValueAndFailure) {
  auto rows = read_csv(slurp(dir_ / "replications.csv"));
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[2]["estimate"], "inf");
  EXPECT_EQ(rows[2]["status"], "ok");
  EXPECT_EQ(rows[5]["estimate"], "-inf");
  EXPECT_EQ(rows[6]["status"], "error");
  EXPECT_EQ(rows[6]["estimate"], "");
  EXPECT_THAT(rows[6]["error"], HasSubstr("injected failure"));
  EXPECT_EQ(read_csv(slurp(dir_ / "timings.csv")).size(), 8u);
}

TEST_F(InjectedInfinities, SummaryCountsAndPropagatesInfinities) {
  auto rows = read_csv(slurp(dir_ / "summary.csv"));
  ASSERT_EQ(rows.size(), 2u);
  auto knn = rows[0], fit = rows[1];
  EXPECT_THAT(knn["estimator"], HasSubstr("knn(k=5"));
  EXPECT_EQ(knn["replications"], "4");
  EXPECT_EQ(knn["finite"], "2");
  EXPECT_EQ(knn["plus_inf"], "1");
  EXPECT_EQ(knn["minus_inf"], "0");
  EXPECT_EQ(knn["failed"], "1");
  EXPECT_EQ(number(knn["share_plus_inf"]), 0.25);
  EXPECT_EQ(number(knn["share_failed"]), 0.25);
  for (const char* col : {"mean", "bias", "variance", "sd", "mse", "rmse", "trimmed_mean"}) {
    EXPECT_EQ(knn[col], "inf") << col;
  }
  EXPECT_EQ(knn["ci_low"], "");  // undefined
  EXPECT_DOUBLE_EQ(number(knn["median"]), 0.6);
  EXPECT_NEAR(number(knn["median_abs_error"]), 0.1, 1e-12);
  EXPECT_NEAR(number(knn["finite_mean"]), 0.5, 1e-12);
  EXPECT_NEAR(number(knn["finite_bias"]), 0, 1e-12);
  EXPECT_NEAR(number(knn["finite_sd"]), std::sqrt(0.02), 1e-12);
  EXPECT_NEAR(number(knn["finite_rmse"]), 0.1, 1e-12);

  EXPECT_EQ(fit["minus_inf"], "1");
  EXPECT_EQ(fit["plus_inf"], "0");
  EXPECT_EQ(fit["failed"], "0");
  EXPECT_EQ(fit["mean"], "-inf");
  EXPECT_EQ(fit["bias"], "-inf");
  EXPECT_EQ(fit["rmse"], "inf");
  EXPECT_NEAR(number(fit["median"]), 0.475, 1e-12);
  EXPECT_NEAR(number(fit["median_abs_error"]), 0.05, 1e-12);
  EXPECT_NEAR(number(fit["finite_mean"]), 0.5, 1e-12);

  // Coverage per cell and interval method.
  EXPECT_EQ(knn["interval"], "subsampling(rate=0.5)");
  EXPECT_EQ(knn["intervals"], "2");
  EXPECT_EQ(knn["intervals_failed"], "2");
  EXPECT_DOUBLE_EQ(number(knn["coverage"]), 0.5);
  EXPECT_DOUBLE_EQ(number(knn["miss_above"]), 0.5);
  EXPECT_DOUBLE_EQ(number(knn["coverage_se"]), 0.5 / std::sqrt(2.0));
  EXPECT_NEAR(number(fit["coverage"]), 2.0 / 3, 1e-12);
  EXPECT_NEAR(number(fit["miss_below"]), 1.0 / 3, 1e-12);
  // widths 0.2, 0.35, 0.4: median 0.35
  EXPECT_NEAR(number(fit["median_width"]), 0.35, 1e-12);
}

TEST_F(InjectedInfinities, IntervalsFileHasEveryIntervalAndWhyOneIsMissing) {
  auto rows = read_csv(slurp(dir_ / "intervals.csv"));
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0]["covered"], "1");
  EXPECT_EQ(rows[2]["status"], "error");
  EXPECT_EQ(rows[2]["estimate"], "inf");
  EXPECT_THAT(rows[2]["error"], HasSubstr("point estimate is inf"));
  EXPECT_EQ(rows[3]["covered"], "0");  // gaussian_fit's [0.1, 0.45] lies below 0.5
}

TEST_F(InjectedInfinities, RatesSkipTheInfiniteCells) {
  auto rows = read_csv(slurp(dir_ / "rates.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["points"], "0");  // the one size has an infinite RMSE: nothing to fit
  EXPECT_EQ(rows[0]["rmse_slope"], "");
  EXPECT_EQ(rows[0]["mean_per_log_n"], "");
}

TEST_F(InjectedInfinities, ManifestCountsTheFailureAndListsEveryFile) {
  const auto m = nlohmann::json::parse(slurp(dir_ / "manifest.json"));
  EXPECT_EQ(m["run"]["failed"], 1);
  EXPECT_EQ(m["run"]["estimates"], 8);
  for (const auto& f : m["files"]) EXPECT_TRUE(fs::exists(dir_ / f.get<std::string>())) << f;
  EXPECT_THAT(m["files"].dump(), HasSubstr("intervals.csv"));
  EXPECT_EQ(m["intervals"][0]["method"], "subsampling(rate=0.5)");
}

TEST_F(InjectedInfinities, ReportsMarkTheCells) {
  const std::string md = slurp(dir_ / "report.md");
  // The knn row: infinite and failed marks, inf statistics, MAE 0.1000, counts 1 0 1.
  EXPECT_THAT(md, HasSubstr("` † ‡ | 100 | 100 | inf | inf | inf | inf | 0.1000 | 1 | 0 | 1 |"));
  EXPECT_THAT(md, HasSubstr("` † | 100 | 100 | -inf | -inf | inf | inf | 0.0500 | 0 | 1 | 0 |"));
  EXPECT_THAT(md, HasSubstr("† Some estimates are infinite"));
  EXPECT_THAT(md, HasSubstr("‡ Some estimates failed"));
  EXPECT_THAT(md, HasSubstr("| `subsampling(rate=0.5)` | 0.95 | 0.500 ± 0.354 |"));
  EXPECT_THAT(md, Not(HasSubstr("0.5000 ± ")));  // no finite-only mean passed off as the mean

  const std::string tex = slurp(dir_ / "report.tex");
  EXPECT_THAT(tex, HasSubstr("$^{\\dagger\\ddagger}$ & 100 & 100 & $\\infty$ & $\\infty$"));
  EXPECT_THAT(tex, HasSubstr("$-\\infty$"));
  EXPECT_THAT(tex, HasSubstr("Some estimates are infinite"));
  EXPECT_THAT(slurp(dir_ / "references.bib"), HasSubstr("@software{klest"));
}

// An infinite truth: the report shows the growth of the mean with n instead of -inf biases.
TEST(InfiniteTruthReport, ShowsGrowthInsteadOfBias) {
  const fs::path dir = fs::temp_directory_path() / ("klest_writers_inf_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto spec = klest::parse_experiment(R"toml(name = "growth"
seed = 5
replications = 2
sizes = [100, 1000, 10000]
pairs = [["uniform(0, 2)", "uniform(0, 1)"]]
estimators = ["knn(k=5)"]
)toml",
                                            "growth.toml");
  const auto plan = klest::make_plan(spec);
  // Means 1 + 0.5 log n at each size: exactly 0.5 per unit of log n.
  std::vector<klest::EstimateRecord> results;
  for (double n : {100.0, 1000.0, 10000.0}) {
    results.push_back(ok(1 + 0.5 * std::log(n) - 0.1));
    results.push_back(ok(1 + 0.5 * std::log(n) + 0.1));
  }
  klest::RunInfo info;
  klest::write_results(spec, plan, results, info, dir);
  const std::string md = slurp(dir / "report.md");
  EXPECT_THAT(md, HasSubstr("The truth is infinite"));
  EXPECT_THAT(md, HasSubstr("| 0.500 ± 0.000 | 3 |"));
  EXPECT_THAT(md, Not(HasSubstr("| bias |")));
  auto rates = read_csv(slurp(dir / "rates.csv"));
  EXPECT_NEAR(number(rates[0]["mean_per_log_n"]), 0.5, 1e-12);
  fs::remove_all(dir);
}

}  // namespace

// Every registered closed-form KL pair against stored high-precision references at random
// parameters, extreme ones included (widths 1e-8..1e8, shapes 1e-3..1e16 where valid): the
// reported abs_error must bound the actual error of every case.
//
// The references are tests/data/closed_form_kl.tsv, written by tests/reference/closed_form_kl.py
// (textbook formulas in mpmath at 80 digits, 340 for von Mises, each checked against 30 more
// digits): `python3 tests/reference/closed_form_kl.py > tests/data/closed_form_kl.tsv`.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"

namespace {

struct Case {
  std::string p, q;
  double reference = 0;
};

std::vector<Case> read_cases() {
  std::ifstream in(KLEST_SOURCE_DIR "/tests/data/closed_form_kl.tsv");
  std::vector<Case> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Case c;
    std::string value;
    std::getline(fields, c.p, '\t');
    std::getline(fields, c.q, '\t');
    std::getline(fields, value);
    c.reference = value == "inf" ? std::numeric_limits<double>::infinity() : std::stod(value);
    out.push_back(std::move(c));
  }
  return out;
}

struct PairStats {
  int cases = 0;
  double worst_ratio = 0;     // max |value - reference| / abs_error
  double worst_relative = 0;  // max |value - reference| / |reference|
  std::string worst_case;
};

// Pairs whose value is by construction another registered pair's (checked there): products sum
// their components' KLs, affine images reduce to their bases.
const std::set<std::pair<std::string, std::string>> composite = {{"product", "product"},
                                                                  {"affine", "affine"}};

TEST(ClosedFormReference, ReportedErrorBoundsTheActualErrorForEveryPair) {
  const std::vector<Case> cases = read_cases();
  ASSERT_GT(cases.size(), 1000u) << "tests/data/closed_form_kl.tsv missing or short";
  std::map<std::pair<std::string, std::string>, PairStats> stats;
  double worst_ratio = 0;
  std::string worst_case;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.p + " || " + c.q);
    const auto p = klest::make_distribution(c.p), q = klest::make_distribution(c.q);
    const klest::Truth t = klest::true_kl(*p, *q);
    PairStats& s = stats[{p->family(), q->family()}];
    ++s.cases;
    if (std::isinf(c.reference)) {
      EXPECT_EQ(t.value, c.reference);
      continue;
    }
    ASSERT_EQ(t.method, klest::TruthMethod::closed_form) << t.detail;
    // The reference is good to 20 digits; allow its own rounding.
    const double error = std::abs(t.value - c.reference);
    const double allowed = t.abs_error + 1e-19 * std::abs(c.reference);
    EXPECT_LE(error, allowed) << fmt::format("value {:.17g}, reference {:.17g}, abs_error {:.3g}",
                                             t.value, c.reference, t.abs_error);
    const double ratio = error == 0 ? 0 : error / allowed;
    if (ratio > s.worst_ratio) {
      s.worst_ratio = ratio;
      s.worst_case = fmt::format("{} || {}: {:.17g} vs {:.17g}", c.p, c.q, t.value, c.reference);
    }
    if (c.reference != 0) {
      s.worst_relative = std::max(s.worst_relative, error / std::abs(c.reference));
    }
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      worst_case = c.p + " || " + c.q;
    }
  }
  std::string table = "pair, cases, worst |error|/abs_error, worst relative error\n";
  for (const auto& [key, s] : stats) {
    table += fmt::format("{} || {}, {}, {:.3g}, {:.3g}\n", key.first, key.second, s.cases,
                         s.worst_ratio, s.worst_relative);
    if (s.worst_ratio > 1) table += "  worst: " + s.worst_case + "\n";
  }
  std::cout << table << fmt::format("{} cases; worst error-to-bound ratio {:.3g} ({})\n",
                                    cases.size(), worst_ratio, worst_case);
  RecordProperty("cases", int(cases.size()));
  RecordProperty("worst_ratio", fmt::format("{:.3g}", worst_ratio));

  for (const klest::KlPairInfo* pair : klest::kl_pairs()) {
    const std::pair<std::string, std::string> key{pair->p_family, pair->q_family};
    if (composite.contains(key)) continue;
    EXPECT_GE(stats[key].cases, 20) << "no reference cases for " << key.first << " || "
                                    << key.second << " in tests/data/closed_form_kl.tsv";
  }
}

}  // namespace

// Extreme parameters where the textbook forms lose every digit (beta entropy at shapes 1e16 to
// 1e300 gave 256, 0 and -3e287; the gamma KL lost 7 digits at shapes 1e15; the von Mises KL
// underflowed 1 - A(kappa) for kappa near 1e250). References: mpmath at 60 to 700 digits of the
// textbook formulas, e.g. for beta(a, a) || uniform(0, 1), -H with
//   H = log(beta(a,b)) - (a-1)*digamma(a) - (b-1)*digamma(b) + (a+b-2)*digamma(a+b)
// at mp.dps = 60, 70, 400; the gamma KL as in tests/reference/closed_form_kl.py (kl_gamma) at
// 60 digits; von Mises log(I0(k2)/I0(k1)) + I1(k1)/I0(k1) (k1 - k2 cos(mu1 - mu2)) at 700.
TEST(ClosedFormReference, ExtremeParametersKeepTheirDigits) {
  const struct {
    const char *p, *q;
    double reference;
  } cases[] = {
      {"beta(1e16, 1e16)", "uniform(0, 1)", 18.04146298158761071948945},
      {"beta(1e20, 1e20)", "uniform(0, 1)", 22.64663316757570206252793},
      {"beta(1e300, 1e300)", "uniform(0, 1)", 345.0085461867420978250442},
      {"gamma(1e15, 2)", "gamma(1.000001e15, 2.000001)", 124.9999166317797340225393},
      {"gamma(3e12, 1)", "gamma(3.1e12, 1.02)", 260306133.1148592773302008},
      {"von_mises(0, 1e250)", "von_mises(0, 2e250)", 0.1534264097200273452913839},
      {"von_mises(0, 3e270)", "von_mises(0, 1e280)", 1666666655.203047322744538},
      {"von_mises(0, 1e300)", "von_mises(0.5, 1e299)", 1.224174381096272903112167e+298},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.p) + " || " + c.q);
    const klest::Truth t =
        klest::true_kl(*klest::make_distribution(c.p), *klest::make_distribution(c.q));
    EXPECT_EQ(t.method, klest::TruthMethod::closed_form);
    EXPECT_NEAR(t.value, c.reference, 1e-12 * c.reference);
    EXPECT_LE(std::abs(t.value - c.reference), t.abs_error);
    EXPECT_GT(t.abs_error, 0);
  }
}

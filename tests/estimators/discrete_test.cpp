// Tests of the discrete estimator (plug-in, Miller-Madow, add-alpha and Zhang-Grabchak over the
// distinct rows): hand computations on tiny counts, Zhang-Grabchak against a direct evaluation
// of its double sum, the Miller-Madow bias reduction of ESTIMATORS.md 4.1, consistency on a
// categorical pair with closed-form truth, +inf, invariances and bad input.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "klest/error.hpp"
#include "klest/estimator.hpp"
#include "testing.hpp"

namespace {

using klest::Samples;
using klest::testing::categorical;
using klest::testing::rows;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr double inf = std::numeric_limits<double>::infinity();

double run(const std::string& spec, const Samples& p, const Samples& q) {
  return klest::make_estimator(spec)->estimate(p, q).value;
}

// KL(p||q) of two probability vectors, by the definition.
double kl(const std::vector<double>& p, const std::vector<double>& q) {
  double s = 0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (p[k] > 0) s += p[k] * std::log(p[k] / q[k]);
  }
  return s;
}

// Category counts keyed by the row, counted independently of the estimator.
std::map<std::vector<double>, double> counts(const Samples& s) {
  std::map<std::vector<double>, double> c;
  for (std::size_t i = 0; i < s.rows(); ++i) {
    const auto r = s.row(i);
    ++c[std::vector<double>(r.begin(), r.end())];
  }
  return c;
}

// Zhang & Grabchak's estimator exactly as printed: both inner sums over v with the products
// over j multiplied out term by term, in long double. O(K (n^2 + m^2)): tiny inputs only.
double zhang_grabchak_direct(const Samples& p, const Samples& q) {
  const auto cx = counts(p), cy = counts(q);
  const long double n = p.rows(), m = q.rows();
  long double total = 0;
  for (const auto& [row, x] : cx) {
    const auto it = cy.find(row);
    const long double y = it == cy.end() ? 0 : it->second;
    long double a = 0, b = 0;
    for (long double v = 1; v <= m - y; ++v) {
      long double prod = 1;
      for (long double j = 1; j <= v; ++j) prod *= 1 - y / (m - j + 1);
      a += prod / v;
    }
    for (long double v = 1; v <= n - x; ++v) {
      long double prod = 1;
      for (long double j = 1; j <= v; ++j) prod *= 1 - (x - 1) / (n - j);
      b += prod / v;
    }
    total += x / n * (a - b);
  }
  return double(total);
}

TEST(Discrete, LabelShowsEveryParameterWithZhangGrabchakByDefault) {
  EXPECT_EQ(klest::make_estimator("discrete")->label(),
            "discrete(method=zhang_grabchak, alpha=0.5, alphabet=0)");
  EXPECT_EQ(klest::make_estimator("discrete(method=add, alpha=1, alphabet=10)")->label(),
            "discrete(method=add, alpha=1, alphabet=10)");
  const auto* info = klest::find_estimator("discrete");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->accepts, klest::Support::discrete);
  EXPECT_EQ(klest::make_estimator("discrete")->requirements().support, klest::Support::discrete);
}

// p = {0, 0, 1, 2}: p^ = (1/2, 1/4, 1/4); q = {0, 1, 1, 2, 2, 2}: q^ = (1/6, 1/3, 1/2).
//   plug-in = 1/2 log 3 + 1/4 log(3/4) + 1/4 log(1/2)
//   Miller-Madow: K^_P = 3, sum p^/q^ = 3 + 3/4 + 1/2 = 17/4, so
//     plug-in - (3 - 1)/(2 * 4) - (17/4 - 1)/(2 * 6) = plug-in - 1/4 - 13/48.
TEST(Discrete, PluginAndMillerMadowMatchHandComputation) {
  const Samples p = rows({0, 0, 1, 2}, 1), q = rows({0, 1, 1, 2, 2, 2}, 1);
  const double plugin = 0.5 * std::log(3.0) + 0.25 * std::log(0.75) + 0.25 * std::log(0.5);
  EXPECT_NEAR(run("discrete(method=plugin)", p, q), plugin, 1e-15);
  EXPECT_NEAR(run("discrete(method=miller_madow)", p, q), plugin - 0.25 - 13.0 / 48, 1e-15);

  // The same counts on 2-D tuples (rows, not coordinates, are the categories): (0,1) twice,
  // (1,0) once, (1,1) once in p; (0,1) once, (1,0) twice, (1,1) three times in q.
  const Samples p2 = rows({0, 1, 0, 1, 1, 0, 1, 1}, 2);
  const Samples q2 = rows({0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1}, 2);
  EXPECT_NEAR(run("discrete(method=plugin)", p2, q2), plugin, 1e-15);

  const auto e = klest::make_estimator("discrete(method=plugin)")->estimate(p, q);
  EXPECT_EQ(e.diag.get("categories_p"), 3);
  EXPECT_EQ(e.diag.get("categories_q"), 3);
  EXPECT_EQ(e.diag.get("p_categories_missing_in_q"), 0);
}

// Same samples. Union alphabet K = 3, alpha = 1/2:
//   p^ = (2.5, 1.5, 1.5)/5.5, q^ = (1.5, 2.5, 3.5)/7.5.
// alphabet = 5 adds two categories seen in neither sample:
//   p^ = (2.5, 1.5, 1.5, .5, .5)/6.5, q^ = (1.5, 2.5, 3.5, .5, .5)/8.5.
// alpha = 1 (Laplace), union: p^ = (3, 2, 2)/7, q^ = (2, 3, 4)/9.
TEST(Discrete, AddAlphaMatchesHandComputation) {
  const Samples p = rows({0, 0, 1, 2}, 1), q = rows({0, 1, 1, 2, 2, 2}, 1);
  const double union3 = kl({2.5 / 5.5, 1.5 / 5.5, 1.5 / 5.5}, {1.5 / 7.5, 2.5 / 7.5, 3.5 / 7.5});
  const double alphabet5 = kl({2.5 / 6.5, 1.5 / 6.5, 1.5 / 6.5, 0.5 / 6.5, 0.5 / 6.5},
                              {1.5 / 8.5, 2.5 / 8.5, 3.5 / 8.5, 0.5 / 8.5, 0.5 / 8.5});
  const double laplace = kl({3.0 / 7, 2.0 / 7, 2.0 / 7}, {2.0 / 9, 3.0 / 9, 4.0 / 9});
  EXPECT_NEAR(run("discrete(method=add)", p, q), union3, 1e-15);
  EXPECT_NEAR(run("discrete(method=add, alphabet=5)", p, q), alphabet5, 1e-15);
  EXPECT_NEAR(run("discrete(method=add, alpha=1)", p, q), laplace, 1e-15);
  const auto e = klest::make_estimator("discrete(method=add, alphabet=5)")->estimate(p, q);
  EXPECT_EQ(e.diag.get("alphabet"), 5);
  // The alphabet changes nothing for the other methods.
  for (const char* m : {"plugin", "miller_madow", "zhang_grabchak"}) {
    EXPECT_EQ(run(std::string("discrete(method=") + m + ", alphabet=5)", p, q),
              run(std::string("discrete(method=") + m + ")", p, q))
        << m;
  }
}

// Zhang-Grabchak against its double sum, on small random samples: categories absent from Q
// (y_k = 0), singletons (x_k = 1), a P with one category (x_k = n), single points, tuples.
// Both sides are exact formulas for the same number, so only rounding separates them (digamma is
// good to a few ulps, the direct sum runs in long double): 1e-13 relative.
TEST(Discrete, ZhangGrabchakMatchesTheDirectDoubleSum) {
  struct Case { std::size_t n, m, d; std::vector<double> pp, pq; };
  const std::vector<Case> cases = {
      {12, 15, 1, {0.4, 0.3, 0.2, 0.1}, {0.25, 0.25, 0.25, 0.25}},
      {30, 20, 1, {0.1, 0.1, 0.2, 0.6}, {0.7, 0.3}},  // categories 2 and 3 never in q
      {7, 40, 1, {0.2, 0.2, 0.2, 0.2, 0.2}, {0.5, 0.1, 0.1, 0.1, 0.1, 0.1}},
      {25, 25, 2, {0.5, 0.3, 0.2}, {0.2, 0.3, 0.5}},
      {9, 3, 1, {1.0}, {0.5, 0.5}},  // x_k = n
      {1, 1, 1, {0.5, 0.5}, {0.5, 0.5}},
      {1, 5, 3, {0.5, 0.5}, {0.9, 0.1}},
  };
  std::uint32_t c = 0;
  for (const Case& cs : cases) {
    klest::Rng rng = klest::rng_for(31, {c++});
    const Samples p = categorical(rng, cs.n, cs.d, cs.pp), q = categorical(rng, cs.m, cs.d, cs.pq);
    const double want = zhang_grabchak_direct(p, q);
    EXPECT_NEAR(run("discrete", p, q), want, 1e-13 * std::max(1.0, std::abs(want)))
        << "case " << c;
  }
}

// p has category 3, q does not: the plug-in and Miller-Madow are +inf; Zhang-Grabchak and
// add-alpha stay finite; the diagnostic counts the missing category.
TEST(Discrete, PlusInfinityWhenQLacksACategoryOfP) {
  const Samples p = rows({0, 0, 1, 3}, 1), q = rows({0, 1, 1, 2}, 1);
  EXPECT_EQ(run("discrete(method=plugin)", p, q), inf);
  EXPECT_EQ(run("discrete(method=miller_madow)", p, q), inf);
  EXPECT_TRUE(std::isfinite(run("discrete(method=zhang_grabchak)", p, q)));
  EXPECT_TRUE(std::isfinite(run("discrete(method=add)", p, q)));
  const auto e = klest::make_estimator("discrete(method=plugin)")->estimate(p, q);
  EXPECT_EQ(e.diag.get("categories_p"), 3);
  EXPECT_EQ(e.diag.get("categories_q"), 3);
  EXPECT_EQ(e.diag.get("p_categories_missing_in_q"), 1);
  // Swapped, q's category 2 is missing from p: +inf again. A sample whose categories all
  // occur in the other is finite.
  EXPECT_EQ(run("discrete(method=plugin)", q, p), inf);
  EXPECT_TRUE(std::isfinite(run("discrete(method=plugin)", rows({0, 1}, 1), p)));
}

// ESTIMATORS.md 4.1: p = (.4, .3, .2, .1), q uniform on 4, n = m, replicates with an empty
// Q-cell dropped (P(empty) = 4 (3/4)^m ~ 2e-6 at m = 50, so at most a handful).
// First-order plug-in bias (K_P - 1)/(2n) + (sum p/q - 1)/(2m) = 3/(2n) + 3/(2m): 0.060 at
// n = 50, 0.015 at n = 200; the simulation there found 0.064 and 0.0151, after correction
// 0.0012 and -0.0001. Allowances: the O(1/n^2) remainder the table shows (0.004 at n = 50,
// about 16 times less at 200), plus 4 standard errors. The standard error follows from
// ESTIMATORS.md 4.4: Var ~ Var_P[log p/q]/n + chi^2/m = 0.181/n + 0.2/m, sd 0.087 at n = 50
// and 0.044 at n = 200; 20000 and 5000 replicates give about 0.0007 either way (the test uses
// the replicates' own standard errors). Zhang-Grabchak's bias is exponentially small here
// (ESTIMATORS.md 4.2 found 0.0027 +- 0.0018 at n = 50): allowed 0.001 plus 4 standard errors.
TEST(Discrete, MillerMadowRemovesThePluginBias) {
  const std::vector<double> pp = {0.4, 0.3, 0.2, 0.1}, pq = {0.25, 0.25, 0.25, 0.25};
  const double truth = kl(pp, pq);
  struct Size { std::size_t n, reps; double predicted, remainder, corrected_allowance; };
  const Size sizes[] = {{50, 20000, 0.060, 0.006, 0.002}, {200, 5000, 0.015, 0.0005, 0.0005}};
  const auto plugin = klest::make_estimator("discrete(method=plugin)");
  const auto mm = klest::make_estimator("discrete(method=miller_madow)");
  const auto zg = klest::make_estimator("discrete(method=zhang_grabchak)");
  for (const Size& s : sizes) {
    std::vector<double> a, b, z;
    // One stream for all replicates (seeding a generator costs more than an estimate here).
    klest::Rng rng = klest::rng_for(41, {std::uint32_t(s.n)});
    for (std::size_t i = 0; i < s.reps; ++i) {
      const Samples p = categorical(rng, s.n, 1, pp), q = categorical(rng, s.n, 1, pq);
      const double v = plugin->estimate(p, q, rng).value;
      if (std::isinf(v)) continue;
      a.push_back(v);
      b.push_back(mm->estimate(p, q, rng).value);
      z.push_back(zg->estimate(p, q, rng).value);
    }
    ASSERT_GE(a.size(), s.reps - 5);
    auto mean_se = [](const std::vector<double>& v) {
      double mean = 0, ss = 0;
      for (double x : v) mean += x;
      mean /= double(v.size());
      for (double x : v) ss += (x - mean) * (x - mean);
      return std::pair{mean, std::sqrt(ss / double(v.size() - 1) / double(v.size()))};
    };
    const auto [ma, sa] = mean_se(a);
    const auto [mb, sb] = mean_se(b);
    const auto [mz, sz] = mean_se(z);
    SCOPED_TRACE("n = m = " + std::to_string(s.n) + ", plug-in bias " + std::to_string(ma - truth) +
                 ", Miller-Madow bias " + std::to_string(mb - truth) + ", Zhang-Grabchak bias " +
                 std::to_string(mz - truth));
    EXPECT_NEAR(ma - truth, s.predicted, s.remainder + 4 * sa);
    EXPECT_NEAR(mb - truth, 0.0, s.corrected_allowance + 4 * sb);
    EXPECT_NEAR(mz - truth, 0.0, 0.001 + 4 * sz);
    EXPECT_LT(std::abs(mb - truth), (ma - truth) / 4);
  }
}

// p = (.4, .3, .2, .1) against q = (.1, .2, .3, .4): truth by the definition,
// 0.4 log 4 + 0.3 log 1.5 + 0.2 log(2/3) + 0.1 log(1/4) = 0.45643. ESTIMATORS.md 4.4:
// Var ~ Var_P[log p/q]/n + chi^2(P||Q)/m
// = 0.835/n + 1.208/m, so the root mean square error should fall by sqrt(20) ~ 4.5 from
// n = m = 200 to 4000; we ask for a factor 3 (the RMSE of 100 replicates is known to about
// 7%). At n = 4000 every method must be within its bias allowance plus 4 standard errors of
// the truth: the plug-in's first-order bias is 3/(2n) + 5.42/(2m) = 0.0011, add's smoothing
// shifts that by about -0.0005 (derivative of the KL along the pseudo-counts), Miller-Madow's
// and Zhang-Grabchak's are far smaller; 0.002 covers them all. P(empty Q-cell) at m = 200 is
// below 1e-9, so the plug-in is finite.
TEST(Discrete, ConsistentOnCategoricalPairAndErrorShrinks) {
  const std::vector<double> pp = {0.4, 0.3, 0.2, 0.1}, pq = {0.1, 0.2, 0.3, 0.4};
  const double truth = kl(pp, pq);
  EXPECT_NEAR(truth, 0.4 * std::log(4.0) + 0.3 * std::log(1.5) + 0.2 * std::log(2.0 / 3) +
                         0.1 * std::log(0.25),
              1e-15);
  for (const char* method : {"zhang_grabchak", "plugin", "miller_madow", "add"}) {
    SCOPED_TRACE(method);
    const auto est = klest::make_estimator(std::string("discrete(method=") + method + ")");
    double rmse[2];
    const std::size_t sizes[] = {200, 4000};
    for (int s = 0; s < 2; ++s) {
      const std::size_t n = sizes[s];
      const auto r = klest::testing::replicate(
          *est, [&](klest::Rng& g) { return categorical(g, n, 1, pp); },
          [&](klest::Rng& g) { return categorical(g, n, 1, pq); }, 100, 51 + std::uint64_t(s));
      double ss = 0;
      for (double v : r.values) ss += (v - truth) * (v - truth);
      rmse[s] = std::sqrt(ss / double(r.values.size()));
      if (s == 1) {
        EXPECT_NEAR(r.mean, truth, 0.002 + 4 * r.std_error) << r.seed_note();
      }
    }
    EXPECT_LT(rmse[1], rmse[0] / 3) << "rmse " << rmse[0] << " -> " << rmse[1];
  }
}

// A 2-D pair with independent coordinates: KL adds over them. Tuples are the categories.
TEST(Discrete, ConsistentOnTuples) {
  const std::vector<double> pp = {0.5, 0.3, 0.2}, pq = {0.3, 0.3, 0.4};
  const double truth = 2 * kl(pp, pq);
  const auto est = klest::make_estimator("discrete");
  const auto r = klest::testing::replicate(
      *est, [&](klest::Rng& g) { return categorical(g, 3000, 2, pp); },
      [&](klest::Rng& g) { return categorical(g, 3000, 2, pq); }, 50, 61);
  SCOPED_TRACE(r.seed_note());
  // Zhang-Grabchak's bias is exponentially small (9 cells, smallest probability 0.04 in Q).
  EXPECT_NEAR(r.mean, truth, 0.001 + 4 * r.std_error);
}

// Categories are labels: relabelling them one-to-one and shuffling the rows leaves every
// method's value unchanged (up to the order of summation).
TEST(Discrete, InvariantUnderRelabellingAndRowOrder) {
  klest::Rng rng = klest::rng_for(71);
  const Samples p = categorical(rng, 300, 1, {0.1, 0.2, 0.3, 0.4});
  const Samples q = categorical(rng, 200, 1, {0.4, 0.3, 0.2, 0.1});
  auto relabel = [](const Samples& s) {
    Samples out(s);
    for (double& v : out.values()) v = 1000 - 7 * v;  // 0, 1, 2, 3 -> 1000, 993, 986, 979
    std::reverse(out.values().begin(), out.values().end());
    return out;
  };
  for (const char* method : {"zhang_grabchak", "plugin", "miller_madow", "add"}) {
    const std::string spec = std::string("discrete(method=") + method + ")";
    const double a = run(spec, p, q), b = run(spec, relabel(p), relabel(q));
    EXPECT_NEAR(a, b, 1e-14) << method;
  }
}

TEST(Discrete, IdenticalSingleCategoryGivesZero) {
  const Samples one = rows({5}, 1);
  for (const char* method : {"zhang_grabchak", "plugin", "miller_madow", "add"}) {
    EXPECT_EQ(run(std::string("discrete(method=") + method + ")", one, one), 0.0) << method;
  }
}

TEST(Discrete, RejectsNonIntegersAndBadParametersNamingTheLabel) {
  const auto est = klest::make_estimator("discrete");
  const std::string label = "estimator 'discrete(method=zhang_grabchak, alpha=0.5, alphabet=0)'";
  const Samples ints = rows({0, 1, 1, 2}, 1);
  EXPECT_THAT([&] { est->estimate(rows({0, 1, 1.5}, 1), ints); },
              ThrowsMessage<klest::InputError>(
                  HasSubstr(label + ": sample from p: row 3, column 1 is 1.5, but it accepts "
                                    "only integer values")));
  EXPECT_THAT([&] { est->estimate(rows({0, 1, 1, 2}, 2), rows({2, 0, 1, 0.25, 1, 1}, 2)); },
              ThrowsMessage<klest::InputError>(
                  AllOf(HasSubstr(label), HasSubstr("sample from q: row 2, column 2 is 0.25"))));
  EXPECT_THAT([&] { est->estimate(ints, rows({2, 0}, 2)); },
              ThrowsMessage<klest::InputError>(HasSubstr(label + ": samples differ in dimension")));

  // alphabet: 1-D values in 0, ..., K-1.
  const auto k3 = klest::make_estimator("discrete(method=add, alphabet=3)");
  EXPECT_THAT([&] { k3->estimate(ints, rows({0, 3, 1}, 1)); },
              ThrowsMessage<klest::InputError>(HasSubstr(
                  "estimator 'discrete(method=add, alpha=0.5, alphabet=3)': sample from q: row 2 "
                  "is 3, but alphabet=3 allows only the categories 0, ..., 2")));
  EXPECT_THAT([&] { k3->estimate(rows({0, -1}, 1), ints); },
              ThrowsMessage<klest::InputError>(HasSubstr("sample from p: row 2 is -1, but")));
  EXPECT_THAT([&] { k3->estimate(rows({0, 1}, 2), rows({0, 1}, 2)); },
              ThrowsMessage<klest::InputError>(HasSubstr(
                  "alphabet=3)': samples have dimension 2, but it supports at most 1")));

  EXPECT_THAT([] { klest::make_estimator("discrete(alpha=0)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'alpha' is 0")));
  EXPECT_THAT([] { klest::make_estimator("discrete(alphabet=-1)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'alphabet' is -1")));
  EXPECT_THAT([] { klest::make_estimator("discrete(alphabet=2.5)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'alphabet'")));
  EXPECT_THAT([] { klest::make_estimator("discrete(method=mle)"); },
              ThrowsMessage<klest::InputError>(HasSubstr("parameter 'method'")));
  EXPECT_THAT([&] { est->estimate(klest::Samples(), ints); },
              ThrowsMessage<klest::InputError>(HasSubstr(label + ": sample from p is empty")));
}

}  // namespace

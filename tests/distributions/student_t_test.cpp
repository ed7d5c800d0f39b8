// Tests of the Student's t family (df, location, SCALE) and its closed form
// student_t||normal.

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/math/distributions/students_t.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

TEST(StudentT, LogDensityMatchesBoost) {
  struct Case {
    double df, loc, scale;
  };
  for (const Case c : {Case{0.5, 0, 1}, {1, 0, 1}, {2.5, -1, 0.5}, {5, 3, 2}, {30, 0, 1},
                       {1e3, 0.5, 1.5}, {1e7, 0, 1}}) {
    const auto d = make("student_t(df=" + klest::format_number(c.df) +
                        ", loc=" + klest::format_number(c.loc) +
                        ", scale=" + klest::format_number(c.scale) + ")");
    const boost::math::students_t_distribution<double> ref(c.df);
    for (double z : {-1e6, -40.0, -3.0, -0.5, 0.0, 1e-9, 0.5, 2.0, 7.0, 100.0, 1e8}) {
      const double pdf = boost::math::pdf(ref, z) / c.scale;
      if (!(pdf > 1e-300)) continue;
      const double want = std::log(pdf);
      const double x = c.loc + z * c.scale;
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(StudentT, OneDegreeOfFreedomIsCauchy) {
  const auto t = make("student_t(1, 2, 3)"), c = make("cauchy(2, 3)");
  for (double x : {-1e200, -50.0, 0.0, 2.0, 3.7, 1e10}) {
    EXPECT_NEAR(log_density(*t, x), log_density(*c, x),
                1e-13 * std::max(1.0, std::fabs(log_density(*c, x))))
        << x;
  }
}

TEST(StudentT, LogDensityFarOut) {
  const auto d = make("student_t(3, 0, 1)");
  // log p = log(2 / (pi sqrt 3)) - 2 log(1 + x^2/3) ~ log(2 / (pi sqrt 3)) - 4 log x + 2 log 3
  const double pi = 3.14159265358979323846, x = 1e200;
  EXPECT_NEAR(log_density(*d, x),
              std::log(2 / (pi * std::sqrt(3.0))) - 4 * std::log(x) + 2 * std::log(3.0),
              1e-12 * 1842);
  EXPECT_EQ(log_density(*d, inf), -inf);
}

TEST(StudentT, SamplerPassesKolmogorovSmirnovAndMoments) {
  // KS against Boost's cdf, n = 20000: the alpha = 0.001 critical value is 1.95/sqrt(n).
  // For df = 10 and 40 (finite fourth moment) also mean and variance within 5 standard errors.
  const std::size_t n = 20000;
  std::uint64_t seed = 71;
  struct Case {
    double df, loc, scale;
  };
  for (const Case c : {Case{0.7, 0, 1}, {2.5, -1, 0.5}, {10, 3, 2}, {40, 0, 1}, {1e6, 1, 1}}) {
    const auto d = make("student_t(" + klest::format_number(c.df) + ", " +
                        klest::format_number(c.loc) + ", " + klest::format_number(c.scale) + ")");
    const boost::math::students_t_distribution<double> ref(c.df);
    const auto xs = draw(*d, n, seed++);
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); }));
    expect_ks_passes(
        xs, [&](double x) { return boost::math::cdf(ref, (x - c.loc) / c.scale); }, d->spec());
    if (c.df == 10 || c.df == 40) {
      expect_mean_and_variance(xs, c.loc, c.scale * c.scale * c.df / (c.df - 2), d->spec());
    }
  }
}

TEST(StudentT, SupportTailsAndSpec) {
  expect_canonical_spec_round_trips("student_t(4.5, 1, 2)", "student_t(df=4.5, loc=1, scale=2)");
  expect_canonical_spec("student_t(3)", "student_t(df=3, loc=0, scale=1)");
  const auto d = make("student_t(4.5, 1, 2)");
  expect_support(*d, -inf, inf);
  const auto [left, right] = d->tails();
  for (const klest::Tail& t : {left, right}) {
    EXPECT_EQ(t.kind, klest::Tail::Kind::power);
    EXPECT_EQ(t.rate, 4.5);
  }
}

TEST(StudentT, RejectsBadParameters) {
  expect_rejected("student_t(df=-1)", "distribution 'student_t': parameter 'df' is -1");
  expect_rejected("student_t(0)", "parameter 'df' is 0");
  expect_rejected("student_t(loc=1)", "parameter 'df' is required");
  expect_rejected("student_t(3, 0, scale=0)", "distribution 'student_t': parameter 'scale' is 0");
  expect_rejected("student_t(inf)", "parameter 'df' is inf");
}

// Reference values: mpmath quadrature (tanh-sinh) at 30 digits of p log(p/q) with
// hand-written densities, by the command in the comment above each value.
TEST(StudentT, ClosedFormStudentTNormal) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; st=lambda v,l,s: (lambda x: gamma((v+1)/2)/(gamma(v/2)*sqrt(v*pi)*s)*(1+((x-l)/s)**2/v)**(-(v+1)/2)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=st(mpf(5),mpf(0),mpf(1)); q=n(mpf(0),mpf(1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 0, inf]))"
  expect_closed_form("student_t(5, 0, 1)", "normal(0, 1)", 0.124769194123610094022914450476);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; st=lambda v,l,s: (lambda x: gamma((v+1)/2)/(gamma(v/2)*sqrt(v*pi)*s)*(1+((x-l)/s)**2/v)**(-(v+1)/2)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=st(mpf(3.5),mpf(1),mpf(2)); q=n(mpf(-1),mpf(3)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 1, inf]))"
  expect_closed_form("student_t(3.5, 1, 2)", "normal(-1, 3)", 0.344254261371110716384484540065);
  // df >= 40 takes the asymptotic series for the digamma difference
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; st=lambda v,l,s: (lambda x: gamma((v+1)/2)/(gamma(v/2)*sqrt(v*pi)*s)*(1+((x-l)/s)**2/v)**(-(v+1)/2)); n=lambda m,s: (lambda x: exp(-((x-m)/s)**2/2)/(s*sqrt(2*pi))); p=st(mpf(50),mpf(0.5),mpf(1.2)); q=n(mpf(0),mpf(1.1)); print(quad(lambda x: p(x)*log(p(x)/q(x)), [-inf, 0.5, inf]))"
  expect_closed_form("student_t(50, 0.5, 1.2)", "normal(0, 1.1)", 0.116030471237049134298329619484);
  // df <= 2: derived as cross-entropy minus entropy, the cross-entropy against the normal
  // holds E X^2, which diverges, so the KL is +inf.
  for (const char* spec : {"student_t(2, 0, 1)", "student_t(1.5, 0, 1)", "student_t(0.5, 3, 2)"}) {
    const auto p = make(spec), q = make("normal(0, 1)");
    EXPECT_EQ(klest::closed_form_kl(*p, *q)->value, inf) << spec;
    const klest::Truth t = klest::true_kl(*p, *q);
    EXPECT_EQ(t.value, inf) << spec;
    EXPECT_EQ(t.method, klest::TruthMethod::tails) << spec;
  }
  // Large df against the moment-matched normal: the KL is tiny (about 3/(4 df^2)) and the
  // formula must not lose it to cancellation. The same formula at 50 digits:
  //   /usr/bin/python3 -c "from mpmath import *; mp.dps=50; v=mpf(1e4); sd=mpf(1.0001000150025); H=(v+1)/2*(digamma((v+1)/2)-digamma(v/2))+log(sqrt(v)*beta(v/2,mpf(1)/2)); print(-H+log(sd*sqrt(2*pi))+(v/(v-2))/(2*sd**2))"
  const auto p = make("student_t(1e4)"), q = make("normal(0, 1.0001000150025)");
  EXPECT_NEAR(klest::true_kl(*p, *q).value, 7.501500212529005084369509317e-9, 1e-12);
}

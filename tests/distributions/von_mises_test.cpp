// Tests of the von Mises family on [-pi, pi) and its closed form von_mises||von_mises.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <gtest/gtest.h>

#include "klest/distribution.hpp"
#include "klest/truth.hpp"
#include "support.hpp"

using namespace klest::testing;

namespace {

constexpr double pi = std::numbers::pi;

double bessel_i(int nu, double x) { return boost::math::cyl_bessel_i(nu, x); }

// Kolmogorov-Smirnov statistic against the von Mises cdf, which is accumulated between the
// sorted draws by Gauss-Kronrod quadrature of the unnormalised density (independent of the
// family's Bessel functions).
double von_mises_ks(std::vector<double> xs, double mu, double kappa) {
  auto f = [=](double t) { return std::exp(kappa * (std::cos(t - mu) - 1)); };
  using GK = boost::math::quadrature::gauss_kronrod<double, 31>;
  std::sort(xs.begin(), xs.end());
  std::vector<double> cdf;
  double acc = 0, prev = -pi;
  for (double x : xs) {
    acc += GK::integrate(f, prev, x, 0);
    cdf.push_back(acc);
    prev = x;
  }
  const double total = acc + GK::integrate(f, prev, pi, 0);
  for (double& c : cdf) c /= total;
  return ks_statistic_from_sorted_cdf(cdf);
}

}  // namespace

TEST(VonMises, LogDensityMatchesDirectFormula) {
  for (auto [mu, kappa] :
       {std::pair{0.0, 1.0}, {0.5, 2.0}, {-3.0, 30.0}, {3.1, 0.01}, {1.0, 0.0}}) {
    const auto d = make("von_mises(" + std::to_string(mu) + ", " + std::to_string(kappa) + ")");
    const double m = d->params().get<double>("mu"), k = d->params().get<double>("kappa");
    for (double x : {-pi, -2.0, -0.5, 0.0, m, 1.0, 3.0, pi}) {
      const double want = k * std::cos(x - m) - std::log(2 * pi * bessel_i(0, k));
      EXPECT_NEAR(log_density(*d, x), want, 1e-12 * std::max(1.0, std::fabs(want)))
          << d->spec() << " at " << x;
    }
  }
}

TEST(VonMises, LogDensityForLargeKappa) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=40; print([nstr(1000*cos(mpf(x)-mpf(0.3))-log(2*pi*besseli(0,1000)),25) for x in (0.3, 0.35, 0.5, -3.0)])"
  const auto a = make("von_mises(0.3, 1000)");
  EXPECT_NEAR(log_density(*a, 0.3), 2.534814043721189844971576, 1e-13);
  EXPECT_NEAR(log_density(*a, 0.35), 1.285074438687436962722632, 1e-13);
  EXPECT_NEAR(log_density(*a, 0.5), -17.39860811503718123650456, 1e-12 * 17.4);
  EXPECT_NEAR(log_density(*a, -3.0), -1984.944955865143695842948, 1e-12 * 1985);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=40; print([nstr(1e8*cos(mpf(x)-mpf(-3.0))-log(2*pi*besseli(0,1e8)),25) for x in (-3.0, -2.9999, 3.1)])"
  const auto b = make("von_mises(-3, 1e8)");
  EXPECT_NEAR(log_density(*b, -3.0), 8.291401837521509988041636, 1e-12 * 8.3);
  EXPECT_NEAR(log_density(*b, -2.9999), 7.791401837936066342647721, 1e-12 * 7.8);
  EXPECT_NEAR(log_density(*b, 3.1), -1673147.864339701202059833, 1e-12 * 1.7e6);  // across +-pi
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=40; print([nstr(1e15*cos(mpf(x)-mpf(1.0))-log(2*pi*besseli(0,1e15)),25) for x in (1.0, 1.00000001)])"
  const auto c = make("von_mises(1, 1e15)");
  EXPECT_NEAR(log_density(*c, 1.0), 16.35044966425066976335461, 1e-12 * 16.4);
  EXPECT_NEAR(log_density(*c, 1.00000001), 16.30044966485841685901671, 1e-9);
}

TEST(VonMises, LogDensityOutsideTheCircle) {
  const auto d = make("von_mises(0, 2)");
  EXPECT_EQ(log_density(*d, std::nextafter(-pi, -4.0)), -inf);
  EXPECT_EQ(log_density(*d, std::nextafter(pi, 4.0)), -inf);
  EXPECT_EQ(log_density(*d, 1e300), -inf);
  EXPECT_EQ(log_density(*d, -inf), -inf);
  EXPECT_TRUE(std::isfinite(log_density(*make("von_mises(0, 1e300)"), pi)));
}

// KS against the cdf by quadrature, n = 20000, alpha = 0.001 critical value 1.95/sqrt(n);
// circular moments E cos(X - mu) = I1/I0, E sin(X - mu) = 0, E cos 2(X - mu) = I2/I0 within 5
// standard errors.
TEST(VonMises, SamplerMatchesDistribution) {
  constexpr std::size_t n = 20000;
  for (auto [mu, kappa] :
       {std::pair{1.0, 2.0}, {-3.0, 50.0}, {0.0, 0.0}, {2.0, 1e-3}, {3.1, 0.7}}) {
    const auto d = make("von_mises(" + std::to_string(mu) + ", " + std::to_string(kappa) + ")");
    const auto xs = draw(*d, n, 61);
    EXPECT_LT(von_mises_ks(xs, mu, kappa), ks_critical_value(n)) << d->spec();
    EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return x >= -pi && x < pi; }));
  }
  const auto xs = draw(*make("von_mises(-2.5, 2)"), n, 62);
  expect_moment(xs, [](double x) { return std::cos(x + 2.5); }, bessel_i(1, 2) / bessel_i(0, 2),
                "E cos");
  expect_moment(xs, [](double x) { return std::sin(x + 2.5); }, 0, "E sin");
  expect_moment(xs, [](double x) { return std::cos(2 * (x + 2.5)); },
                bessel_i(2, 2) / bessel_i(0, 2), "E cos 2");
}

// For large kappa, sqrt(kappa) (X - mu) is N(0, 1) up to O(1/kappa): KS as above.
TEST(VonMises, SamplerForLargeKappa) {
  constexpr std::size_t n = 20000;
  const boost::math::normal_distribution<double> std_normal;
  for (double kappa : {1e6, 1e12}) {
    const auto xs = draw(*make("von_mises(0.5, " + std::to_string(kappa) + ")"), n, 63);
    std::vector<double> zs;
    for (double x : xs) zs.push_back(std::sqrt(kappa) * (x - 0.5));
    expect_ks_passes(zs, [&](double z) { return boost::math::cdf(std_normal, z); },
                     klest::format_number(kappa));
  }
  // Concentrated at the seam: the draws wrap to both ends of [-pi, pi).
  const auto xs = draw(*make("von_mises(3.14159, 100)"), 2000, 64);
  EXPECT_TRUE(std::any_of(xs.begin(), xs.end(), [](double x) { return x < -3; }));
  EXPECT_TRUE(std::any_of(xs.begin(), xs.end(), [](double x) { return x > 3; }));
  EXPECT_TRUE(std::all_of(xs.begin(), xs.end(), [](double x) { return std::fabs(x) > 2.5; }));
}

TEST(VonMises, RejectsBadParameters) {
  expect_rejected("von_mises(kappa=-1)", "distribution 'von_mises'", "parameter 'kappa'");
  expect_rejected("von_mises(mu=4, kappa=1)", "distribution 'von_mises'", "parameter 'mu'");
  expect_rejected("von_mises(mu=0)", "distribution 'von_mises'", "'kappa' is required");
}

TEST(VonMises, SpecRoundTrip) {
  expect_canonical_spec_round_trips("von_mises(0.5, 2)", "von_mises(mu=0.5, kappa=2)");
  expect_canonical_spec("von_mises(kappa=1e6)", "von_mises(mu=0, kappa=1e+06)");
}

TEST(VonMises, SupportIsTheCircle) {
  const auto d = make("von_mises(1, 3)");
  expect_support(*d, -pi, pi);
  EXPECT_EQ(d->tails().first.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(d->tails().second.kind, klest::Tail::Kind::bounded);
  EXPECT_EQ(klest::true_kl(*make("normal(0, 1)"), *d).method, klest::TruthMethod::support);
  // Against the uniform law on the circle, KL = kappa A(kappa) - log I0(kappa).
  const auto circle = make("uniform(-3.141592653589793, 3.141592653589793)");
  const klest::Truth u = klest::true_kl(*d, *circle);
  EXPECT_NEAR(u.value, 3 * bessel_i(1, 3) / bessel_i(0, 3) - std::log(bessel_i(0, 3)), 1e-9);
}

TEST(VonMises, ClosedFormMatchesQuadrature) {
  expect_closed_form_matches_quadrature("von_mises(0.5, 2)", "von_mises(-1, 5)", 1e-9);
  expect_closed_form_matches_quadrature("von_mises(0.1, 1000)", "von_mises(0, 800)", 1e-9);
  expect_closed_form_matches_quadrature("von_mises(-2.5, 30)", "von_mises(3, 24)", 1e-9);
  expect_closed_form_matches_quadrature("von_mises(1, 0)", "von_mises(0, 3)", 1e-9);
  expect_closed_form_matches_quadrature("von_mises(0, 3)", "von_mises(2, 0)", 1e-9);
}

TEST(VonMises, ClosedFormMatchesReferences) {
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lv=lambda m,k: (lambda x: k*cos(x-m)-log(2*pi*besseli(0,k))); a=lv(0.5,2); b=lv(-1,5); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-pi,0.5,pi]))"
  EXPECT_NEAR(closed_kl("von_mises(0.5, 2)", "von_mises(-1, 5)"), 3.62944441677253084944218361101,
              1e-12 * 3.63);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lv=lambda m,k: (lambda x: k*cos(x-m)-log(2*pi*besseli(0,k))); a=lv(0.1,1000); b=lv(0,800); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-pi,-0.1,0,0.05,0.1,0.15,0.2,0.3,pi]))"
  EXPECT_NEAR(closed_kl("von_mises(0.1, 1000)", "von_mises(0, 800)"),
              4.00624697944317012732001396431, 1e-12 * 4.01);
  // Both sides of the switch from Boost's Bessel functions to the asymptotic series (25):
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lv=lambda m,k: (lambda x: k*cos(x-m)-log(2*pi*besseli(0,k))); a=lv(-2.5,30); b=lv(3,24); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-pi,-2.8,-2.5,-2.2,pi]))"
  EXPECT_NEAR(closed_kl("von_mises(-2.5, 30)", "von_mises(3, 24)"),
              6.88618037798449000131259172998, 1e-12 * 6.89);
  // Large kappa, where log(I0(k2)/I0(k1)) and A(k1) (k1 - k2) nearly cancel:
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lv=lambda m,k: (lambda x: k*cos(x-m)-log(2*pi*besseli(0,k))); a=lv(0.5,1e6); b=lv(0.5,2e6); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-pi]+[0.5+j*1e-3 for j in range(-8,9)]+[pi]))"
  EXPECT_NEAR(closed_kl("von_mises(0.5, 1e6)", "von_mises(0.5, 2e6)"),
              0.153426472220105470429730604474, 1e-12);
  // /usr/bin/python3 -c "from mpmath import *; mp.dps=30; lv=lambda m,k: (lambda x: k*cos(x-m)-log(2*pi*besseli(0,k))); a=lv(1e-5,1e10); b=lv(0,1e10); print(quad(lambda x: exp(a(x))*(a(x)-b(x)), [-pi]+[1e-5+j*1e-5 for j in range(-8,9)]+[pi]))"
  EXPECT_NEAR(closed_kl("von_mises(1e-5, 1e10)", "von_mises(0, 1e10)"),
              0.499999999970833415135984464285, 1e-12);
  // Uniform P: KL = log I0(k2); uniform Q: KL = k1 A(k1) - log I0(k1) (Boost's Bessel functions).
  EXPECT_NEAR(closed_kl("von_mises(1, 0)", "von_mises(0, 3)"), std::log(bessel_i(0, 3)), 1e-14);
  EXPECT_NEAR(closed_kl("von_mises(0, 3)", "von_mises(2, 0)"),
              3 * bessel_i(1, 3) / bessel_i(0, 3) - std::log(bessel_i(0, 3)), 1e-14);
  EXPECT_EQ(closed_kl("von_mises(2, 1e9)", "von_mises(2, 1e9)"), 0);
}

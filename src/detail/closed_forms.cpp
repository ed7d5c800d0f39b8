#include "detail/closed_forms.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

#include <boost/math/special_functions/gamma.hpp>

#include "detail/special.hpp"

namespace klest::detail {

Truth closed_form_truth(double value, std::string reference) {
  const double err = std::isinf(value) ? 0.0 : 4 * std::numeric_limits<double>::epsilon() * value;
  return Truth{value, err, TruthMethod::closed_form, std::move(reference)};
}

double bernoulli_kl(double a, double b) { return bd0(a, b, a - b) + bd0(1 - a, 1 - b, b - a); }

double gumbel_kl(double r, double s) {
  const double u = s + boost::math::lgamma(1 + r);
  return (std::expm1(u) - u) + boost::math::lgamma(r) + std::numbers::egamma * (r - 1);
}

}  // namespace klest::detail

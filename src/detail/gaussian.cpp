#include "detail/gaussian.hpp"

#include <cmath>

#include "detail/special.hpp"

namespace klest::detail {

double gaussian_kl_cholesky(const Eigen::MatrixXd& l1, const Eigen::MatrixXd& l2,
                            Eigen::VectorXd delta) {
  const Eigen::Index d = l1.rows();
  const auto l2_lower = l2.triangularView<Eigen::Lower>();
  const Eigen::MatrixXd m = l2_lower.solve(l1);
  l2_lower.solveInPlace(delta);
  double sum = delta.squaredNorm();
  for (Eigen::Index i = 0; i < d; ++i) {
    sum += expm1mx(2 * (std::log(l1(i, i)) - std::log(l2(i, i))));
    for (Eigen::Index j = 0; j < i; ++j) sum += m(i, j) * m(i, j);
  }
  return 0.5 * sum;
}

}  // namespace klest::detail

#pragma once
// The Gaussian KL in Cholesky form, shared by the mvnormal closed form and the gaussian_fit
// estimator.

#include <Eigen/Dense>

namespace klest::detail {

/// KL(N(mu_p, L1 L1^T) || N(mu_q, L2 L2^T)) with L1, L2 lower-triangular Cholesky factors with
/// positive diagonals and delta = mu_q - mu_p:
///   1/2 [ sum_i (e^t_i - 1 - t_i) + sum_{i>j} M_ij^2 + |L2^-1 delta|^2 ],
/// M = L2^-1 L1, t_i = 2 log(L1_ii / L2_ii): every term is non-negative, so nearly equal
/// Gaussians lose no accuracy to cancellation, and no inverse is formed (Penny 2001, UCL tech.
/// report, for the usual trace / log-determinant form this rewrites).
double gaussian_kl_cholesky(const Eigen::MatrixXd& l1, const Eigen::MatrixXd& l2,
                            Eigen::VectorXd delta);

}  // namespace klest::detail

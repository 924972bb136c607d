#include "abcsmc/core/detail/cholesky.hpp"

#include <cmath>

namespace abcsmc::detail {

bool cholesky_lower(const Matrix& cov, Matrix& l) {
  const Eigen::Index d = cov.rows();
  l = Matrix::Zero(d, d);
  for (Eigen::Index j = 0; j < d; ++j) {
    double s = cov(j, j);
    for (Eigen::Index k = 0; k < j; ++k) s -= l(j, k) * l(j, k);
    if (!(s > 0.0) || !std::isfinite(s)) return false;
    const double p = std::sqrt(s);
    if (!(p * p > 1e-12 * cov(j, j))) return false;
    l(j, j) = p;
    for (Eigen::Index i = j + 1; i < d; ++i) {
      double t = cov(i, j);
      for (Eigen::Index k = 0; k < j; ++k) t -= l(i, k) * l(j, k);
      l(i, j) = t / p;
    }
  }
  return true;
}

Matrix lower_inverse(const Matrix& l) {
  const Eigen::Index d = l.rows();
  Matrix x = Matrix::Zero(d, d);
  for (Eigen::Index c = 0; c < d; ++c) {
    x(c, c) = 1.0 / l(c, c);
    for (Eigen::Index r = c + 1; r < d; ++r) {
      double s = 0.0;
      for (Eigen::Index k = c; k < r; ++k) s += l(r, k) * x(k, c);
      x(r, c) = -s / l(r, r);
    }
  }
  return x;
}

Matrix regularised_cholesky(const Matrix& cov) {
  Matrix l;
  if (cholesky_lower(cov, l)) return l;
  for (double ridge = 1e-10; ridge <= 1.1e-2; ridge *= 100.0) {
    Matrix c = cov;
    for (Eigen::Index i = 0; i < c.rows(); ++i) c(i, i) *= 1.0 + ridge;
    if (cholesky_lower(c, l)) return l;
  }
  Matrix diag = Matrix::Zero(cov.rows(), cov.cols());
  for (Eigen::Index i = 0; i < cov.rows(); ++i) diag(i, i) = std::sqrt(cov(i, i));
  return diag;
}

void store_row_major(const Matrix& m, double* out) {
  const auto d = m.rows();
  for (Eigen::Index r = 0; r < d; ++r) {
    for (Eigen::Index c = 0; c < d; ++c) out[r * d + c] = c <= r ? m(r, c) : 0.0;
  }
}

}  // namespace abcsmc::detail

#pragma once
/// The kernels' Cholesky factorisation and triangular helpers (src/core/cholesky.cpp). Internal
/// to abcsmc_core. Lower-triangular factors are Eigen matrices while they are built and row-major
/// arrays (store_row_major) where the kernels use them per proposal and per density.
#include <cstddef>

#include "abcsmc/core/types.hpp"

namespace abcsmc::detail {

/// Cholesky factor of the symmetric `cov` (its lower triangle is read) into `l`: plain loops in
/// a fixed order rather than Eigen's LLT, whose blocked and SIMD (FMA under -march=native) code
/// paths would make the factor depend on the build. Fails when a pivot is not positive and
/// finite or loses more than 12 digits of its variance (numerically singular).
bool cholesky_lower(const Matrix& cov, Matrix& l);

/// Inverse of a lower-triangular matrix by forward substitution, column by column.
Matrix lower_inverse(const Matrix& l);

/// Lower Cholesky factor of `cov` (positive diagonal required), regularised as the kernels
/// document (src/core/transition.cpp): if cholesky_lower fails, the diagonal is inflated by a
/// ridge of 1e-10, 1e-8, ..., 1e-2 times itself; as a last resort the correlations are dropped
/// (the square roots of the diagonal). Deterministic and bounded.
Matrix regularised_cholesky(const Matrix& cov);

/// Stores the lower-triangular matrix `m` row-major into `out` (d * d values).
void store_row_major(const Matrix& m, double* out);

/// out = l * v for a row-major lower-triangular d x d matrix `l`. Inline: the local kernel's
/// density calls it once per particle.
inline void lower_times(const double* l, const double* v, double* out, std::size_t d) {
  for (std::size_t r = 0; r < d; ++r) {
    double s = 0.0;
    for (std::size_t c = 0; c <= r; ++c) s += l[r * d + c] * v[c];
    out[r] = s;
  }
}

}  // namespace abcsmc::detail

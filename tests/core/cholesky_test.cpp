#include "abcsmc/core/detail/cholesky.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "abcsmc/core/rng.hpp"

using abcsmc::Matrix;
using abcsmc::Rng;
using abcsmc::StreamId;
using abcsmc::detail::cholesky_lower;
using abcsmc::detail::lower_inverse;
using abcsmc::detail::regularised_cholesky;

namespace {

/// A B^T + d I: symmetric positive definite, with correlations.
Matrix spd(Eigen::Index d, std::uint64_t seed) {
  Matrix b(d, d);
  Rng rng{StreamId{seed, 0, 0}};
  for (Eigen::Index i = 0; i < d; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) b(i, j) = rng.normal();
  }
  return b * b.transpose() + 0.5 * Matrix::Identity(d, d);
}

Matrix m2(double a, double b, double c, double d) {
  Matrix m(2, 2);
  m << a, b, c, d;
  return m;
}

bool is_lower_with_positive_diagonal(const Matrix& l) {
  for (Eigen::Index r = 0; r < l.rows(); ++r) {
    if (!(l(r, r) > 0.0)) return false;
    for (Eigen::Index c = r + 1; c < l.cols(); ++c) {
      if (l(r, c) != 0.0) return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("cholesky_lower: L L^T reconstructs a positive definite matrix", "[core]") {
  for (Eigen::Index d : {1, 2, 3, 5, 12}) {
    const Matrix a = spd(d, 100 + static_cast<std::uint64_t>(d));
    Matrix l;
    REQUIRE(cholesky_lower(a, l));
    CHECK(is_lower_with_positive_diagonal(l));
    // Backward stable: the residual is a few ulp of the largest entry per summed term.
    const double tol = 16.0 * static_cast<double>(d) * std::numeric_limits<double>::epsilon() *
                       a.cwiseAbs().maxCoeff();
    INFO("d = " << d);
    CHECK((l * l.transpose() - a).cwiseAbs().maxCoeff() <= tol);
  }
  // a diagonal matrix has the square roots on the diagonal, exactly
  Matrix l;
  REQUIRE(cholesky_lower(m2(4.0, 0.0, 0.0, 9.0), l));
  CHECK(l == m2(2.0, 0.0, 0.0, 3.0));
}

TEST_CASE("cholesky_lower reads the lower triangle only", "[core]") {
  const Matrix a = spd(4, 7);
  Matrix garbage = a;
  for (Eigen::Index r = 0; r < 4; ++r) {
    for (Eigen::Index c = r + 1; c < 4; ++c) garbage(r, c) = 1e6 * (r + 1) - c;
  }
  Matrix l1, l2;
  REQUIRE(cholesky_lower(a, l1));
  REQUIRE(cholesky_lower(garbage, l2));
  CHECK(l1 == l2);
}

TEST_CASE("cholesky_lower refuses what is not (numerically) positive definite", "[core]") {
  Matrix l;
  CHECK_FALSE(cholesky_lower(m2(1.0, 2.0, 2.0, 1.0), l));          // eigenvalues 3 and -1
  CHECK_FALSE(cholesky_lower(m2(-1.0, 0.0, 0.0, 1.0), l));         // negative variance
  CHECK_FALSE(cholesky_lower(m2(0.0, 0.0, 0.0, 1.0), l));          // zero pivot
  CHECK_FALSE(cholesky_lower(m2(1.0, 1.0, 1.0, 1.0), l));          // collinear: pivot exactly 0
  CHECK_FALSE(cholesky_lower(m2(1.0, 1.0, 1.0, 1.0 + 1e-13), l));  // pivot keeps < 12 digits
  CHECK(cholesky_lower(m2(1.0, 1.0, 1.0, 1.0 + 1e-11), l));        // keeps more: accepted
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_FALSE(cholesky_lower(m2(nan, 0.0, 0.0, 1.0), l));
  CHECK_FALSE(cholesky_lower(m2(1.0, 0.0, nan, 1.0), l));
  CHECK_FALSE(cholesky_lower(m2(inf, 0.0, 0.0, 1.0), l));
}

TEST_CASE("lower_inverse: L^-1 L = I, lower triangular", "[core]") {
  for (Eigen::Index d : {1, 3, 8}) {
    Matrix l;
    REQUIRE(cholesky_lower(spd(d, 200 + static_cast<std::uint64_t>(d)), l));
    const Matrix x = lower_inverse(l);
    INFO("d = " << d);
    for (Eigen::Index r = 0; r < d; ++r) {
      for (Eigen::Index c = r + 1; c < d; ++c) CHECK(x(r, c) == 0.0);
    }
    // forward substitution is backward stable: |X L - I| ~ d eps cond(L)
    const double cond = l.cwiseAbs().maxCoeff() * x.cwiseAbs().maxCoeff();
    CHECK((x * l - Matrix::Identity(d, d)).cwiseAbs().maxCoeff() <=
          16.0 * static_cast<double>(d) * std::numeric_limits<double>::epsilon() * cond);
  }
}

TEST_CASE("regularised_cholesky: the factor itself when it exists, else a ridge, else the diagonal",
          "[core]") {
  const Matrix a = spd(5, 9);
  Matrix l;
  REQUIRE(cholesky_lower(a, l));
  CHECK(regularised_cholesky(a) == l);

  // collinear: a ridge on the diagonal makes it positive definite, correlations kept
  const Matrix collinear = m2(1.0, 2.0, 2.0, 4.0);
  const Matrix r = regularised_cholesky(collinear);
  CHECK(is_lower_with_positive_diagonal(r));
  const Matrix back = r * r.transpose();
  CHECK(back(1, 0) == Approx(2.0).epsilon(1e-12));
  for (Eigen::Index i = 0; i < 2; ++i) {
    // the diagonal grew by a factor 1 + ridge, ridge in [1e-10, 1e-2]
    const double growth = back(i, i) / collinear(i, i) - 1.0;
    CHECK(growth >= 0.5e-10);
    CHECK(growth <= 1.01e-2);
  }

  // indefinite beyond any ridge up to 1e-2: correlations dropped, sqrt of the diagonal
  CHECK(regularised_cholesky(m2(1.0, 2.0, 2.0, 1.0)) == m2(1.0, 0.0, 0.0, 1.0));
  CHECK(regularised_cholesky(m2(4.0, 3.0, 3.0, 2.0)) == m2(2.0, 0.0, 0.0, std::sqrt(2.0)));
}

TEST_CASE("store_row_major and lower_times: l * v on the row-major lower triangle", "[core]") {
  const Eigen::Index d = 4;
  Matrix full = spd(d, 10);  // upper triangle non-zero: store_row_major must drop it
  std::vector<double> rm(static_cast<std::size_t>(d * d), -1.0);
  abcsmc::detail::store_row_major(full, rm.data());
  for (Eigen::Index r = 0; r < d; ++r) {
    for (Eigen::Index c = 0; c < d; ++c) {
      CHECK(rm[static_cast<std::size_t>(r * d + c)] == (c <= r ? full(r, c) : 0.0));
    }
  }
  const std::vector<double> v = {0.5, -1.0, 2.0, 3.0};
  std::vector<double> out(4);
  abcsmc::detail::lower_times(rm.data(), v.data(), out.data(), 4);
  const Eigen::VectorXd expected =
      full.triangularView<Eigen::Lower>() * Eigen::Map<const Eigen::VectorXd>(v.data(), 4);
  for (Eigen::Index r = 0; r < d; ++r) {
    CHECK(out[static_cast<std::size_t>(r)] == Approx(expected[r]).epsilon(1e-14));
  }
}

#include "abcsmc/core/detail/kernel_support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"

using abcsmc::Matrix;
using abcsmc::Vector;
namespace kd = abcsmc::detail;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Vector vec(std::vector<double> v) {
  return Eigen::Map<Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
}

/// The message of the Error `f` throws ("" when it does not).
template <class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const abcsmc::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("kernel support: normalised_weights normalises and names the kernel in errors",
          "[core]") {
  const Matrix th = Matrix::Ones(3, 2);
  const std::vector<double> w = kd::normalised_weights(th, vec({1.0, 0.0, 3.0}), "k");
  CHECK(w == std::vector<double>{0.25, 0.0, 0.75});

  CHECK(message_of([&] { kd::normalised_weights(Matrix(0, 2), Vector(0), "mvn"); }) ==
        "mvn: cannot fit to an empty population");
  CHECK(message_of([&] {
          kd::normalised_weights(th, vec({1.0, 1.0}), "mvn");
        }) == "mvn: 3 particles but 2 weights");
  Matrix bad = th;
  bad(1, 1) = kNaN;
  CHECK(message_of([&] {
          kd::normalised_weights(bad, vec({1.0, 1.0, 1.0}), "local");
        }) == "local: non-finite particle parameter");
  CHECK(message_of([&] {
          kd::normalised_weights(th, vec({1.0, -0.5, 1.0}), "k");
        }) == "k: weight 1 is -0.5, but weights must be finite and >= 0");
  CHECK(message_of([&] {
          kd::normalised_weights(th, vec({1.0, kInf, 1.0}), "k");
        }) == "k: weight 1 is inf, but weights must be finite and >= 0");
  CHECK(message_of([&] {
          kd::normalised_weights(th, vec({0.0, 0.0, 0.0}), "k");
        }) == "k: all weights are zero");
}

TEST_CASE("kernel support: dimension and scaling checks", "[core]") {
  CHECK_NOTHROW(kd::check_dim(0, 7, "k"));  // 0: any dimension
  CHECK_NOTHROW(kd::check_dim(3, 3, "k"));
  CHECK(message_of([] { kd::check_dim(2, 3, "local"); }) ==
        "local: particles have 3 parameters, the kernel was built for 2");
  CHECK_NOTHROW(kd::check_scaling(0.5));
  for (double s : {0.0, -1.0, kInf, kNaN}) {
    INFO("scaling = " << s);
    CHECK_THROWS_AS(kd::check_scaling(s), abcsmc::ConfigError);
  }
}

TEST_CASE("kernel support: degenerate variances get (|c| / 10)^2, the rest is untouched",
          "[core]") {
  Matrix cov(4, 4);
  cov << 2.0, 0.3, 0.0, 0.1,  //
      0.3, 0.0, 0.0, 0.2,     //
      0.0, 0.0, kNaN, 0.0,    //
      0.1, 0.2, 0.0, 1.5;
  const Matrix before = cov;
  kd::fix_degenerate_variances(cov, vec({1.0, -4.0, 0.0, 2.0}));
  CHECK(cov(1, 1) == (4.0 / 10.0) * (4.0 / 10.0));
  CHECK(cov(2, 2) == 0.1 * 0.1);  // centre 0: sd 0.1
  for (Eigen::Index i = 0; i < 4; ++i) {
    for (Eigen::Index j = 0; j < 4; ++j) {
      INFO(i << ", " << j);
      if (i == j && (i == 1 || i == 2)) continue;
      if (i == 1 || j == 1 || i == 2 || j == 2) {
        CHECK(cov(i, j) == 0.0);  // a fixed parameter is uncorrelated
      } else {
        CHECK(cov(i, j) == before(i, j));
      }
    }
  }
}

TEST_CASE("kernel support: Scratch holds n values on the stack or the heap", "[core]") {
  for (std::size_t n : {std::size_t{1}, kd::kStackDim, kd::kStackDim + 1, std::size_t{500}}) {
    kd::Scratch s(n);
    double* p = s.data();
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<double>(i);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += s.data()[i];
    CHECK(sum == static_cast<double>(n * (n - 1) / 2));
  }
}

// abcsmc's own transcendental functions (core/detmath.hpp): accuracy against long double on
// dense grids, special values, and the properties the determinism contract relies on.
#include "abcsmc/core/detmath.hpp"
#include "abcsmc/core/detail/exp_shifted.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace dm = abcsmc::detmath;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// |got - ref| in units of the last place of ref (as a double; subnormal ulp below 2^-1022).
double ulp_error(double got, long double ref) {
  if (ref == 0.0L) return got == 0.0 ? 0.0 : 1e300;
  int e = std::ilogb(static_cast<double>(ref));
  if (e < -1022) e = -1022;
  const long double ulp = std::ldexp(1.0L, e - 52);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) / ulp);
}

template <class F, class R>
double max_ulp(double lo, double hi, long n, F f, R ref) {
  double worst = 0.0;
  for (long i = 0; i <= n; ++i) {
    const double x = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n);
    worst = std::max(worst, ulp_error(f(x), ref(static_cast<long double>(x))));
  }
  return worst;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
/// Bit-equal (memcmp needs non-null pointers, which empty vectors need not have).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

TEST_CASE("detmath: exp within 1 ulp of long double over its whole range", "[core]") {
  const auto f = [](double x) { return dm::exp(x); };
  const auto r = [](long double x) { return std::exp(x); };
  CHECK(max_ulp(-745.0, 709.78, 2000000, f, r) < 1.0);
  CHECK(max_ulp(-0.35, 0.35, 1000000, f, r) < 1.0);
  CHECK(max_ulp(-1e-9, 1e-9, 100000, f, r) < 1.0);
  CHECK(dm::exp(0.0) == 1.0);
  CHECK(dm::exp(-0.0) == 1.0);
  CHECK(dm::exp(1.0) == Approx(2.718281828459045).epsilon(1e-16));
  CHECK(dm::exp(709.78) < kInf);
  CHECK(dm::exp(709.79) == kInf);
  CHECK(dm::exp(kInf) == kInf);
  CHECK(same_bits(dm::exp(-kInf), 0.0));
  CHECK(dm::exp(-745.0) > 0.0);                // subnormal result
  CHECK(dm::exp(-745.0) == std::exp(-745.0));  // 4.94e-324, the smallest subnormal
  CHECK(dm::exp(-746.0) == 0.0);
  CHECK(std::isnan(dm::exp(kNaN)));
  // subnormal results, within 1 ulp of the subnormal grid
  CHECK(max_ulp(-744.0, -708.5, 200000, f, r) < 1.0);
}

TEST_CASE("detmath: log within 1 ulp of long double, subnormals to the largest double", "[core]") {
  double worst = 0.0;
  for (long i = 0; i <= 2000000; ++i) {
    const double x = std::exp2(-1074.0 + 2097.99 * static_cast<double>(i) / 2e6);
    worst = std::max(worst, ulp_error(dm::log(x), std::log(static_cast<long double>(x))));
  }
  CHECK(worst < 1.0);
  const auto f = [](double x) { return dm::log(x); };
  const auto r = [](long double x) { return std::log(x); };
  CHECK(max_ulp(0.5, 2.0, 2000000, f, r) < 1.0);
  CHECK(max_ulp(1.0 - 1e-6, 1.0 + 1e-6, 200000, f, r) < 1.0);
  CHECK(same_bits(dm::log(1.0), 0.0));
  CHECK(dm::log(0.0) == -kInf);
  CHECK(dm::log(-0.0) == -kInf);
  CHECK(std::isnan(dm::log(-1.0)));
  CHECK(std::isnan(dm::log(-kInf)));
  CHECK(std::isnan(dm::log(kNaN)));
  CHECK(dm::log(kInf) == kInf);
  CHECK(dm::log(std::numeric_limits<double>::denorm_min()) ==
        Approx(-744.4400719213812).epsilon(1e-16));
  CHECK(dm::log(std::numeric_limits<double>::max()) == Approx(709.782712893384).epsilon(1e-16));
}

TEST_CASE("detmath: sin and cos of 2 pi t within 2 ulp, exact reduction", "[core]") {
  double worst = 0.0;
  for (long i = 0; i <= 2000000; ++i) {
    const double t = -1.0 + 3.0 * static_cast<double>(i) / 2e6;
    const dm::SinCos sc = dm::sincos_turn(t);
    // Reference: the same exact quarter-turn reduction in long double, then sinl/cosl.
    const long double q = 4.0L * t;
    const long double qn = std::nearbyint(q);
    const long double a = (q - qn) * 1.570796326794896619231321691639751442L;
    const long double s = std::sin(a), c = std::cos(a);
    long double rs = 0, rc = 0;
    switch (static_cast<long>(qn) & 3) {
      case 0:
        rs = s;
        rc = c;
        break;
      case 1:
        rs = c;
        rc = -s;
        break;
      case 2:
        rs = -s;
        rc = -c;
        break;
      default:
        rs = -c;
        rc = s;
        break;
    }
    worst = std::max({worst, ulp_error(sc.sin, rs), ulp_error(sc.cos, rc)});
  }
  CHECK(worst < 2.0);
  CHECK(dm::sincos_turn(0.0).sin == 0.0);
  CHECK(dm::sincos_turn(0.0).cos == 1.0);
  CHECK(dm::sincos_turn(0.25).sin == 1.0);
  CHECK(dm::sincos_turn(0.25).cos == 0.0);
  CHECK(dm::sincos_turn(0.5).cos == -1.0);
  CHECK(dm::sincos_turn(-0.25).sin == -1.0);
  CHECK(dm::sincos_turn(1e300).cos == 1.0);          // an integer number of turns
  CHECK(dm::sincos_turn(0x1p50 + 0.25).sin == 1.0);  // 2^52 + 1 quarter turns: quadrant 1
  CHECK(dm::sincos_turn(0x1p51 + 0.5).cos == -1.0);  // 2^53 + 2 quarter turns: quadrant 2
  CHECK(dm::sincos_turn(-(0x1p51 + 0.5)).cos == -1.0);
  CHECK(std::isnan(dm::sincos_turn(kInf).sin));
  CHECK(std::isnan(dm::sincos_turn(kNaN).cos));
  // The angle 2 pi t for t in [0, 1) is what Box-Muller uses: sin^2 + cos^2 = 1 to rounding.
  for (double t = 0.0; t < 1.0; t += 0.001) {
    const dm::SinCos sc = dm::sincos_turn(t);
    CHECK(std::abs(sc.sin * sc.sin + sc.cos * sc.cos - 1.0) < 4e-16);
  }
}

TEST_CASE("detmath: log1p within 1 ulp and expm1 within 1.5 ulp", "[core]") {
  const auto l1 = [](double x) { return dm::log1p(x); };
  const auto rl1 = [](long double x) { return std::log1p(x); };
  CHECK(max_ulp(-0.999, 3.0, 1000000, l1, rl1) < 1.0);
  CHECK(max_ulp(-1e-8, 1e-8, 100000, l1, rl1) < 1.0);
  CHECK(max_ulp(3.0, 1e6, 200000, l1, rl1) < 1.0);
  CHECK(dm::log1p(-1.0) == -kInf);
  CHECK(std::isnan(dm::log1p(-2.0)));
  CHECK(same_bits(dm::log1p(-0.0), -0.0));
  CHECK(dm::log1p(1e-300) == 1e-300);
  CHECK(dm::log1p(kInf) == kInf);
  const auto em = [](double x) { return dm::expm1(x); };
  const auto rem = [](long double x) { return std::expm1(x); };
  CHECK(max_ulp(-40.0, 709.7, 2000000, em, rem) < 1.5);
  CHECK(max_ulp(-0.5, 0.5, 1000000, em, rem) < 1.5);
  CHECK(max_ulp(-1e-8, 1e-8, 100000, em, rem) < 1.5);
  CHECK(dm::expm1(-50.0) == -1.0);
  CHECK(dm::expm1(710.0) == kInf);
  CHECK(same_bits(dm::expm1(-0.0), -0.0));
  CHECK(std::isnan(dm::expm1(kNaN)));
}

TEST_CASE("detmath: pow within 2 ulp, and C's special cases", "[core]") {
  double worst = 0.0;
  for (long i = 0; i <= 1000; ++i) {
    const double x = std::exp2(-20.0 + 40.0 * static_cast<double>(i) / 1000.0) * 1.0001;
    for (double y : {0.3, 1.0 / 3.0, 1.5, 2.5, 3.0, -0.7, 7.25, 0.25, 1.0 / 1.7}) {
      const long double ref = std::pow(static_cast<long double>(x), static_cast<long double>(y));
      worst = std::max(worst, ulp_error(dm::pow(x, y), ref));
    }
  }
  CHECK(worst < 2.0);
  // Large |y log x| (results up to 1e300): the error stays small because y log x is computed in
  // double-double.
  double worst_big = 0.0;
  for (long i = 1; i <= 100000; ++i) {
    const double x = 1.0 + static_cast<double>(i) * 1e-3;
    const double y = 690.0 / std::log(x);
    worst_big = std::max(
        worst_big, ulp_error(dm::pow(x, y),
                             std::pow(static_cast<long double>(x), static_cast<long double>(y))));
  }
  CHECK(worst_big < 2.0);
  CHECK(dm::pow(2.0, 10.0) == 1024.0);
  CHECK(dm::pow(3.0, 2.0) == 9.0);
  CHECK(dm::pow(9.0, 0.5) == 3.0);
  CHECK(dm::pow(0.0, 2.5) == 0.0);
  CHECK(dm::pow(0.0, -1.5) == kInf);
  CHECK(dm::pow(-2.0, 3.0) == Approx(-8.0).epsilon(1e-15));
  CHECK(std::isnan(dm::pow(-2.0, 0.5)));
  CHECK(dm::pow(kNaN, 0.0) == 1.0);
  CHECK(dm::pow(1.0, kNaN) == 1.0);
  CHECK(dm::pow(0.5, kInf) == 0.0);
  CHECK(dm::pow(2.0, kInf) == kInf);
  CHECK(dm::pow(kInf, -1.0) == 0.0);
  CHECK(dm::pow(10.0, 400.0) == kInf);
  CHECK(dm::pow(10.0, -400.0) == 0.0);
}

TEST_CASE("detmath: lgamma absolute error below 1e-15 * max(1, |lgamma|)", "[core]") {
  double worst = 0.0;
  for (long i = 1; i <= 400000; ++i) {
    const double x = std::exp2(-30.0 + 50.0 * static_cast<double>(i) / 4e5);
    const long double ref = std::lgamma(static_cast<long double>(x));
    const double err = static_cast<double>(
        std::fabs(static_cast<long double>(dm::lgamma(x)) - ref) / std::max(1.0L, std::fabs(ref)));
    worst = std::max(worst, err);
  }
  INFO("worst lgamma error relative to max(1, |lgamma|): " << std::to_string(worst * 1e16)
                                                           << "e-16");
  CHECK(worst * 1e16 < 10.0);  // 1e-15, compared as a number Catch prints readably
  CHECK(dm::lgamma(1.0) == Approx(0.0).margin(1e-15));
  CHECK(dm::lgamma(0.5) == Approx(0.5723649429247001).epsilon(1e-15));
  CHECK(dm::lgamma(100.0) == Approx(359.1342053695754).epsilon(1e-15));
  CHECK(std::isnan(dm::lgamma(0.0)));
  CHECK(std::isnan(dm::lgamma(-1.5)));
  CHECK(dm::lgamma(kInf) == kInf);
}

TEST_CASE("detmath: erf within 2 ulp and erfc within 3 ulp", "[core]") {
  const auto f = [](double x) { return dm::erf(x); };
  const auto r = [](long double x) { return std::erf(x); };
  CHECK(max_ulp(-6.5, 6.5, 400000, f, r) < 2.0);
  CHECK(max_ulp(-1e-6, 1e-6, 10000, f, r) < 2.0);
  const auto g = [](double x) { return dm::erfc(x); };
  const auto rg = [](long double x) { return std::erfc(x); };
  CHECK(max_ulp(-7.0, 27.0, 400000, g, rg) < 3.0);
  CHECK(dm::erf(0.0) == 0.0);
  CHECK(dm::erf(kInf) == 1.0);
  CHECK(dm::erf(-kInf) == -1.0);
  CHECK(dm::erfc(kInf) == 0.0);
  CHECK(dm::erfc(-kInf) == 2.0);
  CHECK(dm::erfc(30.0) == 0.0);
  CHECK(std::isnan(dm::erf(kNaN)));
  CHECK(std::isnan(dm::erfc(kNaN)));
}

TEST_CASE("kernels' exp loops (AVX2, SSE2, scalar) give the same bits", "[core]") {
  // Which loop runs depends on the CPU (abcsmc/core/detail/exp_shifted.hpp): a cluster with
  // and without AVX2 runs both, so they must agree bit for bit, including every tail length.
  using abcsmc::detail::ExpLoop;
  std::vector<double> e;
  for (int i = 0; i < 4099; ++i)
    e.push_back(-800.0 + 801.0 * std::sin(0.37 * i) * std::sin(0.37 * i));
  e.push_back(-kInf);
  e.push_back(0.0);
  for (std::size_t m : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{5},
                        std::size_t{7}, std::size_t{9}, std::size_t{15}, e.size()}) {
    std::vector<double> scalar(m), sse2(m), avx2(m), best(m);
    REQUIRE(abcsmc::detail::exp_shifted(e.data(), 0.5, scalar.data(), m, ExpLoop::scalar));
    REQUIRE(abcsmc::detail::exp_shifted(e.data(), 0.5, best.data(), m, ExpLoop::best));
    CHECK(same_bits(scalar, best));
    if (abcsmc::detail::exp_shifted(e.data(), 0.5, sse2.data(), m, ExpLoop::sse2)) {
      CHECK(same_bits(scalar, sse2));
    }
    if (abcsmc::detail::exp_shifted(e.data(), 0.5, avx2.data(), m, ExpLoop::avx2)) {
      CHECK(same_bits(scalar, avx2));
    }
  }
  // and close to exp of the rounded argument e - shift (as the loops compute it): a few ulp
  std::vector<double> out(e.size());
  abcsmc::detail::exp_shifted(e.data(), 0.5, out.data(), e.size(), ExpLoop::best);
  for (std::size_t i = 0; i < e.size(); ++i) {
    INFO("e - shift = " << e[i] - 0.5);
    const double x = e[i] - 0.5;
    if (x > -700.0) CHECK(ulp_error(out[i], std::exp(static_cast<long double>(x))) < 4.0);
  }
}

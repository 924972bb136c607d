#include "abcsmc/core/detail/log_sum_exp.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using abcsmc::detail::kChunk;
using abcsmc::detail::LogSumExp;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Adds `e` in blocks of at most `block` terms (the kernels use kChunk).
double lse_of(const std::vector<double>& e, std::size_t block) {
  LogSumExp lse;
  for (std::size_t start = 0; start < e.size(); start += block) {
    lse.add(e.data() + start, std::min(block, e.size() - start));
  }
  return lse.result();
}

/// log sum exp(e) in long double, shifted by the maximum.
double reference(const std::vector<double>& e) {
  long double mx = -kInf;
  for (double x : e) mx = std::max<long double>(mx, x);
  long double s = 0.0L;
  for (double x : e) s += std::exp(static_cast<long double>(x) - mx);
  return static_cast<double>(mx + std::log(s));
}

}  // namespace

TEST_CASE("LogSumExp: empty, all -inf and single terms", "[core]") {
  LogSumExp empty;
  CHECK(empty.result() == -kInf);
  CHECK(lse_of({-kInf, -kInf, -kInf}, kChunk) == -kInf);
  CHECK(lse_of({}, kChunk) == -kInf);
  for (double t : {-1e300, -745.5, -3.25, 0.0, 17.0, 1e300}) {
    INFO("t = " << t);
    CHECK(lse_of({t}, kChunk) == t);  // exp(0) == 1 exactly, log(1) == 0
  }
  CHECK(lse_of({-kInf, 2.0, -kInf}, kChunk) == 2.0);
}

TEST_CASE("LogSumExp: matches long double over many blocks and scales", "[core]") {
  // Terms in [-60, 30] whose running maximum rises late (block rescaling), a second
  // population far below the first (clamped at -708 relative: contributes nothing).
  std::vector<double> e;
  for (int i = 0; i < 1000; ++i) e.push_back(-60.0 + 90.0 * (i / 999.0) * std::fabs(std::sin(i)));
  e.push_back(-kInf);
  const double r = reference(e);
  for (std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{63}, kChunk}) {
    INFO("block = " << block);
    CHECK(std::abs(lse_of(e, block) - r) <=
          8.0 * std::numeric_limits<double>::epsilon() * std::abs(r));
  }
  // no overflow for large terms, no underflow for very negative ones
  CHECK(lse_of({1000.0, 1000.0}, kChunk) == Approx(1000.0 + std::log(2.0)).epsilon(1e-15));
  CHECK(lse_of({-2000.0, -2000.0, -2000.0}, kChunk) ==
        Approx(-2000.0 + std::log(3.0)).epsilon(1e-15));
  CHECK(lse_of({0.0, -1e4}, kChunk) == 0.0);
}

/// Fast Gauss transform for the one-parameter kernel (detail/gauss_sum_1d.hpp).
///
/// For a box with centre c and a query z, u = z - c and t_j = y_j - c:
///   sum_j w_j exp(-(z - y_j)^2 / 2) = exp(-u^2 / 2) sum_j w_j exp(-t_j^2 / 2) exp(u t_j)
///                                   = exp(-u^2 / 2) sum_n A_n u^n,
///   A_n = sum_j w_j exp(-t_j^2 / 2) t_j^n / n!.
/// Truncating after p terms errs by at most a0 e^rho rho^p / p! (Lagrange remainder,
/// rho = |u| max|t_j|); evaluating the series in floating point by at most a0 e^rho gamma, where
/// sum_n |A_n| |u|^n <= a0 e^rho bounds the terms and gamma covers (2 p + 4) roundings. p is the
/// fewest terms that keep rho^p / p! below 1e-17 for the box's rho. Boxes with rho above kRhoMax
/// are summed term by term.
#include "abcsmc/core/detail/gauss_sum_1d.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <utility>

#include "abcsmc/core/detail/constants.hpp"
#include "abcsmc/core/detail/log_sum_exp.hpp"
#include "abcsmc/core/detmath.hpp"

namespace abcsmc::detail {
namespace {

constexpr double kBoxWidth = 0.5;  // in kernel standard deviations: rho <= 2.1 at reach 8.5
constexpr double kRhoMax = 2.2;
/// Each box's series stops at the fewest terms p whose truncation factor rho^p / p! is below
/// kTruncation for every rho in its bin of width 1/16 (most boxes need far fewer than kTerms).
constexpr double kTruncation = 1e-17;
constexpr std::size_t kRhoBins = 36;  // 36 / 16 = 2.25 >= kRhoMax
constexpr std::array<std::size_t, kRhoBins> terms_per_bin() {
  std::array<std::size_t, kRhoBins> out{};
  for (std::size_t bin = 0; bin < kRhoBins; ++bin) {
    const double rho = static_cast<double>(bin + 1) / 16.0;
    double f = 1.0;
    std::size_t p = 0;
    while (p < GaussSum1d::kTerms && f > kTruncation) f *= rho / static_cast<double>(++p);
    out[bin] = p == 0 ? 1 : p;
  }
  return out;
}
constexpr std::array<std::size_t, kRhoBins> kTermsPerBin = terms_per_bin();
static_assert(kTermsPerBin[kRhoBins - 1] <= GaussSum1d::kTerms);
/// e^rho <= exp_bound(rho) on [0, 2.25]: the Taylor polynomial of degree 3 plus the Lagrange
/// remainder's bound e^2.25 rho^4 / 4! (one exp less per box than e^rho itself).
constexpr double exp_bound(double rho) {
  return 1.0 + rho * (1.0 + rho * (0.5 + rho * (1.0 / 6.0 + rho * 0.3967)));
}
/// Rounding of a p-term Horner series, relative to sum |A_n| |u|^n: (2 p + 4) ulps.
constexpr double rounding(std::size_t p) { return (2.0 * static_cast<double>(p) + 4.0) * 1.2e-16; }
/// Per side, the weight left beyond the walk may change the sum by this fraction of it.
constexpr double kSkipTol = GaussSum1d::kRelTol / 8.0;
/// Sums below this take the exact path (their terms would lose bits to underflow).
constexpr double kTinySum = 1e-280;
/// A query this far (in kernel sds) from every centre takes the exact path.
constexpr double kFar = 8.0;

double distance_to(const double z, const double lo, const double hi) {
  if (z < lo) return lo - z;
  if (z > hi) return z - hi;
  return 0.0;
}

}  // namespace

void GaussSum1d::fit(const double* y, const double* w, std::size_t n) {
  boxes_.clear();
  coeff_.clear();
  prefix_w_.assign(1, 0.0);
  y_.clear();
  w_.clear();
  log_w_.clear();
  if (n == 0) return;
  // Sort by centre, ties by index: a total order, so the layout is a function of the input.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return y[a] < y[b] || (y[a] == y[b] && a < b); });
  y_.resize(n);
  w_.resize(n);
  log_w_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    y_[i] = y[order[i]];
    w_[i] = w[order[i]];
    log_w_[i] = detmath::log(w_[i]);
  }
  const double origin = y_.front();
  std::size_t i = 0;
  std::array<double, kTerms> a{};
  while (i < n) {
    const double cell = std::floor((y_[i] - origin) / kBoxWidth);
    const double cell_hi = origin + (cell + 1.0) * kBoxWidth;
    std::size_t end = i + 1;
    while (end < n && y_[end] < cell_hi) ++end;
    Box box{};
    box.centre = origin + (cell + 0.5) * kBoxWidth;
    box.lo = y_[i];
    box.hi = y_[end - 1];
    box.first = i;
    box.count = end - i;
    a.fill(0.0);
    double weight = 0.0;
    for (std::size_t j = i; j < end; ++j) {
      const double t = y_[j] - box.centre;
      box.radius = std::max(box.radius, std::fabs(t));
      double term = w_[j] * detmath::exp(-0.5 * t * t);
      for (std::size_t k = 0; k < kTerms; ++k) {
        a[k] += term;
        term *= t / static_cast<double>(k + 1);
      }
      weight += w_[j];
    }
    box.a0 = a[0];
    for (std::size_t k = kTerms; k-- > 0;) coeff_.push_back(a[k]);
    boxes_.push_back(box);
    prefix_w_.push_back(prefix_w_.back() + weight);
    i = end;
  }
}

double GaussSum1d::box_sum(const Box& b, const double z, const double u, const double g,
                           double& err) const {
  const double rho = std::fabs(u) * b.radius;
  if (rho <= kRhoMax) {
    const std::size_t p = kTermsPerBin[static_cast<std::size_t>(rho * 16.0)];
    const double* c =
        coeff_.data() + static_cast<std::size_t>(&b - boxes_.data()) * kTerms + (kTerms - p);
    double s = c[0];
    for (std::size_t k = 1; k < p; ++k) s = s * u + c[k];
    err += b.a0 * g * exp_bound(rho) * (kTruncation + rounding(p));
    return g * s;
  }
  double s = 0.0;
  for (std::size_t j = b.first; j < b.first + b.count; ++j) {
    const double t = z - y_[j];
    s += w_[j] * detmath::exp(-0.5 * t * t);
  }
  err += s * 4e-16 * static_cast<double>(b.count);
  return s;
}

double GaussSum1d::log_sum(const double z, bool* exact) const {
  if (exact != nullptr) *exact = true;
  if (boxes_.empty()) return -kInf;
  const std::size_t nb = boxes_.size();
  // right: first box starting above z; left: the one before it.
  const auto it = std::upper_bound(boxes_.begin(), boxes_.end(), z,
                                   [](double v, const Box& b) { return v < b.lo; });
  std::size_t right = static_cast<std::size_t>(it - boxes_.begin());
  std::size_t left = right;  // next box to the left is left - 1
  const double d_left = left > 0 ? distance_to(z, boxes_[left - 1].lo, boxes_[left - 1].hi) : kInf;
  const double d_right = right < nb ? distance_to(z, boxes_[right].lo, boxes_[right].hi) : kInf;
  if (!(std::min(d_left, d_right) <= kFar)) return log_sum_exact(z);
  double sum = 0.0;
  double err = 0.0;
  std::size_t visited = 0;
  bool left_open = left > 0;
  bool right_open = right < nb;
  while (left_open || right_open) {
    const double dl = left_open ? distance_to(z, boxes_[left - 1].lo, boxes_[left - 1].hi) : kInf;
    const double dr = right_open ? distance_to(z, boxes_[right].lo, boxes_[right].hi) : kInf;
    const bool take_left = dl <= dr;
    const Box& b = take_left ? boxes_[left - 1] : boxes_[right];
    const double u = z - b.centre;
    const double g = detmath::exp(-0.5 * u * u);
    // Every box from here outward on this side is at least d = (dl or dr) away, and d >= |u| - r
    // (r = the box's radius), so exp(-d^2 / 2) <= g exp(r |u| + r^2 / 2): the box's own exp
    // bounds the weight left on this side.
    const double ru = b.radius * std::fabs(u);
    const double spread = ru <= 2.25 ? exp_bound(ru) * exp_bound(0.5 * b.radius * b.radius)
                                     : detmath::exp(ru + 0.5 * b.radius * b.radius);
    const double rest = take_left ? prefix_w_[left] : prefix_w_[nb] - prefix_w_[right];
    const double bound = rest * std::min(1.0, g * spread);
    if (sum > 0.0 && bound <= kSkipTol * sum) {
      err += bound;
      (take_left ? left_open : right_open) = false;
      continue;
    }
    ++visited;
    sum += box_sum(b, z, u, g, err);
    if (take_left) {
      left_open = --left > 0;
    } else {
      right_open = ++right < nb;
    }
  }
  err += sum * 1.2e-16 * static_cast<double>(visited);  // the additions of the boxes' sums
  if (!(sum > kTinySum) || err > kRelTol * (sum - err)) return log_sum_exact(z);
  if (exact != nullptr) *exact = false;
  return detmath::log(sum);
}

double GaussSum1d::log_sum_exact(const double z) const {
  LogSumExp lse;
  std::array<double, kChunk> e{};
  for (std::size_t start = 0; start < y_.size(); start += kChunk) {
    const std::size_t m = std::min(kChunk, y_.size() - start);
    for (std::size_t i = 0; i < m; ++i) {
      const double t = z - y_[start + i];
      e[i] = log_w_[start + i] - 0.5 * t * t;
    }
    lse.add(e.data(), m);
  }
  return lse.result();
}

}  // namespace abcsmc::detail

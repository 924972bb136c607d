#pragma once
/// The one-parameter kernel's mixture density in O(1) per query (src/core/gauss_sum_1d.cpp): a
/// fast Gauss transform with a per-query error bound, so that importance weights cost O(n log n)
/// per generation instead of O(n^2). Internal to abcsmc_core.
#include <cstddef>
#include <vector>

namespace abcsmc::detail {

/// log sum_j w_j exp(-(z - y_j)^2 / 2) over fixed centres y_j (whitened: unit kernel variance).
///
/// The centres are binned into boxes of width 1/2; each box keeps the Taylor coefficients of
/// exp(u t) in u = z - centre (t = y_j - centre), so a box costs kTerms multiply-adds whatever
/// its particle count. A query walks the boxes outward from z and stops on each side when the
/// weight left there cannot change the sum by more than kRelTol / 8 of it. The bound of every
/// step (skipped mass, series truncation, rounding) is added up; a query whose total exceeds
/// kRelTol of its sum, or whose sum would underflow, takes the exact log-sum-exp instead. So
/// every result is within kRelTol (relative) of the exact sum and depends on the centres,
/// weights and z only: deterministic, whatever the threads or ranks.
class GaussSum1d {
 public:
  /// Relative error bound of log_sum's exp (documented as <= 1e-12, with margin).
  static constexpr double kRelTol = 2e-13;
  /// Series terms per box.
  static constexpr std::size_t kTerms = 26;

  /// Centres and weights (w_j > 0, not necessarily normalised), n of them.
  void fit(const double* y, const double* w, std::size_t n);
  /// log sum_j w_j exp(-(z - y_j)^2 / 2); -inf for an empty fit. `exact`, if given, says
  /// whether the query took the exact path.
  double log_sum(double z, bool* exact = nullptr) const;
  /// The same, always by the exact log-sum-exp (the test oracle and the fallback).
  double log_sum_exact(double z) const;
  /// Number of non-empty boxes (tests).
  std::size_t boxes() const { return boxes_.size(); }

 private:
  struct Box {
    double centre;
    double lo, hi;  // smallest and largest centre in the box
    double radius;  // max |y_j - centre|
    double a0;      // sum w_j exp(-t_j^2 / 2), the series' leading coefficient
    std::size_t first, count;
  };
  /// Contribution of box b to the sum at z (u = z - centre, g = exp(-u^2 / 2)), adding its
  /// error bound to `err`.
  double box_sum(const Box& b, double z, double u, double g, double& err) const;

  std::vector<Box> boxes_;        // non-empty boxes, ascending
  std::vector<double> coeff_;     // kTerms per box, highest power first (Horner order)
  std::vector<double> prefix_w_;  // prefix sums of box weights, boxes_.size() + 1
  std::vector<double> y_;         // sorted centres
  std::vector<double> w_;         // their weights
  std::vector<double> log_w_;     // log of w_
};

}  // namespace abcsmc::detail

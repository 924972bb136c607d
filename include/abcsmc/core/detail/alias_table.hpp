#pragma once
/// The kernels' particle chooser (src/core/alias_table.cpp). Internal to abcsmc_core.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/rng.hpp"

namespace abcsmc::detail {

/// Chooses particle j with probability w_j in O(1): Walker's alias method (Vose's stable
/// construction). One rng.uniform() gives both the column and the coin. A binary search on
/// cumulative weights costs ~10 unpredictable branches per proposal, which showed up as 10% of a
/// B1 run.
class AliasTable {
 public:
  /// Builds the table for weights `w` (>= 0, not all zero; normalised here by their sum).
  void fit(const std::vector<double>& w);
  /// Draws an index with probability w_i / sum(w). Inline: one call per proposal.
  /// @throws Error before the first fit() (a kernel asked to propose before it was fitted).
  std::size_t choose(Rng& rng) const {
    if (prob_.empty()) throw Error("transition: propose() called before fit()");
    const double u = rng.uniform() * static_cast<double>(prob_.size());
    const std::size_t i = std::min(static_cast<std::size_t>(u), prob_.size() - 1);
    return (u - static_cast<double>(i)) < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<std::size_t> alias_;
};

}  // namespace abcsmc::detail

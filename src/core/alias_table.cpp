#include "abcsmc/core/detail/alias_table.hpp"

namespace abcsmc::detail {

void AliasTable::fit(const std::vector<double>& w) {
  const std::size_t n = w.size();
  prob_.assign(n, 1.0);
  alias_.resize(n);
  double total = 0.0;
  for (double x : w) total += x;
  std::vector<double> scaled(n);
  std::vector<std::size_t> small;
  std::vector<std::size_t> large;
  for (std::size_t i = 0; i < n; ++i) {
    alias_[i] = i;
    scaled[i] = w[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  while (!small.empty() && !large.empty()) {
    const std::size_t s = small.back();
    small.pop_back();
    const std::size_t l = large.back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Columns left in either list keep probability 1 (rounding leftovers).
}

}  // namespace abcsmc::detail

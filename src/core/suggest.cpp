#include "abcsmc/core/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace abcsmc {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub =
          prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::size_t best = static_cast<std::size_t>(-1);
  const std::string* best_name = nullptr;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      best_name = &c;
    }
  }
  // Allow about one typo per three characters, at least two.
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  if (best_name == nullptr || best > limit) return "";
  return " Did you mean '" + *best_name + "'?";
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

}  // namespace abcsmc

#pragma once
/// "Did you mean" hints for misspelled names.
#include <string>
#include <vector>

namespace abcsmc {

/// Levenshtein edit distance.
std::size_t edit_distance(const std::string& a, const std::string& b);

/// Returns " Did you mean 'x'?" for the closest candidate within a small edit distance, or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

/// Joins names as "'a', 'b' or 'c'" for messages.
std::string quoted_list(const std::vector<std::string>& names);

}  // namespace abcsmc

#pragma once
/// Statistics from a simulator's text output (external commands' stdout or {output} file).
#include <string>
#include <vector>

#include "abcsmc/core/model.hpp"

namespace abcsmc {

/// Reads statistics from a program's text: either whitespace-separated numbers in order, or
/// lines `name value...` (`x 1 2 3` for an array, or `x[0] 1` per element), in any order.
/// @throws ModelError for a wrong count, unknown, repeated or missing names, or a non-number.
void parse_statistics_text(const std::string& text, const std::vector<StatSpec>& statistics,
                           Vector& out);

}  // namespace abcsmc

#pragma once
/// Failure reasons from a simulator's own text (ModelError::reason(), core/error.hpp), and its
/// stderr quoted in failure messages.
#include <cstddef>
#include <string>
#include <string_view>

namespace abcsmc {

/// Longest reason_text() result, in bytes ("..." included).
inline constexpr std::size_t kReasonTextBytes = 80;

/// A short reason from what a simulator said (a stderr tail, a plugin's error message, an
/// exception's what()), so that failures of one kind share it: the last non-empty line,
/// trimmed; control characters as '?'; every number not inside a word (decimal with sign,
/// fraction or exponent; 0x hex) as '#', since values differ per candidate; at most
/// kReasonTextBytes bytes, cut at a UTF-8 character boundary and ending "...". "" when the
/// text has no non-blank line.
/// Example: "  ODE solver diverged at t=-1.5e-3 (step 12)\n" -> "ODE solver diverged at t=# (step
/// #)".
std::string reason_text(std::string_view text);

/// Lines of a simulator's stderr quoted in its failure messages (stderr_lines_text).
inline constexpr std::size_t kStderrLines = 5;

/// For a failure message: "; last lines of its stderr:" and the last kStderrLines non-empty
/// lines of `tail`, each on its own indented line, or "; its stderr was empty".
std::string stderr_lines_text(const std::string& tail);

}  // namespace abcsmc

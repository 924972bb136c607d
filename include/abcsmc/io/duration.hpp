#pragma once
/// Durations as users write them in configs and on the command line ("90", "90s", "30m", "2h",
/// "1d"), the same forms as pyABC's `--runtime`.
#include <string>

namespace abcsmc::io {

/// Parses a duration into seconds: a number of seconds ("90", "1.5"), or a number followed by
/// one unit `s` (seconds), `m` (minutes), `h` (hours) or `d` (days), e.g. "3600s", "30m", "2h",
/// "2d". Blanks around the number and before the unit are allowed. Any rank.
/// @param text the duration as written
/// @return the duration in seconds (finite, >= 0)
/// @throws ConfigError when `text` is not such a duration or is negative; the message quotes the
///         text and lists the valid forms, and has no file/line (callers add it).
double parse_duration_seconds(const std::string& text);

}  // namespace abcsmc::io

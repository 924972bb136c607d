#pragma once
/// Why candidates failed: counts by reason and the first failure's full message. What the log
/// prints per generation (`failed=85: exit status 1 "ODE solver diverged" x80, timed out after
/// 5 s x5`), the results file stores and `inspect` shows.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace abcsmc {

/// Reasons are capped at this many bytes (a simulator's stderr line can be long); the full
/// text stays in the first failure's message.
inline constexpr std::size_t kMaxReasonBytes = 200;

struct FailureTally {
  /// (reason, count), most frequent first, ties by reason: a deterministic order.
  std::vector<std::pair<std::string, std::uint64_t>> by_reason;
  /// The full message of the failure with the smallest (index, attempt); "" when none failed.
  std::string first_message;
  std::uint64_t first_index = 0;
  std::uint64_t first_attempt = 0;

  std::uint64_t total() const;
  bool empty() const { return by_reason.empty(); }
  /// `exit status 1 "x" x80, timed out after 5 s x5` (at most `max_reasons`, then `+ 3 more`).
  std::string summary(std::size_t max_reasons = 5) const;
  /// Adds every count of `other` (first message: the smaller key wins).
  void merge(const FailureTally& other);
  /// Puts by_reason in its canonical order.
  void sort();
};

/// `text` with every byte that is not part of valid UTF-8 replaced by '?'.
std::string valid_utf8(const std::string& text);

/// `reason` cut to kMaxReasonBytes at a UTF-8 boundary, control characters replaced by spaces,
/// and never empty.
std::string clean_reason(const std::string& reason);

}  // namespace abcsmc

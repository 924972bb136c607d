#include "abcsmc/core/failures.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace abcsmc {

std::uint64_t FailureTally::total() const {
  std::uint64_t n = 0;
  for (const auto& [reason, count] : by_reason) n += count;
  return n;
}

std::string FailureTally::summary(std::size_t max_reasons) const {
  std::string out;
  for (std::size_t i = 0; i < by_reason.size() && i < max_reasons; ++i) {
    if (i > 0) out += ", ";
    out += by_reason[i].first + " x" + std::to_string(by_reason[i].second);
  }
  if (by_reason.size() > max_reasons) {
    out += ", + " + std::to_string(by_reason.size() - max_reasons) + " more";
  }
  return out;
}

void FailureTally::sort() {
  std::sort(by_reason.begin(), by_reason.end(), [](const auto& a, const auto& b) {
    return std::tie(b.second, a.first) < std::tie(a.second, b.first);
  });
}

void FailureTally::merge(const FailureTally& other) {
  if (other.empty()) return;
  std::map<std::string, std::uint64_t> counts(by_reason.begin(), by_reason.end());
  for (const auto& [reason, count] : other.by_reason) counts[reason] += count;
  const bool take_first = empty() || std::tie(other.first_index, other.first_attempt) <
                                         std::tie(first_index, first_attempt);
  by_reason.assign(counts.begin(), counts.end());
  sort();
  if (take_first) {
    first_message = other.first_message;
    first_index = other.first_index;
    first_attempt = other.first_attempt;
  }
}

namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  // Overlong forms, surrogates and code points above U+10FFFF.
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;
  if (c == 0xED && b(i + 1) > 0x9F) return 0;
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;
  if (c == 0xF4 && b(i + 1) > 0x8F) return 0;
  return n;
}

}  // namespace

std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += '?';
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

std::string clean_reason(const std::string& reason) {
  // Reasons come from simulators' stderr and end up as HDF5 UTF-8 strings: keep them valid.
  std::string out;
  for (char c : valid_utf8(reason)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  if (out.size() > kMaxReasonBytes) {
    std::size_t cut = kMaxReasonBytes;
    // Step back over UTF-8 continuation bytes so that a multi-byte character is not split.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.empty()) out = "the simulation failed";
  return out;
}

}  // namespace abcsmc

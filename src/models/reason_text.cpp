// Failure reasons from a simulator's own text: last line, numbers as '#', capped.
#include "abcsmc/models/reason_text.hpp"

#include <cctype>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace abcsmc {

namespace {

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

/// The last line of `text` with a non-blank character, trimmed.
std::string_view last_line(std::string_view text) {
  std::string_view found;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    if (!line.empty()) found = line;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return found;
}

/// The end of the number starting at `i` (after an optional sign), or `i` when none starts there.
std::size_t number_end(std::string_view s, std::size_t i) {
  std::size_t j = i;
  if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
  const std::size_t digits = j;
  if (j + 2 < s.size() && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X') && is_hex(s[j + 2])) {
    j += 2;
    while (j < s.size() && is_hex(s[j])) ++j;
    return j;
  }
  while (j < s.size() && is_digit(s[j])) ++j;
  if (j < s.size() && s[j] == '.' && j + 1 < s.size() && is_digit(s[j + 1])) {
    ++j;
    while (j < s.size() && is_digit(s[j])) ++j;
  }
  if (j == digits) return i;  // no digit: not a number
  if (j + 1 < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    std::size_t k = j + 1;
    if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
    if (k < s.size() && is_digit(s[k])) {
      while (k < s.size() && is_digit(s[k])) ++k;
      j = k;
    }
  }
  return j;
}

}  // namespace

std::string reason_text(std::string_view text) {
  const std::string_view line = last_line(text);
  std::string out;
  for (std::size_t i = 0; i < line.size() && out.size() <= 4 * kReasonTextBytes;) {
    const char c = line[i];
    if (i == 0 || !is_word(line[i - 1])) {
      const std::size_t end = number_end(line, i);
      if (end > i && (end == line.size() || !is_word(line[end]))) {  // not "3rd" or "2D"
        out += '#';
        i = end;
        continue;
      }
    }
    if (is_word(c)) {  // copy the whole word: digits inside it ("x86_64", "v2") stay
      while (i < line.size() && is_word(line[i])) out += line[i++];
      continue;
    }
    out += std::iscntrl(static_cast<unsigned char>(c)) ? '?' : c;
    ++i;
  }
  if (out.size() > kReasonTextBytes) {
    std::size_t cut = kReasonTextBytes - 3;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string stderr_lines_text(const std::string& tail) {
  std::vector<std::string> lines;
  std::istringstream in(tail);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) return "; its stderr was empty";
  const std::size_t first = lines.size() > kStderrLines ? lines.size() - kStderrLines : 0;
  std::string out = "; last lines of its stderr:";
  for (std::size_t i = first; i < lines.size(); ++i) out += "\n    " + lines[i];
  return out;
}

}  // namespace abcsmc

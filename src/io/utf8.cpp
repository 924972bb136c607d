#include "utf8.hpp"

#include <cstdio>

namespace abcsmc::io::detail {

namespace {

/// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;  // bounds of the second byte (RFC 3629 table)
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // continuation byte, overlong C0/C1, or F5..FF
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

std::string hex_byte(unsigned char b) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%02x", static_cast<unsigned>(b));
  return buffer;
}

}  // namespace

std::string utf8_problem(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      return "it contains a NUL character at position " + std::to_string(i + 1);
    }
    const std::size_t length = sequence_length(text, i);
    if (length == 0) {
      return "byte 0x" + hex_byte(static_cast<unsigned char>(text[i])) + " at position " +
             std::to_string(i + 1) + " is not valid UTF-8";
    }
    i += length;
  }
  return "";
}

std::string printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t length = sequence_length(text, i);
    if (length == 0 || b < 0x20 || b == 0x7F) {
      out += "\\x" + hex_byte(b);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace abcsmc::io::detail

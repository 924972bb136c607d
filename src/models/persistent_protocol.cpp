// The persistent-simulator protocol's text (docs/persistent-protocol.md): the hello and request
// lines abcsmc writes, and the validation of the child's ready and reply lines.
#include "abcsmc/models/persistent_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

namespace abcsmc::persistent {

namespace {

/// Splits at runs of spaces and tabs, keeping at most `max_words` words (the rest of the line
/// then is the last word, for a fail message).
std::vector<std::string_view> protocol_words(std::string_view line, std::size_t max_words) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i == line.size()) break;
    if (words.size() + 1 == max_words) {
      std::size_t end = line.size();
      while (end > i && blank(line[end - 1])) --end;
      words.push_back(line.substr(i, end - i));
      break;
    }
    std::size_t j = i;
    while (j < line.size() && !blank(line[j])) ++j;
    words.push_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

bool read_u64(std::string_view word, std::uint64_t& out) {
  if (word.empty() || word.size() > 20) return false;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
  return ec == std::errc() && end == word.data() + word.size();
}

/// A number as a reply gives it: what from_chars reads (decimal or exponent form, inf, nan), and
/// a leading '+', which some printf-alikes write.
bool read_number(std::string_view word, double& out) {
  if (!word.empty() && word.front() == '+') word.remove_prefix(1);
  if (word.empty() || (word.front() == '-' && word.size() == 1)) return false;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
  if (ec == std::errc::result_out_of_range) {
    // Underflow to a subnormal or zero, or overflow: strtod's answer (from_chars leaves out
    // untouched here).
    const std::string copy(word);
    char* stop = nullptr;
    out = std::strtod(copy.c_str(), &stop);
    return stop == copy.c_str() + copy.size();
  }
  return ec == std::errc() && end == word.data() + word.size();
}

/// A line with its trailing '\r' dropped (a child writing CRLF).
std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string quoted_excerpt(std::string_view line) {
  std::string s;
  for (char c : line.substr(0, 80)) {
    s += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  }
  return "'" + s + (line.size() > 80 ? "...'" : "'");
}

Reply malformed(std::string message, std::string reason) {
  Reply r;
  r.kind = Reply::Kind::malformed;
  r.message = std::move(message);
  r.reason = std::move(reason);
  return r;
}

}  // namespace

std::size_t max_reply_line(std::size_t n_stats) { return 64 + 40 * n_stats + kMaxMessageBytes; }

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == ' ' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

bool valid_option_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
  });
}

std::string encode_hello(const Hello& hello) {
  std::string out = std::string(kHelloMagic) + " " + std::to_string(kProtocolVersion) + "\n";
  out += "parameters " + std::to_string(hello.parameters.size());
  for (const auto& p : hello.parameters) out += " " + p;
  out += "\nstatistics " + std::to_string(hello.statistics.size());
  for (const auto& s : hello.statistics) out += " " + s.name + " " + std::to_string(s.size);
  out += "\n";
  for (const auto& [key, value] : hello.options) out += "option " + key + " " + value + "\n";
  out += "batch " + std::to_string(hello.max_batch) + "\nend\n";
  return out;
}

std::string parse_ready(std::string_view raw, Ready& out) {
  const std::string_view line = without_cr(raw);
  if (line.size() > kMaxReadyLine) return "wrote a line of more than 4096 bytes before ready";
  if (line.find('\0') != std::string_view::npos) return "wrote a NUL byte before ready";
  const auto words = protocol_words(line, 0);
  if (words.empty() || words[0] != "ready") {
    return "wrote " + quoted_excerpt(line) +
           " where 'ready 1' was expected (stdout is the protocol channel: print logs to stderr)";
  }
  std::uint64_t version = 0;
  if (words.size() < 2 || !read_u64(words[1], version)) {
    return "wrote " + quoted_excerpt(line) + ", a ready line without a protocol version";
  }
  if (version != static_cast<std::uint64_t>(kProtocolVersion)) {
    return "speaks protocol version " + std::string(words[1]) + ", abcsmc speaks version " +
           std::to_string(kProtocolVersion);
  }
  Ready r;
  r.version = kProtocolVersion;
  if (words.size() % 2 != 0) {
    return "wrote " + quoted_excerpt(line) + ": after the version, ready takes key value pairs";
  }
  for (std::size_t i = 2; i + 1 < words.size(); i += 2) {
    if (words[i] == "batch") {
      std::uint64_t n = 0;
      if (!read_u64(words[i + 1], n) || n == 0) {
        return "wrote " + quoted_excerpt(line) + ": batch takes a whole number >= 1";
      }
      r.max_batch = static_cast<std::size_t>(std::min<std::uint64_t>(n, kMaxBatch));
    }
    // Other keys are for later versions of the protocol: ignored, as the document says.
  }
  out = r;
  return "";
}

std::string number_token(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, end);
}

void append_request(std::string& out, std::uint64_t id, std::uint64_t seed, const Vector& theta) {
  char buf[64];
  out += "sim ";
  out.append(buf, std::to_chars(buf, buf + sizeof buf, id).ptr);
  out += ' ';
  out.append(buf, std::to_chars(buf, buf + sizeof buf, seed).ptr);
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    out += ' ';
    out += number_token(theta[i]);
  }
  out += '\n';
}

void append_batch_header(std::string& out, std::size_t k) {
  out += "batch " + std::to_string(k) + "\n";
}

Reply parse_reply(std::string_view raw, std::uint64_t id, Vector& stats) {
  const std::string_view line = without_cr(raw);
  const std::size_t n = static_cast<std::size_t>(stats.size());
  if (line.size() > max_reply_line(n)) {
    return malformed("replied with a line of " + std::to_string(line.size()) +
                         " bytes, longer than the " + std::to_string(max_reply_line(n)) +
                         " accepted",
                     "replied with a line that is too long");
  }
  if (line.find('\0') != std::string_view::npos) {
    return malformed("replied with a NUL byte", "replied with a NUL byte");
  }
  const std::size_t space = line.find_first_of(" \t");
  const std::string_view head = line.substr(0, space);
  if (head != "ok" && head != "fail") {
    return malformed("replied " + quoted_excerpt(line) + ", not 'ok <id> ...' or 'fail <id> ...'",
                     "replied with something other than ok or fail");
  }
  const auto words = protocol_words(line, head == "fail" ? 3 : 0);
  std::uint64_t got = 0;
  if (words.size() < 2 || !read_u64(words[1], got)) {
    return malformed("replied " + quoted_excerpt(line) + " without a request id",
                     "replied without a request id");
  }
  if (got < id) {
    Reply r = malformed("replied to request " + std::string(words[1]) + " again when " +
                            std::to_string(id) + " was expected (an extra reply line)",
                        "wrote an extra reply line");
    r.kind = Reply::Kind::stale;
    return r;
  }
  if (got != id) {
    return malformed("replied to request " + std::string(words[1]) + " when " + std::to_string(id) +
                         " was expected",
                     "replied to another request than the one sent");
  }
  if (head == "fail") {
    Reply r;
    r.kind = Reply::Kind::fail;
    r.message = words.size() > 2 ? std::string(words[2].substr(0, kMaxMessageBytes)) : "";
    for (char& c : r.message) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    return r;
  }
  if (words.size() - 2 != n) {
    return malformed("replied with " + std::to_string(words.size() - 2) + " numbers, " +
                         std::to_string(n) + " statistics expected",
                     "replied with " + std::to_string(words.size() - 2) + " numbers, " +
                         std::to_string(n) + " statistics expected");
  }
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0.0;
    if (!read_number(words[i + 2], v)) {
      return malformed("replied with " + quoted_excerpt(words[i + 2]) + " as statistic " +
                           std::to_string(i) + ", which is not a number",
                       "replied with a non-number among its statistics");
    }
    stats[static_cast<Eigen::Index>(i)] = v;
  }
  Reply r;
  r.kind = Reply::Kind::ok;
  return r;
}

}  // namespace abcsmc::persistent

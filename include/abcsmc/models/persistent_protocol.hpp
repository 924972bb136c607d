#pragma once
/// The persistent-simulator protocol (docs/persistent-protocol.md): the text abcsmc writes to a
/// persistent child's stdin and the parsing of what the child writes back on its stdout. Pure
/// functions, no I/O, so that the framing is unit-testable and the child's output, which is
/// untrusted input, is validated in one place.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc::persistent {

/// The protocol version abcsmc speaks (the first line of the hello).
inline constexpr int kProtocolVersion = 1;
/// The first word of the hello's first line.
inline constexpr std::string_view kHelloMagic = "abcsmc-persistent";
/// A `fail` message longer than this is cut (messages are for people, one line).
inline constexpr std::size_t kMaxMessageBytes = 4096;
/// A batch never holds more candidates than this, whatever the child announces.
inline constexpr std::size_t kMaxBatch = 1u << 16;

/// The longest reply line accepted for `n_stats` statistics: 40 bytes a number (a %.17g or repr
/// number has at most 24) plus room for the id and a failure message. A longer line is
/// malformed (a child that prints a megabyte of log on stdout must not make abcsmc buffer
/// without bound).
std::size_t max_reply_line(std::size_t n_stats);
/// The longest `ready` line accepted.
inline constexpr std::size_t kMaxReadyLine = 4096;

/// What the hello announces.
struct Hello {
  std::vector<std::string> parameters;                       ///< in theta order
  std::vector<StatSpec> statistics;                          ///< in the order replies give them
  std::vector<std::pair<std::string, std::string>> options;  ///< config `options:`, as text
  std::size_t max_batch = 0;  ///< abcsmc sends batches of up to this many (0: never)
};

/// True when `name` can travel in a hello: non-empty, at most 256 bytes, no blank, no control
/// character (names are space-separated words).
bool valid_name(std::string_view name);
/// True when an option value can travel: no line break or other control character but tab.
bool valid_option_value(std::string_view value);

/// The hello, every line ending in '\n' (its last line is `end`). Names must be valid_name and
/// option values valid_option_value (callers check; the model's constructor does).
std::string encode_hello(const Hello& hello);

/// What the child's `ready` line says.
struct Ready {
  int version = 0;
  std::size_t max_batch = 1;  ///< the most candidates the child takes in one batch (1: no batches)
};

/// Parses the child's answer to the hello (one line, without its '\n').
/// @returns the error ("" when it is a good ready line of version kProtocolVersion) in words
///          fit for a message: "wrote 'hello' before ready", "speaks protocol version 2, ...".
std::string parse_ready(std::string_view line, Ready& out);

/// Appends one request line `sim <id> <seed> <theta...>\n`: numbers in their shortest exact
/// form (std::to_chars; reads back to the same double).
void append_request(std::string& out, std::uint64_t id, std::uint64_t seed, const Vector& theta);
/// Appends `batch <k>\n`, the line that announces k request lines.
void append_batch_header(std::string& out, std::size_t k);

/// A parsed reply line.
struct Reply {
  /// stale: an ok or fail line for an earlier request (the child wrote more replies than it was
  /// sent requests: it is out of step, through no fault of the request now waiting).
  enum class Kind { ok, fail, malformed, stale } kind = Kind::malformed;
  /// fail: the child's message (cut at kMaxMessageBytes). malformed, stale: what is wrong, with
  /// values ("replied with 3 numbers, 2 statistics expected").
  std::string message;
  /// malformed: the same without per-candidate values, for failure reasons ("replied with the
  /// wrong number of statistics").
  std::string reason;
};

/// Parses one reply line (without its '\n') to the request `id`, filling `stats` (already sized
/// to the number of statistics) when it is `ok`. Malformed: an empty line, a first word other
/// than ok or fail, a missing or different id, a non-number among the statistics, too few or too
/// many numbers, a line longer than max_reply_line, a NUL byte. Stale: an id below `id`.
Reply parse_reply(std::string_view line, std::uint64_t id, Vector& stats);

/// The shortest text that reads back to the same double (as Python's repr; "nan", "inf").
std::string number_token(double x);

}  // namespace abcsmc::persistent

#pragma once
/// Byte-level encoding of what distributed samplers exchange (DESIGN.md section 3): the
/// generation's plain-data spec, the sample request, and batches of evaluation results.
/// No MPI here: the MPI sampler and the Redis bridge both move these bytes, and the format is
/// unit-tested in one process.
///
/// Format: little-endian fixed-width integers; doubles as their IEEE-754 bit pattern (so NaN
/// payloads, infinities and signed zeros survive bit for bit); a vector or string is its
/// length (u64) followed by its elements. Every top-level message starts with the format
/// version byte (kWireVersion) and a message-kind byte. Readers check every length against the
/// bytes left and throw Error on malformed input; they never read past the buffer.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abcsmc/core/evaluator.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// Version of the byte format; bumped on any incompatible change.
inline constexpr std::uint8_t kWireVersion = 2;  // 2: failure reasons in result logs

/// The abcsmc release this library was built as ("0.9.0"): what a Redis master publishes with
/// its run beside kWireVersion, and what a worker names when it cannot serve a run of another
/// wire version. Any rank.
const char* software_version();

/// Kinds of top-level messages (the byte after the version).
enum class WireKind : std::uint8_t {
  generation = 1,  ///< master -> workers: one generation (GenerationMessage)
  stop = 2,        ///< master -> workers: the run is over
  request = 3,     ///< worker -> master: "give me work" (dynamic)
  work = 4,        ///< master -> worker: a batch of indices or slots (WorkBlock)
  end = 5,         ///< master -> worker: no more work in this generation
  result = 6,      ///< worker -> master: results of one batch (ResultMessage)
  cancel = 7,      ///< master -> worker: the round is complete; skip work not started yet
  progress = 8,    ///< worker -> master: counts so far in a static round (ProgressMessage)
};

/// Appends encoded values to a byte buffer.
class WireWriter {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void f64(double v);
  void boolean(bool v) { u8(v ? 1 : 0); }
  void string(const std::string& s);
  void vector(const Vector& v);
  /// Starts a top-level message: version byte and kind.
  void header(WireKind kind);

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
};

/// Reads encoded values from a byte span; every read is bounds-checked.
class WireReader {
 public:
  explicit WireReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  /// @throws Error when the input ends before the value.
  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  double f64();
  /// @throws Error on a byte other than 0 or 1.
  bool boolean();
  std::string string();
  Vector vector();
  /// Reads a top-level message's version and kind. @throws Error on another format version.
  WireKind header();
  /// Bytes not read yet.
  std::size_t remaining() const { return bytes_.size() - pos_; }
  /// @throws Error unless every byte was read (trailing garbage means a format mismatch).
  void expect_end() const;

 private:
  const std::uint8_t* take(std::size_t n, const char* what);
  /// Checks that `count` elements of `size` bytes each can still be read.
  void check_count(std::uint64_t count, std::size_t size, const char* what) const;

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

/// Static scheduling's block of slots for `part` of `parts` (0-based): contiguous, sizes differ
/// by at most one, in order, covering [0, n_slots) exactly (the split threads-static uses).
/// Pure; any rank. @throws Error when parts == 0 or part >= parts.
WorkBlock static_block(std::uint64_t n_slots, std::uint64_t parts, std::uint64_t part);

/// What the master broadcasts once per generation (and per calibration round).
struct GenerationMessage {
  std::uint64_t round = 0;  ///< counts sample() calls of a run; tags every message of the round
  Scheduling scheduling = Scheduling::dynamic;
  std::uint64_t batch_size = 1;
  SampleRequest request;
  GenerationSpec spec;
};

/// What a worker returns for one batch.
struct ResultMessage {
  std::uint64_t round = 0;
  WorkBlock block;
  /// Candidates evaluated: dynamic, block.count, or fewer when the round was cancelled (the
  /// first `attempts` indices of the block); static, over all slots of the block.
  std::uint64_t attempts = 0;
  EvalLog log;
};

// --- field-level encoders (also what larger messages are made of) -----------------------------
void encode(WireWriter& w, const GenerationSpec& spec);
GenerationSpec decode_spec(WireReader& r);
void encode(WireWriter& w, const SampleRequest& request);
SampleRequest decode_request(WireReader& r);
void encode(WireWriter& w, const EvalResult& result);
EvalResult decode_result(WireReader& r);
void encode(WireWriter& w, const EvalLog& log);
EvalLog decode_log(WireReader& r);

// --- whole messages (version + kind + body) ---------------------------------------------------
/// Particles of spec.previous travel with model, eval_index, theta and weight only (what
/// make_context uses); their stats and distance are not sent.
std::vector<std::uint8_t> encode_generation(const GenerationMessage& m);
std::vector<std::uint8_t> encode_stop();
/// A generation's bytes, or stop: `stop` is set and the rest is left default.
struct ControlMessage {
  bool stop = false;
  GenerationMessage generation;
};
/// @throws Error on malformed input or a kind other than generation/stop.
ControlMessage decode_control(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> encode_request(std::uint64_t round);
std::vector<std::uint8_t> encode_work(std::uint64_t round, const WorkBlock& block);
std::vector<std::uint8_t> encode_end(std::uint64_t round);
/// Reply to a request: a block, or end of the round (`end` set).
struct WorkReply {
  std::uint64_t round = 0;
  bool end = false;
  WorkBlock block;
};
/// @throws Error on malformed input or a kind other than work/end.
WorkReply decode_work_reply(std::span<const std::uint8_t> bytes);
/// @throws Error on malformed input or a kind other than request. @return the round.
std::uint64_t decode_request_round(std::span<const std::uint8_t> bytes);

/// Cancel of a round (dynamic): results not yet computed are no longer needed.
std::vector<std::uint8_t> encode_cancel(std::uint64_t round);
/// @throws Error on malformed input or a kind other than cancel. @return the round.
std::uint64_t decode_cancel_round(std::span<const std::uint8_t> bytes);

/// A static worker's counts since its last report: the master's heartbeat, and a message that
/// wakes the master (blocked in a receive) so that it can cancel the round.
struct ProgressMessage {
  std::uint64_t round = 0;
  std::uint64_t evaluated = 0;
  std::uint64_t accepted = 0;
  std::uint64_t failed = 0;
};
std::vector<std::uint8_t> encode_progress(const ProgressMessage& m);
/// @throws Error on malformed input or a kind other than progress.
ProgressMessage decode_progress(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> encode_result(const ResultMessage& m);
/// @throws Error on malformed input or a kind other than result.
ResultMessage decode_result_message(std::span<const std::uint8_t> bytes);

}  // namespace abcsmc

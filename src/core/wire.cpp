#include "abcsmc/core/wire.hpp"

#include <bit>
#include <limits>

#include "abcsmc/core/error.hpp"

namespace abcsmc {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error("malformed message (wire format " + std::to_string(kWireVersion) + "): " + what);
}

template <typename T>
void put_le(std::vector<std::uint8_t>& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

template <typename T>
T get_le(const std::uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(p[i]) << (8 * i));
  return v;
}

const char* kind_name(WireKind k) {
  switch (k) {
    case WireKind::generation:
      return "generation";
    case WireKind::stop:
      return "stop";
    case WireKind::request:
      return "request";
    case WireKind::work:
      return "work";
    case WireKind::end:
      return "end";
    case WireKind::result:
      return "result";
    case WireKind::cancel:
      return "cancel";
    case WireKind::progress:
      return "progress";
  }
  return "unknown";
}

void expect_kind(WireKind got, std::initializer_list<WireKind> allowed, const char* reader) {
  for (WireKind k : allowed) {
    if (k == got) return;
  }
  malformed(std::string(reader) + " got a '" + kind_name(got) + "' message");
}

}  // namespace

const char* software_version() { return ABCSMC_VERSION_STRING; }

// --- WireWriter ---------------------------------------------------------------------------------
void WireWriter::u32(std::uint32_t v) { put_le(bytes_, v); }
void WireWriter::u64(std::uint64_t v) { put_le(bytes_, v); }
void WireWriter::f64(double v) { put_le(bytes_, std::bit_cast<std::uint64_t>(v)); }

void WireWriter::string(const std::string& s) {
  u64(s.size());
  bytes_.insert(bytes_.end(), s.begin(), s.end());
}

void WireWriter::vector(const Vector& v) {
  u64(static_cast<std::uint64_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i) f64(v[i]);
}

void WireWriter::header(WireKind kind) {
  u8(kWireVersion);
  u8(static_cast<std::uint8_t>(kind));
}

// --- WireReader ---------------------------------------------------------------------------------
const std::uint8_t* WireReader::take(std::size_t n, const char* what) {
  if (remaining() < n) {
    malformed(std::string("truncated while reading ") + what + " (needs " + std::to_string(n) +
              " bytes at offset " + std::to_string(pos_) + ", " + std::to_string(remaining()) +
              " left)");
  }
  const std::uint8_t* p = bytes_.data() + pos_;
  pos_ += n;
  return p;
}

void WireReader::check_count(std::uint64_t count, std::size_t size, const char* what) const {
  // Rejects absurd lengths before allocating (a corrupt length must not exhaust memory).
  if (size != 0 && count > remaining() / size) {
    malformed(std::string(what) + " claims " + std::to_string(count) + " elements but only " +
              std::to_string(remaining()) + " bytes are left");
  }
}

std::uint8_t WireReader::u8() { return *take(1, "u8"); }
std::uint32_t WireReader::u32() { return get_le<std::uint32_t>(take(4, "u32")); }
std::uint64_t WireReader::u64() { return get_le<std::uint64_t>(take(8, "u64")); }
double WireReader::f64() { return std::bit_cast<double>(get_le<std::uint64_t>(take(8, "f64"))); }

bool WireReader::boolean() {
  const std::uint8_t b = u8();
  if (b > 1) malformed("boolean byte is " + std::to_string(b));
  return b == 1;
}

std::string WireReader::string() {
  const std::uint64_t n = u64();
  check_count(n, 1, "string");
  const auto* p = take(static_cast<std::size_t>(n), "string");
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

Vector WireReader::vector() {
  const std::uint64_t n = u64();
  check_count(n, 8, "vector");
  Vector v(static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < v.size(); ++i) v[i] = f64();
  return v;
}

WireKind WireReader::header() {
  const std::uint8_t version = u8();
  if (version != kWireVersion) {
    throw Error("message in wire format version " + std::to_string(version) + ", but this build " +
                "(abcsmc " + software_version() + ") reads version " +
                std::to_string(kWireVersion) +
                ": run the same abcsmc version on every rank and worker (or the bytes are not an "
                "abcsmc message at all)");
  }
  const std::uint8_t kind = u8();
  if (kind < 1 || kind > 8) malformed("unknown message kind " + std::to_string(kind));
  return static_cast<WireKind>(kind);
}

void WireReader::expect_end() const {
  if (remaining() != 0) malformed(std::to_string(remaining()) + " unexpected trailing bytes");
}

// --- fields -------------------------------------------------------------------------------------
void encode(WireWriter& w, const GenerationSpec& spec) {
  w.u64(spec.seed);
  w.u32(spec.t);
  w.f64(spec.epsilon);
  w.boolean(spec.calibration);
  w.boolean(spec.from_prior);
  w.vector(spec.distance_weights);
  w.u64(spec.previous.size());
  for (const auto& p : spec.previous) {
    w.u64(p.eval_index);
    w.u32(p.model);
    w.vector(p.theta);
    w.f64(p.weight);
  }
}

GenerationSpec decode_spec(WireReader& r) {
  GenerationSpec spec;
  spec.seed = r.u64();
  spec.t = r.u32();
  spec.epsilon = r.f64();
  spec.calibration = r.boolean();
  spec.from_prior = r.boolean();
  spec.distance_weights = r.vector();
  const std::uint64_t n = r.u64();
  // Smallest particle: index 8 + model 4 + theta length 8 + weight 8 bytes.
  if (n > r.remaining() / 28) malformed("population of " + std::to_string(n) + " does not fit");
  spec.previous.resize(static_cast<std::size_t>(n));
  for (auto& p : spec.previous) {
    p.eval_index = r.u64();
    p.model = r.u32();
    p.theta = r.vector();
    p.weight = r.f64();
  }
  return spec;
}

void encode(WireWriter& w, const SampleRequest& request) {
  w.u64(request.n_accept);
  w.u64(request.max_evals);
  w.boolean(request.keep_all_stats);
  w.u64(request.fail_fast);
}

SampleRequest decode_request(WireReader& r) {
  SampleRequest request;
  const std::uint64_t n = r.u64();
  if (n > std::numeric_limits<std::size_t>::max()) malformed("n_accept too large");
  request.n_accept = static_cast<std::size_t>(n);
  request.max_evals = r.u64();
  request.keep_all_stats = r.boolean();
  request.fail_fast = r.u64();
  return request;
}

void encode(WireWriter& w, const EvalResult& result) {
  w.u64(result.index);
  w.u64(result.attempt);
  w.u32(result.model);
  w.vector(result.theta);
  w.vector(result.stats);
  w.f64(result.distance);
  w.boolean(result.accepted);
  w.boolean(result.failed);
}

EvalResult decode_result(WireReader& r) {
  EvalResult result;
  result.index = r.u64();
  result.attempt = r.u64();
  result.model = r.u32();
  result.theta = r.vector();
  result.stats = r.vector();
  result.distance = r.f64();
  result.accepted = r.boolean();
  result.failed = r.boolean();
  return result;
}

void encode(WireWriter& w, const EvalLog& log) {
  w.u64(log.accepted.size());
  for (const auto& a : log.accepted) encode(w, a);
  if (log.failed_index.size() != log.failed_attempt.size()) {
    throw Error("EvalLog: failed_index and failed_attempt differ in length");
  }
  if (!log.failed_reason.empty() && log.failed_reason.size() != log.failed_index.size()) {
    throw Error("EvalLog: failed_reason and failed_index differ in length");
  }
  w.u64(log.failed_index.size());
  for (std::size_t i = 0; i < log.failed_index.size(); ++i) {
    w.u64(log.failed_index[i]);
    w.u64(log.failed_attempt[i]);
    w.u32(log.failed_reason.empty() ? 0 : log.failed_reason[i]);
  }
  // Why they failed: the distinct reasons, and the full message of the smallest failure.
  w.u64(log.reasons.size());
  for (const auto& reason : log.reasons) w.string(reason);
  w.boolean(log.has_first_failure);
  if (log.has_first_failure) {
    w.u64(log.first_failure_index);
    w.u64(log.first_failure_attempt);
    w.string(log.first_failure_message);
  }
  w.u64(log.stats.size());
  for (const auto& s : log.stats) {
    w.u64(s.index);
    w.u64(s.attempt);
    w.vector(s.stats);
  }
}

EvalLog decode_log(WireReader& r) {
  EvalLog log;
  const std::uint64_t n_accepted = r.u64();
  // Smallest result: 8 + 8 + 4 + 8 + 8 + 8 + 1 + 1 bytes.
  if (n_accepted > r.remaining() / 46)
    malformed(std::to_string(n_accepted) + " results do not fit");
  log.accepted.reserve(static_cast<std::size_t>(n_accepted));
  for (std::uint64_t i = 0; i < n_accepted; ++i) log.accepted.push_back(decode_result(r));
  const std::uint64_t n_failed = r.u64();
  if (n_failed > r.remaining() / 20) malformed(std::to_string(n_failed) + " failures do not fit");
  log.failed_index.resize(static_cast<std::size_t>(n_failed));
  log.failed_attempt.resize(static_cast<std::size_t>(n_failed));
  log.failed_reason.resize(static_cast<std::size_t>(n_failed));
  for (std::size_t i = 0; i < log.failed_index.size(); ++i) {
    log.failed_index[i] = r.u64();
    log.failed_attempt[i] = r.u64();
    log.failed_reason[i] = r.u32();
  }
  const std::uint64_t n_reasons = r.u64();
  if (n_reasons > r.remaining() / 8)
    malformed(std::to_string(n_reasons) + " failure reasons do not fit");
  for (std::uint64_t i = 0; i < n_reasons; ++i) log.reasons.push_back(r.string());
  for (std::uint32_t id : log.failed_reason) {
    if (n_failed > 0 && id >= log.reasons.size()) {
      malformed("failure reason " + std::to_string(id) + " of " +
                std::to_string(log.reasons.size()));
    }
  }
  log.has_first_failure = r.boolean();
  if (log.has_first_failure) {
    log.first_failure_index = r.u64();
    log.first_failure_attempt = r.u64();
    log.first_failure_message = r.string();
  }
  const std::uint64_t n_stats = r.u64();
  if (n_stats > r.remaining() / 24) malformed(std::to_string(n_stats) + " statistics do not fit");
  log.stats.resize(static_cast<std::size_t>(n_stats));
  for (auto& s : log.stats) {
    s.index = r.u64();
    s.attempt = r.u64();
    s.stats = r.vector();
  }
  return log;
}

WorkBlock static_block(std::uint64_t n_slots, std::uint64_t parts, std::uint64_t part) {
  if (parts == 0 || part >= parts) {
    throw Error("static_block: part " + std::to_string(part) + " of " + std::to_string(parts));
  }
  // n * k / parts without overflowing n * k: q * k + (r * k) / parts, with r * k < parts^2.
  const std::uint64_t q = n_slots / parts;
  const std::uint64_t r = n_slots % parts;
  const std::uint64_t begin = q * part + r * part / parts;
  const std::uint64_t end = q * (part + 1) + r * (part + 1) / parts;
  return WorkBlock{begin, end - begin};
}

// --- messages -----------------------------------------------------------------------------------
std::vector<std::uint8_t> encode_generation(const GenerationMessage& m) {
  WireWriter w;
  w.header(WireKind::generation);
  w.u64(m.round);
  w.u8(m.scheduling == Scheduling::static_blocks ? 1 : 0);
  w.u64(m.batch_size);
  encode(w, m.request);
  encode(w, m.spec);
  return w.take();
}

std::vector<std::uint8_t> encode_stop() {
  WireWriter w;
  w.header(WireKind::stop);
  return w.take();
}

ControlMessage decode_control(std::span<const std::uint8_t> bytes) {
  WireReader r(bytes);
  const WireKind kind = r.header();
  expect_kind(kind, {WireKind::generation, WireKind::stop}, "a worker waiting for a generation");
  ControlMessage c;
  if (kind == WireKind::stop) {
    c.stop = true;
  } else {
    c.generation.round = r.u64();
    const std::uint8_t s = r.u8();
    if (s > 1) malformed("scheduling byte is " + std::to_string(s));
    c.generation.scheduling = s == 1 ? Scheduling::static_blocks : Scheduling::dynamic;
    c.generation.batch_size = r.u64();
    c.generation.request = decode_request(r);
    c.generation.spec = decode_spec(r);
  }
  r.expect_end();
  return c;
}

std::vector<std::uint8_t> encode_request(std::uint64_t round) {
  WireWriter w;
  w.header(WireKind::request);
  w.u64(round);
  return w.take();
}

std::vector<std::uint8_t> encode_work(std::uint64_t round, const WorkBlock& block) {
  WireWriter w;
  w.header(WireKind::work);
  w.u64(round);
  w.u64(block.first);
  w.u64(block.count);
  return w.take();
}

std::vector<std::uint8_t> encode_end(std::uint64_t round) {
  WireWriter w;
  w.header(WireKind::end);
  w.u64(round);
  return w.take();
}

WorkReply decode_work_reply(std::span<const std::uint8_t> bytes) {
  WireReader r(bytes);
  const WireKind kind = r.header();
  expect_kind(kind, {WireKind::work, WireKind::end}, "a worker waiting for work");
  WorkReply reply;
  reply.round = r.u64();
  reply.end = kind == WireKind::end;
  if (!reply.end) {
    reply.block.first = r.u64();
    reply.block.count = r.u64();
  }
  r.expect_end();
  return reply;
}

std::uint64_t decode_request_round(std::span<const std::uint8_t> bytes) {
  WireReader r(bytes);
  expect_kind(r.header(), {WireKind::request}, "the master waiting for a request");
  const std::uint64_t round = r.u64();
  r.expect_end();
  return round;
}

std::vector<std::uint8_t> encode_cancel(std::uint64_t round) {
  WireWriter w;
  w.header(WireKind::cancel);
  w.u64(round);
  return w.take();
}

std::uint64_t decode_cancel_round(std::span<const std::uint8_t> bytes) {
  WireReader r(bytes);
  expect_kind(r.header(), {WireKind::cancel}, "a worker checking for a cancel");
  const std::uint64_t round = r.u64();
  r.expect_end();
  return round;
}

std::vector<std::uint8_t> encode_progress(const ProgressMessage& m) {
  WireWriter w;
  w.header(WireKind::progress);
  w.u64(m.round);
  w.u64(m.evaluated);
  w.u64(m.accepted);
  w.u64(m.failed);
  return w.take();
}

ProgressMessage decode_progress(std::span<const std::uint8_t> bytes) {
  WireReader r(bytes);
  expect_kind(r.header(), {WireKind::progress}, "the master reading progress");
  ProgressMessage m;
  m.round = r.u64();
  m.evaluated = r.u64();
  m.accepted = r.u64();
  m.failed = r.u64();
  r.expect_end();
  return m;
}

std::vector<std::uint8_t> encode_result(const ResultMessage& m) {
  WireWriter w;
  w.header(WireKind::result);
  w.u64(m.round);
  w.u64(m.block.first);
  w.u64(m.block.count);
  w.u64(m.attempts);
  encode(w, m.log);
  return w.take();
}

ResultMessage decode_result_message(std::span<const std::uint8_t> bytes) {
  WireReader r(bytes);
  expect_kind(r.header(), {WireKind::result}, "the master waiting for results");
  ResultMessage m;
  m.round = r.u64();
  m.block.first = r.u64();
  m.block.count = r.u64();
  m.attempts = r.u64();
  m.log = decode_log(r);
  r.expect_end();
  return m;
}

}  // namespace abcsmc

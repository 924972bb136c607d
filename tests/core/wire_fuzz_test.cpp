// Fuzzing of the wire boundary (issue 11): valid encoded GenerationMessage, ResultMessage and
// EvalLog blobs, mutated a few thousand times with a fixed seed (bit flips, byte sets,
// truncations, extensions, length-like fields set to huge values, numbers set to NaN/inf,
// swapped, spliced, duplicated and deleted sections), each decoded, validated and, when it
// passes, used as its reader would use it: a generation is turned into a context and candidates
// are evaluated; a result is folded into a log and assembled into a sample as a master does.
// Nothing may crash, throw anything but abcsmc::Error, take long, or allocate more than a small
// multiple of the blob's size while decoding (decoders must never size anything by a length
// field beyond the bytes left). The allocation bound is measured with the sanitizer allocator's
// hooks, so it is checked in the AddressSanitizer build (the CI's asan suite runs this test); a
// plain build checks the rest. ABCSMC_WIRE_FUZZ_ITERATIONS=N runs N mutations of each kind of blob
// (default 3000) for longer local sessions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/wire.hpp"
#include "abcsmc/core/wire_check.hpp"
#include "support/wire_problem.hpp"

using namespace abcsmc;
using Bytes = std::vector<std::uint8_t>;

// --- allocation accounting through the sanitizer allocator (weak: absent in plain builds) -----
extern "C" {
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                  std::size_t),
                                              void (*free_hook)(const volatile void*))
    __attribute__((weak));
std::size_t __sanitizer_get_allocated_size(const volatile void* p) __attribute__((weak));
}

namespace {

std::atomic<bool> g_tracking{false};
std::atomic<long long> g_live{0};     // bytes allocated minus freed since tracking began
std::atomic<long long> g_peak{0};     // the largest g_live seen
std::atomic<long long> g_largest{0};  // the largest single allocation

void on_malloc(const volatile void*, std::size_t size) {
  if (!g_tracking.load(std::memory_order_relaxed)) return;
  const long long n = static_cast<long long>(size);
  const long long live = g_live.fetch_add(n, std::memory_order_relaxed) + n;
  long long peak = g_peak.load(std::memory_order_relaxed);
  while (live > peak && !g_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  long long largest = g_largest.load(std::memory_order_relaxed);
  while (n > largest && !g_largest.compare_exchange_weak(largest, n, std::memory_order_relaxed)) {
  }
}

void on_free(const volatile void* p) {
  if (!g_tracking.load(std::memory_order_relaxed) || p == nullptr) return;
  g_live.fetch_sub(static_cast<long long>(__sanitizer_get_allocated_size(p)),
                   std::memory_order_relaxed);
}

bool allocation_hooks() {
  static const bool installed = __sanitizer_install_malloc_and_free_hooks != nullptr &&
                                __sanitizer_get_allocated_size != nullptr &&
                                __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  return installed;
}

/// Measures what one fuzz case allocates (peak of live bytes, largest block).
class AllocationScope {
 public:
  AllocationScope() {
    g_live = 0;
    g_peak = 0;
    g_largest = 0;
    g_tracking = true;
  }
  ~AllocationScope() { g_tracking = false; }
  long long peak() const { return g_peak.load(); }
  long long largest() const { return g_largest.load(); }
};

// --- mutations ----------------------------------------------------------------------------------
using Engine = std::mt19937_64;

std::size_t pick(Engine& rng, std::size_t n) {
  return n == 0 ? 0 : static_cast<std::size_t>(rng() % n);
}

void put_u64(Bytes& b, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8 && at + i < b.size(); ++i)
    b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t get_u64(const Bytes& b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && at + i < b.size(); ++i)
    v |= static_cast<std::uint64_t>(b[at + i]) << (8 * i);
  return v;
}

/// One mutation of `b` (`other`: another valid blob, for splices). Returns its name.
const char* mutate(Bytes& b, const Bytes& other, Engine& rng) {
  const std::size_t n = b.size();
  switch (rng() % 12) {
    case 0: {  // bit flips
      const std::size_t flips = 1 + pick(rng, 3);
      for (std::size_t i = 0; i < flips && n > 0; ++i)
        b[pick(rng, n)] ^= static_cast<std::uint8_t>(1u << pick(rng, 8));
      return "bit flip";
    }
    case 1: {  // byte set
      static constexpr std::uint8_t kBytes[] = {0x00, 0x01, 0x02, 0x07, 0x7f, 0x80, 0xfe, 0xff};
      if (n > 0)
        b[pick(rng, n)] = rng() % 2 ? kBytes[pick(rng, 8)] : static_cast<std::uint8_t>(rng());
      return "byte set";
    }
    case 2:  // truncation
      b.resize(pick(rng, n));
      return "truncation";
    case 3: {  // extension
      const std::size_t extra = 1 + pick(rng, 64);
      for (std::size_t i = 0; i < extra; ++i) b.push_back(static_cast<std::uint8_t>(rng()));
      return "extension";
    }
    case 4:
    case 5: {  // a length-like field (a small u64) set to a huge or off-by-one value
      std::vector<std::size_t> small;
      for (std::size_t at = 0; at + 8 <= n; ++at) {
        if (get_u64(b, at) <= 4096) small.push_back(at);
      }
      const std::size_t at = small.empty() ? pick(rng, n) : small[pick(rng, small.size())];
      const std::uint64_t left = n > at + 8 ? n - at - 8 : 0;
      const std::uint64_t kValues[] = {UINT64_MAX,
                                       UINT64_MAX / 8,
                                       std::uint64_t{1} << 63,
                                       std::uint64_t{1} << 32,
                                       std::uint64_t{1} << 40,
                                       left,
                                       left / 8 + 1,
                                       left / 28 + 1,
                                       get_u64(b, at) + 1,
                                       get_u64(b, at) - 1,
                                       0,
                                       rng()};
      put_u64(b, at, kValues[pick(rng, std::size(kValues))]);
      return "length field";
    }
    case 6: {  // a number set to a special double
      const double kDoubles[] = {std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 -1.0,
                                 -0.0,
                                 1e308,
                                 1e-320,
                                 7.0};
      if (n >= 8)
        put_u64(b, pick(rng, n - 7),
                std::bit_cast<std::uint64_t>(kDoubles[pick(rng, std::size(kDoubles))]));
      return "special double";
    }
    case 7: {  // a u32 (model index) set
      const std::uint32_t kValues[] = {1, 2, 7, UINT32_MAX, 0x80000000u};
      if (n >= 4) {
        const std::size_t at = pick(rng, n - 3);
        const std::uint32_t v = kValues[pick(rng, std::size(kValues))];
        for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
      }
      return "u32 field";
    }
    case 8: {  // swapped sections
      if (n < 4) return "swap (too short)";
      const std::size_t len = 1 + pick(rng, n / 2);
      const std::size_t a = pick(rng, n - len + 1);
      const std::size_t c = pick(rng, n - len + 1);
      if (a + len <= c || c + len <= a)
        std::swap_ranges(b.begin() + static_cast<std::ptrdiff_t>(a),
                         b.begin() + static_cast<std::ptrdiff_t>(a + len),
                         b.begin() + static_cast<std::ptrdiff_t>(c));
      return "swapped sections";
    }
    case 9: {  // splice of another valid blob's section
      if (other.empty() || n == 0) return "splice (empty)";
      const std::size_t from = pick(rng, other.size());
      const std::size_t len = 1 + pick(rng, std::min<std::size_t>(64, other.size() - from));
      const std::size_t at = pick(rng, n);
      const std::size_t cut = pick(rng, std::min<std::size_t>(64, n - at) + 1);
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(at),
              b.begin() + static_cast<std::ptrdiff_t>(at + cut));
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(at),
               other.begin() + static_cast<std::ptrdiff_t>(from),
               other.begin() + static_cast<std::ptrdiff_t>(from + len));
      return "splice";
    }
    case 10: {  // duplicated section
      if (n == 0) return "duplicate (empty)";
      const std::size_t at = pick(rng, n);
      const std::size_t len = 1 + pick(rng, std::min<std::size_t>(64, n - at));
      const Bytes piece(b.begin() + static_cast<std::ptrdiff_t>(at),
                        b.begin() + static_cast<std::ptrdiff_t>(at + len));
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(pick(rng, n + 1)), piece.begin(),
               piece.end());
      return "duplicated section";
    }
    default: {  // deleted section
      if (n == 0) return "delete (empty)";
      const std::size_t at = pick(rng, n);
      const std::size_t len = 1 + pick(rng, std::min<std::size_t>(64, n - at));
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(at),
              b.begin() + static_cast<std::ptrdiff_t>(at + len));
      return "deleted section";
    }
  }
}

std::size_t iterations() {
  if (const char* v = std::getenv("ABCSMC_WIRE_FUZZ_ITERATIONS")) {
    const long n = std::strtol(v, nullptr, 10);
    if (n > 0) return static_cast<std::size_t>(n);
  }
  return 3000;
}

/// What a kind of blob went through: used (decoded, valid, used as its reader would), refused
/// (Error), and the worst case seen.
struct Tally {
  std::size_t used = 0;
  std::size_t refused = 0;
  double slowest_seconds = 0.0;
  long long largest_decode_allocation = 0;  ///< the largest block the decoder allocated
  double worst_decode_peak_per_byte =
      0.0;  ///< the decoder's peak live bytes / blob bytes (>= 1 KiB)
};

/// Decoding may hold a few copies of the blob's contents in richer types (a particle takes 64
/// bytes for its 28 on the wire, an empty std::string 32 for its 8 and a vector's growth up to
/// 1.5 times that), never more than this many bytes per blob byte, plus a small allowance.
constexpr long long kDecodeBytesPerByte = 16;
constexpr long long kDecodeAllowance = 4096;

/// For each mutation of the corpus blobs: `decode` (its allocations are measured) returns the
/// decoded value or throws Error; `use` validates and uses it, and throws Error when refused.
template <typename Decode, typename Use>
Tally fuzz(const char* kind, const std::vector<Bytes>& corpus, std::uint64_t seed, Decode decode,
           Use use) {
  Engine rng(seed);
  Tally t;
  const std::size_t n = iterations();
  const bool measure = allocation_hooks();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t which = pick(rng, corpus.size());
    Bytes b = corpus[which];
    const std::size_t rounds = 1 + pick(rng, 3);
    std::string what;
    for (std::size_t k = 0; k < rounds; ++k) {
      what += std::string(k ? " + " : "") + mutate(b, corpus[pick(rng, corpus.size())], rng);
    }
    INFO(kind << " case " << i << " (blob " << which << ", " << b.size() << " bytes): " << what);
    const auto start = std::chrono::steady_clock::now();
    long long peak = 0;
    long long largest = 0;
    try {
      std::optional<decltype(decode(b))> value;
      {
        AllocationScope scope;
        try {
          value.emplace(decode(b));
        } catch (...) {
          peak = scope.peak();
          largest = scope.largest();
          throw;
        }
        peak = scope.peak();
        largest = scope.largest();
      }
      use(b, *value);
      ++t.used;
    } catch (const Error&) {
      ++t.refused;
    } catch (const std::exception& e) {
      FAIL("an exception that is not abcsmc::Error: " << e.what());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.slowest_seconds = std::max(t.slowest_seconds, seconds);
    CHECK(seconds < 5.0);
    if (measure) {
      if (b.size() >= 1024) {  // below, the error message's text dominates
        const double per_byte = static_cast<double>(peak) / static_cast<double>(b.size());
        t.worst_decode_peak_per_byte = std::max(t.worst_decode_peak_per_byte, per_byte);
      }
      t.largest_decode_allocation = std::max(t.largest_decode_allocation, largest);
      CHECK(peak <= kDecodeAllowance + kDecodeBytesPerByte * static_cast<long long>(b.size()));
    }
  }
  return t;
}

void report(const char* kind, const Tally& t) {
  // Visible with -s; the checks above are what fails.
  INFO(kind << ": " << t.used << " used, " << t.refused << " refused, slowest case "
            << t.slowest_seconds << " s; decoding: largest block " << t.largest_decode_allocation
            << " bytes, peak " << t.worst_decode_peak_per_byte
            << " bytes per blob byte (blobs of 1 KiB or more)"
            << (allocation_hooks() ? "" : " (not measured: no sanitizer allocator in this build)"));
  CHECK(t.used + t.refused == iterations());
  SUCCEED();
}

}  // namespace

TEST_CASE("Wire fuzz: mutated generation messages decode, validate and evaluate safely", "[core]") {
  const auto problem = test::wire_problem(2);
  const ContextSettings settings = test::wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  std::vector<GenerationMessage> valid{
      test::wire_calibration(*problem),
      test::wire_generation(*problem, 0),
      test::wire_generation(*problem, 2, 12),
      test::wire_generation(*problem, 5, 3),
      test::wire_generation(*problem, 4, 60),
      test::wire_generation(*problem, 1, 6, Scheduling::static_blocks)};
  std::vector<Bytes> corpus;
  for (const auto& m : valid) corpus.push_back(encode_generation(m));
  corpus.push_back(encode_stop());
  // Every corpus blob is valid as it stands.
  for (const auto& m : valid)
    REQUIRE_NOTHROW(validate_generation(*problem, decode_control(encode_generation(m)).generation));

  std::size_t evaluated = 0;
  const auto decode = [](const Bytes& b) { return decode_control(b); };
  const Tally t =
      fuzz("generation", corpus, 20261201, decode, [&](const Bytes& b, const ControlMessage& c) {
        // Decoding is exact: what was read encodes to the same bytes.
        CHECK((c.stop ? encode_stop() : encode_generation(c.generation)) == b);
        if (c.stop) return;
        const GenerationMessage& g = c.generation;
        validate_generation(*problem, g);
        const GenerationContext ctx = make_context(*problem, settings, g.spec);
        for (std::uint64_t i = 0; i < 3; ++i) {
          const EvalResult r = evaluator.evaluate(ctx, stream_for(ctx, g.scheduling, i, 0));
          CHECK(r.model < problem->models.size());
          ++evaluated;
        }
        if (g.scheduling == Scheduling::static_blocks) {
          EvalLog log;
          std::uint64_t attempts = 0;
          fill_static_slot(evaluator, ctx, 0,
                           std::min<std::uint64_t>(8, static_slot_budget(g.request, 0)),
                           g.request.keep_all_stats, log, attempts);
        }
      });
  report("generation", t);
  CHECK(t.used > 0);     // mutations that keep a message valid reach the evaluator
  CHECK(t.refused > 0);  // and the rest is refused
  CHECK(evaluated > 0);
}

TEST_CASE("Wire fuzz: mutated results decode, validate and fold into a sample safely", "[core]") {
  const auto problem = test::wire_problem(2);
  const ContextSettings settings = test::wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  struct Case {
    GenerationMessage m;
    WorkBlock block;
  };
  std::vector<Case> cases{
      {test::wire_calibration(*problem), {0, 12}},
      {test::wire_generation(*problem, 0), {4, 30}},
      {test::wire_generation(*problem, 3, 9), {40, 20}},
      {test::wire_generation(*problem, 2, 8, Scheduling::static_blocks), {2, 4}}};
  std::vector<Bytes> corpus;
  for (const auto& c : cases) {
    const ResultMessage r = test::wire_result(evaluator, settings, c.m, c.block);
    REQUIRE_NOTHROW(
        validate_result(*problem, c.m, decode_result_message(encode_result(r)), c.block));
    corpus.push_back(encode_result(r));
  }
  // Which round a mutated blob belongs to: the corpus blob it came from is not known after a
  // splice, so each blob is checked against every round (as a master checks one).
  const auto decode = [](const Bytes& b) { return decode_result_message(b); };
  const Tally t =
      fuzz("result", corpus, 20261202, decode, [&](const Bytes& b, const ResultMessage& r) {
        CHECK(encode_result(r) == b);
        bool any = false;
        for (const auto& c : cases) {
          try {
            validate_result(*problem, c.m, r, c.block,
                            c.m.scheduling == Scheduling::dynamic && r.attempts < c.block.count);
          } catch (const Error&) {
            continue;
          }
          any = true;
          // What a master does with it.
          SampleProgress progress(c.m.request.n_accept, c.m.request.fail_fast,
                                  c.m.scheduling == Scheduling::static_blocks);
          EvalLog log;
          ResultMessage copy = r;
          if (c.m.scheduling == Scheduling::dynamic)
            note_log(progress, copy.log, copy.block.first, copy.attempts);
          log.merge(std::move(copy.log));
          const Sample s =
              c.m.scheduling == Scheduling::dynamic
                  ? assemble_dynamic(std::move(log), c.m.request, c.block.first + r.attempts)
                  : assemble_static(std::move(log), c.m.request, r.attempts);
          CHECK(s.accepted.size() <= c.m.request.n_accept);
          for (const auto& a : s.accepted) CHECK(a.model < problem->models.size());
        }
        if (!any) throw Error("valid for no round");
      });
  report("result", t);
  CHECK(t.used > 0);
  CHECK(t.refused > 0);
}

TEST_CASE("Wire fuzz: mutated result logs decode within their bytes", "[core]") {
  const auto problem = test::wire_problem(2);
  const ContextSettings settings = test::wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  std::vector<Bytes> corpus;
  for (const auto& m : {test::wire_calibration(*problem), test::wire_generation(*problem, 0)}) {
    const ResultMessage r = test::wire_result(evaluator, settings, m, WorkBlock{0, 40});
    WireWriter w;
    encode(w, r.log);
    corpus.push_back(w.take());
  }
  const auto decode = [](const Bytes& b) {
    WireReader r(b);
    EvalLog log = decode_log(r);
    r.expect_end();
    return log;
  };
  const Tally t = fuzz("log", corpus, 20261203, decode, [&](const Bytes& b, EvalLog log) {
    WireWriter w;
    encode(w, log);
    CHECK(w.bytes() == b);
    EvalLog all;
    all.merge(std::move(log));
    SampleRequest request;
    request.n_accept = 10;
    (void)assemble_dynamic(std::move(all), request, 40);
  });
  report("log", t);
  CHECK(t.used > 0);
  CHECK(t.refused > 0);
}

TEST_CASE("Wire fuzz: huge length fields are refused before anything is allocated", "[core]") {
  // Hand-made: each length field of a tiny message claims 2^60 elements.
  const bool measure = allocation_hooks();
  const auto refused_small = [&](const Bytes& b, const char* what) {
    INFO(what);
    AllocationScope scope;
    CHECK_THROWS_AS(decode_result_message(b), Error);
    if (measure) CHECK(scope.largest() < 4096);
  };
  WireWriter head;
  head.header(WireKind::result);
  head.u64(1);  // round
  head.u64(0);  // first
  head.u64(1);  // count
  head.u64(1);  // attempts
  const Bytes base = head.bytes();
  Bytes b = base;
  WireWriter w1;
  w1.u64(std::uint64_t{1} << 60);  // accepted results
  b.insert(b.end(), w1.bytes().begin(), w1.bytes().end());
  refused_small(b, "accepted count");
  WireWriter w2;
  w2.u64(1);  // one accepted result whose theta claims 2^60 doubles
  w2.u64(0);
  w2.u64(0);
  w2.u32(0);
  w2.u64(std::uint64_t{1} << 60);
  b = base;
  b.insert(b.end(), w2.bytes().begin(), w2.bytes().end());
  b.resize(b.size() + 64, 0);
  refused_small(b, "theta length");
  WireWriter w3;
  w3.u64(0);                       // accepted
  w3.u64(std::uint64_t{1} << 60);  // failures
  b = base;
  b.insert(b.end(), w3.bytes().begin(), w3.bytes().end());
  refused_small(b, "failure count");
  WireWriter w4;
  w4.u64(0);
  w4.u64(0);
  w4.u64(UINT64_MAX);  // reasons
  b = base;
  b.insert(b.end(), w4.bytes().begin(), w4.bytes().end());
  refused_small(b, "reason count");
  // A generation whose population claims 2^40 particles, and one whose distance weights claim
  // 2^61 doubles: the population count is the last field before the particles, the weights'
  // length 8 + 2 * 8 bytes before it.
  const auto problem = test::wire_problem(1);
  const GenerationMessage m = test::wire_generation(*problem, 2, 2);
  GenerationMessage empty = m;
  empty.spec.previous.clear();
  const std::size_t count_at = encode_generation(empty).size() - 8;
  const std::size_t weights_at = count_at - 8 - 16;
  const Bytes g = encode_generation(m);
  REQUIRE(get_u64(g, count_at) == 2);
  REQUIRE(get_u64(g, weights_at) == 2);
  for (const auto& [at, value] :
       {std::pair{count_at, std::uint64_t{1} << 40}, std::pair{weights_at, std::uint64_t{1} << 61},
        std::pair{count_at, UINT64_MAX}, std::pair{weights_at, UINT64_MAX}}) {
    Bytes x = g;
    put_u64(x, at, value);
    INFO("field at " << at << " = " << value);
    AllocationScope scope;
    CHECK_THROWS_AS(decode_control(x), Error);
    if (measure) CHECK(scope.largest() < 4096);
  }
}

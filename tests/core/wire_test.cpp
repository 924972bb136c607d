// The wire format of distributed samplers (core/wire.hpp), without MPI: round trips, bit-exact
// doubles, and malformed input that must throw rather than read out of bounds.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/wire.hpp"

using namespace abcsmc;

namespace {

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

bool same_bits(const Vector& a, const Vector& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (bits(a[i]) != bits(b[i])) return false;
  }
  return true;
}

Vector vec(std::initializer_list<double> xs) {
  Vector v(static_cast<Eigen::Index>(xs.size()));
  Eigen::Index i = 0;
  for (double x : xs) v[i++] = x;
  return v;
}

GenerationSpec sample_spec() {
  GenerationSpec spec;
  spec.seed = 0xfedcba9876543210ULL;
  spec.t = 7;
  spec.epsilon = 0.1 + 0.2;
  spec.calibration = false;
  spec.from_prior = false;
  spec.distance_weights = vec({1.0, 0.5, 1e-300});
  for (int i = 0; i < 3; ++i) {
    Particle p;
    p.eval_index = 10u + static_cast<unsigned>(i);
    p.model = static_cast<std::uint32_t>(i % 2);
    p.theta = vec({std::sqrt(2.0) * i, -0.0, 1.0 / 3.0});
    p.weight = 1.0 / 3.0;
    p.stats = vec({9.0});  // not sent
    spec.previous.push_back(p);
  }
  return spec;
}

EvalResult sample_result(std::uint64_t index, bool accepted, bool failed) {
  EvalResult r;
  r.index = index;
  r.attempt = index % 3;
  r.model = 1;
  r.theta = vec({0.25, -1.5});
  r.stats =
      vec({std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
           -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min()});
  r.distance = 0.123456789;
  r.accepted = accepted;
  r.failed = failed;
  return r;
}

}  // namespace

TEST_CASE("Wire: scalars and vectors round-trip bit for bit", "[core]") {
  WireWriter w;
  w.u8(200);
  w.u32(0xdeadbeef);
  w.u64(0x0123456789abcdefULL);
  const double nan_payload = std::bit_cast<double>(0x7ff8000000abcdefULL);
  for (double x : {0.0, -0.0, 1.0 / 3.0, std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), nan_payload,
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()}) {
    w.f64(x);
  }
  w.boolean(true);
  w.string("héllo\0x");
  w.vector(vec({1.5, -2.5}));
  w.vector(Vector());
  // Little-endian on the wire, whatever the host.
  REQUIRE(w.bytes()[1] == 0xef);
  REQUIRE(w.bytes()[5] == 0xef);

  WireReader r(w.bytes());
  CHECK(r.u8() == 200);
  CHECK(r.u32() == 0xdeadbeef);
  CHECK(r.u64() == 0x0123456789abcdefULL);
  for (double x : {0.0, -0.0, 1.0 / 3.0, std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), nan_payload,
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()}) {
    CHECK(bits(r.f64()) == bits(x));
  }
  CHECK(r.boolean());
  CHECK(r.string() == "héllo");
  CHECK(same_bits(r.vector(), vec({1.5, -2.5})));
  CHECK(r.vector().size() == 0);
  CHECK(r.remaining() == 0);
  CHECK_NOTHROW(r.expect_end());
}

TEST_CASE("Wire: generation message round-trips", "[core]") {
  GenerationMessage m;
  m.round = 42;
  m.scheduling = Scheduling::static_blocks;
  m.batch_size = 7;
  m.request.n_accept = 1000;
  m.request.max_evals = 123456;
  m.request.keep_all_stats = true;
  m.spec = sample_spec();
  const auto bytes = encode_generation(m);
  REQUIRE(bytes[0] == kWireVersion);
  const ControlMessage c = decode_control(bytes);
  REQUIRE_FALSE(c.stop);
  const GenerationMessage& g = c.generation;
  CHECK(g.round == 42);
  CHECK(g.scheduling == Scheduling::static_blocks);
  CHECK(g.batch_size == 7);
  CHECK(g.request.n_accept == 1000);
  CHECK(g.request.max_evals == 123456);
  CHECK(g.request.keep_all_stats);
  CHECK(g.spec.seed == m.spec.seed);
  CHECK(g.spec.t == 7);
  CHECK(bits(g.spec.epsilon) == bits(m.spec.epsilon));
  CHECK_FALSE(g.spec.calibration);
  CHECK_FALSE(g.spec.from_prior);
  CHECK(same_bits(g.spec.distance_weights, m.spec.distance_weights));
  REQUIRE(g.spec.previous.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(g.spec.previous[i].eval_index == m.spec.previous[i].eval_index);
    CHECK(g.spec.previous[i].model == m.spec.previous[i].model);
    CHECK(same_bits(g.spec.previous[i].theta, m.spec.previous[i].theta));
    CHECK(bits(g.spec.previous[i].weight) == bits(m.spec.previous[i].weight));
    CHECK(g.spec.previous[i].stats.size() == 0);  // statistics do not travel
  }
  CHECK(decode_control(encode_stop()).stop);
}

TEST_CASE("Wire: result batches round-trip, NaN and infinite statistics included", "[core]") {
  ResultMessage m;
  m.round = 3;
  m.block = WorkBlock{64, 7};
  m.attempts = 7;
  m.log.record(sample_result(64, true, false), true);
  m.log.record(sample_result(65, false, false), true);
  m.log.record(sample_result(66, false, true), true);
  m.log.record(sample_result(67, true, false), true);
  const ResultMessage d = decode_result_message(encode_result(m));
  CHECK(d.round == 3);
  CHECK(d.block.first == 64);
  CHECK(d.block.count == 7);
  CHECK(d.attempts == 7);
  REQUIRE(d.log.accepted.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const EvalResult& a = m.log.accepted[i];
    const EvalResult& b = d.log.accepted[i];
    CHECK(a.index == b.index);
    CHECK(a.attempt == b.attempt);
    CHECK(a.model == b.model);
    CHECK(same_bits(a.theta, b.theta));
    CHECK(same_bits(a.stats, b.stats));
    CHECK(bits(a.distance) == bits(b.distance));
    CHECK(b.accepted);
    CHECK_FALSE(b.failed);
  }
  CHECK(d.log.failed_index == std::vector<std::uint64_t>{66});
  CHECK(d.log.failed_attempt == std::vector<std::uint64_t>{0});
  REQUIRE(d.log.stats.size() == 3);
  CHECK(d.log.stats[1].index == 65);
  CHECK(same_bits(d.log.stats[1].stats, m.log.stats[1].stats));
}

TEST_CASE("Wire: requests, work and end replies", "[core]") {
  CHECK(decode_request_round(encode_request(9)) == 9);
  const WorkReply w = decode_work_reply(encode_work(9, WorkBlock{100, 16}));
  CHECK(w.round == 9);
  CHECK_FALSE(w.end);
  CHECK(w.block.first == 100);
  CHECK(w.block.count == 16);
  CHECK(decode_cancel_round(encode_cancel(11)) == 11);
  CHECK_THROWS_AS(decode_cancel_round(encode_end(11)), Error);
  const WorkReply e = decode_work_reply(encode_end(10));
  CHECK(e.end);
  CHECK(e.round == 10);
  // A message of the wrong kind is an error, not a misread.
  CHECK_THROWS_AS(decode_work_reply(encode_request(1)), Error);
  CHECK_THROWS_AS(decode_request_round(encode_end(1)), Error);
  CHECK_THROWS_AS(decode_control(encode_request(1)), Error);
}

TEST_CASE("Wire: truncated or malformed input throws, at every cut", "[core]") {
  GenerationMessage m;
  m.spec = sample_spec();
  m.request.n_accept = 5;
  const auto gen = encode_generation(m);
  ResultMessage rm;
  rm.block = WorkBlock{0, 2};
  rm.attempts = 2;
  rm.log.record(sample_result(0, true, false), true);
  rm.log.record(sample_result(1, false, true), true);
  const auto res = encode_result(rm);
  for (std::size_t cut = 0; cut < gen.size(); ++cut) {
    INFO("generation message cut at " << cut);
    CHECK_THROWS_AS(decode_control(std::span(gen.data(), cut)), Error);
  }
  for (std::size_t cut = 0; cut < res.size(); ++cut) {
    INFO("result message cut at " << cut);
    CHECK_THROWS_AS(decode_result_message(std::span(res.data(), cut)), Error);
  }
  // Trailing bytes, another version, an unknown kind, a bad boolean, an absurd length.
  auto longer = gen;
  longer.push_back(0);
  CHECK_THROWS_AS(decode_control(longer), Error);
  auto version = gen;
  version[0] = kWireVersion + 1;
  CHECK_THROWS_WITH(decode_control(version), Catch::Contains("version"));
  auto kind = gen;
  kind[1] = 99;
  CHECK_THROWS_AS(decode_control(kind), Error);
  WireWriter w;
  w.u8(2);
  WireReader rb(w.bytes());
  CHECK_THROWS_AS(rb.boolean(), Error);
  WireWriter huge;
  huge.u64(std::numeric_limits<std::uint64_t>::max());
  WireReader rh(huge.bytes());
  CHECK_THROWS_AS(rh.vector(), Error);
  WireReader rs(huge.bytes());
  CHECK_THROWS_AS(rs.string(), Error);
}

TEST_CASE("Wire: static blocks partition the slots like threads-static", "[core]") {
  for (std::uint64_t n : {0u, 1u, 7u, 100u, 150u, 1000u}) {
    for (std::uint64_t parts : {1u, 2u, 3u, 7u, 16u, 200u}) {
      INFO("n " << n << " parts " << parts);
      std::uint64_t next = 0;
      std::uint64_t smallest = UINT64_MAX;
      std::uint64_t largest = 0;
      for (std::uint64_t p = 0; p < parts; ++p) {
        const WorkBlock b = static_block(n, parts, p);
        CHECK(b.first == next);
        CHECK(b.first == n * p / parts);  // the threads sampler's split
        next += b.count;
        smallest = std::min(smallest, b.count);
        largest = std::max(largest, b.count);
      }
      CHECK(next == n);
      CHECK(largest - smallest <= 1);
    }
  }
  // No overflow for huge slot counts.
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() - 5;
  CHECK(static_block(big, 3, 2).first + static_block(big, 3, 2).count == big);
  CHECK_THROWS_AS(static_block(10, 0, 0), Error);
  CHECK_THROWS_AS(static_block(10, 2, 2), Error);
}

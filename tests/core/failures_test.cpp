// Failure reasons: tallies, their cleaning, how logs carry them, and the fail-fast guard.
#include <catch2/catch.hpp>

#include <string>

#include "abcsmc/core/failures.hpp"
#include "abcsmc/core/progress.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/core/stopping.hpp"
#include "abcsmc/core/wire.hpp"

using namespace abcsmc;

namespace {

EvalResult failed(std::uint64_t index, const std::string& reason, std::uint64_t attempt = 0) {
  EvalResult r;
  r.index = index;
  r.attempt = attempt;
  r.failed = true;
  r.failure_reason = reason;
  r.failure_message = reason + " (full message of " + std::to_string(index) + ")";
  return r;
}

EvalResult accepted(std::uint64_t index) {
  EvalResult r;
  r.index = index;
  r.accepted = true;
  r.theta = Vector::Zero(1);
  r.stats = Vector::Zero(1);
  return r;
}

}  // namespace

TEST_CASE("FailureTally: summary, order and merge", "[core]") {
  FailureTally a;
  a.by_reason = {{"timed out after 5 s", 5}, {"exit status 1 \"ODE solver diverged\"", 80}};
  a.sort();
  CHECK(a.summary() == "exit status 1 \"ODE solver diverged\" x80, timed out after 5 s x5");
  CHECK(a.total() == 85);
  a.first_index = 7;
  a.first_message = "seven";
  FailureTally b;
  b.by_reason = {{"timed out after 5 s", 100}};
  b.first_index = 3;
  b.first_message = "three";
  a.merge(b);
  CHECK(a.by_reason.front() ==
        std::make_pair(std::string("timed out after 5 s"), std::uint64_t{105}));
  CHECK(a.first_message == "three");
  CHECK(a.summary(1) == "timed out after 5 s x105, + 1 more");
}

TEST_CASE("clean_reason: one line, bounded, valid UTF-8", "[core]") {
  CHECK(clean_reason("exit status 1\n\"boom\"\t") == "exit status 1 \"boom\"");
  CHECK(clean_reason("") == "the simulation failed");
  CHECK(clean_reason("bad \xff\xfe byte") == "bad ?? byte");
  CHECK(valid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(valid_utf8("\xc3") == "?");            // truncated sequence
  CHECK(valid_utf8("\xed\xa0\x80") == "???");  // a surrogate is not UTF-8
  std::string long_reason(300, 'x');
  long_reason[199] = '\xc3';  // a two-byte character across the cut
  long_reason[200] = '\xa9';
  const std::string cut = clean_reason(long_reason);
  CHECK(cut.size() <= kMaxReasonBytes + 3);
  CHECK(valid_utf8(cut) == cut);
}

TEST_CASE("EvalLog: failures keep their reasons through merge, wire and assembly", "[core]") {
  EvalLog a, b;
  a.record(failed(4, "negative"), false);
  a.record(accepted(0), false);
  a.record(failed(9, "too large"), false);
  b.record(failed(2, "too large"), false);
  b.record(accepted(5), false);
  b.record(failed(12, "negative"), false);  // past the last accepted index used below
  // Through the wire (as MPI and Redis workers send it).
  WireWriter w;
  encode(w, b);
  const auto bytes = w.take();
  WireReader r(bytes);
  EvalLog b2 = decode_log(r);
  r.expect_end();
  CHECK(b2.reasons == b.reasons);
  CHECK(b2.first_failure_message == "too large (full message of 2)");
  a.merge(std::move(b2));
  CHECK(a.first_failure_index == 2);

  SampleRequest req;
  req.n_accept = 2;
  const Sample s = assemble_dynamic(std::move(a), req, 13);
  REQUIRE(s.complete);
  CHECK(s.simulations == 6);  // indices 0..5
  CHECK(s.failed == 2);       // 2 and 4; 9 and 12 lie past index 5
  REQUIRE(s.failures.by_reason.size() == 2);
  CHECK(s.failures.total() == 2);
  CHECK(s.failures.first_index == 2);
  CHECK(s.failures.first_message == "too large (full message of 2)");
}

TEST_CASE("EvalLog: a flood of distinct reasons is bounded", "[core]") {
  EvalLog log;
  for (std::uint64_t i = 0; i < 500; ++i)
    log.record(failed(i, "value " + std::to_string(i)), false);
  CHECK(log.reasons.size() <= EvalLog::kMaxReasons + 1);
  SampleRequest req;
  req.n_accept = 1;
  const Sample s = assemble_dynamic(std::move(log), req, 500);
  CHECK(s.failures.total() == 500);
}

TEST_CASE("Wire: a failure reason id past the table is refused", "[core]") {
  EvalLog log;
  log.record(failed(1, "x"), false);
  log.failed_reason[0] = 5;  // only one reason
  WireWriter w;
  encode(w, log);
  const auto bytes = w.take();
  WireReader r(bytes);
  CHECK_THROWS_WITH(decode_log(r), Catch::Contains("failure reason 5 of 1"));
}

TEST_CASE("SampleProgress: the fail-fast guard is decided by key, not by timing", "[core]") {
  SECTION("all of the first K fail") {
    SampleProgress p(10, 5);
    for (std::uint64_t i : {4, 2, 0, 3}) p.note(failed(i, "x"));
    p.note(failed(2, "x"));  // a re-issued candidate counts once
    CHECK_FALSE(p.cancelled());
    p.note(failed(7, "x"));  // past the guard: does not count
    CHECK_FALSE(p.cancelled());
    p.note(failed(1, "x"));
    CHECK(p.cause() == CancelCause::all_failed);
    const auto messages = p.guard_messages();
    REQUIRE(messages.size() == 3);
    CHECK(messages[0] == "x (full message of 0)");
  }
  SECTION("one success switches it off") {
    SampleProgress p(10, 3);
    p.note(failed(0, "x"));
    p.note(accepted(2));
    p.note(failed(1, "x"));
    CHECK_FALSE(p.cancelled());
  }
  SECTION("static keys: the attempts of slot 0") {
    SampleProgress p(2, 3, true);
    CHECK(p.key(0, 2) == 2);
    CHECK(p.key(1, 0) == UINT64_MAX);
    for (std::uint64_t a : {0, 1}) p.note(failed(0, "x", a));
    p.note(failed(1, "x", 0));  // another slot: no key
    CHECK_FALSE(p.cancelled());
    p.note(failed(0, "x", 2));
    CHECK(p.cause() == CancelCause::all_failed);
  }
  SECTION("off") {
    SampleProgress p(10, 0);
    for (std::uint64_t i = 0; i < 100; ++i) p.note(failed(i, "x"));
    CHECK_FALSE(p.cancelled());
    CHECK(p.take_first_failure() == std::string("x (full message of 0)"));
    CHECK_FALSE(p.take_first_failure().has_value());
  }
  SECTION("note_log: a batch from another process") {
    SampleProgress p(10, 4);
    EvalLog log;
    log.record(failed(0, "x"), false);
    log.record(failed(1, "x"), false);
    note_log(p, log, 0, 2);
    EvalLog more;
    more.record(failed(2, "x"), false);  // index 3 succeeded: not in the log
    note_log(p, more, 2, 2);
    CHECK_FALSE(p.cancelled());
    SampleProgress q(10, 3);
    EvalLog all;
    for (std::uint64_t i = 0; i < 3; ++i) all.record(failed(i, "x"), false);
    note_log(q, all, 0, 3);
    CHECK(q.cause() == CancelCause::all_failed);
  }
}

TEST_CASE("acceptance_rate_budget", "[core]") {
  CHECK(acceptance_rate_budget(100, 0.0) == 0);
  CHECK(acceptance_rate_budget(100, 0.1) == 1000);
  CHECK(acceptance_rate_budget(100, 0.3) == 333);  // 100/333 >= 0.3 > 100/334
  CHECK(acceptance_rate_budget(100, 1.0) == 100);
}

TEST_CASE("Wire: static progress reports and the fail-fast limit travel exactly", "[core]") {
  ProgressMessage m;
  m.round = 7;
  m.evaluated = 123456789;
  m.accepted = 3;
  m.failed = 99;
  const ProgressMessage d = decode_progress(encode_progress(m));
  CHECK(d.round == 7);
  CHECK(d.evaluated == 123456789);
  CHECK(d.accepted == 3);
  CHECK(d.failed == 99);
  CHECK_THROWS(decode_progress(encode_cancel(7)));

  GenerationMessage g;
  g.request.n_accept = 10;
  g.request.fail_fast = 250;
  const ControlMessage c = decode_control(encode_generation(g));
  CHECK(c.generation.request.fail_fast == 250);
}

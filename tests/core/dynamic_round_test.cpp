// The books of a dynamic round (core/dynamic_round.hpp), which MPI, Redis and FutureSampler
// share: blocks handed out or claimed, results folded in any order, the frontier, completion,
// stops, and the automatic batch size. The sample must equal assemble_dynamic over every index
// below the last one used, whatever the order results arrive in.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "abcsmc/core/dynamic_round.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/progress.hpp"

using namespace abcsmc;

namespace {

/// Candidate i: accepted when i % 5 == 2 or i % 7 == 0, failed when i % 11 == 4.
EvalResult candidate(std::uint64_t i) {
  EvalResult r;
  r.index = i;
  r.theta = Vector::Constant(1, static_cast<double>(i));
  r.stats = Vector::Constant(1, 0.5 * static_cast<double>(i));
  r.distance = static_cast<double>(i % 13);
  r.failed = i % 11 == 4;
  r.accepted = !r.failed && (i % 5 == 2 || i % 7 == 0);
  if (r.failed) {
    r.failure_reason = "odd";
    r.failure_message = "candidate " + std::to_string(i) + " failed";
  }
  return r;
}

EvalLog log_of(WorkBlock b, bool keep_all_stats = true) {
  EvalLog log;
  for (std::uint64_t i = b.first; i < b.first + b.count; ++i)
    log.record(candidate(i), keep_all_stats);
  return log;
}

void require_same(const Sample& a, const Sample& b) {
  REQUIRE(a.complete == b.complete);
  REQUIRE(a.simulations == b.simulations);
  REQUIRE(a.failed == b.failed);
  REQUIRE(a.failures.by_reason == b.failures.by_reason);
  REQUIRE(a.accepted.size() == b.accepted.size());
  for (std::size_t i = 0; i < a.accepted.size(); ++i)
    REQUIRE(a.accepted[i].index == b.accepted[i].index);
  REQUIRE(a.all_stats.size() == b.all_stats.size());
}

}  // namespace

TEST_CASE("dynamic round: blocks are handed out contiguously, up to the budget", "[core]") {
  SampleRequest req;
  req.n_accept = 1000;
  req.max_evals = 10;
  DynamicRound books(req, 4);
  REQUIRE(books.hand_out(1)->first == 0);
  const auto second = books.hand_out(2);
  REQUIRE(second->first == 4);
  REQUIRE(second->count == 4);
  const auto last = books.hand_out(1);
  REQUIRE(last->first == 8);
  REQUIRE(last->count == 2);  // cut at the budget
  REQUIRE_FALSE(books.hand_out(1));
  REQUIRE(books.handed_out() == 10);
  REQUIRE(books.outstanding_count() == 3);
  REQUIRE(books.find(4)->owner == 2);
  REQUIRE(books.find(5) == nullptr);
  REQUIRE_THROWS_AS(DynamicRound(req, 0), Error);
}

TEST_CASE("dynamic round: any arrival order gives the single-core sample", "[core]") {
  for (const std::uint64_t batch : {1, 3, 8}) {
    for (const std::uint64_t budget : {0, 17}) {
      for (int order = 0; order < 20; ++order) {
        INFO("batch " << batch << ", budget " << budget << ", order " << order);
        SampleRequest req;
        req.n_accept = 6;
        req.max_evals = budget;
        req.keep_all_stats = true;
        DynamicRound books(req, batch);
        std::mt19937_64 rng(static_cast<std::uint64_t>(order) * 1000 + batch);
        std::vector<WorkBlock> out;  // handed out, results not back
        // Like a master with 3 workers: keep up to 3 blocks out, return one at random each step.
        while (true) {
          while (out.size() < 3) {
            const auto b = books.hand_out();
            if (!b) break;
            out.push_back(*b);
          }
          if (out.empty()) break;
          const std::size_t k = std::uniform_int_distribution<std::size_t>(0, out.size() - 1)(rng);
          const WorkBlock b = out[k];
          out.erase(out.begin() + static_cast<std::ptrdiff_t>(k));
          books.fold(b.first, log_of(b), b.count);
        }
        REQUIRE(books.outstanding_count() == 0);
        REQUIRE(books.frontier() == books.handed_out());
        const std::uint64_t evaluated = books.handed_out();
        const Sample got = books.finish(evaluated);
        const Sample want = assemble_dynamic(log_of({0, evaluated}), req, evaluated);
        require_same(got, want);
        REQUIRE(got.complete == (budget == 0));
      }
    }
  }
}

TEST_CASE("dynamic round: the frontier waits for the lowest block, complete needs n below it",
          "[core]") {
  SampleRequest req;
  req.n_accept = 2;  // candidates 0 and 2 are accepted
  DynamicRound books(req, 2);
  const auto a = books.hand_out();  // [0, 2): accepts 0
  const auto b = books.hand_out();  // [2, 4): accepts 2
  const auto c = books.hand_out();  // [4, 6)
  books.fold(b->first, log_of(*b), b->count);
  REQUIRE(books.frontier() == 0);
  REQUIRE_FALSE(books.complete());
  books.fold(c->first, log_of(*c), c->count);
  REQUIRE_FALSE(books.complete());
  REQUIRE(books.find(2)->done);
  books.fold(a->first, log_of(*a), a->count);
  REQUIRE(books.frontier() == 6);
  REQUIRE(books.complete());
  REQUIRE(books.enough_known());
  REQUIRE_FALSE(books.hand_out());
  REQUIRE(books.find(2) == nullptr);                           // behind the frontier
  REQUIRE_THROWS_AS(books.fold(2, log_of({2, 2}), 2), Error);  // folded in already
}

TEST_CASE("dynamic round: a block cut short after completion counts what it evaluated", "[core]") {
  SampleRequest req;
  req.n_accept = 1;
  SampleProgress progress(1, 0);
  req.progress = &progress;
  DynamicRound books(req, 5);
  const auto a = books.hand_out();          // [0, 5)
  books.fold(a->first, log_of({0, 3}), 3);  // three evaluated; 0 and 2 accepted
  REQUIRE(books.complete());
  REQUIRE(progress.snapshot().evaluated == 3);
  const Sample s = books.finish(books.handed_out());
  REQUIRE(s.complete);
  REQUIRE(s.accepted.size() == 1);
  REQUIRE(s.accepted[0].index == 0);
  REQUIRE(s.simulations == 1);  // candidates up to the last accepted one used
}

TEST_CASE("dynamic round: claims from workers, overlaps refused", "[core]") {
  SampleRequest req;
  req.n_accept = 4;
  DynamicRound books(req, 4);
  REQUIRE(books.claim({4, 4}));
  REQUIRE(books.claim({0, 4}));
  REQUIRE_FALSE(books.claim({2, 4}));               // overlaps [0, 4) and [4, 8)
  REQUIRE_FALSE(books.claim({6, 1}));               // inside [4, 8)
  REQUIRE_FALSE(books.claim({0, 0}));               // empty
  REQUIRE_FALSE(books.claim({UINT64_MAX - 1, 4}));  // wraps
  REQUIRE(books.claim({12, 4}));                    // a gap is fine
  REQUIRE(books.find(12)->owner == -1);
  books.fold(0, log_of({0, 4}), 4);
  REQUIRE(books.frontier() == 4);
  REQUIRE_FALSE(books.claim({0, 2}));  // below the frontier
  const auto out = books.outstanding();
  REQUIRE(out.size() == 2);
  REQUIRE(out[0].first == 4);
  REQUIRE(out[1].first == 12);
}

TEST_CASE("dynamic round: a stopped round hands out nothing and uses nothing", "[core]") {
  SampleRequest req;
  req.n_accept = 3;
  DynamicRound books(req, 2);
  const auto a = books.hand_out();
  books.fold(a->first, log_of(*a), a->count);
  books.stop();
  REQUIRE(books.stopped());
  REQUIRE_FALSE(books.hand_out());
  const Sample s = books.finish(books.handed_out());
  REQUIRE_FALSE(s.complete);
  REQUIRE(s.accepted.empty());
  REQUIRE(s.simulations == 2);
}

TEST_CASE("dynamic round: n = 0 is complete at once", "[core]") {
  SampleRequest req;
  DynamicRound books(req, 4);
  REQUIRE(books.complete());
  REQUIRE_FALSE(books.hand_out());
  REQUIRE(books.finish(0).complete);
}

TEST_CASE("batch sizer: fixed, then about 2 ms of work with 4 batches per worker", "[core]") {
  REQUIRE(BatchSizer(7).next(3, 100) == 7);
  REQUIRE_FALSE(BatchSizer(7).uses_workers());
  BatchSizer automatic;
  REQUIRE(automatic.next(3, 100) == 1);  // nothing measured yet
  REQUIRE_FALSE(automatic.uses_workers());
  // 1024 evaluations in 1/16 s on one worker: 2^-14 s each, so 32 per 2 ms; and at least 4
  // batches per worker of the last round's 1024: 1024 / (4 * 16) = 16 at 16 workers.
  automatic.measured(0.0625, 1, 1024);
  REQUIRE(automatic.uses_workers());
  REQUIRE(automatic.next(1, 100) == 32);
  REQUIRE(automatic.next(8, 100) == 32);
  REQUIRE(automatic.next(16, 100) == 16);
  REQUIRE(automatic.next(0, 100) == 32);    // 0 workers count as 1
  REQUIRE(automatic.next(16, 4096) == 32);  // n_accept above the last round's size counts
  automatic.measured(1.0, 2, 10);           // 0.2 s per evaluation: 1
  REQUIRE(automatic.next(2, 100) == 1);
  automatic.measured(1e-9, 1, 1 << 30);  // far below: the cap
  REQUIRE(automatic.next(1, 1 << 30) == BatchSizer::kMaxAutomaticBatch);
  automatic.measured(1.0, 1, 0);  // nothing evaluated: the time per evaluation is kept
  REQUIRE(automatic.next(1, 1 << 30) == BatchSizer::kMaxAutomaticBatch);
}

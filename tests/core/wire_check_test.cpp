// Validation of decoded wire messages (core/wire_check.hpp): every inconsistency a spec or a
// result can carry past the byte-level reader is refused with a message that names it, and what
// the samplers really send passes. The probes of issue 11 first: specs that decode fine but carry
// a model index 7 of 1 model, a theta of length 0, an empty previous population with
// from_prior = 0, or negative weights made a worker segfault inside Evaluator::evaluate.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "abcsmc/core/detmath.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/wire.hpp"
#include "abcsmc/core/wire_check.hpp"
#include "support/wire_problem.hpp"

using namespace abcsmc;
using abcsmc::test::wire_calibration;
using abcsmc::test::wire_generation;
using abcsmc::test::wire_problem;
using abcsmc::test::wire_result;
using abcsmc::test::wire_settings;
using Catch::Matchers::Contains;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// Encodes and decodes `m` (what a worker gets), then validates it.
void through_wire(const Problem& problem, const GenerationMessage& m) {
  const ControlMessage c = decode_control(encode_generation(m));
  REQUIRE_FALSE(c.stop);
  validate_generation(problem, c.generation);
}

/// The same for a result.
void result_through_wire(const Problem& problem, const GenerationMessage& m, const ResultMessage& r,
                         WorkBlock claimed, bool cut_short_ok = false) {
  validate_result(problem, m, decode_result_message(encode_result(r)), claimed, cut_short_ok);
}

}  // namespace

TEST_CASE("Wire check: the probes of issue 11 are refused before the evaluator sees them",
          "[core]") {
  const auto problem = wire_problem(1);
  const GenerationMessage good = wire_generation(*problem, 2);
  REQUIRE_NOTHROW(through_wire(*problem, good));

  GenerationMessage m = good;
  m.spec.previous[3].model = 7;
  CHECK_THROWS_WITH(
      through_wire(*problem, m),
      Contains("previous particle 3 (index 9) has model index 7, but the run has 1 model"));

  m = good;
  m.spec.previous[0].theta.resize(0);
  CHECK_THROWS_WITH(
      through_wire(*problem, m),
      Contains("previous particle 0 (index 0) has 0 parameters, but model 'one' has 1"));

  m = good;
  m.spec.previous.clear();
  CHECK_THROWS_WITH(through_wire(*problem, m),
                    Contains("from_prior is 0, but the previous population is empty"));

  m = good;
  m.spec.previous[1].weight = -0.05;
  m.spec.previous[2].weight += 0.1;  // still sums to 1
  CHECK_THROWS_WITH(through_wire(*problem, m),
                    Contains("previous particle 1 (index 3) has weight -0.05"));

  // And the message says where it came from.
  CHECK_THROWS_WITH(through_wire(*problem, m),
                    Contains("generation message of round 3: spec of generation 2"));
}

TEST_CASE("Wire check: valid specs pass (calibration, generation 0, later generations, static)",
          "[core]") {
  for (std::size_t models : {1, 2}) {
    const auto problem = wire_problem(models);
    CHECK_NOTHROW(through_wire(*problem, wire_calibration(*problem)));
    CHECK_NOTHROW(through_wire(*problem, wire_generation(*problem, 0)));
    CHECK_NOTHROW(through_wire(*problem, wire_generation(*problem, 3)));
    CHECK_NOTHROW(through_wire(*problem, wire_generation(*problem, 3, 1)));
    CHECK_NOTHROW(
        through_wire(*problem, wire_generation(*problem, 1, 7, Scheduling::static_blocks)));
    // Weights that sum to 1 only up to rounding (1/3 three times).
    GenerationMessage m = wire_generation(*problem, 1, 3);
    for (auto& p : m.spec.previous) p.weight = 1.0 / 3.0;
    CHECK_NOTHROW(through_wire(*problem, m));
    // A distance weight of 0 (an adaptive distance's constant statistic) and epsilon 0.
    m.spec.distance_weights[1] = 0.0;
    m.spec.epsilon = 0.0;
    CHECK_NOTHROW(through_wire(*problem, m));
  }
}

TEST_CASE("Wire check: inconsistent specs are refused with the value found", "[core]") {
  const auto problem = wire_problem(2);
  const GenerationMessage good = wire_generation(*problem, 2);
  const auto refused = [&](auto change, const std::string& text) {
    GenerationMessage m = good;
    change(m);
    CHECK_THROWS_WITH(through_wire(*problem, m), Contains(text));
  };
  refused([](GenerationMessage& m) { m.spec.epsilon = kNaN; }, "epsilon is NaN");
  refused([](GenerationMessage& m) { m.spec.epsilon = -1.0; }, "epsilon is -1");
  refused([](GenerationMessage& m) { m.spec.from_prior = true; },
          "from_prior is set, but only generation 0 samples");
  refused(
      [](GenerationMessage& m) {
        m.spec.from_prior = true;
        m.spec.t = 0;
      },
      "samples from the prior but carries a previous population of 20 particles");
  refused([](GenerationMessage& m) { m.spec.t = 0; },
          "from_prior is 0, but generation 0 samples from the prior");
  refused([](GenerationMessage& m) { m.spec.calibration = true; },
          "a calibration must sample from the prior");
  refused([](GenerationMessage& m) { m.spec.previous[4].model = 2; },
          "has model index 2, but the run has 2 models");
  refused([](GenerationMessage& m) { m.spec.previous[1].theta.resize(1); },
          "has 1 parameters, but model 'two' has 2");
  refused([](GenerationMessage& m) { m.spec.previous[2].theta[0] = kNaN; },
          "has parameter 'a' = nan");
  refused([](GenerationMessage& m) { m.spec.previous[1].theta[0] = 3.0; },
          "parameters outside the prior of model 'two'");
  refused([](GenerationMessage& m) { m.spec.previous[5].weight = kInf; }, "has weight inf");
  refused([](GenerationMessage& m) { m.spec.previous[5].weight = kNaN; }, "has weight nan");
  refused([](GenerationMessage& m) { m.spec.previous[5].weight *= 2.0; }, "weights sum to 1.05");
  refused([](GenerationMessage& m) { m.spec.previous[5].weight += 2e-9; }, "not 1");
  refused([](GenerationMessage& m) { m.spec.previous[6].eval_index = 3; }, "is not after index 15");
  refused([](GenerationMessage& m) { m.spec.distance_weights.resize(3); },
          "3 distance weights, but the run observes 2");
  refused([](GenerationMessage& m) { m.spec.distance_weights[0] = -1.0; }, "statistic 'y' is -1");
  refused([](GenerationMessage& m) { m.spec.distance_weights[1] = kInf; }, "statistic 'z' is inf");
  refused([](GenerationMessage& m) { m.request.n_accept = 0; }, "asks for 0 particles");
  refused([](GenerationMessage& m) { m.request.n_accept = kMaxWirePopulation + 1; },
          "asks for 1000000001 particles");
  refused([](GenerationMessage& m) { m.request.fail_fast = kMaxWireFailFast + 1; },
          "fail_fast is 10000001");
  refused([](GenerationMessage& m) { m.batch_size = 0; }, "batch size 0");
  refused([](GenerationMessage& m) { m.batch_size = kMaxWireBatch + 1; }, "batch size 4294967297");
  // A weight within the tolerance of the sum passes.
  GenerationMessage m = good;
  m.spec.previous[5].weight += 1e-12;
  CHECK_NOTHROW(through_wire(*problem, m));
}

TEST_CASE("Wire check: what workers return passes, dynamic and static, with failures", "[core]") {
  const auto problem = wire_problem(2);
  const ContextSettings settings = wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  for (const GenerationMessage& m :
       {wire_calibration(*problem), wire_generation(*problem, 0), wire_generation(*problem, 2)}) {
    const ResultMessage r = wire_result(evaluator, settings, m, WorkBlock{8, 40});
    CHECK_NOTHROW(result_through_wire(*problem, m, r, WorkBlock{8, 40}));
  }
  const GenerationMessage s = wire_generation(*problem, 2, 20, Scheduling::static_blocks);
  const ResultMessage r = wire_result(evaluator, settings, s, WorkBlock{3, 5});
  CHECK(r.attempts > 5);
  CHECK_NOTHROW(result_through_wire(*problem, s, r, WorkBlock{3, 5}));
  // The logs really hold failures (the model fails for a > 1.5).
  const ResultMessage many =
      wire_result(evaluator, settings, wire_generation(*problem, 0), WorkBlock{0, 200});
  CHECK_FALSE(many.log.failed_index.empty());
  CHECK(many.log.has_first_failure);
}

TEST_CASE("Wire check: forged or inconsistent results are refused", "[core]") {
  const auto problem = wire_problem(2);
  const ContextSettings settings = wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  const GenerationMessage m = wire_generation(*problem, 0);
  const WorkBlock block{20, 60};
  const ResultMessage good = wire_result(evaluator, settings, m, block);
  REQUIRE(good.log.accepted.size() >= 2);
  REQUIRE(good.log.failed_index.size() >= 1);
  REQUIRE(good.log.stats.size() >= 2);
  const auto refused = [&](auto change, const std::string& text,
                           WorkBlock claimed = WorkBlock{20, 60}) {
    ResultMessage r = good;
    change(r);
    CHECK_THROWS_WITH(result_through_wire(*problem, m, r, claimed), Contains(text));
  };
  // Forged: a range nobody was given, another round, a different count.
  refused([](ResultMessage&) {}, "the block handed out was [0, 60)", WorkBlock{0, 60});
  refused([](ResultMessage& r) { r.round = 9; }, "belongs to round 9, this is round 1");
  refused([](ResultMessage&) {}, "the block handed out was [20, 30)", WorkBlock{20, 10});
  refused([](ResultMessage& r) { r.attempts = 59; }, "59 candidates evaluated in a block of 60");
  refused([](ResultMessage& r) { r.attempts = 61; }, "61 candidates evaluated in a block of 60");
  // Indices.
  refused([](ResultMessage& r) { r.log.accepted[0].index = 80; },
          "accepted candidate 80 lies outside");
  refused([](ResultMessage& r) { r.log.accepted[0].index = 19; },
          "accepted candidate 19 lies outside");
  refused([](ResultMessage& r) { r.log.failed_index[0] = 5; }, "failed candidate 5 lies outside");
  refused([](ResultMessage& r) { r.log.accepted[1].index = r.log.accepted[0].index; },
          "is reported twice");
  refused([](ResultMessage& r) { r.log.failed_index[0] = r.log.accepted[0].index; },
          "is reported twice");
  refused([](ResultMessage& r) { r.log.accepted[0].attempt = 2; }, "has attempt 2");
  refused([](ResultMessage& r) { r.log.stats[0].index = 90; },
          "candidate with statistics 90 lies outside");
  refused([](ResultMessage& r) { r.log.stats[1].index = r.log.stats[0].index; },
          "are reported twice");
  refused([](ResultMessage& r) { r.log.stats[0].index = r.log.failed_index[0]; }, "which failed");
  // Contents of accepted candidates.
  refused([](ResultMessage& r) { r.log.accepted[0].model = 7; },
          "model index 7, but the run has 2 models");
  refused([](ResultMessage& r) { r.log.accepted[0].theta.resize(0); }, "0 parameters, but model");
  refused([](ResultMessage& r) { r.log.accepted[0].theta[0] = kInf; }, "has parameter 'a' = inf");
  refused([](ResultMessage& r) { r.log.accepted[0].stats.resize(5); },
          "5 statistics, but the run observes 2");
  refused([](ResultMessage& r) { r.log.accepted[0].stats[1] = kNaN; }, "has statistic 'z' = nan");
  refused([](ResultMessage& r) { r.log.accepted[0].distance = kNaN; }, "has distance nan");
  refused([](ResultMessage& r) { r.log.accepted[0].distance = -0.5; }, "has distance -0.5");
  refused([](ResultMessage& r) { r.log.accepted[0].distance = 76.6; },
          "has distance 76.6, above epsilon 1.5");
  refused([](ResultMessage& r) { r.log.accepted[0].failed = true; }, "is flagged failed");
  refused([](ResultMessage& r) { r.log.accepted[0].accepted = false; }, "is flagged not accepted");
  refused([](ResultMessage& r) { r.log.stats[0].stats.resize(1); },
          "(its kept statistics) has 1 statistics, but the run observes 2");
  // Failure bookkeeping.
  refused([](ResultMessage& r) { r.log.first_failure_index = 3; },
          "is not one of its failed candidates");
  refused([](ResultMessage& r) { r.log.has_first_failure = false; },
          "but no first failure message");
  refused([](ResultMessage& r) { r.log.failed_reason[0] = 40; }, "failure reason 40 of");
  refused([](ResultMessage& r) { r.log.reasons.resize(EvalLog::kMaxReasons + 2, "x"); },
          "distinct failure reasons");
  // Counts: more candidates than evaluated.
  refused(
      [](ResultMessage& r) {
        for (int i = 0; i < 70; ++i) {
          r.log.failed_index.push_back(20);
          r.log.failed_attempt.push_back(0);
          r.log.failed_reason.push_back(0);
        }
      },
      "but 60 evaluated");
  // Statistics nobody asked for.
  GenerationMessage no_stats = m;
  no_stats.request.keep_all_stats = false;
  CHECK_THROWS_WITH(result_through_wire(*problem, no_stats, good, block),
                    Contains("which this round did not ask for"));
}

TEST_CASE("Wire check: a cut-short dynamic batch passes only where the round was cancelled",
          "[core]") {
  const auto problem = wire_problem(1);
  const ContextSettings settings = wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  const GenerationMessage m = wire_generation(*problem, 2);
  ResultMessage r = wire_result(evaluator, settings, m, WorkBlock{0, 10});
  r.block.count = 16;  // the worker was given 16 and stopped after 10 (cancel)
  CHECK_THROWS_WITH(result_through_wire(*problem, m, r, WorkBlock{0, 16}),
                    Contains("10 candidates evaluated in a block of 16"));
  CHECK_NOTHROW(result_through_wire(*problem, m, r, WorkBlock{0, 16}, true));
  // Indices past the evaluated ones are still refused.
  r.log.accepted.push_back(r.log.accepted.empty() ? EvalResult{} : r.log.accepted.back());
  r.log.accepted.back().index = 12;
  CHECK_THROWS_WITH(result_through_wire(*problem, m, r, WorkBlock{0, 16}, true),
                    Contains("lies outside the indices evaluated, [0, 10)"));
}

TEST_CASE("Wire check: static results keep to their slots and budgets", "[core]") {
  const auto problem = wire_problem(2);
  const ContextSettings settings = wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  const GenerationMessage m = wire_generation(*problem, 2, 20, Scheduling::static_blocks);
  const ResultMessage good = wire_result(evaluator, settings, m, WorkBlock{2, 6});
  REQUIRE(good.log.accepted.size() >= 2);
  const auto refused = [&](auto change, const std::string& text) {
    ResultMessage r = good;
    change(r);
    CHECK_THROWS_WITH(result_through_wire(*problem, m, r, WorkBlock{2, 6}), Contains(text));
  };
  // max_evals 100 over 10 slots: 10 attempts per slot.
  refused([](ResultMessage& r) { r.log.accepted[0].attempt = 10; },
          "beyond the slot's budget of 10");
  refused([](ResultMessage& r) { r.log.accepted[0].index = 8; },
          "lies outside the slots of the block, [2, 8)");
  refused(
      [](ResultMessage& r) {
        EvalResult again = r.log.accepted[0];
        again.attempt += 1;
        r.log.accepted.push_back(again);
        ++r.attempts;
      },
      "after its accepted attempt");
}

TEST_CASE("Wire check: stochastic acceptance is checked against the candidate's own draw",
          "[core]") {
  const auto problem = wire_problem(2);
  const ContextSettings settings = wire_settings(*problem);
  const Evaluator evaluator(problem, 0.8);
  const GenerationMessage m = wire_generation(*problem, 0);
  const WorkBlock block{20, 60};
  ResultMessage r = wire_result(evaluator, settings, m, block);
  REQUIRE_FALSE(r.log.accepted.empty());
  for (auto& a : r.log.accepted) a.distance = 0.0;  // always accepted
  const EvalResult& first = r.log.accepted[0];
  // The threshold T * E of the first accepted candidate, E from its acceptance stream.
  Rng rng(StreamId{m.spec.seed, m.spec.t, first.index, first.attempt, StreamKind::acceptance});
  const double threshold = m.spec.epsilon * -detmath::log(rng.uniform_pos());
  const auto check = [&](double distance) {
    ResultMessage x = r;
    x.log.accepted[0].distance = distance;
    validate_result(*problem, m, decode_result_message(encode_result(x)), block, false, true);
  };
  CHECK_NOTHROW(check(threshold * (1.0 - 1e-12)));
  CHECK_THROWS_WITH(check(threshold * (1.0 + 1e-9)),
                    Contains("above the threshold its acceptance stream gives at temperature"));
}

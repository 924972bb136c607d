#pragma once
/// Consistency checks of decoded wire messages (DESIGN.md section 7, "untrusted boundary").
/// Whatever a worker or master reads from another process (a Redis server above all) passed the
/// byte-level reader of core/wire.hpp, which only guarantees that the bytes were read in bounds.
/// These checks guarantee that the values fit the run's problem before anything uses them:
/// model indices, parameter and statistic counts, weights, epsilon, index ranges. A message that
/// fails throws Error naming the first inconsistency, the value found and what was expected.
/// Pure functions; any rank, any thread.
#include <cstdint>

#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/wire.hpp"

namespace abcsmc {

/// A generation message may ask for at most this many particles (a population this large would
/// not fit any master's memory; the bound keeps a corrupt count from sizing anything).
inline constexpr std::uint64_t kMaxWirePopulation = 1000000000;
/// stop.fail_fast's upper limit in the config (the guard allocates one byte per candidate).
inline constexpr std::uint64_t kMaxWireFailFast = 10000000;
/// The most indices one batch (a claim, a block of work) may hold.
inline constexpr std::uint64_t kMaxWireBatch = std::uint64_t{1} << 32;
/// Relative tolerance of the previous population's weight sum (they are normalised to 1).
inline constexpr double kWeightSumTolerance = 1e-9;

/// Checks a decoded generation spec against `problem`: epsilon not NaN (and >= 0 outside the
/// calibration, which uses +inf), calibration and from_prior consistent with t and with the
/// previous population (empty exactly when sampling from the prior), every previous particle's
/// model index, parameter count and finite parameters inside that model's prior support, eval
/// indices strictly increasing,
/// weights finite, >= 0 and summing to 1 within kWeightSumTolerance, and one finite
/// non-negative distance weight per observed statistic.
/// @throws Error naming the first inconsistency.
void validate_spec(const Problem& problem, const GenerationSpec& spec);

/// validate_spec, plus the request and schedule: 1 <= n_accept <= kMaxWirePopulation,
/// fail_fast <= kMaxWireFailFast, 1 <= batch_size <= kMaxWireBatch for dynamic scheduling.
/// What a worker calls right after decode_control, before make_context.
/// @throws Error naming the first inconsistency (message starts "generation message of round k").
void validate_generation(const Problem& problem, const GenerationMessage& m);

/// Checks a decoded result against the round it belongs to (`m`, the message the master sent)
/// and the block the master knows was handed out or claimed (`claimed`):
///   - round and block equal m.round and `claimed`; at least one index;
///   - dynamic: attempts == block.count, or fewer only when `cut_short_ok` (a cancelled round),
///     every index inside the first `attempts` of the block, attempt 0, no index twice;
///   - static: every slot inside the block, attempts within the slot's budget, no (slot, attempt)
///     twice, at most one accepted attempt per slot and none after it;
///   - no more accepted + failed candidates than attempts; a candidate is never both;
///   - accepted: flagged accepted and not failed, model index < models, as many finite
///     parameters as that model has (inside its prior's support), one finite statistic per
///     observed statistic, a distance
///     that is not NaN, >= 0 and accepted by the rule (core/acceptance.hpp: <= epsilon, or
///     with `stochastic` below the temperature times the candidate's acceptance draw);
///   - kept statistics: one per observed statistic, finite, for candidates that did not fail;
///   - failure reasons: at most EvalLog::kMaxReasons + 1 distinct ones; the first failure is one
///     of the failed candidates.
/// @throws Error naming the first inconsistency.
void validate_result(const Problem& problem, const GenerationMessage& m, const ResultMessage& r,
                     const WorkBlock& claimed, bool cut_short_ok = false, bool stochastic = false);

}  // namespace abcsmc

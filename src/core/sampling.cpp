#include "abcsmc/core/sampling.hpp"

#include <algorithm>
#include <tuple>
#include <vector>

namespace abcsmc {

StreamId stream_for(const GenerationContext& ctx, Scheduling scheduling, std::uint64_t index,
                    std::uint64_t attempt) {
  if (ctx.spec->calibration) {
    // Calibration draws prior samples 0..n-1 whatever the scheduling, so that the first
    // epsilon is the same for static and dynamic runs (when no simulation fails). A static slot
    // whose simulation failed retries with attempt 1, 2, ...: the attempt is part of the stream,
    // or a failing candidate would be retried identically forever.
    return StreamId{ctx.spec->seed, 0, index, attempt, StreamKind::calibration};
  }
  if (scheduling == Scheduling::static_blocks) {
    return StreamId{ctx.spec->seed, ctx.spec->t, index, attempt, StreamKind::slot};
  }
  return StreamId{ctx.spec->seed, ctx.spec->t, index, 0, StreamKind::evaluation};
}

namespace {

std::uint32_t intern_reason(std::vector<std::string>& reasons, const std::string& reason) {
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    if (reasons[i] == reason) return static_cast<std::uint32_t>(i);
  }
  if (reasons.size() >= EvalLog::kMaxReasons) {
    const std::string other =
        "other reasons (more than " + std::to_string(EvalLog::kMaxReasons) + " distinct ones)";
    if (reason != other) return intern_reason(reasons, other);  // found, or added just below
  }
  reasons.push_back(reason);
  return static_cast<std::uint32_t>(reasons.size() - 1);
}

bool before(std::uint64_t ia, std::uint64_t aa, std::uint64_t ib, std::uint64_t ab) {
  return ia < ib || (ia == ib && aa < ab);
}

}  // namespace

void EvalLog::record(EvalResult&& r, bool keep_all_stats) {
  if (r.failed) {
    failed_index.push_back(r.index);
    failed_attempt.push_back(r.attempt);
    failed_reason.push_back(intern_reason(reasons, clean_reason(r.failure_reason)));
    if (!has_first_failure ||
        before(r.index, r.attempt, first_failure_index, first_failure_attempt)) {
      has_first_failure = true;
      first_failure_index = r.index;
      first_failure_attempt = r.attempt;
      first_failure_message = std::move(r.failure_message);
    }
    return;
  }
  if (keep_all_stats) stats.push_back(IndexedStats{r.index, r.attempt, r.stats});
  if (r.accepted) accepted.push_back(std::move(r));
}

void EvalLog::merge(EvalLog&& other) {
  auto append = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  append(accepted, other.accepted);
  append(failed_index, other.failed_index);
  append(failed_attempt, other.failed_attempt);
  for (std::uint32_t id : other.failed_reason) {
    failed_reason.push_back(id < other.reasons.size() ? intern_reason(reasons, other.reasons[id])
                                                      : intern_reason(reasons, "unknown reason"));
  }
  if (other.has_first_failure &&
      (!has_first_failure || before(other.first_failure_index, other.first_failure_attempt,
                                    first_failure_index, first_failure_attempt))) {
    has_first_failure = true;
    first_failure_index = other.first_failure_index;
    first_failure_attempt = other.first_failure_attempt;
    first_failure_message = std::move(other.first_failure_message);
  }
  append(stats, other.stats);
}

namespace {

/// Fills `out`'s all_stats and all_keys from `stats` up to `last_index`, in (index, attempt)
/// order.
void sorted_stats(std::vector<IndexedStats>& stats, std::uint64_t last_index, Sample& out) {
  std::sort(stats.begin(), stats.end(), [](const IndexedStats& a, const IndexedStats& b) {
    return before(a.index, a.attempt, b.index, b.attempt);
  });
  out.all_stats.reserve(stats.size());
  out.all_keys.reserve(stats.size());
  for (auto& s : stats) {
    if (s.index > last_index) continue;
    out.all_stats.push_back(std::move(s.stats));
    out.all_keys.emplace_back(s.index, s.attempt);
  }
}

/// Counts the failures of `log` that pass `counts` by reason.
template <typename Counts>
FailureTally tally(const EvalLog& log, Counts counts) {
  FailureTally t;
  std::vector<std::uint64_t> per_reason(log.reasons.size(), 0);
  bool first = true;
  for (std::size_t i = 0; i < log.failed_index.size(); ++i) {
    if (!counts(log.failed_index[i])) continue;
    const std::uint32_t id = i < log.failed_reason.size() ? log.failed_reason[i] : 0;
    if (id < per_reason.size()) ++per_reason[id];
    if (first ||
        before(log.failed_index[i], log.failed_attempt[i], t.first_index, t.first_attempt)) {
      first = false;
      t.first_index = log.failed_index[i];
      t.first_attempt = log.failed_attempt[i];
    }
  }
  for (std::size_t id = 0; id < per_reason.size(); ++id) {
    if (per_reason[id] > 0) t.by_reason.emplace_back(log.reasons[id], per_reason[id]);
  }
  t.sort();
  // The log keeps the message of its smallest failure only; it is the tally's first one
  // whenever that failure counts (it does, unless it lies past the last accepted index).
  if (!first && log.has_first_failure && log.first_failure_index == t.first_index &&
      log.first_failure_attempt == t.first_attempt) {
    t.first_message = log.first_failure_message;
  }
  return t;
}

void sort_accepted(std::vector<EvalResult>& accepted) {
  std::sort(accepted.begin(), accepted.end(), [](const EvalResult& a, const EvalResult& b) {
    return before(a.index, a.attempt, b.index, b.attempt);
  });
}

}  // namespace

void note_log(SampleProgress& progress, const EvalLog& log, std::uint64_t first,
              std::uint64_t count) {
  EvalResult r;
  r.failed = true;
  std::vector<std::uint64_t> failed_here;
  for (std::size_t i = 0; i < log.failed_index.size(); ++i) {
    r.index = log.failed_index[i];
    r.attempt = log.failed_attempt[i];
    const std::uint32_t id = i < log.failed_reason.size() ? log.failed_reason[i] : 0;
    r.failure_reason = id < log.reasons.size() ? log.reasons[id] : std::string();
    r.failure_message = log.has_first_failure && log.first_failure_index == r.index &&
                                log.first_failure_attempt == r.attempt
                            ? log.first_failure_message
                            : r.failure_reason;
    progress.note(r);
    if (r.index < progress.fail_fast()) failed_here.push_back(r.index);
  }
  // Any index of the batch below the guard's limit that did not fail is a success.
  const std::uint64_t end = std::min(first + count, progress.fail_fast());
  if (first < end && failed_here.size() < end - first) {
    std::sort(failed_here.begin(), failed_here.end());
    for (std::uint64_t i = first; i < end; ++i) {
      if (!std::binary_search(failed_here.begin(), failed_here.end(), i)) {
        EvalResult ok;
        ok.index = i;
        progress.note(ok);
        break;
      }
    }
  }
}

Sample assemble_dynamic(EvalLog log, const SampleRequest& request, std::uint64_t evaluated) {
  Sample s;
  sort_accepted(log.accepted);
  std::uint64_t last = evaluated == 0 ? 0 : evaluated - 1;
  if (log.accepted.size() >= request.n_accept && request.n_accept > 0) {
    log.accepted.resize(request.n_accept);
    last = log.accepted.back().index;
    s.complete = true;
    s.simulations = last + 1;
  } else {
    s.complete = request.n_accept == 0;
    s.simulations = evaluated;
  }
  const auto counts = [&](std::uint64_t i) { return i <= last && s.simulations > 0; };
  for (std::uint64_t i : log.failed_index) s.failed += counts(i) ? 1 : 0;
  s.failures = tally(log, counts);
  sorted_stats(log.stats, last, s);
  s.accepted = std::move(log.accepted);
  return s;
}

std::uint64_t evaluate_dynamic(const Evaluator& evaluator, const GenerationContext& ctx,
                               std::uint64_t first, std::uint64_t count,
                               const std::function<bool()>& proceed,
                               const std::function<void(EvalResult&&)>& take) {
  const std::uint64_t block = std::max<std::uint64_t>(1, evaluator.batch_size());
  std::vector<StreamId> ids;
  std::uint64_t done = 0;
  while (done < count) {
    if (proceed && !proceed()) break;
    if (block == 1) {
      take(evaluator.evaluate(ctx, stream_for(ctx, Scheduling::dynamic, first + done, 0)));
      ++done;
      continue;
    }
    const std::uint64_t n = std::min(block, count - done);
    ids.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
      ids.push_back(stream_for(ctx, Scheduling::dynamic, first + done + i, 0));
    }
    for (EvalResult& r : evaluator.evaluate_block(ctx, ids)) take(std::move(r));
    done += n;
  }
  return done;
}

bool fill_static_slot(const Evaluator& evaluator, const GenerationContext& ctx, std::uint64_t slot,
                      std::uint64_t max_attempts, bool keep_all_stats, EvalLog& log,
                      std::uint64_t& attempts, SampleProgress* progress) {
  return fill_static_slot(evaluator, ctx, slot, max_attempts, keep_all_stats, log, attempts,
                          progress, {});
}

bool fill_static_slot(const Evaluator& evaluator, const GenerationContext& ctx, std::uint64_t slot,
                      std::uint64_t max_attempts, bool keep_all_stats, EvalLog& log,
                      std::uint64_t& attempts, SampleProgress* progress,
                      const std::function<bool()>& proceed) {
  for (std::uint64_t a = 0; a < max_attempts; ++a) {
    if (progress != nullptr && progress->cancelled()) return false;
    if (proceed && !proceed()) return false;
    EvalResult r = evaluator.evaluate(ctx, stream_for(ctx, Scheduling::static_blocks, slot, a));
    ++attempts;
    const bool accepted = r.accepted;
    if (progress != nullptr) {
      progress->note(r);
      progress->add(1, accepted ? 1 : 0, r.failed ? 1 : 0);
    }
    log.record(std::move(r), keep_all_stats);
    if (accepted) return true;
  }
  return false;
}

Sample assemble_static(EvalLog log, const SampleRequest& request, std::uint64_t attempts) {
  Sample s;
  sort_accepted(log.accepted);
  s.complete = log.accepted.size() == request.n_accept;
  s.simulations = attempts;
  s.failed = log.failed_index.size();
  s.failures = tally(log, [](std::uint64_t) { return true; });
  sorted_stats(log.stats, static_cast<std::uint64_t>(-1), s);
  s.accepted = std::move(log.accepted);
  return s;
}

std::uint64_t static_slot_budget(const SampleRequest& request, std::uint64_t slot) {
  if (request.max_evals == 0 || request.n_accept == 0) return kUnlimitedAttempts;
  const std::uint64_t n = request.n_accept;
  return request.max_evals / n + (slot < request.max_evals % n ? 1 : 0);
}

}  // namespace abcsmc

#include "abcsmc/samplers/sampler.hpp"

#include <algorithm>
#include <tuple>

namespace abcsmc {

StreamId stream_for(const GenerationContext& ctx, Scheduling scheduling, std::uint64_t index,
                    std::uint64_t attempt) {
  if (ctx.calibration) {
    // Calibration draws prior samples 0..n-1 whatever the scheduling, so that the first
    // epsilon is the same for static and dynamic runs (when no simulation fails). A static slot
    // whose simulation failed retries with attempt 1, 2, ...: the attempt is part of the stream,
    // or a failing candidate would be retried identically forever.
    return StreamId{ctx.seed, 0, index, attempt, StreamKind::calibration};
  }
  if (scheduling == Scheduling::static_blocks) {
    return StreamId{ctx.seed, ctx.t, index, attempt, StreamKind::slot};
  }
  return StreamId{ctx.seed, ctx.t, index, 0, StreamKind::evaluation};
}

void EvalLog::record(EvalResult&& r, bool keep_all_stats) {
  if (r.failed) {
    failed_index.push_back(r.index);
    failed_attempt.push_back(r.attempt);
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
  append(stats, other.stats);
}

namespace {

bool by_key(std::uint64_t ia, std::uint64_t aa, std::uint64_t ib, std::uint64_t ab) {
  return std::tie(ia, aa) < std::tie(ib, ab);
}

std::vector<Vector> sorted_stats(std::vector<IndexedStats>& stats, std::uint64_t last_index) {
  std::sort(stats.begin(), stats.end(), [](const IndexedStats& a, const IndexedStats& b) {
    return by_key(a.index, a.attempt, b.index, b.attempt);
  });
  std::vector<Vector> out;
  out.reserve(stats.size());
  for (auto& s : stats) {
    if (s.index <= last_index) out.push_back(std::move(s.stats));
  }
  return out;
}

void sort_accepted(std::vector<EvalResult>& accepted) {
  std::sort(accepted.begin(), accepted.end(), [](const EvalResult& a, const EvalResult& b) {
    return by_key(a.index, a.attempt, b.index, b.attempt);
  });
}

}  // namespace

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
  for (std::uint64_t i : log.failed_index) s.failed += (i <= last && s.simulations > 0) ? 1 : 0;
  s.all_stats = sorted_stats(log.stats, last);
  s.accepted = std::move(log.accepted);
  return s;
}

bool fill_static_slot(const Evaluator& evaluator, const GenerationContext& ctx, std::uint64_t slot,
                      std::uint64_t max_attempts, bool keep_all_stats, EvalLog& log,
                      std::uint64_t& attempts) {
  for (std::uint64_t a = 0; max_attempts == 0 || a < max_attempts; ++a) {
    EvalResult r = evaluator.evaluate(ctx, stream_for(ctx, Scheduling::static_blocks, slot, a));
    ++attempts;
    const bool accepted = r.accepted;
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
  s.all_stats = sorted_stats(log.stats, static_cast<std::uint64_t>(-1));
  s.accepted = std::move(log.accepted);
  return s;
}

std::uint64_t static_slot_budget(const SampleRequest& request) {
  if (request.max_evals == 0 || request.n_accept == 0) return 0;
  return std::max<std::uint64_t>(1, request.max_evals / request.n_accept);
}

}  // namespace abcsmc

#include "abcsmc/samplers/mapping.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/dynamic_round.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/samplers/future.hpp"

namespace abcsmc {

BatchFunction dynamic_batch_function(const Evaluator& evaluator, const GenerationContext& ctx,
                                     bool keep_all_stats) {
  return [&evaluator, &ctx, keep_all_stats](const WorkBlock& batch) {
    BatchOutcome out;
    out.batch = batch;
    out.evaluations =
        evaluate_dynamic(evaluator, ctx, batch.first, batch.count, {}, [&](EvalResult&& r) {
          out.accepted += r.accepted ? 1 : 0;
          out.log.record(std::move(r), keep_all_stats);
        });
    return out;
  };
}

BatchFunction static_batch_function(const Evaluator& evaluator, const GenerationContext& ctx,
                                    bool keep_all_stats, std::uint64_t max_attempts) {
  const std::uint64_t limit = max_attempts == 0 ? kUnlimitedAttempts : max_attempts;
  return [&evaluator, &ctx, keep_all_stats, limit](const WorkBlock& batch) {
    BatchOutcome out;
    out.batch = batch;
    for (std::uint64_t slot = batch.first; slot < batch.first + batch.count; ++slot) {
      if (fill_static_slot(evaluator, ctx, slot, limit, keep_all_stats, out.log, out.evaluations)) {
        ++out.accepted;
      }
    }
    return out;
  };
}

BatchFunction static_batch_function(const Evaluator& evaluator, const GenerationContext& ctx,
                                    const SampleRequest& request) {
  return [&evaluator, &ctx, request](const WorkBlock& batch) {
    BatchOutcome out;
    out.batch = batch;
    for (std::uint64_t slot = batch.first; slot < batch.first + batch.count; ++slot) {
      if (fill_static_slot(evaluator, ctx, slot, static_slot_budget(request, slot),
                           request.keep_all_stats, out.log, out.evaluations)) {
        ++out.accepted;
      }
    }
    return out;
  };
}

// --- MappingSampler ----------------------------------------------------------------------------

MappingSampler::MappingSampler(Map map, std::size_t batch_size, std::size_t workers,
                               std::string name)
    : map_(std::move(map)),
      batch_size_(batch_size),
      workers_(std::max<std::size_t>(1, workers)),
      name_(std::move(name)) {
  if (!map_) throw ConfigError("MappingSampler: the map function is empty");
}

Sample MappingSampler::sample(const Evaluator& evaluator, const GenerationContext& ctx,
                              const SampleRequest& request) {
  const std::uint64_t n = request.n_accept;
  const std::uint64_t size =
      batch_size_ > 0 ? batch_size_ : std::max<std::uint64_t>(1, (n + workers_ - 1) / workers_);
  std::vector<WorkBlock> batches;
  for (std::uint64_t first = 0; first < n; first += size) {
    batches.push_back(WorkBlock{first, std::min(size, n - first)});
  }
  const BatchFunction fn = static_batch_function(evaluator, ctx, request);
  std::vector<BatchOutcome> outcomes = map_(batches, fn);
  // Every batch exactly once: otherwise slots would be missing or counted twice.
  std::vector<std::uint64_t> firsts;
  for (const auto& o : outcomes) firsts.push_back(o.batch.first);
  std::sort(firsts.begin(), firsts.end());
  bool ok = firsts.size() == batches.size();
  for (std::size_t i = 0; ok && i < firsts.size(); ++i) ok = firsts[i] == batches[i].first;
  if (!ok) {
    throw Error(name_ + ": the map returned " + std::to_string(outcomes.size()) + " outcomes for " +
                std::to_string(batches.size()) +
                " batches (each batch must be mapped exactly once)");
  }
  EvalLog all;
  std::uint64_t attempts = 0;
  for (auto& o : outcomes) {
    attempts += o.evaluations;
    all.merge(std::move(o.log));
  }
  return assemble_static(std::move(all), request, attempts);
}

// --- FutureSampler -----------------------------------------------------------------------------

FutureSampler::FutureSampler(Submit submit, Complete complete, std::size_t batch_size,
                             std::size_t max_in_flight, std::string name)
    : submit_(std::move(submit)),
      complete_(std::move(complete)),
      batch_size_(batch_size),
      max_in_flight_(max_in_flight),
      name_(std::move(name)) {
  if (!submit_ || !complete_) throw ConfigError("FutureSampler: submit and complete are required");
  if (batch_size_ == 0) throw ConfigError("FutureSampler: batch_size must be >= 1");
  if (max_in_flight_ == 0) throw ConfigError("FutureSampler: max_in_flight must be >= 1");
}

Sample FutureSampler::sample(const Evaluator& evaluator, const GenerationContext& ctx,
                             const SampleRequest& request) {
  const BatchFunction fn = dynamic_batch_function(evaluator, ctx, request.keep_all_stats);
  // The shared books of a dynamic round (core/dynamic_round.hpp). Once n are accepted, indices
  // not yet started lie above the n-th smallest accepted one: start no more, but finish every
  // started batch (it may hold smaller indices).
  DynamicRound books(request, batch_size_);
  SampleProgress* progress = request.progress;
  const auto fill = [&] {
    while (books.outstanding_count() < max_in_flight_) {
      if (progress != nullptr && progress->cancelled()) books.stop();
      const auto block = books.hand_out();
      if (!block) return;
      submit_(*block, fn);
    }
  };
  std::size_t in_flight = 0;  // submitted, complete() not yet called for them
  try {
    fill();
    in_flight = books.outstanding_count();
    while (in_flight > 0) {
      --in_flight;  // complete() answers for one batch, even when it throws
      BatchOutcome o = complete_();
      const DynamicRound::Block* b = books.find(o.batch.first);
      if (b == nullptr || b->done || b->range.count != o.batch.count) {
        throw Error(name_ + ": complete() returned an outcome for indices [" +
                    std::to_string(o.batch.first) + ", " +
                    std::to_string(o.batch.first + o.batch.count) +
                    ") that is not in flight (each submitted batch completes exactly once)");
      }
      books.fold(o.batch.first, std::move(o.log), o.evaluations);
      fill();
      in_flight = books.outstanding_count();
    }
  } catch (...) {
    // The batches still running refer to evaluator and ctx: wait for them before unwinding.
    while (in_flight > 0) {
      --in_flight;
      try {
        (void)complete_();
      } catch (...) {
      }
    }
    throw;
  }
  if (progress != nullptr && progress->cancelled()) books.stop();
  // Every submitted batch came back: the results reach the last index handed out.
  return books.finish(books.handed_out());
}

}  // namespace abcsmc

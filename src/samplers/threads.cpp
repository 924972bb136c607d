#include "abcsmc/samplers/threads.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace abcsmc {

namespace {

/// Runs body(worker) on `n` threads (the calling thread is worker 0) and rethrows the first
/// exception any of them raised, after all have finished.
template <typename Body>
void run_on_threads(std::size_t n, Body&& body) {
  std::exception_ptr error;
  std::mutex error_mutex;
  auto guarded = [&](std::size_t w) {
    try {
      body(w);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(n - 1);
  for (std::size_t w = 1; w < n; ++w) threads.emplace_back(guarded, w);
  guarded(0);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

std::size_t hardware_threads() {
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

ThreadsSampler::ThreadsSampler(std::size_t threads, Scheduling scheduling, std::size_t batch_size)
    : threads_(threads == 0 ? hardware_threads() : threads),
      scheduling_(scheduling),
      // Claims cost one atomic increment; 16 keeps that negligible for microsecond models while
      // a straggler batch costs at most 16 simulations of idle time at the end of a generation.
      batch_size_(batch_size == 0 ? 16 : batch_size) {}

Sample ThreadsSampler::sample(const Evaluator& evaluator, const GenerationContext& ctx,
                              const SampleRequest& request) {
  return scheduling_ == Scheduling::dynamic ? sample_dynamic(evaluator, ctx, request)
                                            : sample_static(evaluator, ctx, request);
}

Sample ThreadsSampler::sample_dynamic(const Evaluator& evaluator, const GenerationContext& ctx,
                                      const SampleRequest& request) {
  const std::uint64_t limit = request.max_evals == 0 ? UINT64_MAX : request.max_evals;
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::size_t> n_accepted{0};
  std::atomic<bool> abort{false};
  std::vector<EvalLog> logs(threads_);
  SampleProgress* progress = request.progress;
  // A claim holds at least one batch of the models (Model::batch_size).
  const std::uint64_t claim = std::max<std::uint64_t>(batch_size_, evaluator.batch_size());
  run_on_threads(threads_, [&](std::size_t w) {
    EvalLog& log = logs[w];
    // Once n candidates are accepted, any index not yet claimed lies above the n-th smallest
    // accepted one, so no new claims are needed; claimed batches are always finished, except
    // when the round is cancelled (then the sample is incomplete and nothing of it is used).
    while (n_accepted.load(std::memory_order_relaxed) < request.n_accept &&
           !abort.load(std::memory_order_relaxed) && !(progress && progress->cancelled())) {
      const std::uint64_t first = next.fetch_add(claim, std::memory_order_relaxed);
      if (first >= limit) break;
      const std::uint64_t end = std::min<std::uint64_t>(first + claim, limit);
      std::uint64_t done = 0, accepted = 0, failed = 0;
      try {
        done = evaluate_dynamic(
            evaluator, ctx, first, end - first,
            [progress] { return progress == nullptr || !progress->cancelled(); },
            [&](EvalResult&& r) {
              if (r.accepted) {
                ++accepted;
                n_accepted.fetch_add(1, std::memory_order_relaxed);
              }
              if (r.failed) ++failed;
              if (progress != nullptr) progress->note(r);
              log.record(std::move(r), request.keep_all_stats);
            });
      } catch (...) {
        abort = true;
        throw;
      }
      if (progress != nullptr) progress->add(done, accepted, failed);
    }
  });
  if (progress != nullptr && progress->cancelled()) {
    Sample cut;  // some claimed batches were cut short: nothing of this round is used
    cut.simulations = std::min(next.load(), limit);
    return cut;
  }
  const std::uint64_t evaluated = std::min(next.load(), limit);
  EvalLog all;
  for (auto& l : logs) all.merge(std::move(l));
  return assemble_dynamic(std::move(all), request, evaluated);
}

Sample ThreadsSampler::sample_static(const Evaluator& evaluator, const GenerationContext& ctx,
                                     const SampleRequest& request) {
  const std::size_t n = request.n_accept;
  std::vector<EvalLog> logs(threads_);
  std::vector<std::uint64_t> attempts(threads_, 0);
  std::atomic<bool> abort{false};
  run_on_threads(threads_, [&](std::size_t w) {
    // Contiguous block of slots per thread, fixed before any work starts.
    const std::size_t begin = n * w / threads_;
    const std::size_t end = n * (w + 1) / threads_;
    try {
      for (std::size_t slot = begin; slot < end && !abort.load(std::memory_order_relaxed); ++slot) {
        fill_static_slot(evaluator, ctx, slot, static_slot_budget(request, slot),
                         request.keep_all_stats, logs[w], attempts[w], request.progress);
      }
    } catch (...) {
      abort = true;
      throw;
    }
  });
  if (request.progress != nullptr && request.progress->cancelled()) {
    Sample cut;
    for (std::uint64_t a : attempts) cut.simulations += a;
    return cut;
  }
  EvalLog all;
  std::uint64_t total = 0;
  for (std::size_t w = 0; w < threads_; ++w) {
    all.merge(std::move(logs[w]));
    total += attempts[w];
  }
  return assemble_static(std::move(all), request, total);
}

ThreadsFor::ThreadsFor(std::size_t threads)
    : threads_(threads == 0 ? hardware_threads() : threads) {}

void ThreadsFor::run(std::size_t n, const std::function<void(std::size_t)>& fn) const {
  const std::size_t t = std::min(threads_, std::max<std::size_t>(1, n));
  run_on_threads(t, [&](std::size_t w) {
    for (std::size_t i = n * w / t; i < n * (w + 1) / t; ++i) fn(i);
  });
}

}  // namespace abcsmc

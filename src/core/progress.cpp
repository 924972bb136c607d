#include "abcsmc/core/progress.hpp"

#include "abcsmc/core/evaluator.hpp"

namespace abcsmc {

SampleProgress::SampleProgress(std::size_t n_accept, std::uint64_t fail_fast, bool static_slots)
    : n_accept_(n_accept),
      fail_fast_(fail_fast),
      static_slots_(static_slots),
      start_(std::chrono::steady_clock::now()),
      guard_(fail_fast > 0 ? std::make_unique<std::atomic<std::uint8_t>[]>(fail_fast) : nullptr),
      guard_messages_(kGuardMessages) {
  for (std::uint64_t k = 0; k < fail_fast_; ++k) guard_[k].store(0, std::memory_order_relaxed);
  if (fail_fast_ == 0) guard_off_ = true;
}

void SampleProgress::add(std::uint64_t evaluated, std::uint64_t accepted,
                         std::uint64_t failed) noexcept {
  evaluated_.fetch_add(evaluated, std::memory_order_relaxed);
  if (accepted > 0) accepted_.fetch_add(accepted, std::memory_order_relaxed);
  if (failed > 0) failed_.fetch_add(failed, std::memory_order_relaxed);
}

void SampleProgress::note(const EvalResult& r) {
  if (r.failed && !seen_failure_.load(std::memory_order_relaxed)) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!seen_failure_.exchange(true)) first_failure_ = r.failure_message;
  }
  if (guard_off_.load(std::memory_order_relaxed)) return;
  const std::uint64_t k = key(r.index, r.attempt);
  if (k >= fail_fast_) return;
  if (!r.failed) {
    guard_off_ = true;  // one success among the first K: the model works at least sometimes
    return;
  }
  if (guard_[k].exchange(1) != 0) return;  // a re-issued candidate (Redis) counts once
  if (k < kGuardMessages) {
    const std::lock_guard<std::mutex> lock(mutex_);
    guard_messages_[k] = r.failure_message;
  }
  if (guard_failed_.fetch_add(1) + 1 == fail_fast_ && !guard_off_.load())
    cancel(CancelCause::all_failed);
}

void SampleProgress::cancel(CancelCause cause) noexcept {
  CancelCause expected = CancelCause::none;
  cause_.compare_exchange_strong(expected, cause);
}

SampleProgress::Snapshot SampleProgress::snapshot() const noexcept {
  Snapshot s;
  s.evaluated = evaluated_.load(std::memory_order_relaxed);
  s.accepted = accepted_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return s;
}

std::optional<std::string> SampleProgress::take_first_failure() {
  if (!seen_failure_.load()) return std::nullopt;
  const std::lock_guard<std::mutex> lock(mutex_);
  if (first_taken_) return std::nullopt;
  first_taken_ = true;
  return first_failure_;
}

std::vector<std::string> SampleProgress::guard_messages() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& m : guard_messages_) {
    if (!m.empty()) out.push_back(m);
  }
  return out;
}

}  // namespace abcsmc

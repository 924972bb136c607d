#include "abcsmc/core/dynamic_round.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <utility>

#include "abcsmc/core/error.hpp"

namespace abcsmc {

// --- BatchSizer --------------------------------------------------------------------------------

std::uint64_t BatchSizer::next(std::size_t workers, std::uint64_t n_accept) const {
  if (fixed_ > 0) return fixed_;
  if (seconds_per_eval_ <= 0.0) return 1;  // first round: nothing measured yet
  const auto w = static_cast<std::uint64_t>(std::max<std::size_t>(1, workers));
  auto batch = static_cast<std::uint64_t>(
      std::max(1.0, std::floor(kTargetBatchSeconds / seconds_per_eval_)));
  // At least ~4 batches per worker per round, judged from the last round's size.
  const std::uint64_t expected = std::max<std::uint64_t>(last_evaluated_, n_accept);
  batch = std::min(batch, std::max<std::uint64_t>(1, expected / (4 * w)));
  return std::clamp<std::uint64_t>(batch, 1, kMaxAutomaticBatch);
}

void BatchSizer::measured(double seconds, std::size_t workers, std::uint64_t evaluated) {
  last_evaluated_ = evaluated;
  if (evaluated > 0) {
    seconds_per_eval_ = seconds * static_cast<double>(std::max<std::size_t>(1, workers)) /
                        static_cast<double>(evaluated);
  }
}

// --- DynamicRound ------------------------------------------------------------------------------

DynamicRound::DynamicRound(const SampleRequest& request, std::uint64_t batch_size)
    : request_(request),
      batch_size_(batch_size),
      limit_(request.max_evals == 0 ? UINT64_MAX : request.max_evals) {
  if (batch_size_ == 0) throw Error("DynamicRound: the batch size must be >= 1");
}

std::optional<WorkBlock> DynamicRound::hand_out(int owner) {
  // Once n are known to be accepted, every index not handed out yet lies above the n-th
  // smallest accepted one: nothing more is needed.
  if (stopped_ || enough_known() || next_ >= limit_) return std::nullopt;
  const WorkBlock range{next_, std::min<std::uint64_t>(batch_size_, limit_ - next_)};
  blocks_.emplace(range.first, Block{range, owner, false, 0});
  next_ += range.count;
  ++outstanding_;
  return range;
}

bool DynamicRound::claim(WorkBlock range) {
  if (range.count == 0 || range.first < frontier_ || range.first + range.count < range.first)
    return false;
  const auto after = blocks_.lower_bound(range.first);
  if (after != blocks_.end() && after->first < range.first + range.count) return false;
  if (after != blocks_.begin()) {
    const Block& before = std::prev(after)->second;
    if (before.range.first + before.range.count > range.first) return false;
  }
  blocks_.emplace(range.first, Block{range, -1, false, 0});
  next_ = std::max(next_, range.first + range.count);
  ++outstanding_;
  return true;
}

const DynamicRound::Block* DynamicRound::find(std::uint64_t first) const {
  const auto it = blocks_.find(first);
  return it == blocks_.end() ? nullptr : &it->second;
}

void DynamicRound::fold(std::uint64_t first, EvalLog&& log, std::uint64_t attempts) {
  const auto it = blocks_.find(first);
  if (it == blocks_.end() || it->second.done) {
    throw Error("DynamicRound: a result for indices from " + std::to_string(first) +
                " that is not out (never handed out, or folded in already)");
  }
  Block& b = it->second;
  const std::size_t accepted = log.accepted.size();
  b.done = true;
  --outstanding_;
  known_accepted_ += accepted;
  if (request_.progress != nullptr) {
    request_.progress->add(attempts, accepted, log.failed_index.size());
    note_log(*request_.progress, log, first, attempts);
  }
  log_.merge(std::move(log));
  b.accepted = accepted;
  // The frontier moves over every block, from the lowest, whose result is here.
  while (!blocks_.empty() && blocks_.begin()->first == frontier_ && blocks_.begin()->second.done) {
    prefix_accepted_ += blocks_.begin()->second.accepted;
    frontier_ += blocks_.begin()->second.range.count;
    blocks_.erase(blocks_.begin());
  }
}

bool DynamicRound::complete() const {
  return request_.n_accept == 0 || prefix_accepted_ >= request_.n_accept ||
         (limit_ != UINT64_MAX && frontier_ >= limit_);
}

std::vector<WorkBlock> DynamicRound::outstanding() const {
  std::vector<WorkBlock> out;
  for (const auto& [first, b] : blocks_) {
    if (!b.done) out.push_back(b.range);
  }
  return out;
}

Sample DynamicRound::finish(std::uint64_t evaluated) {
  if (stopped_) {
    Sample cut;  // cancelled from outside: nothing of this round is used
    cut.simulations = evaluated;
    return cut;
  }
  return assemble_dynamic(std::move(log_), request_, evaluated);
}

}  // namespace abcsmc

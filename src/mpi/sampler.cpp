#include "abcsmc/mpi/sampler.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/wire_check.hpp"
#include "abcsmc/mpi/environment.hpp"

namespace abcsmc::mpi {

namespace {

using Clock = std::chrono::steady_clock;

/// Automatic batches aim at this much work per batch: long enough that the master's few
/// microseconds per message stay negligible, short enough that the end of a round (when
/// workers finish batches nobody needs any more) costs little.
constexpr double kTargetBatchSeconds = 0.002;
constexpr std::uint64_t kMaxAutomaticBatch = 4096;

[[noreturn]] void protocol_error(const std::string& what, int rank) {
  throw Error("MPI protocol error with rank " + std::to_string(rank) + ": " + what);
}

/// Decodes and checks a result from `rank` (against the block it was given): any fault in it is
/// a protocol error, which ends the job with the rank and what was wrong.
ResultMessage checked_result(const std::vector<std::uint8_t>& bytes, const Problem& problem,
                             const GenerationMessage& m, const WorkBlock& given, bool cut_short_ok,
                             int rank) {
  ResultMessage r;
  try {
    r = decode_result_message(bytes);
    validate_result(problem, m, r, given, cut_short_ok);
  } catch (const Error& e) {
    protocol_error(std::string("bad result: ") + e.what(), rank);
  }
  return r;
}

}  // namespace

// --- Master
// ---------------------------------------------------------------------------------------
Master::Master(Comm comm) : comm_(comm) {
  if (comm_.rank() != 0) throw Error("mpi::Master runs on rank 0 only");
}

Master::~Master() {
  if (in_round_ || stopped_) return;  // mid-round: the caller aborts the job
  try {
    std::vector<std::uint8_t> bytes;  // empty config: quit
    if (config_sent_) bytes = encode_stop();
    comm_.broadcast(bytes, 0);
  } catch (...) {
    // A destructor must not throw; MPI errors abort the job by themselves.
  }
}

void Master::send_config(const std::string& config_yaml) {
  if (config_sent_) throw Error("mpi::Master: config already sent");
  if (config_yaml.empty()) throw Error("mpi::Master: empty config");
  std::vector<std::uint8_t> bytes(config_yaml.begin(), config_yaml.end());
  comm_.broadcast(bytes, 0);
  config_sent_ = true;
}

// --- MpiSampler
// -----------------------------------------------------------------------------------
MpiSampler::MpiSampler(Master& master, Scheduling scheduling, std::size_t batch_size)
    : master_(master), scheduling_(scheduling), batch_size_(batch_size) {
  if (master_.comm().size() < 2) throw Error("the MPI sampler needs at least 2 ranks");
}

void MpiSampler::start(const std::string& config_text) { master_.send_config(config_text); }

std::string MpiSampler::status() const {
  return " bcast=" + std::to_string(last_broadcast_bytes_) + "B" +
         (scheduling_ == Scheduling::dynamic ? " batch=" + std::to_string(last_batch_)
                                             : std::string());
}

void MpiSampler::shutdown(Shutdown why, int exit_code) {
  if (why == Shutdown::failed) {
    if (master_.in_round()) master_.comm().abort(exit_code);
    return;
  }
  // MPI_Abort from a non-main thread is only allowed at MPI_THREAD_MULTIPLE.
  const Environment* env = Environment::current();
  if (env != nullptr && env->thread_multiple()) master_.comm().abort(exit_code);
}

std::uint64_t MpiSampler::next_batch_size(const SampleRequest& request) const {
  if (batch_size_ > 0) return batch_size_;
  if (seconds_per_eval_ <= 0.0) return 1;  // first round: nothing measured yet
  const auto w = static_cast<std::uint64_t>(workers());
  auto batch = static_cast<std::uint64_t>(
      std::max(1.0, std::floor(kTargetBatchSeconds / seconds_per_eval_)));
  // At least ~4 batches per worker per round, judged from the last round's size.
  const std::uint64_t expected = std::max<std::uint64_t>(last_evaluated_, request.n_accept);
  batch = std::min(batch, std::max<std::uint64_t>(1, expected / (4 * w)));
  return std::clamp<std::uint64_t>(batch, 1, kMaxAutomaticBatch);
}

Sample MpiSampler::sample(const Evaluator& evaluator, const GenerationSpec& spec,
                          const GenerationContext& /*ctx*/, const SampleRequest& request) {
  if (!master_.config_sent_ || master_.stopped_) {
    throw Error(
        "MpiSampler::sample: the workers have no config (send_config first) or are stopped");
  }
  const auto start = Clock::now();
  master_.in_round_ = true;
  GenerationMessage m;
  m.round = ++master_.round_;
  m.scheduling = scheduling_;
  m.batch_size = scheduling_ == Scheduling::dynamic ? next_batch_size(request) : 0;
  m.request = request;
  m.spec = spec;
  std::vector<std::uint8_t> bytes = encode_generation(m);
  last_broadcast_bytes_ = bytes.size();
  master_.comm_.broadcast(bytes, 0);
  Sample s = scheduling_ == Scheduling::dynamic ? sample_dynamic(evaluator.problem(), m)
                                                : sample_static(evaluator.problem(), m);
  master_.in_round_ = false;
  if (scheduling_ == Scheduling::dynamic) {
    last_batch_ = m.batch_size;
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (last_evaluated_ > 0) {
      seconds_per_eval_ =
          seconds * static_cast<double>(workers()) / static_cast<double>(last_evaluated_);
    }
  }
  return s;
}

Sample MpiSampler::sample_dynamic(const Problem& problem, const GenerationMessage& m) {
  const SampleRequest& request = m.request;
  const std::uint64_t batch = m.batch_size;
  const Comm& comm = master_.comm_;
  const std::uint64_t round = master_.round_;
  const std::uint64_t limit = request.max_evals == 0 ? UINT64_MAX : request.max_evals;
  const std::size_t n_workers = workers();
  struct Batch {
    std::uint64_t count = 0;
    int worker = 0;
    bool done = false;
    std::size_t accepted = 0;
  };
  std::uint64_t next = 0;           // first index not handed out yet
  std::uint64_t frontier = 0;       // every index below it has its result here
  std::size_t prefix_accepted = 0;  // accepted below the frontier
  std::size_t known_accepted = 0;   // accepted among all results here
  std::size_t outstanding = 0;      // batches handed out whose results are not back
  std::size_t ended = 0;            // workers told "end of round"
  bool cancelled = false;
  std::map<std::uint64_t, Batch> batches;           // from the frontier on, by first index
  std::vector<std::size_t> busy(n_workers + 1, 0);  // outstanding batches per rank
  EvalLog log;

  // Indices are handed out contiguously from 0. Once n candidates are known to be accepted,
  // every index not handed out yet lies above the n-th smallest accepted one and is not needed.
  // Once n are accepted below the frontier, the round is complete: workers still holding
  // batches are told to skip what they have not started (cancel). The round ends when every
  // worker has had its end-of-round and every batch handed out is back (whole or cut short),
  // so nothing of this round is left in flight; assemble_dynamic keeps the n smallest accepted
  // indices and discards every result above the n-th (bit-identical to single-core).
  SampleProgress* progress = request.progress;
  const auto cancel_busy = [&] {
    cancelled = true;
    const auto bytes = encode_cancel(round);
    for (std::size_t w = 1; w <= n_workers; ++w) {
      if (busy[w] > 0) comm.send(static_cast<int>(w), Tag::cancel, bytes);
    }
  };
  // A cancel from outside (stop signal, max_walltime, deadline, fail-fast guard) is seen at the
  // next message from any worker: at most one batch's time (rank 0 blocks in MPI_Probe and the
  // watch thread may not call MPI at MPI_THREAD_FUNNELED).
  bool stopped = false;
  while (ended < n_workers || outstanding > 0) {
    Received msg = comm.receive_any();
    if (!stopped && progress != nullptr && progress->cancelled()) {
      stopped = true;
      if (!cancelled) cancel_busy();
    }
    if (msg.tag == Tag::request) {
      const std::uint64_t r = decode_request_round(msg.bytes);
      if (r != round)
        protocol_error(
            "request for round " + std::to_string(r) + " in round " + std::to_string(round),
            msg.source);
      if (!stopped && known_accepted < request.n_accept && next < limit) {
        const WorkBlock block{next, std::min<std::uint64_t>(batch, limit - next)};
        comm.send(msg.source, Tag::work, encode_work(round, block));
        batches.emplace(block.first, Batch{block.count, msg.source, false, 0});
        next += block.count;
        ++outstanding;
        ++busy[static_cast<std::size_t>(msg.source)];
      } else {
        comm.send(msg.source, Tag::work, encode_end(round));
        ++ended;
      }
    } else if (msg.tag == Tag::result) {
      WireReader peek(msg.bytes);  // the block's start, to find what was handed out
      std::uint64_t first = 0;
      try {
        peek.header();
        peek.u64();
        first = peek.u64();
      } catch (const Error& e) {
        protocol_error(std::string("bad result: ") + e.what(), msg.source);
      }
      const auto it = batches.find(first);
      if (it == batches.end() || it->second.done || it->second.worker != msg.source) {
        protocol_error(
            "result for a batch that was not handed out (first " + std::to_string(first) + ")",
            msg.source);
      }
      ResultMessage r = checked_result(msg.bytes, problem, m, WorkBlock{first, it->second.count},
                                       cancelled, msg.source);
      it->second.done = true;
      it->second.accepted = r.log.accepted.size();
      --outstanding;
      --busy[static_cast<std::size_t>(msg.source)];
      known_accepted += r.log.accepted.size();
      if (progress != nullptr) {
        progress->add(r.attempts, r.log.accepted.size(), r.log.failed_index.size());
        note_log(*progress, r.log, r.block.first, r.attempts);
      }
      log.merge(std::move(r.log));
      while (!batches.empty() && batches.begin()->first == frontier &&
             batches.begin()->second.done) {
        prefix_accepted += batches.begin()->second.accepted;
        frontier += batches.begin()->second.count;
        batches.erase(batches.begin());
      }
      if (!cancelled && request.n_accept > 0 && prefix_accepted >= request.n_accept) cancel_busy();
    } else {
      protocol_error("unexpected message tag " + std::to_string(static_cast<int>(msg.tag)),
                     msg.source);
    }
  }
  last_evaluated_ = next;
  if (stopped) {
    Sample cut;  // cancelled from outside: nothing of this round is used
    cut.simulations = next;
    return cut;
  }
  // Not complete: every index below `next` (= the budget) was evaluated.
  return assemble_dynamic(std::move(log), request, next);
}

Sample MpiSampler::sample_static(const Problem& problem, const GenerationMessage& m) {
  const SampleRequest& request = m.request;
  const Comm& comm = master_.comm_;
  const std::uint64_t round = master_.round_;
  const std::size_t n_workers = workers();
  // Scatter of particle-slot blocks, fixed up front: worker w (rank w + 1) fills block w.
  std::vector<WorkBlock> blocks(n_workers + 1);
  for (std::size_t w = 0; w < n_workers; ++w)
    blocks[w + 1] = static_block(request.n_accept, n_workers, w);
  comm.scatter(blocks, 0);
  EvalLog log;
  std::uint64_t attempts = 0;
  std::vector<bool> returned(n_workers + 1, false);
  SampleProgress* progress = request.progress;
  bool cancelled = false;
  // Workers report about every second (Tag::progress), so a cancel from outside is acted on
  // within about a second even while every worker is busy.
  for (std::size_t k = 0; k < n_workers;) {
    Received msg = comm.receive_any();
    if (!cancelled && progress != nullptr && progress->cancelled()) {
      cancelled = true;
      const auto bytes = encode_cancel(round);
      for (std::size_t w = 1; w <= n_workers; ++w) {
        if (!returned[w]) comm.send(static_cast<int>(w), Tag::cancel, bytes);
      }
    }
    if (msg.tag == Tag::progress) {
      const ProgressMessage p = decode_progress(msg.bytes);
      if (p.round != round)
        protocol_error(
            "progress of round " + std::to_string(p.round) + " in round " + std::to_string(round),
            msg.source);
      if (progress != nullptr) progress->add(p.evaluated, p.accepted, p.failed);
      continue;
    }
    if (msg.tag != Tag::result) protocol_error("expected a result in a static round", msg.source);
    ++k;
    const auto src = static_cast<std::size_t>(msg.source);
    if (src == 0 || src > n_workers || returned[src]) {
      protocol_error("unexpected static result in round " + std::to_string(round), msg.source);
    }
    ResultMessage r;
    if (blocks[src].count > 0) {
      r = checked_result(msg.bytes, problem, m, blocks[src], true, msg.source);
    } else {  // an empty block: nothing to check but the message itself
      try {
        r = decode_result_message(msg.bytes);
      } catch (const Error& e) {
        protocol_error(std::string("bad result: ") + e.what(), msg.source);
      }
      if (r.round != round || r.block.count != 0 || r.attempts != 0 || !r.log.accepted.empty() ||
          !r.log.failed_index.empty() || !r.log.stats.empty()) {
        protocol_error(
            "a result for an empty block that is not empty (round " + std::to_string(r.round) + ")",
            msg.source);
      }
    }
    returned[src] = true;
    attempts += r.attempts;
    if (progress != nullptr && r.log.has_first_failure) {
      EvalResult first;  // for the run's first-failure message
      first.index = r.log.first_failure_index;
      first.attempt = r.log.first_failure_attempt;
      first.failed = true;
      first.failure_message = r.log.first_failure_message;
      progress->note(first);
    }
    log.merge(std::move(r.log));
  }
  last_evaluated_ = attempts;
  if (cancelled || (progress != nullptr && progress->cancelled())) {
    Sample cut;
    cut.simulations = attempts;
    return cut;
  }
  return assemble_static(std::move(log), request, attempts);
}

}  // namespace abcsmc::mpi

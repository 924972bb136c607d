#include "abcsmc/mpi/sampler.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "abcsmc/core/dynamic_round.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/wire_check.hpp"
#include "abcsmc/mpi/environment.hpp"

namespace abcsmc::mpi {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void protocol_error(const std::string& what, int rank) {
  throw Error("MPI protocol error with rank " + std::to_string(rank) + ": " + what);
}

/// Decodes and checks a result from `rank` (against the block it was given): any fault in it is
/// a protocol error, which ends the job with the rank and what was wrong.
ResultMessage checked_result(const std::vector<std::uint8_t>& bytes, const Problem& problem,
                             const GenerationMessage& m, const WorkBlock& given, bool cut_short_ok,
                             bool stochastic, int rank) {
  ResultMessage r;
  try {
    r = decode_result_message(bytes);
    validate_result(problem, m, r, given, cut_short_ok, stochastic);
  } catch (const Error& e) {
    protocol_error(std::string("bad result: ") + e.what(), rank);
  }
  return r;
}

}  // namespace

// --- Master
// ---------------------------------------------------------------------------------------
Master::Master(const Comm& comm) : comm_(comm) {
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
    : master_(master), scheduling_(scheduling), batch_size_(batch_size), batch_sizer_(batch_size) {
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

Sample MpiSampler::sample(const Evaluator& evaluator, const GenerationContext& ctx,
                          const SampleRequest& request) {
  if (!master_.config_sent_ || master_.stopped_) {
    throw Error(
        "MpiSampler::sample: the workers have no config (send_config first) or are stopped");
  }
  const auto start = Clock::now();
  master_.in_round_ = true;
  GenerationMessage m;
  m.round = ++master_.round_;
  m.scheduling = scheduling_;
  m.batch_size =
      scheduling_ == Scheduling::dynamic ? batch_sizer_.next(workers(), request.n_accept) : 0;
  m.request = request;
  m.spec = *ctx.spec;
  stochastic_ = ctx.distance->stochastic();
  std::vector<std::uint8_t> bytes = encode_generation(m);
  last_broadcast_bytes_ = bytes.size();
  master_.comm_.broadcast(bytes, 0);
  Sample s = scheduling_ == Scheduling::dynamic ? sample_dynamic(evaluator.problem(), m)
                                                : sample_static(evaluator.problem(), m);
  master_.in_round_ = false;
  if (scheduling_ == Scheduling::dynamic) {
    last_batch_ = m.batch_size;
    batch_sizer_.measured(std::chrono::duration<double>(Clock::now() - start).count(), workers(),
                          last_evaluated_);
  }
  return s;
}

Sample MpiSampler::sample_dynamic(const Problem& problem, const GenerationMessage& m) {
  const Comm& comm = master_.comm_;
  const std::uint64_t round = master_.round_;
  const std::size_t n_workers = workers();
  DynamicRound books(m.request, m.batch_size);      // core/dynamic_round.hpp: the shared rules
  std::size_t ended = 0;                            // workers told "end of round"
  bool cancelled = false;                           // workers holding blocks were told to skip
  std::vector<std::size_t> busy(n_workers + 1, 0);  // outstanding blocks per rank

  // Every worker keeps one request in flight; each gets a block while more are needed, else
  // its end-of-round. Once the round is complete, workers still holding blocks are told to skip
  // what they have not started (cancel). The round ends when every worker has had its
  // end-of-round and every block handed out is back (whole or cut short), so nothing of this
  // round is left in flight.
  SampleProgress* progress = m.request.progress;
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
  while (ended < n_workers || books.outstanding_count() > 0) {
    Received msg = comm.receive_any();
    if (!books.stopped() && progress != nullptr && progress->cancelled()) {
      books.stop();
      if (!cancelled) cancel_busy();
    }
    if (msg.tag == Tag::request) {
      const std::uint64_t r = decode_request_round(msg.bytes);
      if (r != round)
        protocol_error(
            "request for round " + std::to_string(r) + " in round " + std::to_string(round),
            msg.source);
      if (const auto block = books.hand_out(msg.source)) {
        comm.send(msg.source, Tag::work, encode_work(round, *block));
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
      const DynamicRound::Block* given = books.find(first);
      if (given == nullptr || given->done || given->owner != msg.source) {
        protocol_error(
            "result for a batch that was not handed out (first " + std::to_string(first) + ")",
            msg.source);
      }
      ResultMessage r =
          checked_result(msg.bytes, problem, m, given->range, cancelled, stochastic_, msg.source);
      --busy[static_cast<std::size_t>(msg.source)];
      books.fold(first, std::move(r.log), r.attempts);
      if (!cancelled && books.complete()) cancel_busy();
    } else {
      protocol_error("unexpected message tag " + std::to_string(static_cast<int>(msg.tag)),
                     msg.source);
    }
  }
  last_evaluated_ = books.handed_out();
  // Every block handed out came back: the results reach the last index handed out (the
  // budget, when the round is not complete).
  return books.finish(books.handed_out());
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
      r = checked_result(msg.bytes, problem, m, blocks[src], true, stochastic_, msg.source);
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

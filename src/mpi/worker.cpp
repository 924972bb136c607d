// Ranks > 0: the worker side of the MPI sampler protocol (include/abcsmc/mpi/sampler.hpp).
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/wire_check.hpp"
#include "abcsmc/mpi/sampler.hpp"

namespace abcsmc::mpi {

namespace {

using Clock = std::chrono::steady_clock;

struct Worker {
  const Comm& comm;
  std::shared_ptr<Problem> problem;
  ContextSettings context_settings;
  std::unique_ptr<Evaluator> evaluator;

  void run_static(const GenerationMessage& g, const GenerationContext& ctx) {
    ResultMessage r;
    r.round = g.round;
    r.block = comm.scatter({}, 0);
    if (r.block.count > g.request.n_accept || r.block.first > g.request.n_accept - r.block.count) {
      throw Error("MPI protocol error: static block [" + std::to_string(r.block.first) + ", +" +
                  std::to_string(r.block.count) + ") outside the " +
                  std::to_string(g.request.n_accept) + " slots of round " +
                  std::to_string(g.round));
    }
    // The fail-fast guard of a static round watches slot 0 (SampleProgress), which only the
    // worker holding it sees in time: it decides, and ends the job with the messages.
    std::optional<SampleProgress> guard;
    if (r.block.first == 0 && r.block.count > 0 && g.request.fail_fast > 0) {
      guard.emplace(g.request.n_accept, g.request.fail_fast, true);
    }
    // Between attempts, at most every 0.5 ms: a cancel from rank 0 (a stop signal, the
    // deadline, ...) ends the block early; about every second the counts so far go to rank 0
    // (its heartbeat, and a message that lets it act on a cancel while we work).
    bool cancelled = false;
    auto last_check = Clock::now();
    auto last_report = last_check;
    ProgressMessage report;
    report.round = g.round;
    std::uint64_t reported_attempts = 0;
    std::size_t reported_accepted = 0, reported_failed = 0;
    const auto proceed = [&] {
      const auto now = Clock::now();
      if (now - last_check < std::chrono::microseconds(500)) return true;
      last_check = now;
      while (auto bytes = comm.try_receive(0, Tag::cancel)) {
        if (decode_cancel_round(*bytes) == g.round) cancelled = true;
      }
      if (!cancelled && now - last_report >= std::chrono::seconds(1)) {
        last_report = now;
        report.evaluated = r.attempts - reported_attempts;
        report.accepted = r.log.accepted.size() - reported_accepted;
        report.failed = r.log.failed_index.size() - reported_failed;
        reported_attempts = r.attempts;
        reported_accepted = r.log.accepted.size();
        reported_failed = r.log.failed_index.size();
        comm.send(0, Tag::progress, encode_progress(report));
      }
      return !cancelled;
    };
    for (std::uint64_t slot = r.block.first; slot < r.block.first + r.block.count && !cancelled;
         ++slot) {
      fill_static_slot(*evaluator, ctx, slot, static_slot_budget(g.request, slot),
                       g.request.keep_all_stats, r.log, r.attempts,
                       slot == 0 && guard ? &*guard : nullptr, proceed);
      if (guard && guard->cause() == CancelCause::all_failed) {
        std::string text = "the first " + std::to_string(g.request.fail_fast) +
                           " attempts at slot 0 of " +
                           (ctx.spec->calibration ? std::string("calibration")
                                                  : "generation " + std::to_string(ctx.spec->t)) +
                           " all failed: the model fails wherever the run looks (stop.fail_fast)";
        for (const auto& m : guard->guard_messages()) text += "\n  " + m;
        throw Error(text);
      }
    }
    comm.send(0, Tag::result, encode_result(r));
  }

  void run_dynamic(const GenerationMessage& g, const GenerationContext& ctx) {
    const std::vector<std::uint8_t> request = encode_request(g.round);
    comm.send(0, Tag::request, request);
    bool cancelled = false;
    auto last_check = Clock::now();
    // True once rank 0 has cancelled this round (its result needs nothing more from us). Looked
    // at before each batch and, within a batch, at most every 0.5 ms (MPI_Iprobe is cheap, but
    // not free next to a microsecond simulation). Cancels of earlier rounds are dropped.
    const auto check_cancel = [&](bool force) {
      if (cancelled) return true;
      if (!force) {
        const auto now = Clock::now();
        if (now - last_check < std::chrono::microseconds(500)) return false;
        last_check = now;
      }
      while (auto bytes = comm.try_receive(0, Tag::cancel)) {
        if (decode_cancel_round(*bytes) == g.round) cancelled = true;
      }
      return cancelled;
    };
    for (;;) {
      const WorkReply reply = decode_work_reply(comm.receive(0, Tag::work));
      if (reply.round != g.round) {
        throw Error("MPI protocol error: reply for round " + std::to_string(reply.round) +
                    " in round " + std::to_string(g.round));
      }
      if (reply.end) return;
      if (reply.block.count == 0 || reply.block.count > g.batch_size ||
          reply.block.first + reply.block.count < reply.block.first) {
        throw Error("MPI protocol error: a block of " + std::to_string(reply.block.count) +
                    " indices from " + std::to_string(reply.block.first) + " with batch size " +
                    std::to_string(g.batch_size));
      }
      // Keep one request in flight: the next batch travels while this one is computed.
      comm.send(0, Tag::request, request);
      ResultMessage r;
      r.round = g.round;
      r.block = reply.block;
      bool first_block = true;  // the cancel is looked for before the first block in any case
      r.attempts = evaluate_dynamic(
          *evaluator, ctx, r.block.first, r.block.count,
          [&] {
            // Once cancelled, the rest is above what rank 0 keeps.
            const bool force = first_block;
            first_block = false;
            return !check_cancel(force);
          },
          [&](EvalResult&& e) { r.log.record(std::move(e), g.request.keep_all_stats); });
      comm.send(0, Tag::result, encode_result(r));
    }
  }
};

}  // namespace

void worker_loop(const Comm& comm, const ProblemFactory& make_problem) {
  std::vector<std::uint8_t> bytes;
  comm.broadcast(bytes, 0);
  if (bytes.empty()) return;  // rank 0 gave up before the run (config error, existing output)

  // The config travels, not code: the same resolved config builds the same problem here.
  WorkerProblem built;
  try {
    built = make_problem(std::string(bytes.begin(), bytes.end()), "<config from rank 0>");
  } catch (const ConfigTextError& e) {
    throw Error(std::string("the config from rank 0 does not parse here: ") + e.what());
  }
  auto evaluator =
      std::make_unique<Evaluator>(built.problem, built.settings.transition.model_stay_probability);
  Worker worker{comm, std::move(built.problem), std::move(built.settings), std::move(evaluator)};

  for (;;) {
    comm.broadcast(bytes, 0);
    ControlMessage c = decode_control(bytes);
    if (c.stop) return;
    // Checked before anything uses it (an inconsistent spec must not reach the evaluator).
    validate_generation(*worker.problem, c.generation);
    // The spec (its previous population may be large) moves into the context: ctx.spec.
    const GenerationContext ctx =
        make_context(*worker.problem, worker.context_settings, std::move(c.generation.spec));
    if (c.generation.scheduling == Scheduling::static_blocks) {
      worker.run_static(c.generation, ctx);
    } else {
      worker.run_dynamic(c.generation, ctx);
    }
  }
}

}  // namespace abcsmc::mpi

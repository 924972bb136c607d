// The MPI master and worker protocols in one process: rank 0's MpiSampler and ranks 1..P-1's
// worker_loop over an in-process fake communicator (tests/support/fake_comm.hpp), each rank a
// thread. Rounds must equal the in-process samplers bit for bit; a rank that breaks the
// protocol must end the round with an error naming it, never a hang. The same code runs under
// mpirun in tests/mpi/*.sh.
#include <catch2/catch.hpp>

#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/progress.hpp"
#include "abcsmc/mpi/sampler.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/fake_comm.hpp"
#include "support/same_sample.hpp"
#include "support/wire_problem.hpp"

using namespace abcsmc;
using abcsmc::testing::FakeAbort;
using abcsmc::testing::FakeNetwork;
using abcsmc::testing::require_same_sample;

namespace {

/// The test problem on every rank (the config text is not parsed: the factory ignores it).
struct Fixture {
  std::shared_ptr<Problem> problem = test::wire_problem(2);
  ContextSettings settings = test::wire_settings(*problem);
  Evaluator evaluator{problem, settings.transition.model_stay_probability};

  ProblemFactory factory() const {
    return [this](const std::string&, const std::string&) {
      return WorkerProblem{problem, settings};
    };
  }
};

/// P - 1 worker threads running the real worker_loop; joined (and their errors rethrown) by
/// join(). The Master must be gone (it releases the workers) before join().
class Workers {
 public:
  Workers(const FakeNetwork& net, const ProblemFactory& factory) {
    errors_.resize(static_cast<std::size_t>(net.size()));
    for (int r = 1; r < net.size(); ++r) {
      threads_.emplace_back([&net, factory, r, this] {
        try {
          mpi::worker_loop(net.comm(r), factory);
        } catch (...) {
          errors_[static_cast<std::size_t>(r)] = std::current_exception();
        }
      });
    }
  }
  ~Workers() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  void join() {
    for (auto& t : threads_) t.join();
    for (const auto& e : errors_)
      if (e) std::rethrow_exception(e);
  }

 private:
  std::vector<std::thread> threads_;
  std::vector<std::exception_ptr> errors_;
};

Sample single_core(const Fixture& f, const GenerationMessage& g) {
  const GenerationContext ctx = make_context(*f.problem, f.settings, g.spec);
  SingleCoreSampler s;
  return s.sample(f.evaluator, ctx, g.request);
}

Sample threads_static(const Fixture& f, const GenerationMessage& g) {
  const GenerationContext ctx = make_context(*f.problem, f.settings, g.spec);
  ThreadsSampler s(1, Scheduling::static_blocks, 0);
  return s.sample(f.evaluator, ctx, g.request);
}

Sample mpi_round(mpi::MpiSampler& sampler, const Fixture& f, const GenerationMessage& g) {
  const GenerationContext ctx = make_context(*f.problem, f.settings, g.spec);
  return sampler.sample(f.evaluator, ctx, g.request);
}

/// Rounds of one run: generation 0 from the prior, one from a previous population, and one whose
/// budget runs out before n are accepted.
std::vector<GenerationMessage> rounds(const Problem& problem, Scheduling scheduling) {
  std::vector<GenerationMessage> out;
  out.push_back(test::wire_generation(problem, 0, 20, scheduling));
  out.push_back(test::wire_generation(problem, 1, 20, scheduling));
  GenerationMessage tight = test::wire_generation(problem, 2, 20, scheduling);
  tight.spec.epsilon = 0.05;  // few accepted: the budget ends the round
  tight.request.max_evals = 23;
  out.push_back(tight);
  return out;
}

}  // namespace

TEST_CASE("MPI dynamic over a fake communicator equals single-core, any batch size and rank count",
          "[mpi]") {
  Fixture f;
  for (const int ranks : {2, 4}) {
    for (const std::size_t batch : {std::size_t{1}, std::size_t{3}, std::size_t{0}}) {
      INFO("ranks " << ranks << ", batch size " << batch);
      FakeNetwork net(ranks);
      Workers workers(net, f.factory());
      {
        mpi::Master master(net.comm(0));
        mpi::MpiSampler sampler(master, Scheduling::dynamic, batch);
        sampler.start("config text");
        for (const auto& g : rounds(*f.problem, Scheduling::dynamic)) {
          INFO("generation " << g.spec.t);
          const Sample got = mpi_round(sampler, f, g);
          require_same_sample(got, single_core(f, g));
          if (g.request.max_evals > 0) REQUIRE_FALSE(got.complete);
        }
        REQUIRE_FALSE(master.in_round());
      }  // the Master's destructor stops the workers
      workers.join();
    }
  }
}

TEST_CASE("MPI static over a fake communicator equals threads-static", "[mpi]") {
  Fixture f;
  for (const int ranks : {2, 3, 5}) {
    INFO("ranks " << ranks);
    FakeNetwork net(ranks);
    Workers workers(net, f.factory());
    {
      mpi::Master master(net.comm(0));
      mpi::MpiSampler sampler(master, Scheduling::static_blocks, 0);
      sampler.start("config text");
      for (const auto& g : rounds(*f.problem, Scheduling::static_blocks)) {
        INFO("generation " << g.spec.t);
        require_same_sample(mpi_round(sampler, f, g), threads_static(f, g));
      }
    }
    workers.join();
  }
}

TEST_CASE("MPI master: a round cancelled from outside uses nothing and leaves nothing behind",
          "[mpi]") {
  Fixture f;
  for (const Scheduling scheduling : {Scheduling::dynamic, Scheduling::static_blocks}) {
    FakeNetwork net(3);
    Workers workers(net, f.factory());
    {
      mpi::Master master(net.comm(0));
      mpi::MpiSampler sampler(master, scheduling, 2);
      sampler.start("config text");
      GenerationMessage g = test::wire_generation(*f.problem, 1, 20, scheduling);
      SampleProgress progress(g.request.n_accept, 0, scheduling == Scheduling::static_blocks);
      progress.cancel(CancelCause::stop_requested);
      GenerationMessage cancelled = g;
      cancelled.request.progress = &progress;
      const Sample cut = mpi_round(sampler, f, cancelled);
      REQUIRE_FALSE(cut.complete);
      REQUIRE(cut.accepted.empty());
      // The next round starts clean: no request, result or cancel of the cut one is left over.
      const Sample next = mpi_round(sampler, f, g);
      require_same_sample(
          next, scheduling == Scheduling::dynamic ? single_core(f, g) : threads_static(f, g));
    }
    workers.join();
  }
}

namespace {

/// Rank 0 runs one dynamic round; rank 1 is scripted by `misbehave` (it gets the round's
/// number); the master's error is returned ("" if none).
std::string master_error_with(
    const std::function<void(const mpi::Comm&, std::uint64_t)>& misbehave) {
  Fixture f;
  FakeNetwork net(2, std::chrono::seconds(10));
  std::thread rank1([&] {
    const mpi::Comm& comm = net.comm(1);
    std::vector<std::uint8_t> bytes;
    comm.broadcast(bytes, 0);  // the config
    comm.broadcast(bytes, 0);  // the round
    misbehave(comm, decode_control(bytes).generation.round);
  });
  std::string error;
  {
    mpi::Master master(net.comm(0));
    mpi::MpiSampler sampler(master, Scheduling::dynamic, 4);
    sampler.start("config text");
    try {
      (void)mpi_round(sampler, f, test::wire_generation(*f.problem, 0));
    } catch (const Error& e) {
      error = e.what();
    }
    REQUIRE(master.in_round() == !error.empty());  // an open round: the job must be aborted
  }
  rank1.join();
  return error;
}

}  // namespace

TEST_CASE("MPI master: a rank that breaks the protocol ends the round with an error naming it",
          "[mpi]") {
  using mpi::Tag;
  SECTION("a request for another round") {
    const std::string e = master_error_with([](const mpi::Comm& c, std::uint64_t round) {
      c.send(0, Tag::request, encode_request(round + 6));
    });
    CHECK_THAT(e,
               Catch::Contains("MPI protocol error with rank 1: request for round 7 in round 1"));
  }
  SECTION("a result for a block that was never handed out") {
    const std::string e = master_error_with([](const mpi::Comm& c, std::uint64_t round) {
      ResultMessage r;
      r.round = round;
      r.block = WorkBlock{40, 4};
      r.attempts = 4;
      c.send(0, Tag::result, encode_result(r));
    });
    CHECK_THAT(e, Catch::Contains("rank 1: result for a batch that was not handed out (first 40)"));
  }
  SECTION("a result that does not decode") {
    const std::string e = master_error_with([](const mpi::Comm& c, std::uint64_t) {
      c.send(0, Tag::result, std::vector<std::uint8_t>{1, 2, 3});
    });
    CHECK_THAT(e, Catch::Contains("MPI protocol error with rank 1: bad result"));
  }
  SECTION("a result that claims more than its block") {
    const std::string e = master_error_with([](const mpi::Comm& c, std::uint64_t round) {
      c.send(0, Tag::request, encode_request(round));
      const WorkReply w = decode_work_reply(c.receive(0, Tag::work));
      ResultMessage r;
      r.round = round;
      r.block = w.block;
      r.attempts = w.block.count + 1;
      c.send(0, Tag::result, encode_result(r));
    });
    CHECK_THAT(e, Catch::Contains("MPI protocol error with rank 1: bad result"));
  }
  SECTION("a message the protocol does not have in a dynamic round") {
    const std::string e = master_error_with([](const mpi::Comm& c, std::uint64_t round) {
      ProgressMessage p;
      p.round = round;
      c.send(0, Tag::progress, encode_progress(p));
    });
    CHECK_THAT(e, Catch::Contains("rank 1: unexpected message tag 5"));
  }
}

TEST_CASE("MPI worker: a master that breaks the protocol ends the worker with an error", "[mpi]") {
  Fixture f;
  FakeNetwork net(2, std::chrono::seconds(10));
  std::string error;
  std::thread worker([&] {
    try {
      mpi::worker_loop(net.comm(1), f.factory());
    } catch (const Error& e) {
      error = e.what();
    }
  });
  const mpi::Comm& master = net.comm(0);
  std::vector<std::uint8_t> config{'x'};
  master.broadcast(config, 0);
  GenerationMessage g = test::wire_generation(*f.problem, 0);  // batch size 4
  std::vector<std::uint8_t> round = encode_generation(g);
  master.broadcast(round, 0);
  (void)master.receive(1, mpi::Tag::request);
  master.send(1, mpi::Tag::work, encode_work(g.round, WorkBlock{0, 100}));
  worker.join();
  CHECK_THAT(error, Catch::Contains("MPI protocol error: a block of 100 indices from 0 with batch "
                                    "size 4"));
}

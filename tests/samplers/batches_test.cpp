// Model batches (Model::simulate_batch, Evaluator::evaluate_block, evaluate_dynamic): a model
// that takes candidates in batches gives the same run, bit for bit, as the same model called
// one candidate at a time, under every in-process sampler and with model selection; the
// batches really reach it; a failure in a batch fails that candidate only.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/samplers/future.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;

namespace {

/// y = theta + N(0, 1); theta > 1.8 fails (a ModelError), so that failures sit inside batches.
void gauss(const Vector& theta, Rng& rng, Vector& y) {
  if (theta[0] > 1.8) throw ModelError("theta above 1.8", "theta above 1.8");
  y[0] = theta[0] + rng.normal();
}

/// The same model, taking batches of `size` through the default simulate_batch (or its own
/// loop when `own_loop`), counting the candidates that arrived in batches of more than one.
class Batching final : public Model {
 public:
  Batching(std::size_t size, std::atomic<long>& batched) : size_(size), batched_(batched) {}
  std::vector<StatSpec> statistics() const override { return {{"y", 1}}; }
  void simulate(const Vector& theta, Rng& rng, Vector& y) const override { gauss(theta, rng, y); }
  std::size_t batch_size() const override { return size_; }
  void simulate_batch(std::span<SimulationJob> jobs) const override {
    if (jobs.size() > 1) batched_ += static_cast<long>(jobs.size());
    // Backwards, to show that order inside a batch does not matter (each job has its stream).
    for (std::size_t i = jobs.size(); i-- > 0;) {
      try {
        gauss(*jobs[i].theta, *jobs[i].rng, *jobs[i].stats);
      } catch (const ModelError&) {
        jobs[i].error = std::current_exception();
      }
    }
  }

 private:
  std::size_t size_;
  std::atomic<long>& batched_;
};

std::vector<GenerationRecord> run(std::shared_ptr<const Model> m0, std::shared_ptr<const Model> m1,
                                  Sampler& sampler) {
  auto problem = ProblemBuilder()
                     .model("m0", std::move(m0))
                     .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
                     .model("m1", std::move(m1))
                     .parameter("theta", "normal", {{"mean", 1.0}, {"sd", 1.0}})
                     .observe("y", 0.8)
                     .build();
  return testing::run_generations(problem, 20261202, 300, 3, sampler);
}

}  // namespace

TEST_CASE("batches: a batching model gives the run of single calls, on every sampler",
          "[samplers]") {
  const auto plain = [] { return make_model({{"y", 1}}, gauss); };
  SingleCoreSampler single;
  const auto reference = run(plain(), plain(), single);
  std::uint64_t failed = 0;
  for (const auto& g : reference) failed += g.failed;
  REQUIRE(failed > 0);  // failures do occur inside batches

  std::atomic<long> batched{0};
  const auto batching = [&](std::size_t size) { return std::make_shared<Batching>(size, batched); };
  SECTION("single core") {
    SingleCoreSampler s;
    testing::require_identical_runs(reference, run(batching(7), plain(), s));
  }
  SECTION("threads, claims smaller than the batch") {
    ThreadsSampler s(3, Scheduling::dynamic, 2);
    testing::require_identical_runs(reference, run(batching(7), batching(5), s));
  }
  SECTION("threads, default claims") {
    ThreadsSampler s(2, Scheduling::dynamic, 0);
    testing::require_identical_runs(reference, run(batching(64), plain(), s));
  }
  SECTION("a future back end (FutureSampler, batches of 10)") {
    std::vector<BatchOutcome> done;
    FutureSampler s([&](const WorkBlock& b, const BatchFunction& fn) { done.push_back(fn(b)); },
                    [&] {
                      BatchOutcome o = std::move(done.back());
                      done.pop_back();
                      return o;
                    },
                    10, 3, "test futures");
    testing::require_identical_runs(reference, run(batching(4), batching(3), s));
  }
  CHECK(batched.load() > 100);
}

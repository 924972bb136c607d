// Model::thread_safe() is honoured for every sampler without the samplers knowing it: a model
// declared not thread-safe is wrapped (serialise_if_needed) where the problem is built, so the
// threads sampler never enters it twice at once, and results stay bit-identical.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/serialised_model.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;

namespace {

/// Counts how many calls are inside the model at once (and the most ever seen).
struct Overlap {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<long> calls{0};
};

/// y = mean of 10 draws theta + N(0, 1), with a short sleep inside so that overlapping calls
/// would really overlap.
std::shared_ptr<const Model> counting_model(Overlap& overlap, bool thread_safe) {
  return make_model(
      {{"y", 1}},
      [&overlap](const Vector& theta, Rng& rng, Vector& y) {
        const int now = ++overlap.inside;
        int seen = overlap.most.load();
        while (now > seen && !overlap.most.compare_exchange_weak(seen, now)) {
        }
        ++overlap.calls;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        double sum = 0.0;
        for (int i = 0; i < 10; ++i) sum += theta[0] + rng.normal();
        y[0] = sum / 10.0;
        --overlap.inside;
      },
      thread_safe);
}

std::vector<GenerationRecord> run(std::shared_ptr<const Model> model, Sampler& sampler) {
  auto problem = ProblemBuilder()
                     .model("gauss", std::move(model))
                     .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
                     .observe("y", 0.5)
                     .build();
  return testing::run_generations(problem, 20261201, 200, 3, sampler);
}

}  // namespace

TEST_CASE("thread safety: a model declared not thread-safe is never entered twice at once",
          "[samplers]") {
  Overlap unsafe;
  ThreadsSampler threads(4, Scheduling::dynamic, 1);
  const auto with_threads = run(counting_model(unsafe, false), threads);
  CHECK(unsafe.calls.load() > 600);
  CHECK(unsafe.most.load() == 1);

  SECTION("results are bit-identical to one thread") {
    Overlap single_calls;
    SingleCoreSampler single;
    testing::require_identical_runs(with_threads, run(counting_model(single_calls, false), single));
  }
  SECTION("the detector works: a thread-safe model does overlap under the same sampler") {
    Overlap safe;
    ThreadsSampler more_threads(4, Scheduling::dynamic, 1);
    const auto with_overlap = run(counting_model(safe, true), more_threads);
    CHECK(safe.most.load() > 1);
    testing::require_identical_runs(with_threads, with_overlap);
  }
}

TEST_CASE("thread safety: serialise_if_needed wraps only models that need it", "[samplers]") {
  Overlap overlap;
  const auto safe = counting_model(overlap, true);
  CHECK(serialise_if_needed(safe) == safe);
  const auto unsafe = counting_model(overlap, false);
  const auto wrapped = serialise_if_needed(unsafe);
  REQUIRE(wrapped != unsafe);
  CHECK(wrapped->thread_safe());
  CHECK(&dynamic_cast<const SerialisedModel&>(*wrapped).inner() == unsafe.get());
  CHECK(serialise_if_needed(wrapped) == wrapped);  // never wrapped twice
  CHECK(wrapped->statistics().size() == 1);
  CHECK(serialise_if_needed(nullptr) == nullptr);
}

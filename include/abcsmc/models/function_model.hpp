#pragma once
/// Models written as C++ callables, for the library API (no plugin or config needed).
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/models/reason_text.hpp"

namespace abcsmc {

/// A model whose simulate() calls a function. Either form works:
///   void(const Vector& theta, Rng& rng, Vector& stats)   (stats arrives sized; fill it)
///   Vector(const Vector& theta, Rng& rng)                  (return the statistics)
/// Any std::exception the function throws becomes a ModelError (a failed simulation, handled by
/// the model's failure policy) with reason `the model function threw: <what()>` (what() through
/// reason_text: numbers as #, one line, capped), and so does a result of the wrong size. A
/// ModelError the function throws passes unchanged (its reason too).
class FunctionModel final : public Model {
 public:
  using Fill = std::function<void(const Vector&, Rng&, Vector&)>;

  /// @param statistics what the function produces, in order
  /// @param fn the simulator; draw all randomness from the Rng
  /// @param thread_safe false if fn must not run on several threads at once
  FunctionModel(std::vector<StatSpec> statistics, Fill fn, bool thread_safe = true)
      : statistics_(std::move(statistics)),
        size_(total_stat_size(statistics_)),
        fn_(std::move(fn)),
        thread_safe_(thread_safe) {}

  std::vector<StatSpec> statistics() const override { return statistics_; }
  bool thread_safe() const override { return thread_safe_; }

  /// @throws ModelError when fn throws, or leaves stats with the wrong size.
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override {
    try {
      fn_(theta, rng, stats);
    } catch (const ModelError&) {
      throw;
    } catch (const std::exception& e) {
      throw ModelError(std::string("the model function threw: ") + e.what(),
                       "the model function threw: " + reason_text(e.what()));
    }
    if (static_cast<std::size_t>(stats.size()) != size_) {
      throw ModelError("the model function produced " + std::to_string(stats.size()) +
                           " statistics, but " + std::to_string(size_) + " are declared",
                       "the model function produced " + std::to_string(stats.size()) + " of " +
                           std::to_string(size_) + " statistics");
    }
  }

 private:
  std::vector<StatSpec> statistics_;
  std::size_t size_;
  Fill fn_;
  bool thread_safe_;
};

/// Makes a FunctionModel from either callable form (see FunctionModel).
template <typename F>
std::shared_ptr<const Model> make_model(std::vector<StatSpec> statistics, F&& fn,
                                        bool thread_safe = true) {
  using Fn = std::decay_t<F>;
  if constexpr (std::is_invocable_v<Fn&, const Vector&, Rng&, Vector&>) {
    return std::make_shared<FunctionModel>(std::move(statistics), std::forward<F>(fn), thread_safe);
  } else {
    static_assert(std::is_invocable_r_v<Vector, Fn&, const Vector&, Rng&>,
                  "a model function is void(const Vector&, Rng&, Vector&) or "
                  "Vector(const Vector&, Rng&)");
    return std::make_shared<FunctionModel>(
        std::move(statistics),
        [f = Fn(std::forward<F>(fn))](const Vector& theta, Rng& rng, Vector& stats) mutable {
          stats = f(theta, rng);
        },
        thread_safe);
  }
}

}  // namespace abcsmc

#pragma once
/// Honouring Model::thread_safe(): a model that must not be called from several threads at once
/// is wrapped in an adapter whose simulate() takes a lock, so that every sampler (threads,
/// parallel_for, a user's own) may call any model concurrently without knowing the flag.
#include <memory>
#include <mutex>
#include <vector>

#include "abcsmc/core/model.hpp"

namespace abcsmc {

/// Calls an inner model one call at a time (a mutex around simulate). Results do not change:
/// each call still draws only from the Rng it is given, whatever the order the lock grants.
class SerialisedModel final : public Model {
 public:
  /// @param inner the model to protect (not null)
  /// @throws Error when inner is null.
  explicit SerialisedModel(std::shared_ptr<const Model> inner);

  std::vector<StatSpec> statistics() const override { return inner_->statistics(); }
  /// Runs inner.simulate under the lock. Any thread.
  /// @throws ModelError what the inner model throws.
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;
  void end_idle() const override { inner_->end_idle(); }
  /// True: the lock makes concurrent calls safe.
  bool thread_safe() const override { return true; }

  /// The wrapped model.
  const Model& inner() const { return *inner_; }

 private:
  std::shared_ptr<const Model> inner_;
  mutable std::mutex mutex_;
};

/// `model` itself when model->thread_safe(), else `model` wrapped in a SerialisedModel.
/// Models that make themselves safe (a plugin's instance pool, a SerialisedModel) report
/// thread_safe() and are returned unchanged, so nothing is wrapped twice.
/// Called where problems are built: ProblemBuilder::model and io::build_problem.
std::shared_ptr<const Model> serialise_if_needed(std::shared_ptr<const Model> model);

}  // namespace abcsmc

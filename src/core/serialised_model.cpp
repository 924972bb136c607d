#include "abcsmc/core/serialised_model.hpp"

#include <utility>

#include "abcsmc/core/error.hpp"

namespace abcsmc {

SerialisedModel::SerialisedModel(std::shared_ptr<const Model> inner) : inner_(std::move(inner)) {
  if (!inner_) throw Error("SerialisedModel: no model to wrap");
}

void SerialisedModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  inner_->simulate(theta, rng, stats);
}

std::shared_ptr<const Model> serialise_if_needed(std::shared_ptr<const Model> model) {
  if (!model || model->thread_safe()) return model;
  return std::make_shared<SerialisedModel>(std::move(model));
}

}  // namespace abcsmc

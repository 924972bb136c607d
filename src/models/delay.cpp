// Artificial, reproducible simulation delays (benchmark B2).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/core/value_range.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/models/simulators.hpp"

namespace abcsmc {

namespace {

void check_time(const std::string& type, const std::string& field, double value) {
  if (!(std::isfinite(value) && value >= 0.0)) {
    throw ConfigError("delay " + type + ": " + field + " must be a number of seconds >= 0, got " +
                      number_text(value));
  }
}

}  // namespace

DelayedModel::DelayedModel(std::unique_ptr<Model> inner, const DelaySpec& delay)
    : inner_(std::move(inner)), kind_(Kind::constant), a_(0.0), b_(0.0) {
  if (!inner_) throw ConfigError("delay: no model to wrap");
  const std::string& type = delay.type;
  if (type == "constant") {
    check_time(type, "value", delay.value);
    kind_ = Kind::constant;
    a_ = delay.value;
  } else if (type == "exponential") {
    check_time(type, "mean", delay.mean);
    kind_ = Kind::exponential;
    a_ = delay.mean;
  } else if (type == "uniform") {
    check_time(type, "low", delay.low);
    check_time(type, "high", delay.high);
    if (delay.low > delay.high) {
      throw ConfigError("delay uniform: low (" + number_text(delay.low) + ") must be <= high (" +
                        number_text(delay.high) + ")");
    }
    kind_ = Kind::uniform;
    a_ = delay.low;
    b_ = delay.high;
  } else {
    const std::vector<std::string> types{"none", "constant", "exponential", "uniform"};
    throw ConfigError("unknown delay type '" + type + "'." + did_you_mean(type, types) +
                      " Types: 'none', 'constant', 'exponential', 'uniform'");
  }
}

std::vector<StatSpec> DelayedModel::statistics() const { return inner_->statistics(); }

bool DelayedModel::thread_safe() const { return inner_->thread_safe(); }

double DelayedModel::draw_delay(Rng& rng) const {
  switch (kind_) {
    case Kind::constant:
      return a_;
    case Kind::exponential:
      return rng.exponential(a_);
    case Kind::uniform:
      return a_ + (b_ - a_) * rng.uniform();
  }
  return 0.0;
}

void DelayedModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  const double seconds = draw_delay(rng);
  if (seconds > 0.0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  inner_->simulate(theta, rng, stats);
}

std::unique_ptr<Model> with_delay(std::unique_ptr<Model> model, const DelaySpec& delay) {
  if (delay.type == "none") return model;
  return std::make_unique<DelayedModel>(std::move(model), delay);
}

}  // namespace abcsmc

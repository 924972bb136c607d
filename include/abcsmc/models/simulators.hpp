#pragma once
/// The built-in simulators as classes, for code that wants one directly (benchmarks, tests).
/// Configs reach them through make_builtin_model() (builtin.hpp), which validates the options
/// and gives the user-facing error messages; the constructors here only check preconditions.
///
/// Every model is an immutable object: simulate() is const, allocates nothing and draws all its
/// randomness from the Rng it is given, so one instance serves any number of threads.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/models/builtin.hpp"

namespace abcsmc {

/// y = mean of n draws theta + sigma * N(0, 1) (benchmarks B1 and B3). One parameter.
class GaussianMeanModel final : public Model {
 public:
  /// @throws ConfigError unless n >= 1 and sigma > 0 (finite).
  GaussianMeanModel(std::int64_t n, double sigma);
  std::vector<StatSpec> statistics() const override;
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;

 private:
  std::int64_t n_;
  double sigma_;
};

/// x = mean of n draws theta + sigma * z, z ~ N(0, I_d). d parameters, statistic x of size d.
class GaussianLinearModel final : public Model {
 public:
  /// @throws ConfigError unless dim >= 1, n >= 1 and sigma > 0 (finite).
  GaussianLinearModel(std::size_t dim, std::int64_t n, double sigma);
  std::vector<StatSpec> statistics() const override;
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;

 private:
  std::size_t dim_;
  std::int64_t n_;
  double sigma_;
};

/// x ~ weight N(theta, scale_broad^2 I) + (1 - weight) N(theta, scale_narrow^2 I) (sbibm's
/// gaussian_mixture with its defaults 0.5, 1.0, 0.1). One rng.uniform() picks the component
/// (broad when u < weight), then d normals. d parameters, statistic x of size d.
class GaussianMixtureModel final : public Model {
 public:
  /// @throws ConfigError unless dim >= 1, weight in (0, 1) and both scales > 0 (finite).
  GaussianMixtureModel(std::size_t dim, double weight, double scale_broad, double scale_narrow);
  std::vector<StatSpec> statistics() const override;
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;

 private:
  std::size_t dim_;
  double weight_;
  double scale_broad_;
  double scale_narrow_;
};

/// Stochastic SIR epidemic, simulated exactly by Gillespie's direct method. Infection rate
/// beta * S * I / population, recovery rate gamma * I; negative rates count as 0, non-finite ones
/// throw ModelError. Statistic `infected`: I at t_end * k / observations, k = 1..observations.
class SirModel final : public Model {
 public:
  /// beta_index / gamma_index: positions of beta and gamma in theta.
  /// @throws ConfigError unless population >= 1, 0 <= infected <= population, t_end > 0,
  ///         observations >= 1 and the indices differ and are < 2.
  SirModel(std::int64_t population, std::int64_t infected, double t_end, std::int64_t observations,
           std::size_t beta_index, std::size_t gamma_index);
  std::vector<StatSpec> statistics() const override;
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;

 private:
  std::int64_t population_;
  std::int64_t infected_;
  double t_end_;
  std::int64_t observations_;
  std::size_t beta_index_;
  std::size_t gamma_index_;
};

/// Sleeps a time drawn from the simulation's rng (before any draw of the inner model), then
/// runs the inner model with the same rng. Built by with_delay(), which validates the spec.
class DelayedModel final : public Model {
 public:
  /// @throws ConfigError for a null model, an unknown type or bad times (as with_delay).
  DelayedModel(std::unique_ptr<Model> inner, const DelaySpec& delay);
  std::vector<StatSpec> statistics() const override;
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;
  bool thread_safe() const override;
  void end_idle() const override { inner_->end_idle(); }

  /// The delay in seconds this spec gives for the next draws of `rng` (consumes them as
  /// simulate() does: nothing for constant, one uniform_pos() for exponential, one uniform()
  /// for uniform).
  double draw_delay(Rng& rng) const;

 private:
  enum class Kind { constant, exponential, uniform };
  std::unique_ptr<Model> inner_;
  Kind kind_;
  double a_;  ///< constant value, exponential mean, or uniform low
  double b_;  ///< uniform high
};

}  // namespace abcsmc

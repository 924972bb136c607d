#pragma once
/// Counter-based random streams (DESIGN.md section 2).
///
/// All randomness of one candidate evaluation comes from one Rng keyed by a StreamId. Because the
/// stream is a pure function of its id, any thread, rank or worker that evaluates index i draws
/// exactly the same numbers: this is what makes results independent of scheduling.
#include <Random123/philox.h>

#include "abcsmc/core/detmath.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace abcsmc {

/// What a stream is used for; part of the key so that the families never overlap.
enum class StreamKind : std::uint32_t {
  evaluation = 0,       ///< dynamic scheduling: (generation, eval_index)
  slot = 1,             ///< static scheduling: (generation, particle slot, attempt)
  calibration = 2,      ///< prior simulations that set the first epsilon / distance scales
  population_size = 3,  ///< adaptive population size: (generation, tried size, replicate)
  acceptance = 4,       ///< stochastic acceptance: (generation, candidate index, attempt)
};

/// Identifies one random stream. `attempt` is used by static scheduling only.
struct StreamId {
  std::uint64_t seed = 0;
  std::uint32_t generation = 0;
  std::uint64_t index = 0;
  std::uint64_t attempt = 0;
  StreamKind kind = StreamKind::evaluation;
};

/// Philox4x64-10 stream. Satisfies UniformRandomBitGenerator. Pass by reference; never copy a
/// stream to "fork" it (the copy would repeat the same numbers).
class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(const StreamId& id) noexcept
      : key_{{id.seed, (static_cast<std::uint64_t>(id.kind) << 32) | id.generation}},
        ctr_{{id.index, id.attempt, 0, 0}} {}

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  /// Next 64 random bits.
  result_type operator()() noexcept {
    if (pos_ == 4) refill();
    return out_.v[pos_++];
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// Uniform double in (0, 1]: safe for log().
  double uniform_pos() noexcept { return static_cast<double>(((*this)() >> 11) + 1) * 0x1.0p-53; }

  /// Standard normal by Box-Muller; the second value of each pair is kept for the next call.
  /// log, sin and cos are abcsmc's own (core/detmath.hpp), not the CPU-dependent libm's.
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * detmath::log(uniform_pos()));
    const detmath::SinCos sc = detmath::sincos_turn(uniform());  // angle 2 pi u
    spare_ = r * sc.sin;
    has_spare_ = true;
    return r * sc.cos;
  }

  /// Exponential with the given mean.
  double exponential(double mean) noexcept { return -mean * detmath::log(uniform_pos()); }

  /// Uniform integer in [0, n) (n > 0), unbiased (Lemire's method with rejection).
  std::uint64_t below(std::uint64_t n) noexcept {
    __extension__ using u128 = unsigned __int128;  // __extension__: GCC/Clang builtin
    u128 m = static_cast<u128>((*this)()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>((*this)()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Gamma(shape, scale 1) by Marsaglia and Tsang.
  double gamma(double shape) noexcept;

  /// Beta(a, b) from two gamma draws.
  double beta(double a, double b) noexcept;

 private:
  void refill() noexcept {
    out_ = philox_(ctr_, key_);
    ++ctr_.v[2];
    pos_ = 0;
  }

  r123::Philox4x64 philox_;
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type ctr_;
  r123::Philox4x64::ctr_type out_{};
  unsigned pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace abcsmc

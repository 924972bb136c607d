#pragma once
// Bit-for-bit comparison of two runs' generations (the determinism contract).
#include <catch2/catch.hpp>

#include <vector>

#include "abcsmc/core/population.hpp"

namespace abcsmc::testing {

inline void require_identical_runs(const std::vector<GenerationRecord>& a,
                                   const std::vector<GenerationRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    INFO("generation " << t);
    REQUIRE(a[t].epsilon == b[t].epsilon);
    REQUIRE(a[t].simulations == b[t].simulations);
    REQUIRE(a[t].failed == b[t].failed);
    REQUIRE(a[t].particles.size() == b[t].particles.size());
    for (std::size_t i = 0; i < a[t].particles.size(); ++i) {
      const Particle& p = a[t].particles[i];
      const Particle& q = b[t].particles[i];
      REQUIRE(p.eval_index == q.eval_index);
      REQUIRE(p.model == q.model);
      REQUIRE(p.theta == q.theta);
      REQUIRE(p.weight == q.weight);
      REQUIRE(p.distance == q.distance);
    }
    REQUIRE(a[t].next_distance_weights == b[t].next_distance_weights);
    REQUIRE(a[t].next_population_size == b[t].next_population_size);
  }
}

}  // namespace abcsmc::testing

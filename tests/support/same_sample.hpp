#pragma once
// Bit-for-bit comparison of two samplers' answers to one round (the determinism contract at the
// level of Sampler::sample): what the protocol tests of the transports compare with single-core.
#include <catch2/catch.hpp>

#include "abcsmc/core/sampling.hpp"

namespace abcsmc::testing {

inline void require_same_sample(const Sample& a, const Sample& b) {
  REQUIRE(a.complete == b.complete);
  REQUIRE(a.simulations == b.simulations);
  REQUIRE(a.failed == b.failed);
  REQUIRE(a.failures.by_reason == b.failures.by_reason);
  REQUIRE(a.failures.first_message == b.failures.first_message);
  REQUIRE(a.accepted.size() == b.accepted.size());
  for (std::size_t i = 0; i < a.accepted.size(); ++i) {
    INFO("accepted " << i);
    REQUIRE(a.accepted[i].index == b.accepted[i].index);
    REQUIRE(a.accepted[i].attempt == b.accepted[i].attempt);
    REQUIRE(a.accepted[i].model == b.accepted[i].model);
    REQUIRE(a.accepted[i].theta == b.accepted[i].theta);
    REQUIRE(a.accepted[i].stats == b.accepted[i].stats);
    REQUIRE(a.accepted[i].distance == b.accepted[i].distance);
  }
  REQUIRE(a.all_stats.size() == b.all_stats.size());
  for (std::size_t i = 0; i < a.all_stats.size(); ++i) REQUIRE(a.all_stats[i] == b.all_stats[i]);
}

}  // namespace abcsmc::testing

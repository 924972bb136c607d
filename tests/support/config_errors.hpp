#pragma once
// Helpers for config tests: the messages a bad config text gives, and picking one of them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "abcsmc/io/run_config.hpp"

namespace abcsmc::testing {

/// The messages of the ConfigErrors that parsing `text` throws (fails the test if none).
inline std::vector<std::string> config_errors(const std::string& text,
                                              const std::string& source = "run.yaml") {
  try {
    (void)io::parse_config(text, source);
  } catch (const io::ConfigErrors& e) {
    return e.messages();
  }
  FAIL("expected ConfigErrors for:\n" << text);
  return {};
}

/// The one message in `messages` that contains `needle`; fails unless exactly one does.
inline std::string the_message_with(const std::vector<std::string>& messages,
                                    const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& m : messages) {
    if (m.find(needle) != std::string::npos) hits.push_back(m);
  }
  INFO("looking for '" << needle << "'");
  CAPTURE(messages);
  REQUIRE(hits.size() == 1);
  return hits[0];
}

}  // namespace abcsmc::testing

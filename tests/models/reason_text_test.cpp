// Failure reasons from simulators' own text: reason_text, and the reasons of plugin and
// callable models (no per-candidate values, so that failures of one kind group together).
#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/models/plugin.hpp"
#include "abcsmc/models/reason_text.hpp"

using namespace abcsmc;

namespace {

/// (what(), reason()) of the ModelError model.simulate throws at theta, or ("(no error)", "").
std::pair<std::string, std::string> failure(const Model& model, double theta) {
  Rng rng(StreamId{5, 0, 0});
  Vector th(1);
  th[0] = theta;
  Vector stats(static_cast<Eigen::Index>(total_stat_size(model.statistics())));
  try {
    model.simulate(th, rng, stats);
  } catch (const ModelError& e) {
    return {e.what(), e.reason()};
  }
  return {"(no error)", ""};
}

}  // namespace

TEST_CASE("reason_text: last line, numbers as #, capped", "[models]") {
  CHECK(reason_text("  ODE solver diverged at t=-1.5e-3 (step 12)\n") ==
        "ODE solver diverged at t=# (step #)");
  CHECK(reason_text("first\n\n  second line \n \n") == "second line");
  CHECK(reason_text("") == "");
  CHECK(reason_text(" \n\t\n") == "");
  CHECK(reason_text("x86_64 3rd v2 2D 0x7ffd12 .5 +7 1-5 2.5.3") ==
        "x86_64 3rd v2 2D # # # #-# #.#");
  CHECK(reason_text("theta=0.25, seed=18446744073709551615") == "theta=#, seed=#");
  CHECK(reason_text("nan inf") == "nan inf");
  CHECK(reason_text("bell\a here") == "bell? here");
  const std::string cut = reason_text(std::string(200, 'a'));
  CHECK(cut.size() == kReasonTextBytes);
  CHECK(cut.substr(cut.size() - 3) == "...");
  // A cut never splits a UTF-8 character.
  std::string wide;
  for (int i = 0; i < 60; ++i) wide += "\xC3\xA9";  // é
  const std::string w = reason_text(wide);
  CHECK(w.size() <= kReasonTextBytes);
  CHECK((static_cast<unsigned char>(w[w.size() - 4]) & 0xC0) != 0xC0);  // not a lead byte alone
  CHECK(w.substr(0, w.size() - 3).size() % 2 == 0);
}

TEST_CASE("reason: a callable model's exception", "[models]") {
  auto model = make_model({{"y", 1}}, [](const Vector& theta, Rng&) -> Vector {
    throw std::runtime_error("diverged at theta " + std::to_string(theta[0]));
  });
  const auto [what, reason] = failure(*model, 0.25);
  CHECK(what == "the model function threw: diverged at theta 0.250000");
  CHECK(reason == "the model function threw: diverged at theta #");
  CHECK(failure(*model, -3.0).second == reason);
  // A ModelError passes unchanged, with its own reason.
  auto own = make_model({{"y", 1}}, [](const Vector&, Rng&) -> Vector {
    throw ModelError("solver failed at step 17", "solver failed");
  });
  CHECK(failure(*own, 1.0).second == "solver failed");
  auto size = make_model({{"y", 2}}, [](const Vector&, Rng&) { return Vector(3); });
  CHECK(failure(*size, 1.0).second == "the model function produced 3 of 2 statistics");
}

TEST_CASE("reason: a plugin's failure message", "[models]") {
  const ModelOptions options{{"mode", OptionValue{"fail", std::nullopt}},
                             {"above", OptionValue{"0", std::nullopt}}};
  PluginModel m(ABCSMC_PLUGIN_FAULTY, options, {"theta"});
  const auto [what, reason] = failure(m, 1.5);
  CHECK(what == "plugin faulty: simulation failed: theta 1.5 is too large for this test");
  CHECK(reason == "plugin faulty: simulation failed: theta # is too large for this test");
  CHECK(failure(m, 2.75).second == reason);
}

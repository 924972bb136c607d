// `abcsmc inspect` formatting on hand-made results, and the weighted summaries.
#include "abcsmc/io/inspect.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/results.hpp"

namespace fs = std::filesystem;
using abcsmc::GenerationRecord;
using abcsmc::IoError;
using abcsmc::Particle;
using abcsmc::Vector;
using abcsmc::io::ResultsFile;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Vector vec(std::initializer_list<double> values) {
  Vector v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

Particle particle(std::uint64_t eval_index, std::uint32_t model, Vector theta, double weight,
                  double distance) {
  Particle p;
  p.eval_index = eval_index;
  p.model = model;
  p.theta = std::move(theta);
  p.weight = weight;
  p.distance = distance;
  return p;
}

/// Two models m1 (a, b) and m2 (c, a); generations 0 and 1.
ResultsFile hand_made() {
  ResultsFile file;
  auto& h = file.header;
  h.software_version = "0.1.0";
  h.seed = 42;
  h.created = "2024-01-01T00:00:00Z";
  h.sampler = "single";
  h.scheduling = "static";
  h.batch_size = 1;
  h.workers = 1;
  h.population_size = 3;
  h.model_names = {"m1", "m2"};
  h.model_prior_probabilities = {0.5, 0.5};
  h.model_parameter_names = {{"a", "b"}, {"c", "a"}};
  h.stat_names = {"y"};
  h.observed = vec({0.0});

  GenerationRecord g0;
  g0.t = 0;
  g0.epsilon = 2.0;
  g0.particles = {particle(0, 0, vec({0.0, 0.0}), 0.5, 1.5),
                  particle(1, 1, vec({1.0, 1.0}), 0.5, 1.0)};
  g0.simulations = 4;
  g0.failed = 1;
  g0.acceptance_rate = 0.5;
  g0.ess = 2.0;
  g0.wall_seconds = 1.25;
  g0.model_probabilities = {0.5, 0.5};
  g0.next_epsilon = 0.5;

  GenerationRecord g1;
  g1.t = 1;
  g1.epsilon = 0.5;
  g1.particles = {particle(3, 0, vec({1.0, 2.0}), 0.25, 0.5),
                  particle(7, 1, vec({-1.5, 4.0}), 0.5, 0.25),
                  particle(9, 0, vec({3.0, 0.1}), 0.25, 1.0)};
  g1.simulations = 12;
  g1.failed = 0;
  g1.acceptance_rate = 0.25;
  g1.ess = 2.6666666666666665;
  g1.wall_seconds = 0.5;
  g1.model_probabilities = {0.5, 0.5};
  g1.next_epsilon = kNaN;
  file.generations = {g0, g1};
  return file;
}

std::vector<std::string> tokens(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

/// Whether some line of `text` consists of exactly these whitespace-separated words.
bool has_row(const std::string& text, const std::vector<std::string>& words) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (tokens(line) == words) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("Inspect: weighted mean and sd, computed by hand", "[io]") {
  using abcsmc::io::weighted_mean;
  using abcsmc::io::weighted_sd;
  // (1 + 2 + 2*3) / 4 = 2.25; deviations^2 1.5625, 0.0625, 0.5625 -> (1.5625 + 0.0625 + 1.125)/4
  CHECK(weighted_mean({1, 2, 3}, {1, 1, 2}) == 2.25);
  CHECK(weighted_sd({1, 2, 3}, {1, 1, 2}) == Approx(std::sqrt(0.6875)).epsilon(1e-15));
  CHECK(weighted_mean({1, 3}, {0.25, 0.25}) == 2.0);  // renormalised
  CHECK(weighted_sd({1, 3}, {0.25, 0.25}) == 1.0);
  CHECK(weighted_sd({5}, {0.1}) == 0.0);
  CHECK(std::isnan(weighted_mean({}, {})));
  CHECK(std::isnan(weighted_sd({1, 2}, {0, 0})));
}

TEST_CASE("Inspect: weighted quantile interpolates on cumsum(w) - w/2", "[io]") {
  using abcsmc::io::weighted_quantile;
  // Equal weights on 1..4: positions 0.125, 0.375, 0.625, 0.875.
  const std::vector<double> x = {4, 2, 1, 3};
  const std::vector<double> w = {1, 1, 1, 1};
  CHECK(weighted_quantile(x, w, 0.5) == 2.5);
  CHECK(weighted_quantile(x, w, 0.25) == 1.5);
  CHECK(weighted_quantile(x, w, 0.125) == 1.0);
  CHECK(weighted_quantile(x, w, 0.05) == 1.0);  // clamped below
  CHECK(weighted_quantile(x, w, 0.95) == 4.0);  // clamped above
  CHECK(weighted_quantile(x, w, 0.0) == 1.0);
  CHECK(weighted_quantile(x, w, 1.0) == 4.0);
  // Sorted: 1 (0.25), 2 (0.25), 3 (0.5) -> positions 0.125, 0.375, 0.75.
  // alpha 0.5: 2 + (0.5 - 0.375) / (0.75 - 0.375) = 2 + 1/3.
  CHECK(weighted_quantile({3, 1, 2}, {0.5, 0.25, 0.25}, 0.5) == Approx(2.0 + 1.0 / 3.0));
  CHECK(weighted_quantile({3, 1, 2}, {2, 1, 1}, 0.5) == Approx(2.0 + 1.0 / 3.0));  // unnormalised
  CHECK(weighted_quantile({3, 1, 2, 100}, {2, 1, 1, 0}, 0.5) == Approx(2.0 + 1.0 / 3.0));
  CHECK(weighted_quantile({3, 1, 2}, {0.5, 0.25, 0.25}, 0.25) == Approx(1.5));
  CHECK(weighted_quantile({7}, {0.3}, 0.9) == 7.0);
  CHECK(std::isnan(weighted_quantile({}, {}, 0.5)));
  CHECK(std::isnan(weighted_quantile({1, 2}, {0, 0}, 0.5)));
}

TEST_CASE("Inspect: csv of a generation, exact", "[io]") {
  const ResultsFile file = hand_made();
  const std::string expected =
      "model,eval_index,weight,distance,a,b,c\n"
      "0,3,0.25,0.5,1,2,\n"
      "1,7,0.5,0.25,4,,-1.5\n"
      "0,9,0.25,1,3,0.10000000000000001,\n";
  CHECK(abcsmc::io::format_csv(file, std::nullopt) == expected);
  CHECK(abcsmc::io::format_csv(file, 1) == expected);
  CHECK(abcsmc::io::format_csv(file, 0) ==
        "model,eval_index,weight,distance,a,b,c\n"
        "0,0,0.5,1.5,0,0,\n"
        "1,1,0.5,1,1,,1\n");
}

TEST_CASE("Inspect: json of a generation", "[io]") {
  ResultsFile file = hand_made();
  const std::string expected =
      "{\n"
      "  \"generation\": 1,\n"
      "  \"epsilon\": 0.5,\n"
      "  \"models\": [\"m1\", \"m2\"],\n"
      "  \"parameters\": [\"a\", \"b\", \"c\"],\n"
      "  \"particles\": [\n"
      "    {\"model\": 0, \"eval_index\": 3, \"weight\": 0.25, \"distance\": 0.5, \"theta\": "
      "{\"a\": 1, \"b\": 2}},\n"
      "    {\"model\": 1, \"eval_index\": 7, \"weight\": 0.5, \"distance\": 0.25, \"theta\": "
      "{\"c\": -1.5, \"a\": 4}},\n"
      "    {\"model\": 0, \"eval_index\": 9, \"weight\": 0.25, \"distance\": 1, \"theta\": "
      "{\"a\": 3, \"b\": 0.10000000000000001}}\n"
      "  ]\n"
      "}\n";
  CHECK(abcsmc::io::format_json(file, std::nullopt) == expected);

  // Escaping and non-finite numbers.
  file.header.model_names[0] = "m\"1\\\n";
  file.generations[1].particles[0].distance = kNaN;
  file.generations[1].particles[0].theta[1] = -std::numeric_limits<double>::infinity();
  file.generations[1].epsilon = std::numeric_limits<double>::infinity();
  const std::string json = abcsmc::io::format_json(file, 1);
  CHECK(json.find("\"models\": [\"m\\\"1\\\\\\n\", \"m2\"]") != std::string::npos);
  CHECK(json.find("\"epsilon\": null,") != std::string::npos);
  CHECK(json.find("\"distance\": null, \"theta\": {\"a\": 1, \"b\": null}") != std::string::npos);

  file.generations[1].particles.clear();
  CHECK(abcsmc::io::format_json(file, 1).find("\"particles\": []\n}") != std::string::npos);
}

TEST_CASE("Inspect: table with generations and posterior summary", "[io]") {
  const ResultsFile file = hand_made();
  const std::string table = abcsmc::io::format_table(file, std::nullopt, "out.h5");
  INFO(table);
  CHECK(table.rfind("results file  out.h5\n", 0) == 0);
  CHECK(table.find("running") != std::string::npos);
  CHECK(has_row(table, {"seed", "42"}));
  CHECK(has_row(table, {"sampler", "single,", "static", "scheduling,", "batch", "size", "1,", "1",
                        "worker"}));
  CHECK(has_row(table, {"t", "epsilon", "accepted", "simulations", "failed", "acc.rate", "ESS",
                        "seconds", "p(m1)", "p(m2)"}));
  CHECK(has_row(table, {"0", "2", "2", "4", "1", "0.5", "2.0", "1.25", "0.5000", "0.5000"}));
  CHECK(has_row(table, {"1", "0.5", "3", "12", "0", "0.25", "2.7", "0.50", "0.5000", "0.5000"}));
  CHECK(table.find("Posterior at generation 1 (epsilon 0.5, 3 particles") != std::string::npos);
  CHECK(table.find("model m1 (p = 0.5000, 2 particles)") != std::string::npos);
  CHECK(has_row(table, {"parameter", "mean", "sd", "5%", "50%", "95%"}));
  // m1: a in {1, 3}, b in {2, 0.1}, equal weights after renormalising within the model.
  CHECK(has_row(table, {"a", "2", "1", "1", "2", "3"}));
  CHECK(has_row(table, {"b", "1.05", "0.95", "0.1", "1.05", "2"}));
  // m2: one particle c = -1.5, a = 4.
  CHECK(table.find("model m2 (p = 0.5000, 1 particles)") != std::string::npos);
  CHECK(has_row(table, {"c", "-1.5", "0", "-1.5", "-1.5", "-1.5"}));
  CHECK(has_row(table, {"a", "4", "0", "4", "4", "4"}));

  ResultsFile finished = file;
  finished.stop_reason = "epsilon below 0.6";
  const std::string at0 = abcsmc::io::format_table(finished, 0);
  CHECK(at0.find("finished: epsilon below 0.6") != std::string::npos);
  CHECK(at0.find("results file") == std::string::npos);
  CHECK(at0.find("Posterior at generation 0") != std::string::npos);

  // One model: no probability columns.
  ResultsFile single = file;
  single.header.model_names = {"m1"};
  single.header.model_prior_probabilities = {1.0};
  single.header.model_parameter_names = {{"a", "b"}};
  for (auto& g : single.generations) {
    g.particles.erase(std::remove_if(g.particles.begin(), g.particles.end(),
                                     [](const Particle& p) { return p.model != 0; }),
                      g.particles.end());
    g.model_probabilities = {1.0};
  }
  const std::string one = abcsmc::io::format_table(single, std::nullopt);
  CHECK(one.find("p(m1)") == std::string::npos);
  CHECK(one.find("model m1\n") != std::string::npos);
}

TEST_CASE("Inspect: missing generations are reported with those that exist", "[io]") {
  ResultsFile file = hand_made();
  CHECK_THROWS_WITH(abcsmc::io::format_csv(file, 5),
                    Catch::Contains("generation 5") && Catch::Contains("0, 1"));
  CHECK_THROWS_AS(abcsmc::io::format_table(file, 7), IoError);
  file.generations.clear();
  CHECK_THROWS_WITH(abcsmc::io::format_json(file, std::nullopt),
                    Catch::Contains("no complete generation"));
  CHECK_THROWS_AS(abcsmc::io::format_table(file, 0), IoError);
  // The table of a run still in generation 0 shows its header and says so.
  CHECK_THAT(abcsmc::io::format_table(file, std::nullopt), Catch::Contains("none complete yet"));
}

TEST_CASE("Inspect: formats a file written by ResultsWriter like the in-memory data", "[io]") {
  const fs::path dir =
      fs::temp_directory_path() / ("abcsmc_inspect_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "out.h5").string();
  const ResultsFile file = hand_made();
  {
    abcsmc::io::ResultsWriter writer(path, file.header, /*overwrite=*/true);
    for (const auto& g : file.generations) writer.append(g);
  }
  const ResultsFile back = abcsmc::io::read_results(path);
  CHECK(abcsmc::io::format_csv(back, std::nullopt) == abcsmc::io::format_csv(file, std::nullopt));
  CHECK(abcsmc::io::format_json(back, 0) == abcsmc::io::format_json(file, 0));
  CHECK(abcsmc::io::format_table(back, std::nullopt, path) ==
        abcsmc::io::format_table(file, std::nullopt, path));
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

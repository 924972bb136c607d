// HDF5 results writer/reader: round trips, refusal to overwrite, reading during a run, crash
// leftovers (temp files, kill -9 of the writer) and readability by h5dump.
#include "abcsmc/io/results.hpp"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"

namespace fs = std::filesystem;
using abcsmc::GenerationRecord;
using abcsmc::IoError;
using abcsmc::Particle;
using abcsmc::Vector;
using abcsmc::io::ResultsFile;
using abcsmc::io::ResultsWriter;
using abcsmc::io::RunHeader;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A fresh directory under the system temp directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device device;
    path_ =
        fs::temp_directory_path() / ("abcsmc_io_test_" + std::to_string(::getpid()) + "_" +
                                     std::to_string(counter++) + "_" + std::to_string(device()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Vector vec(std::initializer_list<double> values) {
  Vector v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

bool same(const Vector& a, const Vector& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

/// Two models with different, overlapping parameter sets: union is (a, b, c).
RunHeader two_model_header() {
  RunHeader h;
  h.software_version = "0.1.0-test";
  h.seed = 18446744073709551557ull;  // needs all 64 bits
  h.created = "2024-06-11T12:34:56Z";
  h.config_yaml = "seed: 1\npopulation_size: 4\n# ünïcödé comment\n";
  h.sampler = "threads";
  h.scheduling = "dynamic";
  h.batch_size = 7;
  h.workers = 3;
  h.ranks = 4;
  h.population_size = 4;
  h.model_names = {"m1", "m2"};
  h.model_prior_probabilities = {0.25, 0.75};
  h.model_parameter_names = {{"a", "b"}, {"c", "a"}};
  h.stat_names = {"y", "x[0]", "x[1]"};
  h.observed = vec({1.5, -2.0, 3.25});
  return h;
}

Particle particle(std::uint64_t eval_index, std::uint32_t model, Vector theta, Vector stats,
                  double distance, double weight) {
  Particle p;
  p.eval_index = eval_index;
  p.model = model;
  p.theta = std::move(theta);
  p.stats = std::move(stats);
  p.distance = distance;
  p.weight = weight;
  return p;
}

GenerationRecord generation(std::uint32_t t, bool with_stats) {
  GenerationRecord g;
  g.t = t;
  g.epsilon = 10.0 / (t + 1);
  const double s = with_stats ? 1.0 : 0.0;
  auto stats = [&](double x) { return with_stats ? vec({x, x + s, x + 2}) : Vector(); };
  g.particles = {
      particle(3 + t, 0, vec({0.1 * t, -1.0}), stats(0.5), 0.75, 0.125),
      particle(5 + t, 1, vec({2.0, 0.3 + t}), stats(1.5), 0.5, 0.375),
      particle(8 + t, 1, vec({-2.0, 1e-300}), stats(-7.0), 0.25, 0.25),
      particle(13 + t, 0, vec({1e300, 4.0}), stats(2.0), 0.125, 0.25),
  };
  g.simulations = 40 + t;
  g.total_simulations = 1000 * (t + 1);
  g.failed = t;
  g.acceptance_rate = 4.0 / static_cast<double>(g.simulations);
  g.ess = 3.5 - 0.1 * t;
  g.wall_seconds = 0.25 * (t + 1);
  g.model_probabilities = {0.375, 0.625};
  g.distance_weights = vec({1.0, 0.5, 2.0});
  g.next_epsilon = 5.0 / (t + 1);
  g.next_population_size = 4 + 3 * t;  // the sizes an adaptive run writes differ
  g.next_distance_weights = vec({0.5, 0.5, 1.0 + t});
  return g;
}

void check_header(const RunHeader& a, const RunHeader& b) {
  CHECK(a.software_version == b.software_version);
  CHECK(a.seed == b.seed);
  CHECK(a.created == b.created);
  CHECK(a.config_yaml == b.config_yaml);
  CHECK(a.sampler == b.sampler);
  CHECK(a.scheduling == b.scheduling);
  CHECK(a.batch_size == b.batch_size);
  CHECK(a.workers == b.workers);
  CHECK(a.ranks == b.ranks);
  CHECK(a.population_size == b.population_size);
  CHECK(a.model_names == b.model_names);
  CHECK(a.model_prior_probabilities == b.model_prior_probabilities);
  CHECK(a.model_parameter_names == b.model_parameter_names);
  CHECK(a.stat_names == b.stat_names);
  CHECK(same(a.observed, b.observed));
}

void check_generation(const GenerationRecord& a, const GenerationRecord& b) {
  INFO("generation " << b.t);
  CHECK(a.t == b.t);
  CHECK(same(a.epsilon, b.epsilon));
  CHECK(a.simulations == b.simulations);
  CHECK(a.total_simulations == b.total_simulations);
  CHECK(a.failed == b.failed);
  CHECK(same(a.acceptance_rate, b.acceptance_rate));
  CHECK(same(a.ess, b.ess));
  CHECK(same(a.wall_seconds, b.wall_seconds));
  CHECK(a.model_probabilities == b.model_probabilities);
  CHECK(same(a.distance_weights, b.distance_weights));
  CHECK(same(a.next_epsilon, b.next_epsilon));
  CHECK(a.next_population_size == b.next_population_size);
  CHECK(same(a.next_distance_weights, b.next_distance_weights));
  REQUIRE(a.particles.size() == b.particles.size());
  for (std::size_t i = 0; i < a.particles.size(); ++i) {
    INFO("particle " << i);
    const Particle& p = a.particles[i];
    const Particle& q = b.particles[i];
    CHECK(p.eval_index == q.eval_index);
    CHECK(p.model == q.model);
    CHECK(same(p.theta, q.theta));
    CHECK(same(p.stats, q.stats));
    CHECK(same(p.distance, q.distance));
    CHECK(same(p.weight, q.weight));
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> temp_files_of(const TempDir& dir, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(name + ".tmp.", 0) == 0) out.push_back(file);
  }
  return out;
}

}  // namespace

TEST_CASE("Results: parameter_union keeps first appearance order", "[io]") {
  RunHeader h = two_model_header();
  CHECK(abcsmc::io::parameter_union(h) == std::vector<std::string>{"a", "b", "c"});
  h.model_parameter_names = {{"z"}, {"y", "z", "x"}, {}};
  CHECK(abcsmc::io::parameter_union(h) == std::vector<std::string>{"z", "y", "x"});
}

TEST_CASE("Results: round trip of a two-model run with and without stats", "[io]") {
  TempDir dir;
  const std::string path = dir.file("out.h5");
  const RunHeader header = two_model_header();
  std::vector<GenerationRecord> written = {generation(0, true), generation(1, false),
                                           generation(2, true)};
  written[2].next_epsilon = kNaN;  // the schedule has ended
  written[1].distance_weights = Vector();
  written[1].next_distance_weights = Vector();

  ResultsWriter writer(path, header, /*overwrite=*/false);
  CHECK(writer.path() == path);
  {
    const ResultsFile empty = abcsmc::io::read_results(path);
    check_header(empty.header, header);
    CHECK(empty.generations.empty());
    CHECK(empty.stop_reason.empty());
  }
  for (const auto& g : written) writer.append(g);

  ResultsFile file = abcsmc::io::read_results(path);
  check_header(file.header, header);
  CHECK(file.stop_reason.empty());
  REQUIRE(file.generations.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) check_generation(file.generations[i], written[i]);
  // Theta comes back in each model's own order: m2 is (c, a).
  CHECK(file.generations[0].particles[1].theta[0] == 2.0);
  CHECK(file.generations[1].particles[1].stats.size() == 0);

  writer.finish("max_generations reached");
  file = abcsmc::io::read_results(path);
  CHECK(file.stop_reason == "max_generations reached");
  REQUIRE(file.generations.size() == 3);
  check_generation(file.generations[2], written[2]);
  CHECK(temp_files_of(dir, "out.h5").empty());
}

TEST_CASE("Results: generations come back sorted by t, also empty observed and generation",
          "[io]") {
  TempDir dir;
  const std::string path = dir.file("single.h5");
  RunHeader header;
  header.model_names = {"gauss"};
  header.model_prior_probabilities = {1.0};
  header.model_parameter_names = {{"mu"}};
  ResultsWriter writer(path, header, false);
  GenerationRecord g12;
  g12.t = 12;
  g12.particles = {particle(0, 0, vec({1.0}), Vector(), 0.5, 1.0)};
  GenerationRecord g3;
  g3.t = 3;  // no particles at all
  g3.next_epsilon = kNaN;
  writer.append(g12);
  writer.append(g3);

  const ResultsFile file = abcsmc::io::read_results(path);
  CHECK_FALSE(file.header.created.empty());  // filled in by the writer
  CHECK(file.header.stat_names.empty());
  CHECK(file.header.observed.size() == 0);
  REQUIRE(file.generations.size() == 2);
  check_generation(file.generations[0], g3);
  check_generation(file.generations[1], g12);
}

TEST_CASE("Results: an existing file is refused without overwrite and replaced with it", "[io]") {
  TempDir dir;
  const std::string path = dir.file("out.h5");
  const RunHeader header = two_model_header();
  {
    ResultsWriter first(path, header, false);
    first.append(generation(0, true));
  }
  const std::string before = read_text(path);
  try {
    ResultsWriter second(path, header, false);
    FAIL("no exception");
  } catch (const IoError& e) {
    const std::string message = e.what();
    CHECK(message.find(path) != std::string::npos);
    CHECK(message.find("--overwrite") != std::string::npos);
  }
  CHECK(read_text(path) == before);
  CHECK(temp_files_of(dir, "out.h5").empty());

  RunHeader other = header;
  other.seed = 99;
  ResultsWriter third(path, other, /*overwrite=*/true);
  const ResultsFile file = abcsmc::io::read_results(path);
  CHECK(file.header.seed == 99);
  CHECK(file.generations.empty());
}

TEST_CASE("Results: invalid appends fail and leave the file as it was", "[io]") {
  TempDir dir;
  const std::string path = dir.file("out.h5");
  ResultsWriter writer(path, two_model_header(), false);
  writer.append(generation(0, true));
  const std::string before = read_text(path);

  GenerationRecord bad = generation(1, true);
  bad.particles[2].theta = vec({1.0});  // m2 has two parameters
  CHECK_THROWS_AS(writer.append(bad), IoError);
  bad = generation(1, true);
  bad.particles[1].model = 2;
  CHECK_THROWS_AS(writer.append(bad), IoError);
  bad = generation(1, true);
  bad.particles[3].stats = vec({1.0});
  CHECK_THROWS_AS(writer.append(bad), IoError);
  CHECK_THROWS_WITH(writer.append(generation(0, true)), Catch::Contains("already in the file"));

  CHECK(read_text(path) == before);
  CHECK(temp_files_of(dir, "out.h5").empty());
  CHECK(abcsmc::io::read_results(path).generations.size() == 1);
}

TEST_CASE("Results: reading errors name the file", "[io]") {
  TempDir dir;
  CHECK_THROWS_WITH(abcsmc::io::read_results(dir.file("missing.h5")),
                    Catch::StartsWith("cannot open results file '" + dir.file("missing.h5") + "'"));
  {
    std::ofstream out(dir.file("text.h5"));
    out << "not hdf5\n";
  }
  CHECK_THROWS_WITH(abcsmc::io::read_results(dir.file("text.h5")),
                    Catch::Contains("not an HDF5 file"));
  CHECK_THROWS_AS(ResultsWriter(dir.file("no/such/dir/out.h5"), two_model_header(), false),
                  IoError);
  RunHeader broken = two_model_header();
  broken.model_prior_probabilities = {1.0};
  CHECK_THROWS_AS(ResultsWriter(dir.file("broken.h5"), broken, false), IoError);
  CHECK_FALSE(fs::exists(dir.file("broken.h5")));
}

TEST_CASE("Results: a reader sees each complete generation while the run appends", "[io]") {
  TempDir dir;
  const std::string path = dir.file("live.h5");
  ResultsWriter writer(path, two_model_header(), false);
  for (std::uint32_t t = 0; t < 3; ++t) {
    CHECK(abcsmc::io::read_results(path).generations.size() == t);
    writer.append(generation(t, t % 2 == 0));
    const ResultsFile file = abcsmc::io::read_results(path);
    REQUIRE(file.generations.size() == t + 1);
    check_generation(file.generations.back(), generation(t, t % 2 == 0));
  }

  // And concurrently: a reader thread polls while the writer appends.
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad_reads{0};
  std::thread reader([&] {
    while (!done) {
      try {
        const ResultsFile file = abcsmc::io::read_results(path);
        for (std::size_t i = 0; i < file.generations.size(); ++i) {
          if (file.generations[i].t != i || file.generations[i].particles.size() != 4) ++bad_reads;
        }
        ++reads;
      } catch (const std::exception&) {
        ++bad_reads;
      }
    }
  });
  for (std::uint32_t t = 3; t < 15; ++t) writer.append(generation(t, true));
  done = true;
  reader.join();
  CHECK(bad_reads == 0);
  CHECK(reads > 0);
  CHECK(abcsmc::io::read_results(path).generations.size() == 15);
}

TEST_CASE("Results: temp files left by a crash do not confuse reader or writer", "[io]") {
  TempDir dir;
  const std::string path = dir.file("out.h5");
  ResultsWriter writer(path, two_model_header(), false);
  writer.append(generation(0, true));

  // A dead writer's half-copied temp file, and one of a live process (pid 1).
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  ::waitpid(child, nullptr, 0);
  const std::string dead = path + ".tmp." + std::to_string(child);
  const std::string live = path + ".tmp.1";
  {
    const std::string bytes = read_text(path);
    std::ofstream(dead, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    std::ofstream(live, std::ios::binary) << "garbage";
  }
  const ResultsFile file = abcsmc::io::read_results(path);
  REQUIRE(file.generations.size() == 1);
  check_generation(file.generations[0], generation(0, true));

  writer.append(generation(1, true));
  CHECK(abcsmc::io::read_results(path).generations.size() == 2);
  // A new writer removes the dead process's leftovers only.
  ResultsWriter again(path, two_model_header(), /*overwrite=*/true);
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(live));
}

TEST_CASE("Results: the file stays consistent when the writer is killed with SIGKILL", "[io]") {
  TempDir dir;
  const std::string path = dir.file("killed.h5");
  const RunHeader header = two_model_header();
  // Larger generations so that a kill often lands inside an append.
  auto big = [](std::uint32_t t) {
    GenerationRecord g = generation(t, true);
    const auto base = g.particles;
    g.particles.clear();
    for (std::uint64_t i = 0; i < 2000; ++i) {
      Particle p = base[i % base.size()];
      p.eval_index = i;
      g.particles.push_back(p);
    }
    return g;
  };
  { ResultsWriter create(path, header, false); }

  for (int round = 0; round < 3; ++round) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      try {
        ResultsWriter writer(path, header, /*overwrite=*/true);
        for (std::uint32_t t = 0; t < 100000; ++t) writer.append(big(t));
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);
    }
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(300 + 150 * round);
    int reads = 0;
    int bad = 0;
    while (std::chrono::steady_clock::now() < until) {
      try {
        const ResultsFile file = abcsmc::io::read_results(path);
        for (std::size_t i = 0; i < file.generations.size(); ++i) {
          if (file.generations[i].t != i || file.generations[i].particles.size() != 2000) ++bad;
        }
        ++reads;
      } catch (const std::exception& e) {
        UNSCOPED_INFO(e.what());
        ++bad;
      }
    }
    if (round > 0) {
      // Make sure the kill lands inside an append: wait for the child's private copy to appear
      // (round 2 then lets HDF5 get going on the copy for a moment).
      const std::string temp = path + ".tmp." + std::to_string(child);
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!fs::exists(temp) && std::chrono::steady_clock::now() < give_up) {
      }
      if (round == 2) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(bad == 0);
    CHECK(reads > 0);

    // Usually the kill lands inside an append, leaving the child's private copy behind.
    const bool inside_append = fs::exists(path + ".tmp." + std::to_string(child));
    const ResultsFile file = abcsmc::io::read_results(path);
    INFO("round " << round << ": " << file.generations.size() << " generations survived"
                  << (inside_append ? ", killed inside an append" : ""));
    for (std::size_t i = 0; i < file.generations.size(); ++i) {
      REQUIRE(file.generations[i].t == i);
      check_generation(file.generations[i], big(static_cast<std::uint32_t>(i)));
    }
  }
}

TEST_CASE("Results: h5dump reads the file", "[io]") {
  if (!fs::exists("/usr/bin/h5dump")) {
    WARN("h5dump not installed; skipped");
    return;
  }
  TempDir dir;
  const std::string path = dir.file("dump.h5");
  ResultsWriter writer(path, two_model_header(), false);
  writer.append(generation(0, true));
  writer.append(generation(1, false));
  writer.finish("done");
  const std::string out = dir.file("dump.txt");
  const std::string command = "/usr/bin/h5dump '" + path + "' > '" + out + "' 2>&1";
  const int status = std::system(command.c_str());
  INFO(read_text(out));
  REQUIRE(status == 0);
  const std::string text = read_text(out);
  CHECK(text.find("generations") != std::string::npos);
  CHECK(text.find("GROUP \"t0001\"") != std::string::npos);
  CHECK(text.find("\"abcsmc-results\"") != std::string::npos);
  CHECK(text.find("H5T_CSET_UTF8") != std::string::npos);
}

TEST_CASE("Results: reopen continues a file for --resume", "[io]") {
  TempDir dir;
  const std::string path = dir.file("out.h5");
  RunHeader header = two_model_header();
  std::vector<GenerationRecord> written = {generation(0, true), generation(1, true),
                                           generation(2, true)};
  {
    ResultsWriter writer(path, header, /*overwrite=*/false);
    writer.append(written[0]);
    writer.append(written[1]);
    writer.finish("stop requested");
  }
  header.sampler = "mpi";
  header.workers = 7;
  header.ranks = 8;
  {
    ResultsWriter writer = ResultsWriter::reopen(path, header);
    const ResultsFile reopened = abcsmc::io::read_results(path);
    CHECK(reopened.stop_reason.empty());  // running again
    CHECK(reopened.resumes == 1);
    CHECK(reopened.header.sampler == "mpi");
    CHECK(reopened.header.ranks == 8);
    REQUIRE(reopened.generations.size() == 2);
    CHECK(reopened.generations[1].total_simulations == 2000);
    writer.append(written[2]);
    writer.finish("max_generations reached");
  }
  ResultsWriter::reopen(path, header).finish("max_generations reached");
  const ResultsFile file = abcsmc::io::read_results(path);
  CHECK(file.resumes == 2);
  CHECK(file.stop_reason == "max_generations reached");
  REQUIRE(file.generations.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) check_generation(file.generations[i], written[i]);
  CHECK(temp_files_of(dir, "out.h5").empty());
  CHECK_THROWS_AS(ResultsWriter::reopen(dir.file("missing.h5"), header), IoError);
}

TEST_CASE("Results: generations live in <file>.d while running, finish packs small runs only",
          "[io]") {
  TempDir dir;
  const std::string path = dir.file("run.h5");
  const fs::path folder = path + ".d";
  {
    ResultsWriter writer(path, two_model_header(), false);
    writer.append(generation(0, true));
    writer.append(generation(1, true));
    // Each generation is its own file, linked from the index; nothing left half-written.
    CHECK(fs::exists(folder / "t0000.h5"));
    CHECK(fs::exists(folder / "t0001.h5"));
    CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator{}) == 2);
    CHECK(abcsmc::io::read_results(path).generations.size() == 2);
    writer.finish("done");
  }
  // Small: packed into the one file, folder gone, readable wherever the file goes.
  CHECK_FALSE(fs::exists(folder));
  fs::create_directories(dir.path() / "moved");
  fs::rename(path, dir.path() / "moved" / "run.h5");
  const ResultsFile packed = abcsmc::io::read_results((dir.path() / "moved" / "run.h5").string());
  REQUIRE(packed.generations.size() == 2);
  CHECK(packed.generations[1].particles.size() == generation(1, true).particles.size());
  CHECK(packed.stop_reason == "done");

  // Above the pack limit: the folder stays, the file reads through its links, and a copy of the
  // file without its folder names what is missing.
  const std::string big = dir.file("big.h5");
  {
    ResultsWriter writer(big, two_model_header(), false);
    writer.set_pack_limit(1);
    writer.append(generation(0, false));
    writer.finish("done");
  }
  CHECK(fs::exists(big + ".d/t0000.h5"));
  CHECK(abcsmc::io::read_results(big).generations.size() == 1);
  fs::copy_file(big, dir.file("moved/big.h5"));
  try {
    abcsmc::io::read_results(dir.file("moved/big.h5"));
    FAIL("a file without its generation folder was read");
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains("which is missing: keep the folder 'big.h5.d'"));
  }
  // abcsmc pack: the large run made self-contained on demand; an unfinished one is refused.
  const std::string kept = dir.file("kept.h5");
  fs::copy_file(big, kept);
  fs::copy(big + ".d", kept + ".d");
  {
    const abcsmc::io::PackResult result = abcsmc::io::pack_results(kept);
    CHECK(result.generations == 1);
    CHECK(result.bytes > 0);
  }
  CHECK_FALSE(fs::exists(kept + ".d"));
  fs::rename(kept, dir.file("moved/kept.h5"));
  CHECK(abcsmc::io::read_results(dir.file("moved/kept.h5")).generations.size() == 1);
  CHECK(abcsmc::io::pack_results(dir.file("moved/kept.h5")).generations == 0);
  {
    const std::string running = dir.file("running.h5");
    ResultsWriter writer(running, two_model_header(), false);
    writer.append(generation(0, false));
    CHECK_THROWS_WITH(abcsmc::io::pack_results(running), Catch::Contains("has no stop reason"));
  }

  // The file deleted, its folder left: a new run there removes the orphaned generation files
  // (nothing links them) but nothing else in the folder.
  fs::remove(big);
  { std::ofstream(big + ".d/notes.txt") << "mine\n"; }
  { ResultsWriter again(big, two_model_header(), false); }
  CHECK_FALSE(fs::exists(big + ".d/t0000.h5"));
  CHECK(fs::exists(big + ".d/notes.txt"));
}

TEST_CASE("Results: generation links abcsmc does not write are refused", "[io]") {
  if (!fs::exists("/usr/bin/python3")) {
    WARN("/usr/bin/python3 not installed; skipped");
    return;
  }
  TempDir dir;
  const std::string path = dir.file("links.h5");
  {
    ResultsWriter writer(path, two_model_header(), false);
    writer.set_pack_limit(0);
    writer.append(generation(0, false));
    writer.finish("done");
  }
  fs::copy_file(path + ".d/t0000.h5", dir.file("elsewhere.h5"));
  struct Tamper {
    const char* what;
    const char* python;  // h5py statement on f["generations"] as g
  };
  const Tamper cases[] = {
      {"soft link", "g['t0001'] = h5py.SoftLink('/generations/t0000')"},
      {"another file", "g['t0001'] = h5py.ExternalLink('elsewhere.h5', '/t0000')"},
      {"a path out of the folder",
       "g['t0001'] = h5py.ExternalLink('links.h5.d/../../x/t0001.h5', '/t0001')"},
      {"another object", "g['t0001'] = h5py.ExternalLink('links.h5.d/t0001.h5', '/')"},
  };
  for (const Tamper& c : cases) {
    INFO(c.what);
    const std::string copy = dir.file("tampered.h5");
    fs::copy_file(path, copy, fs::copy_options::overwrite_existing);
    const std::string script = dir.file("tamper.py");
    {
      std::ofstream py(script);
      py << "import h5py, sys\nwith h5py.File(sys.argv[1], 'r+') as f:\n    g = f['generations']\n "
            "   "
         << c.python << "\n";
    }
    REQUIRE(std::system(("/usr/bin/python3 '" + script + "' '" + copy + "'").c_str()) == 0);
    try {
      abcsmc::io::read_results(copy);
      FAIL("a tampered generation link was followed");
    } catch (const IoError& e) {
      CHECK_THAT(e.what(), Catch::Contains("refused"));
    }
  }
}

// A C++-only consumer of an installed abcsmc: a short run from YAML whose results go through
// HDF5 (so that the link needs the HDF5 C library the package found), read back.
#include <abcsmc/abcsmc.hpp>
#include <abcsmc/io/results.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  using namespace abcsmc;
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer_cxx OUT.h5\n");
    return 2;
  }
  const io::RunConfig config = io::parse_config(R"(
seed: 11
population_size: 100
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
stop: {max_generations: 2}
)",
                                                "consumer_cxx.yaml");
  auto problem = io::build_problem(config);
  const SmcSettings settings = io::build_settings(config, *problem, *config.seed);
  SingleCoreSampler sampler;
  io::RunHeader header = io::build_header(config, *problem, *config.seed);
  header.sampler = sampler.name();
  io::ResultsWriter writer(argv[1], header, true);
  struct Write final : SmcObserver {
    io::ResultsWriter& writer;
    explicit Write(io::ResultsWriter& w) : writer(w) {}
    void on_generation(const GenerationRecord& r) override { writer.append(r); }
  } observer(writer);
  const SmcResult result = run_smc(problem, settings, sampler, &observer);
  writer.finish(result.stop_reason);
  const io::ResultsFile file = io::read_results(argv[1]);
  const bool ok = result.generations == 2 && file.generations.size() == 2;
  std::printf("%s: C++-only consumer wrote and read %zu generation(s)\n", ok ? "ok" : "FAILED",
              file.generations.size());
  return ok ? 0 : 1;
}

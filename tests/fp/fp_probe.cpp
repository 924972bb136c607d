// Prints hashes of the bits abcsmc computes itself (README, "Determinism on mixed hardware"):
// a B1 run (seed 3, single core: variates, priors, kernels, weights, distance), and a sweep of
// every prior type's sampling, density, cdf and quantile. Built twice (tests/CMakeLists.txt):
// against the normal core and models, and against a copy compiled with -march=native; the test
// fp_probe_test.sh compares both, and the normal one under glibc's non-FMA code paths.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "abcsmc/core/distribution.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/samplers/single_core.hpp"

namespace {

/// SHA-256 (OpenSSL) over the bytes of what it is fed.
class Hash {
 public:
  Hash() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      std::fprintf(stderr, "fp_probe: cannot start SHA-256\n");
      std::exit(1);
    }
  }
  void add(double x) { EVP_DigestUpdate(ctx_.get(), &x, sizeof x); }
  void add(std::uint64_t x) { EVP_DigestUpdate(ctx_.get(), &x, sizeof x); }
  /// The digest in hex (once).
  std::string hex() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), d, &n);
    std::string out;
    char two[3];
    for (unsigned int i = 0; i < n; ++i) {
      std::snprintf(two, sizeof two, "%02x", d[i]);
      out += two;
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

class Recorder final : public abcsmc::SmcObserver {
 public:
  void on_generation(const abcsmc::GenerationRecord& r) override {
    hash.add(r.epsilon);
    for (const auto& p : r.particles) {
      hash.add(p.eval_index);
      hash.add(static_cast<std::uint64_t>(p.model));
      for (Eigen::Index i = 0; i < p.theta.size(); ++i) hash.add(p.theta[i]);
      hash.add(p.distance);
      hash.add(p.weight);
    }
    ++generations;
  }
  Hash hash;
  int generations = 0;
};

std::string b1(int* generations) {
  abcsmc::ModelOptions options{{"n", {"10", 10.0}}, {"sigma", {"1", 1.0}}};
  std::shared_ptr<const abcsmc::Model> model =
      abcsmc::make_builtin_model("gaussian_mean", options, {"theta"});
  auto problem = abcsmc::ProblemBuilder()
                     .model("gauss", model)
                     .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
                     .observe("y", 0.5)
                     .build();
  abcsmc::SmcSettings settings = abcsmc::default_settings(*problem, 3);
  settings.population_size = 1000;
  settings.stop.max_generations = 8;
  abcsmc::SingleCoreSampler sampler;
  Recorder recorder;
  abcsmc::run_smc(problem, settings, sampler, &recorder);
  *generations = recorder.generations;
  return recorder.hash.hex();
}

std::string distributions() {
  const std::map<std::string, std::map<std::string, double>> params = {
      {"uniform", {{"low", -1.0}, {"high", 2.0}}},
      {"normal", {{"mean", 0.3}, {"sd", 1.7}}},
      {"lognormal", {{"mu", 0.2}, {"sigma", 0.8}}},
      {"loguniform", {{"low", 0.01}, {"high", 50.0}}},
      {"truncated_normal", {{"mean", 0.5}, {"sd", 1.3}, {"low", -0.2}, {"high", 4.0}}},
      {"beta", {{"a", 2.5}, {"b", 0.7}}},
      {"gamma", {{"shape", 0.6}, {"scale", 2.0}}},
      {"exponential", {{"scale", 1.5}}},
      {"discrete_uniform", {{"low", -3.0}, {"high", 7.0}}},
  };
  Hash hash;
  for (const auto& info : abcsmc::distribution_types()) {
    const auto it = params.find(info.type);
    if (it == params.end()) {
      std::fprintf(stderr, "fp_probe: no parameters for prior type %s\n", info.type.c_str());
      std::exit(1);
    }
    const auto d = abcsmc::make_distribution(info.type, it->second);
    for (std::uint64_t i = 0; i < 20000; ++i) {
      abcsmc::Rng rng(abcsmc::StreamId{3, 1, i});
      const double x = d->sample(rng);
      const double p = (static_cast<double>(i) + 0.5) / 20000.0;
      for (double v : {x, d->log_pdf(x), d->cdf(x), d->quantile(p), rng.normal(),
                       rng.exponential(1.0), rng.gamma(0.4), rng.gamma(3.7), rng.beta(0.8, 2.2)}) {
        hash.add(v);
      }
    }
  }
  return hash.hex();
}

}  // namespace

int main() {
  int generations = 0;
  const std::string run = b1(&generations);
  std::printf("b1 generations %d sha256 %s\n", generations, run.c_str());
  std::printf("priors and variates sha256 %s\n", distributions().c_str());
  return 0;
}

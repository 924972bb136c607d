// The Redis master and worker protocols in one process: RedisSampler and two worker loops
// (run_workers with one process each, on threads) against a private redis-server on a random
// loopback port. Rounds must equal SingleCoreSampler bit for bit at any batch size; the
// end-to-end tests (tests/redis/*.sh) drive the same code through the abcsmc binary.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/redis/client.hpp"
#include "abcsmc/redis/sampler.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "support/same_sample.hpp"
#include "support/wire_problem.hpp"

extern char** environ;

using namespace abcsmc;
using abcsmc::testing::require_same_sample;

namespace {

/// A free loopback port (the kernel's choice; a race with another process is unlikely).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw Error("no free port");
  }
  close(fd);
  return ntohs(a.sin_port);
}

/// redis-server on 127.0.0.1, no persistence, a password; stopped when this goes.
class RedisServer {
 public:
  RedisServer() {
    endpoint.port = free_port();
    endpoint.password = "protocol-test";
    const std::string port = std::to_string(endpoint.port);
    const std::string dir = std::filesystem::temp_directory_path().string();
    std::vector<std::string> args{"redis-server",
                                  "--bind",
                                  "127.0.0.1",
                                  "--port",
                                  port,
                                  "--requirepass",
                                  endpoint.password,
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t quiet;  // the server's log would drown the test's output
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    const int spawned = posix_spawnp(&pid_, "redis-server", &quiet, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&quiet);
    if (spawned != 0)
      throw Error("cannot start redis-server (scripts/install-deps.sh installs it)");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      try {
        redis::Client probe(endpoint, 1.0);
        if (probe.command({"PING"}).str == "PONG") return;
      } catch (const Error&) {
      }
      if (std::chrono::steady_clock::now() > until) throw Error("redis-server did not answer");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~RedisServer() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  redis::Endpoint endpoint;

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("Redis master and workers in one process equal single-core at any batch size",
          "[redis]") {
  RedisServer server;
  const std::shared_ptr<Problem> problem = test::wire_problem(2);
  const ContextSettings settings = test::wire_settings(*problem);
  const Evaluator evaluator(problem, settings.transition.model_stay_probability);

  redis::WorkerOptions wopt;
  wopt.endpoint = server.endpoint;
  wopt.runtime_seconds = 120.0;
  wopt.processes = 1;  // in this process: run_workers forks only for more
  wopt.reconnect_window_seconds = 5.0;
  wopt.problem_factory = [&](const std::string&, const std::string&) {
    return WorkerProblem{problem, settings};
  };
  std::vector<int> exits(2, -1);
  std::vector<std::thread> workers;
  for (std::size_t w = 0; w < exits.size(); ++w) {
    workers.emplace_back([&, w] { exits[w] = redis::run_workers(wopt); });
  }

  std::vector<GenerationMessage> rounds{test::wire_generation(*problem, 0),
                                        test::wire_generation(*problem, 1),
                                        test::wire_generation(*problem, 2)};
  rounds[2].spec.epsilon = 0.05;  // few accepted: the budget ends the round
  rounds[2].request.max_evals = 23;
  for (const std::size_t batch : {std::size_t{1}, std::size_t{3}, std::size_t{0}}) {
    INFO("batch size " << batch);
    redis::MasterOptions mopt;
    mopt.endpoint = server.endpoint;
    mopt.batch_size = batch;
    mopt.lease_seconds = 10.0;
    redis::RedisSampler sampler(mopt);
    sampler.start("config text");
    for (const auto& g : rounds) {
      INFO("generation " << g.spec.t);
      const GenerationContext ctx = make_context(*problem, settings, g.spec);
      const Sample got = sampler.sample(evaluator, ctx, g.request);
      SingleCoreSampler single;
      require_same_sample(got, single.sample(evaluator, ctx, g.request));
      REQUIRE(sampler.dropped_results() == 0);
    }
  }
  REQUIRE(redis::run_manager(server.endpoint, "stop") == 0);  // the workers leave
  for (auto& t : workers) t.join();
  REQUIRE(exits == std::vector<int>{0, 0});
}

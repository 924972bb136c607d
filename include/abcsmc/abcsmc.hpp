#pragma once
/// Everything a program needs to run ABC-SMC through the C++ library API (link abcsmc::abcsmc):
///
///   #include <abcsmc/abcsmc.hpp>
///   auto model = abcsmc::make_model({{"y", 1}}, [](const abcsmc::Vector& theta, abcsmc::Rng& rng,
///                                                  abcsmc::Vector& y) { ... });
///   auto problem = abcsmc::ProblemBuilder().model("m", model)
///                      .parameter("theta", "normal", {{"mean", 0}, {"sd", 1}})
///                      .observe("y", 0.5).build();
///   auto settings = abcsmc::default_settings(*problem, /*seed=*/42);
///   settings.stop.max_generations = 8;
///   abcsmc::ThreadsSampler sampler(0, abcsmc::Scheduling::dynamic, 0);
///   abcsmc::SmcResult result = abcsmc::run_smc(problem, settings, sampler, nullptr);
///
/// or from YAML: io::load_config / io::parse_config, io::build_problem, io::build_settings.
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/core/population.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/core/serialised_model.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/models/external_command.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/models/plugin.hpp"
#include "abcsmc/models/process.hpp"
#include "abcsmc/models/simulators.hpp"
#include "abcsmc/models/statistics_text.hpp"
#include "abcsmc/samplers/future.hpp"
#include "abcsmc/samplers/mapping.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"

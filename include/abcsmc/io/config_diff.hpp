#pragma once
/// Differences between two resolved run configs (the YAML stored in a results file and the one
/// a resumed run would use), key by key.
#include <string>
#include <vector>

namespace abcsmc::io {

/// One line per difference, e.g. "epsilon.alpha: 0.5 in the file, 0.3 now". Keys that only one
/// side has are reported too. Paths in `ignored` ("stop", "output.path") and everything below
/// them are skipped. @throws ConfigError if either text is not YAML.
std::vector<std::string> config_differences(const std::string& stored, const std::string& current,
                                            const std::vector<std::string>& ignored);

/// What `abcsmc run --resume` may change: the stopping rules, the sampler settings and where the
/// results file lives. Everything else decides the generations' content.
const std::vector<std::string>& resume_may_change();

}  // namespace abcsmc::io

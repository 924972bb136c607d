// `parameters:`: one prior per parameter, checked by building its distribution.
#include <algorithm>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/core/distribution.hpp"
#include "abcsmc/core/suggest.hpp"
#include "config_sections.hpp"
#include "yaml_walk.hpp"

namespace abcsmc::io::detail {

std::string prior_example() { return "{type: normal, mean: 0, sd: 1}"; }

namespace {

std::vector<std::string> distribution_names() {
  std::vector<std::string> names;
  for (const auto& d : distribution_types()) names.push_back(d.type);
  return names;
}

std::optional<ParameterSpec> parse_prior(Ctx& ctx, const Field& f) {
  if (!require_map(ctx, f, prior_example())) return std::nullopt;
  const auto fields = map_fields(ctx, f);
  const Field* type_field = nullptr;
  for (const auto& g : fields) {
    if (g.key == "type") type_field = &g;
  }
  if (type_field == nullptr) {
    ctx.error(f.line, name_of(f.path) + " has no 'type'; add one of " +
                          quoted_list(distribution_names()) + ", e.g. " + f.key + ": " +
                          prior_example() + ".");
    return std::nullopt;
  }
  const auto type = get_choice(ctx, *type_field, distribution_names());
  if (!type) return std::nullopt;
  const DistributionInfo* info = nullptr;
  for (const auto& d : distribution_types()) {
    if (d.type == *type) info = &d;
  }
  const std::string needs = "a " + *type + " prior takes " + quoted_list(info->parameters);
  ParameterSpec spec;
  spec.name = f.key;
  spec.type = *type;
  spec.line = f.line;
  bool ok = true;
  for (const auto& g : fields) {
    if (g.key == "type") continue;
    if (std::find(info->parameters.begin(), info->parameters.end(), g.key) ==
        info->parameters.end()) {
      ctx.error(g.line, "unknown key '" + g.key + "' " + where(f.path) + " (" + needs + ")." +
                            did_you_mean(g.key, info->parameters));
      ok = false;
      continue;
    }
    NumberRule rule = any_number();
    rule.allow_inf = true;
    const auto v = get_number(ctx, g, rule);
    if (!v) {
      ok = false;
      continue;
    }
    spec.params[g.key] = *v;
  }
  for (const auto& p : info->parameters) {
    if (spec.params.count(p) == 0 && ok) {
      const bool given =
          std::any_of(fields.begin(), fields.end(), [&](const Field& g) { return g.key == p; });
      if (!given) {
        ctx.error(f.line, name_of(f.path) + " has no '" + p + "' (" + needs + ").");
        ok = false;
      }
    }
  }
  if (!ok) return std::nullopt;
  try {
    (void)make_distribution(spec.type, spec.params);
  } catch (const std::exception& e) {
    ctx.error(f.line, name_of(f.path) + ": " + e.what());
    return std::nullopt;
  }
  return spec;
}

}  // namespace

std::vector<ParameterSpec> parse_parameters(Ctx& ctx, const Field& f,
                                            std::vector<std::string>& names) {
  std::vector<ParameterSpec> out;
  if (f.node.IsNull()) return out;  // no parameters; the model says whether that is fine
  if (!require_map(ctx, f, "{theta: " + prior_example() + "}")) return out;
  for (const auto& g : map_fields(ctx, f)) {
    names.push_back(g.key);
    if (auto spec = parse_prior(ctx, g)) out.push_back(std::move(*spec));
  }
  return out;
}

}  // namespace abcsmc::io::detail

// Registry of the built-in models: listing, construction, and every class of error message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/models/builtin.hpp"

using namespace abcsmc;
using Catch::Matchers::Contains;

namespace {

ModelOptions one(const std::string& key, const std::string& text) {
  ModelOptions o;
  OptionValue v;
  v.text = text;
  try {
    std::size_t used = 0;
    const double x = std::stod(text, &used);
    if (used == text.size()) v.number = x;
  } catch (const std::exception&) {
  }
  o[key] = v;
  return o;
}

std::string error_of(const std::string& name, const ModelOptions& options,
                     const std::vector<std::string>& params) {
  try {
    make_builtin_model(name, options, params);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<std::string> params_for(const std::string& model) {
  if (model == "sir") return {"beta", "gamma"};
  if (model == "gaussian_mean") return {"theta"};
  return {"a", "b"};
}

}  // namespace

TEST_CASE("registry: lists the four built-in models, documented", "[models]") {
  const auto& models = builtin_models();
  std::vector<std::string> names;
  for (const auto& m : models) names.push_back(m.name);
  CHECK(names ==
        std::vector<std::string>{"gaussian_mean", "gaussian_linear", "gaussian_mixture", "sir"});
  for (const auto& m : models) {
    INFO(m.name);
    CHECK_FALSE(m.summary.empty());
    CHECK_FALSE(m.parameters.empty());
    CHECK_FALSE(m.statistics.empty());
    CHECK_FALSE(m.options.empty());
    std::set<std::string> seen;
    for (const auto& o : m.options) {
      INFO(o.name);
      CHECK(seen.insert(o.name).second);
      CHECK((o.type == "number" || o.type == "integer"));
      CHECK_FALSE(o.help.empty());
    }
    // Every model builds with its defaults, and with each default given explicitly.
    const auto model = make_builtin_model(m.name, {}, params_for(m.name));
    REQUIRE(model != nullptr);
    CHECK(total_stat_size(model->statistics()) >= 1);
    ModelOptions explicit_defaults;
    for (const auto& o : m.options) {
      explicit_defaults[o.name] = OptionValue{std::to_string(o.default_value), o.default_value};
    }
    CHECK(make_builtin_model(m.name, explicit_defaults, params_for(m.name)) != nullptr);
  }
}

TEST_CASE("registry: documented options and defaults", "[models]") {
  auto find = [](const std::string& model, const std::string& option) -> const OptionInfo& {
    for (const auto& m : builtin_models()) {
      if (m.name != model) continue;
      for (const auto& o : m.options) {
        if (o.name == option) return o;
      }
    }
    FAIL("no option " << model << "." << option);
    throw;
  };
  CHECK(find("gaussian_mean", "n").type == "integer");
  CHECK(find("gaussian_mean", "n").default_value == 10);
  CHECK(find("gaussian_mean", "sigma").type == "number");
  CHECK(find("gaussian_mean", "sigma").default_value == 1);
  CHECK_THAT(find("gaussian_mean", "sigma").help, Contains("> 0"));
  CHECK(find("gaussian_linear", "n").default_value == 1);
  CHECK(find("gaussian_linear", "sigma").default_value == 0.1);
  CHECK(find("gaussian_mixture", "weight").default_value == 0.5);
  CHECK_THAT(find("gaussian_mixture", "weight").help, Contains("(0, 1)"));
  CHECK(find("gaussian_mixture", "scale_broad").default_value == 1.0);
  CHECK(find("gaussian_mixture", "scale_narrow").default_value == 0.1);
  CHECK(find("sir", "population").default_value == 1000);
  CHECK(find("sir", "infected").default_value == 10);
  CHECK(find("sir", "t_end").default_value == 20);
  CHECK(find("sir", "observations").default_value == 10);
  CHECK(find("sir", "observations").type == "integer");
}

TEST_CASE("registry: unknown model, with a suggestion", "[models]") {
  CHECK(error_of("gausian_mean", {}, {"theta"}) ==
        "unknown model 'gausian_mean'. Did you mean 'gaussian_mean'? (see `abcsmc models`)");
  const std::string far = error_of("lotka_volterra", {}, {"theta"});
  CHECK_THAT(far, Contains("unknown model 'lotka_volterra'"));
  CHECK_THAT(far, Contains("'gaussian_mean'"));
  CHECK_THAT(far, Contains("'sir'"));
  CHECK_THAT(far, Contains("(see `abcsmc models`)"));
  CHECK_THAT(far, !Contains("Did you mean"));
}

TEST_CASE("registry: unknown option, with a suggestion and the list", "[models]") {
  CHECK(error_of("gaussian_mean", one("sigam", "2"), {"theta"}) ==
        "model gaussian_mean has no option 'sigam'. Did you mean 'sigma'? Options: 'n', 'sigma'");
  const std::string far = error_of("sir", one("volume", "2"), {"beta", "gamma"});
  CHECK(far ==
        "model sir has no option 'volume'. Options: 'population', 'infected', 't_end', "
        "'observations'");
}

TEST_CASE("registry: option that is not a number", "[models]") {
  const std::string msg = error_of("gaussian_mean", one("sigma", "wide"), {"theta"});
  CHECK_THAT(msg, Contains("gaussian_mean"));
  CHECK_THAT(msg, Contains("'sigma'"));
  CHECK_THAT(msg, Contains("'wide'"));
  CHECK_THAT(msg, Contains("a number > 0"));
}

TEST_CASE("registry: integer options must be integral and in range", "[models]") {
  const std::string frac = error_of("gaussian_mean", one("n", "2.5"), {"theta"});
  CHECK(frac == "model gaussian_mean: option 'n' must be an integer in [1, 1000000000], got 2.5");
  const std::string zero = error_of("gaussian_mean", one("n", "0"), {"theta"});
  CHECK_THAT(zero, Contains("option 'n' must be an integer in [1, 1000000000], got 0"));
  CHECK_THAT(error_of("sir", one("population", "1e12"), {"beta", "gamma"}),
             Contains("'population' must be an integer in [1, 1000000000], got 1e12"));
  CHECK_THAT(error_of("sir", one("observations", "-3"), {"beta", "gamma"}),
             Contains("'observations' must be an integer in [1, 1000000], got -3"));
  CHECK_THAT(error_of("sir", one("infected", "1.5"), {"beta", "gamma"}),
             Contains("'infected' must be an integer in [0, 1000000000], got 1.5"));
  // Cross-option rule.
  ModelOptions o = one("infected", "20");
  o["population"] = OptionValue{"10", 10.0};
  CHECK(error_of("sir", o, {"beta", "gamma"}) ==
        "model sir: option 'infected' (20) must be <= population (10)");
  // Integral values written as numbers are fine.
  CHECK(make_builtin_model("gaussian_mean", one("n", "4.0"), {"theta"}) != nullptr);
  CHECK(make_builtin_model("sir", one("infected", "0"), {"beta", "gamma"}) != nullptr);
}

TEST_CASE("registry: number options out of range", "[models]") {
  CHECK(error_of("gaussian_mean", one("sigma", "0"), {"theta"}) ==
        "model gaussian_mean: option 'sigma' must be a number > 0, got 0");
  CHECK_THAT(error_of("gaussian_linear", one("sigma", "-1"), {"a"}),
             Contains("'sigma' must be a number > 0, got -1"));
  CHECK_THAT(error_of("gaussian_mixture", one("weight", "1"), {"a"}),
             Contains("'weight' must be a number in (0, 1), got 1"));
  CHECK_THAT(error_of("gaussian_mixture", one("weight", "0"), {"a"}),
             Contains("'weight' must be a number in (0, 1), got 0"));
  CHECK_THAT(error_of("gaussian_mixture", one("scale_narrow", "-0.1"), {"a"}),
             Contains("'scale_narrow' must be a number > 0, got -0.1"));
  CHECK_THAT(error_of("sir", one("t_end", "0"), {"beta", "gamma"}),
             Contains("'t_end' must be a number > 0, got 0"));
  ModelOptions nan;
  nan["sigma"] = OptionValue{".nan", std::numeric_limits<double>::quiet_NaN()};
  CHECK_THAT(error_of("gaussian_mean", nan, {"theta"}), Contains("got .nan"));
  ModelOptions inf;
  inf["sigma"] = OptionValue{"", std::numeric_limits<double>::infinity()};
  CHECK_THAT(error_of("gaussian_mean", inf, {"theta"}), Contains("got inf"));
}

TEST_CASE("registry: wrong parameters", "[models]") {
  CHECK(error_of("gaussian_mean", {}, {"a", "b"}) ==
        "model gaussian_mean needs exactly 1 parameter (the mean), got 2 ('a', 'b')");
  CHECK_THAT(error_of("gaussian_mean", {}, {}), Contains("got none"));
  CHECK_THAT(error_of("gaussian_linear", {}, {}), Contains("needs at least 1 parameter"));
  CHECK_THAT(error_of("gaussian_mixture", {}, {}), Contains("needs at least 1 parameter"));

  const std::string missing = error_of("sir", {}, {"beta"});
  CHECK_THAT(missing, Contains("'beta' (infection rate) and 'gamma' (recovery rate)"));
  CHECK_THAT(missing, Contains("missing 'gamma'"));
  CHECK_THAT(missing, Contains("got 1 ('beta')"));

  const std::string typo = error_of("sir", {}, {"beta", "gama"});
  CHECK_THAT(typo, Contains("missing 'gamma'"));
  CHECK_THAT(typo, Contains("unexpected 'gama'"));
  CHECK_THAT(typo, Contains("Did you mean 'gamma'?"));

  const std::string extra = error_of("sir", {}, {"beta", "gamma", "rho"});
  CHECK_THAT(extra, Contains("unexpected 'rho'"));
  CHECK_THAT(extra, !Contains("missing"));

  CHECK_THAT(error_of("sir", {}, {"beta", "beta"}), Contains("repeated 'beta'"));
  CHECK_THAT(error_of("sir", {}, {}), Contains("missing 'beta', 'gamma'"));
}

TEST_CASE("registry: errors carry no file or line", "[models]") {
  for (const auto& msg :
       {error_of("gausian_mean", {}, {"t"}), error_of("gaussian_mean", one("n", "x"), {"t"}),
        error_of("sir", {}, {"b"})}) {
    CHECK_THAT(msg, !Contains("line"));
    CHECK_THAT(msg, !Contains(".yaml"));
  }
}

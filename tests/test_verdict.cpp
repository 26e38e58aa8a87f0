// Verdicts that must not be fooled: outputs that agree only by being infinite or NaN, inputs
// that overflow on their way into the working dtype, and a correct convolution that is mostly
// zero. The numeric cases are .npy files in tests/data/verdict, written by
// scripts/make_verdict_fixtures.py (which says what each holds); here they go through the binary
// as a user would run them.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "conveq/check/verdict.hpp"
#include "conveq/io/tensor_files.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using nlohmann::json;

const fs::path kFixtures = fs::path(CONVEQ_SOURCE_DIR) / "tests" / "data" / "verdict";
const std::string kQuick = " --repeat 1 --warmup 0";

std::string q(const fs::path& path) {
  return "'" + path.string() + "'";
}

// The file options of a fixture: input and weight, and the bias when it has one.
std::string fixture_files(const std::string& name) {
  const fs::path dir = kFixtures / name;
  std::string options = "--input " + q(dir / "input.npy") + " --weight " + q(dir / "weight.npy");
  if (fs::exists(dir / "bias.npy")) options += " --bias " + q(dir / "bias.npy");
  return options;
}

struct VerdictCase {
  std::string name;
  std::string arguments;         // after "compare"
  int exit_status;               // 0 passed, 1 failed, 3 mistrusted
  std::string status;            // the verdict's
  std::string summary_fragment;  // in the verdict's summary
};

const std::vector<VerdictCase> kCases = {
    {"an infinite input with mixed-sign weights", fixture_files("inf_input"), 3, "mistrusted",
     "nothing finite was compared: 56 of 56 expected outputs are infinite or NaN"},
    {"an infinite bias", fixture_files("inf_bias"), 3, "mistrusted",
     "nothing finite was compared: 56 of 56 expected outputs are infinite or NaN"},
    {"float64 inputs of 1e39 run in float32", fixture_files("overflow_all") + " --dtype float32", 3,
     "mistrusted",
     "--input " + (kFixtures / "overflow_all" / "input.npy").string() +
         ": 32 of 32 values overflowed to infinity converting to float32"},
    {"one float64 input of 1e39 run in float32", fixture_files("overflow_one") + " --dtype float32",
     3, "mistrusted",
     "Mistrusted inputs, whatever the comparisons say: --input " +
         (kFixtures / "overflow_one" / "input.npy").string() +
         ": 1 of 32 values overflowed to infinity converting to float32."},
    {"the same file in float64", fixture_files("overflow_one"), 0, "passed", "All 10 comparisons"},
    // Without XNNPACK, whose output clamp turns NaN into -inf (test_xnnpack.cpp).
    {"all-NaN inputs with --equal-nan", fixture_files("all_nan") + " --equal-nan --backends onednn",
     3, "mistrusted", "nothing finite was compared: 56 of 56"},
    {"all-NaN inputs without --equal-nan", fixture_files("all_nan"), 1, "failed",
     "56 NaN mismatches"},
    {"a path that overflows where the reference is finite", fixture_files("path_overflow"), 1,
     "failed", "3 of 3 elements outside the tolerance (3 infinity mismatches)"},
    {"wide padding, no bias, from files", fixture_files("wide_padding") + " --padding 4", 0,
     "passed", "comparisons agree within their tolerance"},
    {"wide padding, no bias, seeded", "--in 4 --out 4 --length 8 --padding 6 --no-bias", 0,
     "passed", "comparisons agree within their tolerance"},
};

json run_report(const std::string& arguments, int expected_status) {
  const CliResult r = run_conveq("compare " + arguments + kQuick);
  INFO("conveq compare " << arguments << "\nstderr: " << r.err);
  REQUIRE(r.exit_status == expected_status);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("verdicts on non-finite, overflowing and mostly-zero data", "[verdict][cli]") {
  for (const VerdictCase& c : kCases) {
    DYNAMIC_SECTION(c.name) {
      const json report = run_report(c.arguments, c.exit_status);
      CHECK(report["verdict"]["status"] == c.status);
      CHECK_THAT(report["verdict"]["summary"].get<std::string>(), Contains(c.summary_fragment));
      if (c.status == "passed") {
        for (const auto& comparison : report["comparisons"])
          CHECK(comparison["status"] == "passed");
      }
    }
  }
}

TEST_CASE("every comparison of infinite outputs names its count", "[verdict][cli]") {
  const json report = run_report(fixture_files("inf_input"), 3);
  // One comparison per path against the reference at least (how many paths run depends on the
  // backends built), and every one of them is mistrusted with its count.
  const size_t paths = report["paths"].size() - 1;  // without the reference
  REQUIRE(paths >= 6);
  REQUIRE(report["comparisons"].size() >= paths);
  for (const auto& c : report["comparisons"]) {
    CHECK(c["status"] == "mistrusted");
    CHECK(c["nonfinite"]["agreements"] == 56);
    CHECK_THAT(c["reason"].get<std::string>(), Contains("56 of 56 expected outputs"));
  }
}

TEST_CASE("input overflow is counted per file and mistrusts comparisons that pass",
          "[verdict][cli][npy]") {
  const json report = run_report(fixture_files("overflow_one") + " --dtype float32", 3);
  const json& input = report["inputs"]["input"];
  CHECK(input["values_overflowed"] == 1);
  CHECK(input["values_flushed_to_zero"] == 1);
  CHECK(input["conversion"] ==
        "float64 -> float32 (rounded; 1 overflowed to infinity; 1 flushed to zero)");
  CHECK(report["inputs"]["weight"]["values_overflowed"] == 0);
  CHECK(report["inputs"]["weight"]["values_flushed_to_zero"] == 0);
  // 12 of 56 outputs are infinite: fewer than half, so every comparison passes on its own.
  for (const auto& c : report["comparisons"]) CHECK(c["status"] == "passed");
  CHECK(report["verdict"]["mistrusted"] == 0);
  CHECK(report["verdict"]["equivalent"] == true);
}

TEST_CASE("the text report counts non-finite outputs per path", "[verdict][cli][text]") {
  const CliResult r =
      run_conveq("compare " + fixture_files("inf_input") + kQuick + " --format text");
  INFO(r.out << r.err);
  CHECK(r.exit_status == 3);
  CHECK_THAT(r.out, Contains("non-finite outputs:\n"));
  CHECK_THAT(r.out, Contains("  conv1d/naive            28 +inf, 28 -inf\n"));
  CHECK_THAT(r.out, Contains("  reference               28 +inf, 28 -inf\n"));
  const CliResult nan =
      run_conveq("compare " + fixture_files("all_nan") + kQuick + " --format text");
  CHECK_THAT(nan.out, Contains("  conv2d/im2col           56 NaN\n"));
  // Nothing when every output is finite.
  const CliResult finite =
      run_conveq("compare --in 4 --out 4 --length 8" + kQuick + " --format text");
  CHECK(finite.exit_status == 0);
  CHECK_THAT(finite.out, !Contains("non-finite"));
}

TEST_CASE("the verdict of damaged inputs is at least mistrusted", "[verdict]") {
  conveq::ProblemOptions options;
  const conveq::Problem problem = conveq::make_problem(options);
  conveq::ComparisonResult passing;
  passing.a = "conv1d/naive";
  passing.b = "reference";
  passing.status = conveq::Status::passed;
  const std::vector<std::string> warnings = {"--input x.npy: 2 of 8 values overflowed",
                                             "--bias b.npy: 1 of 4 values overflowed"};
  SECTION("passing comparisons: mistrusted, and the summary names every warning") {
    const auto v = conveq::decide(problem, {passing}, true, true, warnings);
    CHECK(v.status == conveq::Status::mistrusted);
    CHECK(v.passed == 1);
    CHECK(v.equivalent());
    CHECK_THAT(v.summary, Contains("--input x.npy: 2 of 8 values overflowed; --bias b.npy: 1 of "
                                   "4 values overflowed."));
    CHECK(conveq::exit_status(v) == 3);
  }
  SECTION("a failure stays a failure") {
    conveq::ComparisonResult failing = passing;
    failing.status = conveq::Status::failed;
    const auto v = conveq::decide(problem, {failing}, true, true, warnings);
    CHECK(v.status == conveq::Status::failed);
  }
  SECTION("without warnings nothing changes") {
    CHECK(conveq::decide(problem, {passing}, true, true).status == conveq::Status::passed);
  }
}

TEST_CASE("conversion into the working dtype counts overflow and flush to zero", "[verdict][npy]") {
  conveq::TensorFileOptions files;
  files.input = (kFixtures / "overflow_one" / "input.npy").string();
  files.weight = (kFixtures / "overflow_one" / "weight.npy").string();
  conveq::ProblemOptions options;
  options.dtype = "float32";
  auto [problem, loaded] = conveq::load_tensor_files(files, options, {"--dtype"});
  CHECK(loaded.input->values_overflowed == 1);
  CHECK(loaded.input->values_flushed_to_zero == 1);
  CHECK(loaded.weight->values_overflowed == 0);
  options.dtype = "float64";  // float64 holds both: no conversion at all
  auto [same_problem, same] = conveq::load_tensor_files(files, options, {"--dtype"});
  CHECK(same.input->values_overflowed == 0);
  CHECK(same.input->values_flushed_to_zero == 0);
  CHECK(same.input->conversion.empty());
}

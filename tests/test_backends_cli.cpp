// --backends on compare and run, and `conveq paths`: which libraries' paths run, what a run
// without any says, and the one-line errors for names that do not exist.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/report/text_report.hpp"

namespace {

const std::string kSmall = "compare --in 4 --out 4 --length 8 --repeat 1 --warmup 0 ";

std::vector<std::string> ran_algorithms(const nlohmann::json& report) {
  std::vector<std::string> algorithms;
  for (const auto& p : report["paths"]) algorithms.push_back(p["algorithm"]);
  return algorithms;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("with --backends none only conveq's own paths run", "[cli][backends]") {
  const CliResult r = run_conveq(kSmall + "--backends none");
  INFO(r.err);
  REQUIRE(r.exit_status == 0);
  const auto report = nlohmann::json::parse(r.out);
  for (const auto& algorithm : ran_algorithms(report)) {
    CHECK((algorithm == "naive" || algorithm == "im2col" || algorithm == "gemm" ||
           algorithm.starts_with("direct_")));
  }
  CHECK(report["run"]["backends_selected"] == std::vector<std::string>{"none"});
  CHECK(report["repro"].get<std::string>().find(" --backends none") != std::string::npos);
}

TEST_CASE("compare --backends names the libraries that run, the others are skipped saying so",
          "[cli][backends]") {
  const CliResult r = run_conveq(kSmall + "--backends xnnpack");
  REQUIRE(r.exit_status == 0);
  const auto report = nlohmann::json::parse(r.out);
  const auto algorithms = ran_algorithms(report);
  CHECK_FALSE(contains(algorithms, "onednn"));
  CHECK(contains(algorithms, "naive"));
  CHECK(contains(algorithms, "xnnpack") == conveq::find_backend("xnnpack")->not_built.empty());
  bool onednn_skipped = false;
  for (const auto& s : report["skipped_paths"]) {
    if (s["name"] == "conv1d/onednn") {
      onednn_skipped = s["reason"] == "not selected by --backends xnnpack";
    }
  }
  CHECK(onednn_skipped);
  // Without --backends the field is null: every library built, LibTorch only when named.
  CHECK(nlohmann::json::parse(run_conveq(kSmall).out)["run"]["backends_selected"].is_null());
}

TEST_CASE("an unknown or malformed --backends is one line and exit 2", "[cli][backends]") {
  const CliResult unknown = run_conveq(kSmall + "--backends onednn,cudnn");
  CHECK(unknown.exit_status == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err ==
        "conveq: --backends cudnn: unknown backend; known backends: none, onednn, xnnpack, "
        "torch\n");
  const CliResult mixed = run_conveq(kSmall + "--backends none,onednn");
  CHECK(mixed.exit_status == 2);
  CHECK(mixed.err ==
        "conveq: --backends none,onednn: give libraries, or none alone for conveq's own paths "
        "only\n");
  CHECK(run_conveq(kSmall + "--backends ,").err ==
        "conveq: --backends ,: names no backend; give a comma-separated list\n");
}

TEST_CASE("a suite line takes --backends too", "[cli][backends]") {
  const auto dir = fresh_directory("backends_suite");
  const std::string suite = (dir / "s.suite").string();
  {
    std::ofstream out(suite);
    out << "own: --in 4 --out 4 --length 8 --repeat 1 --warmup 0 --backends none\n";
    out << "bad: --in 4 --out 4 --length 8 --backends tpu\n";
  }
  const CliResult r = run_conveq("run " + suite);
  CHECK(r.exit_status == 2);
  CHECK(r.err.find("s.suite:2: --backends tpu: unknown backend") != std::string::npos);
}

TEST_CASE("conveq paths lists every path with its library, build and default", "[cli][backends]") {
  const CliResult r = run_conveq("paths");
  REQUIRE(r.exit_status == 0);
  for (const auto& name : conveq::all_path_names()) {
    INFO(name);
    CHECK(r.out.find("\n" + name + " ") != std::string::npos);
  }
  for (const auto& backend : conveq::known_backends()) {
    INFO(backend.name);
    CHECK(r.out.find(backend.library) != std::string::npos);
    if (!backend.not_built.empty()) CHECK(r.out.find(backend.not_built) != std::string::npos);
    if (!backend.opt_in.empty()) CHECK(r.out.find(backend.opt_in) != std::string::npos);
  }
  CHECK(r.out.find("conv1d/naive             conveq     float32, float64, float16, bfloat16   yes"
                   "        by default") != std::string::npos);
}

TEST_CASE("the text view groups the paths by library and says which formulations agree",
          "[cli][backends][text]") {
  const CliResult r = run_conveq(
      "compare --in 8 --out 8 --length 64 --repeat 1 --warmup 0 --paths "
      "conv1d/naive,conv2d/naive,conv1d/im2col,conv2d_col/im2col,linear/gemm");
  REQUIRE(r.exit_status == 0);
  nlohmann::json report = nlohmann::json::parse(r.out);
  // Outcomes set by hand, so that the text does not depend on this BLAS's rounding.
  for (auto& c : report["comparisons"]) {
    if (c["a"] == "conv1d/im2col" && c["b"] == "conv2d_col/im2col") c["max_abs_error"] = 0.0;
    if (c["a"] == "linear/gemm" && c["b"] == "conv1d/im2col") c["max_abs_error"] = 2.5e-7;
    if (c["a"] == "conv1d/naive" && c["b"] == "conv2d/naive") {
      c["max_abs_error"] = 0.0;
      c["status"] = "failed";
    }
  }
  const std::string text = conveq::format_text(report);
  INFO(text);
  CHECK(text.find("\nconveq's own\n  conv1d/naive ") != std::string::npos);
  CHECK(text.find("\n  naive vs conv1d/naive: conv2d DIFFER (failed); fastest ") !=
        std::string::npos);
  CHECK(text.find("\n  im2col vs conv1d/im2col: conv2d_col bit-identical; linear within rounding "
                  "(up to 2.5e-07); fastest ") != std::string::npos);
  CHECK(text.find("\nskipped\n") != std::string::npos);
  if (conveq::find_backend("xnnpack")->not_built.empty()) {
    const CliResult xnnpack = run_conveq(kSmall +
                                         "--backends xnnpack --paths conv2d/xnnpack,linear/xnnpack "
                                         "--format text");
    INFO(xnnpack.out);
    CHECK(xnnpack.out.find("\nXNNPACK ") != std::string::npos);
    CHECK(xnnpack.out.find("\n  xnnpack vs conv2d/xnnpack: linear ") != std::string::npos);
  }
}

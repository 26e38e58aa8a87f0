// The command line as users meet it: exit statuses, one-line errors that name the value and
// the rule, reports that are written whole or not at all.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "conveq/paths/registry.hpp"

namespace {

// Exit 2, nothing on stdout, exactly one line on stderr: "conveq: " and every fragment.
void expect_bad_input(const std::string& arguments, const std::vector<std::string>& fragments) {
  const CliResult r = run_conveq("compare " + arguments);
  INFO("conveq compare " << arguments << "\nstderr: " << r.err);
  CHECK(r.exit_status == 2);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, Catch::StartsWith("conveq: "));
  for (const auto& fragment : fragments) CHECK_THAT(r.err, Catch::Contains(fragment));
}

}  // namespace

// Each rule has its own test at the library level (test_problem.cpp for make_problem, and
// test_session.cpp for the session's checks); through the binary, a few per class show that the
// message reaches the user whole: exit 2, "conveq: " and the library's one line. The run options
// parsed by the CLI itself (--repeat, --atol, --rtol, --format, unknown options) are tested here.
TEST_CASE("bad options exit 2 with one line naming the value and the rule", "[cli]") {
  struct Case {
    std::string arguments;
    std::vector<std::string> fragments;
  };
  const std::vector<Case> cases = {
      // make_problem's messages, passed on as they are.
      {"--in 0", {"conveq: --in 0: must be a positive integer\n"}},
      {"--kernel 3 --stride 2 --padding same",
       {"conveq: --padding same with --stride 2: padding 'same' needs stride 1 (as in PyTorch)\n"}},
      // Parsed by the CLI.
      {"--repeat 0", {"--repeat 0", "positive integer"}},
      {"--atol -1", {"--atol -1", ">= 0"}},
      {"--rtol nan", {"--rtol nan", ">= 0"}},
      {"--format xml", {"--format xml", "json or text"}},
      {"--bogus", {"--bogus"}},
      // Checked by the session and the report writer before anything runs.
      {"--paths conv3d/naive", {"--paths conv3d/naive", "known paths"}},
      {"--report /nonexistent/dir/r.json", {"/nonexistent/dir", "does not exist"}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION("conveq compare " << c.arguments) {
      expect_bad_input(c.arguments, c.fragments);
    }
  }
}

TEST_CASE("a problem too large for memory is refused before allocating", "[cli]") {
  expect_bad_input("--in 100000 --out 100000 --length 100000000", {"GiB", "available"});
}

TEST_CASE("the main job passes and its report is complete", "[cli]") {
  const auto dir = fresh_directory("cli_main");
  const std::string report = (dir / "report.json").string();
  const CliResult r = run_conveq("compare --in 64 --out 128 --repeat 2 --report " + report);
  INFO(r.err);
  CHECK(r.exit_status == 0);
  CHECK(r.out.empty());
  const auto j = nlohmann::json::parse(read_text(report));
  CHECK(j["verdict"]["equivalent"] == true);
  CHECK(j["verdict"]["status"] == "passed");
  CHECK(j["problem"]["in_channels"] == 64);
  CHECK(j["problem"]["out_channels"] == 128);
  CHECK(j["problem"]["length"] == 4096);
  // conveq's 9 paths and the reference, the 5 oneDNN paths when this build has oneDNN (the 5
  // in plain layouts run only when named) and XNNPACK's conv2d and conv2d_col when it has
  // XNNPACK (its conv2d_hw and linear, and the 4 LibTorch paths, run only when named).
  const size_t libraries = (conveq::onednn_built() ? 5u : 0u) +
                           (conveq::find_backend("xnnpack")->not_built.empty() ? 2u : 0u);
  CHECK(j["paths"].size() == 10u + libraries);
  CHECK(j["paths"].size() + j["skipped_paths"].size() == 28u);
  for (const auto& c : j["comparisons"]) {
    CHECK(c["passed"] == true);
    CHECK(c["bound_utilisation"].get<double>() <= 1.0);
  }
  // No temporary file is left beside the report.
  CHECK(std::distance(std::filesystem::directory_iterator(dir),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("the repro command reproduces the problem", "[cli]") {
  const CliResult first = run_conveq(
      "compare --in 5 --out 7 --length 19 --kernel 3 --seed 11 "
      "--repeat 1 --warmup 0");
  REQUIRE(first.exit_status == 0);
  const auto a = nlohmann::json::parse(first.out);
  const std::string repro = a["repro"];
  REQUIRE(repro.rfind("conveq compare ", 0) == 0);
  const CliResult second = run_conveq(repro.substr(std::string("conveq ").size()));
  REQUIRE(second.exit_status == 0);
  const auto b = nlohmann::json::parse(second.out);
  CHECK(a["problem"] == b["problem"]);
  CHECK(a["repro"] == b["repro"]);
  // Same seed, same data: the errors are identical, run after run.
  for (size_t i = 0; i < a["comparisons"].size(); ++i) {
    CHECK(a["comparisons"][i]["max_abs_error"] == b["comparisons"][i]["max_abs_error"]);
  }
}

TEST_CASE("a failing comparison exits 1, and --format text prints a table", "[cli]") {
  // Zero tolerance on rounding-level differences: the GEMM and naive sums differ.
  const CliResult fail = run_conveq(
      "compare --in 64 --out 32 --length 256 --atol 0 --rtol 0 "
      "--repeat 1 --warmup 0");
  CHECK(fail.exit_status == 1);
  CHECK(nlohmann::json::parse(fail.out)["verdict"]["status"] == "failed");
  const CliResult text = run_conveq("compare --in 8 --out 4 --length 16 --format text --repeat 1");
  CHECK(text.exit_status == 0);
  CHECK(text.out.find("conv1d/im2col vs reference") != std::string::npos);
  CHECK(text.out.find("verdict: passed") != std::string::npos);
}

TEST_CASE("a check too weak to mean anything exits 3 (mistrusted)", "[cli]") {
  // atol 10 on outputs of magnitude ~1: the tolerance exceeds the output itself.
  const CliResult r =
      run_conveq("compare --in 16 --out 8 --length 64 --atol 10 --repeat 1 --warmup 0");
  CHECK(r.exit_status == 3);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"]["status"] == "mistrusted");
  CHECK(j["verdict"]["equivalent"] == true);
  CHECK(j["comparisons"][0]["reason"].get<std::string>().find("looser") != std::string::npos);
}

TEST_CASE("a run that compares nothing is mistrusted, never passed", "[cli]") {
  const CliResult r = run_conveq("compare --in 4 --out 4 --length 8 --paths reference --repeat 1");
  CHECK(r.exit_status == 3);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["comparisons"].empty());
  CHECK(j["verdict"]["status"] == "mistrusted");
  CHECK(j["verdict"]["summary"].get<std::string>().find("Nothing was compared") !=
        std::string::npos);
}

TEST_CASE("an unknown subcommand is named in the error", "[cli]") {
  const CliResult r = run_conveq("comapre --in 4");
  CHECK(r.exit_status == 2);
  CHECK(r.err ==
        "conveq comapre: unknown subcommand; use compare, run, check, show, model, merge "
        "or paths\n");
}

TEST_CASE("reports go through symbolic links and to /dev/stdout without replacing them", "[cli]") {
  const auto dir = fresh_directory("cli_links");
  const auto link = dir / "latest.json";
  std::filesystem::create_symlink("target.json", link);  // the target does not exist yet
  const CliResult r =
      run_conveq("compare --in 4 --out 4 --length 8 --repeat 1 --report " + link.string());
  REQUIRE(r.exit_status == 0);
  CHECK(std::filesystem::is_symlink(link));
  CHECK(nlohmann::json::parse(read_text((dir / "target.json").string()))["schema_version"] == 1);
  // /dev/stdout is written through the descriptor: the report lands in the captured stdout.
  const CliResult s =
      run_conveq("compare --in 4 --out 4 --length 8 --repeat 1 --report /dev/stdout");
  REQUIRE(s.exit_status == 0);
  CHECK(nlohmann::json::parse(s.out)["verdict"]["status"] == "passed");
}

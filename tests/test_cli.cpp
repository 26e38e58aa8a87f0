// The command line as users meet it: exit statuses, one-line errors that name the value and
// the rule, reports that are written whole or not at all.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace {

// Exit 2, nothing on stdout, exactly one line on stderr containing every fragment.
void expect_bad_input(const std::string& arguments, std::initializer_list<std::string> fragments) {
  const CliResult r = run_conveq("compare " + arguments);
  INFO("conveq compare " << arguments << "\nstderr: " << r.err);
  CHECK(r.exit_status == 2);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  for (const auto& fragment : fragments) CHECK(r.err.find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("bad options exit 2 with one line naming the value and the rule", "[cli]") {
  expect_bad_input("--in 0", {"--in 0", "positive integer"});
  expect_bad_input("--length -3", {"--length -3", "positive integer"});
  expect_bad_input("--in abc", {"--in abc", "positive integer"});
  expect_bad_input("--out 2.5", {"--out 2.5", "integer"});
  expect_bad_input("--length 16 --height 3 --width 5", {"H*W = 15", "--length 16"});
  expect_bad_input("--height 4", {"--height 4", "give both"});
  expect_bad_input("--in 4 --groups 3", {"--groups 3", "divisible"});
  expect_bad_input("--in 4 --out 6 --groups 4", {"--groups 4", "output channels (6)"});
  expect_bad_input("--kernel 3 --stride 2 --padding same", {"--stride 2", "stride 1"});
  expect_bad_input("--kernel 5 --dilation 3 --length 8", {"--kernel 5", "spans 13", "fit"});
  expect_bad_input("--kernel 0", {"--kernel 0", "positive integer"});
  expect_bad_input("--padding -1", {"--padding -1", "non-negative integer"});
  expect_bad_input("--kernel 3,3", {"--kernel 3,3", "one value"});
  expect_bad_input("--height 5 --width 5 --kernel 3,3,3", {"--kernel 3,3,3", "pair"});
  expect_bad_input("--dtype float16", {"--dtype float16", "float32 or float64"});
  expect_bad_input("--fill gaussian", {"--fill gaussian", "normal, uniform or exact"});
  expect_bad_input("--paths conv3d/naive", {"--paths conv3d/naive", "known paths"});
  expect_bad_input("--repeat 0", {"--repeat 0", "positive integer"});
  expect_bad_input("--atol -1", {"--atol -1", ">= 0"});
  expect_bad_input("--rtol nan", {"--rtol nan", ">= 0"});
  expect_bad_input("--format xml", {"--format xml", "json or text"});
  expect_bad_input("--bogus", {"--bogus"});
  expect_bad_input("--in 99999999999999999999", {"--in 99999999999999999999"});
  expect_bad_input("--report /nonexistent/dir/r.json", {"/nonexistent/dir", "does not exist"});
}

TEST_CASE("a problem too large for memory is refused before allocating", "[cli]") {
  expect_bad_input("--in 100000 --out 100000 --length 100000000", {"GiB", "available"});
  expect_bad_input("--batch 2147483648 --in 2147483648 --length 2147483648", {"GiB"});
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
  CHECK(j["paths"].size() == 8);
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
  CHECK(r.err == "conveq comapre: unknown subcommand; use compare, run, check or show\n");
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

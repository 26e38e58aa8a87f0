// What people see: the text view on a terminal (a pseudo-terminal made by script(1)), the
// progress line, --help's value types, the nearest option for a typo, and the HTML pages of
// show, compare and run.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "conveq/core/shell_word.hpp"

namespace {

const std::string kSource = CONVEQ_SOURCE_DIR;
const std::string kSmall = "--in 4 --out 3 --length 20 --kernel 3 --repeat 1 --warmup 0";

// Runs conveq with standard input, output and error on a new pseudo-terminal (script(1), from
// util-linux, which Debian always has); returns what the terminal showed.
CliResult run_on_terminal(const std::string& arguments) {
  const auto dir = fresh_directory("terminal");
  const std::string typescript = (dir / "typescript").string();
  const std::string command = std::string(CONVEQ_BINARY) + " " + arguments;
  const CliResult r = run_conveq_command("script -qec " + conveq::shell_word(command) + " " +
                                         conveq::shell_word(typescript) + " </dev/null");
  CliResult shown = r;
  shown.out = read_text(typescript);
  return shown;
}

bool is_json_report(const std::string& text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  return !parsed.is_discarded() && parsed.contains("comparisons");
}

}  // namespace

TEST_CASE("compare on a terminal prints the text view, pipes and --format json keep JSON",
          "[cli][terminal]") {
  const auto dir = fresh_directory("terminal_compare");
  const std::string report = (dir / "r.json").string();
  const CliResult shown = run_on_terminal("compare " + kSmall + " --report " + report);
  INFO(shown.out << shown.err);
  CHECK(shown.exit_status == 0);
  CHECK(shown.out.find("verdict: passed") != std::string::npos);
  CHECK(shown.out.find("\"schema_version\"") == std::string::npos);
  CHECK(is_json_report(read_text(report)));  // --report still gets the JSON

  const CliResult forced = run_on_terminal("compare " + kSmall + " --format json");
  CHECK(forced.out.find("\"schema_version\"") != std::string::npos);
  CHECK(forced.out.find("verdict: passed") == std::string::npos);

  const CliResult piped = run_conveq("compare " + kSmall);
  CHECK(is_json_report(piped.out));
}

TEST_CASE("run shows progress on a terminal's stderr and nothing elsewhere", "[cli][terminal]") {
  const std::string suite = kSource + "/tests/data/suites/failing";
  const CliResult shown = run_on_terminal("run " + suite);
  INFO(shown.out);
  // Erase-line sequences and the counter of the last problem before it finished.
  CHECK(shown.out.find("\x1b[K[0/3 0%] passes") != std::string::npos);
  CHECK(shown.out.find("[2/3 66%] also_passes") != std::string::npos);
  CHECK(shown.out.find("left") != std::string::npos);
  const CliResult piped = run_conveq("run " + suite);
  CHECK(piped.err.find("\x1b[K") == std::string::npos);
  CHECK(piped.out.find("\x1b[K") == std::string::npos);
  CHECK(piped.out.find("2 passed, 1 failed") != std::string::npos);
}

TEST_CASE("--help names integer options INT", "[cli]") {
  const CliResult compare = run_conveq("compare --help");
  CHECK(compare.exit_status == 0);
  for (const char* option : {"--in INT", "--length INT", "--repeat INT", "--threads INT",
                             "--kernel INT[,INT]", "--atol FLOAT"}) {
    INFO(option);
    CHECK(compare.out.find(option) != std::string::npos);
  }
  CHECK(compare.out.find("--in TEXT") == std::string::npos);
  CHECK(run_conveq("run --help").out.find("--repeat INT") != std::string::npos);
  CHECK(run_conveq("check --help").out.find("--max-slowdown FLOAT") != std::string::npos);
}

TEST_CASE("an unknown option names the nearest one, for every subcommand", "[cli]") {
  struct Case {
    std::string arguments, message;
  };
  const std::vector<Case> cases = {
      {"compare --lenght 9",
       "conveq: --lenght: unknown option of conveq compare; did you mean --length?\n"},
      {"compare --in 4 --chek-determinism", "did you mean --check-determinism?"},
      {"compare --lenght=9", "--lenght: unknown option of conveq compare; did you mean --length?"},
      {"run suite --filtre x", "did you mean --filter?"},
      {"check a.json --baseline b.json --max-slowdwn 2", "did you mean --max-slowdown?"},
      {"show r.json --detials", "did you mean --details?"},
      {"compare --zzzzzzzz",
       "--zzzzzzzz: unknown option of conveq compare; see conveq compare --help"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.arguments) {
      const CliResult r = run_conveq(c.arguments);
      CHECK(r.exit_status == 2);
      CHECK(r.err.find(c.message) != std::string::npos);
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
      CHECK(r.out.empty());
    }
  }
}

TEST_CASE("show --format html, compare --html and run --html write one page each", "[cli][html]") {
  const auto dir = fresh_directory("html_cli");
  const std::string report = (dir / "r.json").string(), page = (dir / "r.html").string();
  const CliResult compare =
      run_conveq("compare " + kSmall + " --report " + report + " --html " + page);
  INFO(compare.err);
  REQUIRE(compare.exit_status == 0);
  const std::string from_compare = read_text(page);
  CHECK(from_compare.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(from_compare.find("id=\"verdict\"") != std::string::npos);

  const std::string shown = (dir / "shown.html").string();
  const CliResult show = run_conveq("show " + report + " --format html -o " + shown);
  CHECK(show.exit_status == 0);
  CHECK(show.out.empty());
  CHECK(read_text(shown).find("id=\"comparisons\"") != std::string::npos);
  CHECK(run_conveq("show " + report + " --format html").out.find("id=\"paths\"") !=
        std::string::npos);

  const std::string suite_page = (dir / "suite.html").string();
  const CliResult run =
      run_conveq("run " + kSource + "/tests/data/suites/failing --html " + suite_page);
  CHECK(run.exit_status == 1);
  const std::string suite = read_text(suite_page);
  CHECK(suite.find("class=\"verdict failed\"") != std::string::npos);
  CHECK(suite.find("zero_tolerance") != std::string::npos);
}

TEST_CASE("the HTML page names a 16-bit problem's accumulation", "[cli][html]") {
  const auto dir = fresh_directory("html_half");
  const std::string page = (dir / "r.html").string();
  const CliResult r =
      run_conveq("compare " + kSmall + " --dtype bfloat16 --accumulate same --html " + page);
  INFO(r.err);
  REQUIRE(r.exit_status == 0);
  CHECK(read_text(page).find("bfloat16 (bfloat16 sums)") != std::string::npos);
}

TEST_CASE("show --format html reads a --compact suite report", "[cli][html]") {
  const auto dir = fresh_directory("html_compact");
  const std::string report = (dir / "r.jsonl").string(), page = (dir / "r.html").string();
  const CliResult run =
      run_conveq("run " + kSource + "/tests/data/suites/failing --compact --report " + report);
  REQUIRE(run.exit_status == 1);
  const CliResult show = run_conveq("show " + report + " --format html -o " + page);
  INFO(show.err);
  REQUIRE(show.exit_status == 0);
  const std::string html = read_text(page);
  // The passing problem kept no detail; the failing one kept its whole report.
  CHECK(html.find("compact: passed; per-element detail left out.") != std::string::npos);
  CHECK(html.find("zero_tolerance") != std::string::npos);
  CHECK(html.find("id=\"speed\"") != std::string::npos);
}

TEST_CASE("an HTML output is checked before any work and never replaces an input", "[cli][html]") {
  const auto dir = fresh_directory("html_refused");
  const std::string report = (dir / "r.json").string();
  REQUIRE(run_conveq("compare " + kSmall + " --report " + report).exit_status == 0);
  const std::string before = read_text(report);
  const CliResult same = run_conveq("show " + report + " --format html -o " + report);
  CHECK(same.exit_status == 2);
  CHECK(same.err.find("never replaces an input") != std::string::npos);
  CHECK(read_text(report) == before);
  const CliResult nowhere = run_conveq("compare " + kSmall + " --html /nonexistent/dir/p.html");
  CHECK(nowhere.exit_status == 2);
  CHECK(nowhere.out.empty());
  const CliResult format = run_conveq("show " + report + " --format pdf");
  CHECK(format.exit_status == 2);
  CHECK(format.err.find("--format pdf: must be text, html or junit") != std::string::npos);
}

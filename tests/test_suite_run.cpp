// Running a suite in-process: every problem's report is kept, and a problem that throws stays
// in the report with its error while the others still run.
#include "conveq/report/suite_text.hpp"
#include "conveq/suite/suite_run.hpp"

#include <catch2/catch.hpp>

#include "conv_tester.hpp"
#include "conveq/core/error.hpp"

namespace {

conveq::SuiteProblem small_problem(const std::string& name, int line) {
  conveq::RunOptions run;
  run.threads = 1;
  run.warmup = 0;
  run.repeat = 1;
  return {{line, name, "--in 6 --out 4 --length 30"},
          ConvTester().in(6).out(4).length(30).problem(),
          run};
}

}  // namespace

TEST_CASE("a problem that throws stays in the suite report with its error", "[suite]") {
  auto broken = small_problem("broken", 2);
  broken.run.paths = {"no_such_path"};  // run_compare refuses it: an error mid-suite
  std::vector<std::string> seen;
  conveq::SuiteRunInfo info;
  info.file = "in-memory";
  info.problems_in_file = 3;
  const auto result =
      conveq::run_suite({small_problem("first", 1), broken, small_problem("last", 3)}, info,
                        [&seen](const nlohmann::json& entry) { seen.push_back(entry["name"]); });

  CHECK(seen == std::vector<std::string>{"first", "broken", "last"});
  const auto& problems = result.report["problems"];
  REQUIRE(problems.size() == 3);
  CHECK(problems[0]["status"] == "passed");
  CHECK(problems[0].contains("report"));
  CHECK(problems[1]["status"] == "error");
  CHECK(!problems[1].contains("report"));
  CHECK(problems[1]["error"].get<std::string>().find("no_such_path") != std::string::npos);
  CHECK(problems[1]["line"] == 2);
  CHECK(problems[2]["status"] == "passed");

  const auto& summary = result.report["summary"];
  CHECK(summary["passed"] == 2);
  CHECK(summary["failed"] == 1);
  CHECK(summary["errors"] == 1);
  CHECK(result.exit_status == conveq::kExitFailed);
  CHECK(conveq::format_summary_line(summary) == "2 passed, 1 failed, 0 mistrusted");
  CHECK(conveq::format_problem_line(problems[1]).find("ERROR") == 0);
}

TEST_CASE("the largest bound utilisation is the maximum over comparisons", "[suite]") {
  const auto report =
      conveq::run_compare(small_problem("p", 1).problem, small_problem("p", 1).run).report;
  double largest = 0;
  for (const auto& c : report["comparisons"]) {
    largest = std::max(largest, c["bound_utilisation"].get<double>());
  }
  CHECK(conveq::largest_bound_utilisation(report) == largest);
  CHECK(largest > 0);  // normal fill: some rounding difference somewhere
}

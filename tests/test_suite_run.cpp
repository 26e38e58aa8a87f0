// Running a suite in-process through run_suite itself: every problem's report is kept, a
// problem that throws stays in the report with its error while the others still run, the
// `done` callback sees each entry as the report holds it, and the exit status ranks failed
// over mistrusted over passed.
#include "conveq/suite/suite_run.hpp"

#include <catch2/catch.hpp>

#include "conv_tester.hpp"
#include "conveq/core/error.hpp"
#include "conveq/report/suite_text.hpp"

namespace {

using conveq::SuiteProblem;

conveq::RunOptions quick_run() {
  conveq::RunOptions run;
  run.threads = 1;
  run.warmup = 0;
  run.repeat = 1;
  return run;
}

SuiteProblem passing(const std::string& name, int line) {
  return {{line, name, "--in 6 --out 4 --length 30"},
          ConvTester().in(6).out(4).length(30).problem(),
          quick_run()};
}

// Zero tolerance against the rounding differences every normal-fill reduction has.
SuiteProblem failing(const std::string& name, int line) {
  SuiteProblem p{{line, name, "--in 64 --out 16 --length 50 --kernel 3 --atol 0 --rtol 0"},
                 ConvTester().in(64).out(16).length(50).kernel("3").problem(),
                 quick_run()};
  p.run.atol = 0.0;
  p.run.rtol = 0.0;
  return p;
}

// A tolerance looser than the output itself: nothing fails, but the check proves nothing.
SuiteProblem mistrusted(const std::string& name, int line) {
  SuiteProblem p = passing(name, line);
  p.line.options += " --atol 100";
  p.run.atol = 100.0;
  return p;
}

// run_compare refuses an unknown path: an error mid-suite.
SuiteProblem throwing(const std::string& name, int line) {
  SuiteProblem p = passing(name, line);
  p.line.options += " --paths no_such_path";
  p.run.paths = {"no_such_path"};
  return p;
}

struct SuiteOutcome {
  conveq::SessionResult result;
  std::vector<nlohmann::json> done_entries;  // what the callback saw, in call order
};

SuiteOutcome run_suite(const std::vector<SuiteProblem>& problems) {
  SuiteOutcome outcome;
  conveq::SuiteRunInfo info;
  info.file = "in-memory";
  info.problems_in_file = problems.size();
  outcome.result = conveq::run_suite(problems, info, [&outcome](const nlohmann::json& entry) {
    outcome.done_entries.push_back(entry);
  });
  return outcome;
}

std::vector<std::string> statuses(const nlohmann::json& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry.at("status"));
  return out;
}

// The callback is called once per problem, after it ran, with the entry the report keeps.
void check_done_entries(const SuiteOutcome& outcome) {
  const auto& problems = outcome.result.report["problems"];
  REQUIRE(outcome.done_entries.size() == problems.size());
  for (size_t i = 0; i < problems.size(); ++i) {
    INFO("entry " << i);
    CHECK(outcome.done_entries[i] == problems[i]);
  }
}

}  // namespace

TEST_CASE("a problem that throws stays in the suite report with its error", "[suite]") {
  const SuiteOutcome outcome =
      run_suite({passing("first", 1), throwing("broken", 2), passing("last", 3)});
  const auto& problems = outcome.result.report["problems"];

  REQUIRE(problems.size() == 3);
  CHECK(statuses(problems) == std::vector<std::string>{"passed", "error", "passed"});
  check_done_entries(outcome);
  for (const auto& entry : problems) {
    CHECK(!entry["repro"].get<std::string>().empty());
    CHECK(entry["seconds"].get<double>() >= 0);
  }
  CHECK(problems[0]["name"] == "first");
  CHECK(problems[0]["report"]["verdict"]["status"] == "passed");
  CHECK(problems[1]["name"] == "broken");
  CHECK(problems[1]["line"] == 2);
  CHECK(problems[1]["options"] == "--in 6 --out 4 --length 30 --paths no_such_path");
  CHECK(!problems[1].contains("report"));
  CHECK(problems[1]["error"].get<std::string>().find("no_such_path") != std::string::npos);
  CHECK(problems[2]["name"] == "last");  // the run went on after the error
  CHECK(problems[2]["report"]["verdict"]["status"] == "passed");

  const auto& summary = outcome.result.report["summary"];
  CHECK(summary["problems"] == 3);
  CHECK(summary["passed"] == 2);
  CHECK(summary["failed"] == 1);
  CHECK(summary["mistrusted"] == 0);
  CHECK(summary["errors"] == 1);
  CHECK(outcome.result.exit_status == conveq::kExitFailed);
  CHECK(conveq::format_summary_line(summary) == "2 passed, 1 failed, 0 mistrusted");
  CHECK(conveq::format_problem_line(problems[1]).find("ERROR") == 0);
}

TEST_CASE("the suite's exit status: failed over mistrusted over passed", "[suite]") {
  struct Case {
    const char* name;
    std::vector<SuiteProblem> problems;
    std::vector<std::string> statuses;
    int exit_status;
    int passed, failed, mistrusted, errors;
  };
  const std::vector<Case> cases = {
      {"empty suite", {}, {}, conveq::kExitPassed, 0, 0, 0, 0},
      {"all pass",
       {passing("a", 1), passing("b", 2)},
       {"passed", "passed"},
       conveq::kExitPassed,
       2,
       0,
       0,
       0},
      {"one mistrusted",
       {passing("a", 1), mistrusted("b", 2)},
       {"passed", "mistrusted"},
       conveq::kExitMistrusted,
       1,
       0,
       1,
       0},
      {"one failed beside a mistrusted",
       {mistrusted("a", 1), failing("b", 2), passing("c", 3)},
       {"mistrusted", "failed", "passed"},
       conveq::kExitFailed,
       1,
       1,
       1,
       0},
      {"one error beside a mistrusted",
       {mistrusted("a", 1), throwing("b", 2)},
       {"mistrusted", "error"},
       conveq::kExitFailed,
       0,
       1,
       1,
       1},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const SuiteOutcome outcome = run_suite(c.problems);
    const auto& report = outcome.result.report;
    CHECK(statuses(report["problems"]) == c.statuses);
    check_done_entries(outcome);
    CHECK(outcome.result.exit_status == c.exit_status);
    CHECK(report["summary"]["problems"] == c.problems.size());
    CHECK(report["summary"]["passed"] == c.passed);
    CHECK(report["summary"]["failed"] == c.failed);
    CHECK(report["summary"]["mistrusted"] == c.mistrusted);
    CHECK(report["summary"]["errors"] == c.errors);
    CHECK(report["suite"]["problems_selected"] == c.problems.size());
  }
}

TEST_CASE("the largest bound utilisation is the maximum over comparisons", "[suite]") {
  const auto report = conveq::run_compare(passing("p", 1).problem, passing("p", 1).run).report;
  double largest = 0;
  for (const auto& c : report["comparisons"]) {
    largest = std::max(largest, c["bound_utilisation"].get<double>());
  }
  CHECK(conveq::largest_bound_utilisation(report) == largest);
  CHECK(largest > 0);  // normal fill: some rounding difference somewhere
}

// `conveq check`'s logic on real reports: identical reports pass, injected slowdowns and error
// growth are caught, rounding-level changes from zero are not, incompatible reports are refused.
#include "conveq/report/check_text.hpp"
#include "conveq/suite/baseline.hpp"
#include "input_error.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "conv_tester.hpp"
#include "conveq/check/bound.hpp"
#include "conveq/core/error.hpp"
#include "conveq/report/json.hpp"
#include "conveq/suite/suite_run.hpp"
#include "steady_samples.hpp"

namespace {

using conveq::Change;
using nlohmann::json;

conveq::SuiteProblem problem(const std::string& name, const ConvTester& tester) {
  conveq::RunOptions run;
  run.threads = 1;
  run.warmup = 0;
  run.repeat = 1;
  return {{1, name, tester.describe()}, tester.problem(), run};
}

// A real suite report of two small problems, made once.
const json& real_report() {
  static const json report = [] {
    const auto pointwise = ConvTester().in(16).out(12).length(60);
    const auto k3 = ConvTester().in(16).out(12).length(60).kernel("3").padding("same");
    conveq::SuiteRunInfo info;
    info.file = "test";
    json run =
        conveq::run_suite({problem("pointwise", pointwise), problem("k3", k3)}, info, {}).report;
    // The tests below inject medians; a run-queue wait this machine happened to record would
    // make check judge the samples without it instead (test_timing.cpp tests that rule).
    for (auto& p : run["problems"]) {
      for (auto& path : p["report"]["paths"]) path["timing"].erase("runqueue_wait_ms");
    }
    return run;
  }();
  return report;
}

json& comparison(json& report, const std::string& problem_name, const std::string& a,
                 const std::string& b) {
  for (auto& p : report["problems"]) {
    if (p["name"] != problem_name) continue;
    for (auto& c : p["report"]["comparisons"]) {
      if (c["a"] == a && c["b"] == b) return c;
    }
  }
  FAIL("no comparison " << a << " vs " << b << " in " << problem_name);
  throw std::logic_error("unreachable");
}

json& path(json& report, const std::string& problem_name, const std::string& name) {
  for (auto& p : report["problems"]) {
    if (p["name"] != problem_name) continue;
    for (auto& q : p["report"]["paths"]) {
      if (q["name"] == name) return q;
    }
  }
  FAIL("no path " << name << " in " << problem_name);
  throw std::logic_error("unreachable");
}

conveq::CheckResult check(const json& current, const json& baseline,
                          conveq::CheckThresholds thresholds = {}) {
  return conveq::check_against_baseline(current, baseline, thresholds, "current.json",
                                        "baseline.json");
}

std::vector<conveq::CheckRow> rows(const conveq::CheckResult& result, Change change) {
  std::vector<conveq::CheckRow> out;
  for (const auto& row : result.rows) {
    if (row.change == change) out.push_back(row);
  }
  return out;
}

const double u32 = std::ldexp(1.0, -24);

}  // namespace

TEST_CASE("identical reports: nothing to report, everything checked", "[check]") {
  const json& report = real_report();
  REQUIRE(report["summary"]["passed"] == 2);
  const auto result = check(report, report);
  CHECK(result.rows.empty());
  CHECK(result.problems == 2);
  size_t comparisons = 0, paths = 0;
  for (const auto& p : report["problems"]) {
    comparisons += p["report"]["comparisons"].size();
    paths += p["report"]["paths"].size();
  }
  CHECK(result.comparisons == static_cast<int>(comparisons));
  CHECK(result.paths == static_cast<int>(paths));
  CHECK(conveq::format_check(result, {}).find("0 regressions, 0 improvements") !=
        std::string::npos);
}

TEST_CASE("an injected slowdown is a regression, and the reverse is an improvement", "[check]") {
  json slow = real_report();
  json& timing = path(slow, "k3", "conv1d/im2col")["timing"];
  const double baseline_ms = timing["median_ms"];
  timing["median_ms"] = baseline_ms * 1.6 + 1.0;  // past 1.5x, and past the 0.05 ms noise floor

  const auto result = check(slow, real_report());
  const auto regressions = rows(result, Change::regression);
  REQUIRE(regressions.size() == 1);
  CHECK(regressions[0].problem == "k3");
  CHECK(regressions[0].subject == "conv1d/im2col");
  CHECK(regressions[0].metric == "median_ms");
  CHECK(regressions[0].baseline.get<double>() == baseline_ms);
  CHECK(conveq::format_check(result, {}).find("REGRESSION") != std::string::npos);

  const auto reverse = check(real_report(), slow);
  CHECK(rows(reverse, Change::regression).empty());
  CHECK(rows(reverse, Change::improvement).size() == 1);

  conveq::CheckThresholds tolerant;
  tolerant.max_slowdown = 2 + 1.0 / baseline_ms;
  CHECK(rows(check(slow, real_report(), tolerant), Change::regression).empty());
}

namespace {
// real_report() with steady samples: path i of each problem at (i + 1) ms, so that every time
// change below is far above --min-time-ms and the samples are as clean as the test needs; and
// a quiet host (load 0.5 on 2 hardware threads), whatever the machine running the test did.
json steady_report() {
  json report = real_report();
  for (auto& problem : report["problems"]) {
    double ms = 1;
    for (auto& p : problem["report"]["paths"]) set_steady_samples(p, ms++);
    problem["report"]["host"]["load_average"] = {0.5, 0.5, 0.5};
    problem["report"]["host"]["hardware_threads"] = 2;
  }
  return report;
}
}  // namespace

TEST_CASE("a loaded run is judged relative to the run: a slowed path fails, the load does not",
          "[check]") {
  const json baseline = steady_report();
  REQUIRE(baseline["problems"][1]["report"]["paths"].size() >= 3);
  SECTION("every path 1.7x slower (a loaded machine): notes that say so, no regression") {
    json loaded = baseline;
    scale_steady(loaded, 1.7);
    loaded["problems"][1]["report"]["host"]["load_average"] = {4.2, 3, 2};
    loaded["problems"][1]["report"]["host"]["hardware_threads"] = 2;
    const auto result = check(loaded, baseline);
    CHECK(result.exit_status() == conveq::kExitPassed);
    CHECK(rows(result, Change::regression).empty());
    const auto notes = rows(result, Change::note);
    REQUIRE(notes.size() == static_cast<size_t>(result.paths));
    CHECK(notes[0].reason.find("the whole problem moved") != std::string::npos);
    INFO(notes.back().problem << ": " << notes.back().reason);
    CHECK(notes.back().reason.find("(current run load 4.2 on 2 hardware threads)") !=
          std::string::npos);
  }
  SECTION("one path 2x slower in the same loaded run: exactly that path regresses") {
    json loaded = baseline;
    scale_steady(loaded, 1.7, "k3", "conv1d/im2col", 3.4);
    const auto result = check(loaded, baseline);
    CHECK(result.exit_status() == conveq::kExitFailed);
    const auto regressions = rows(result, Change::regression);
    REQUIRE(regressions.size() == 1);
    CHECK(regressions[0].problem == "k3");
    CHECK(regressions[0].subject == "conv1d/im2col");
    CHECK(regressions[0].reason.find("2x relative to the run") != std::string::npos);
    CHECK(conveq::format_check(result, {})
              .find("beyond the noise at p < 0.05 and relative to "
                    "the run") != std::string::npos);
  }
}

TEST_CASE("time changes below --min-time-ms are noise", "[check]") {
  json baseline = real_report();
  json current = real_report();
  path(baseline, "pointwise", "linear/gemm")["timing"]["median_ms"] = 0.001;
  path(current, "pointwise", "linear/gemm")["timing"]["median_ms"] = 0.004;  // 4x, but 3 us
  CHECK(rows(check(current, baseline), Change::regression).empty());
  conveq::CheckThresholds strict;
  strict.min_time_ms = 0;
  CHECK(rows(check(current, baseline, strict), Change::regression).size() == 1);
}

TEST_CASE("an injected error growth is a regression", "[check]") {
  json current = real_report();
  json& c = comparison(current, "k3", "conv1d/naive", "reference");
  const double baseline_error = c["max_scaled_error"];
  const int64_t terms =
      current["problems"][1]["report"]["problem"]["reduction_length"].get<int64_t>() + 1;
  const double floor = conveq::error_growth_floor(terms) * u32;
  // Past 4x the baseline and past the floor, whatever the baseline's error happens to be.
  c["max_scaled_error"] = std::max(4.5 * baseline_error, 2 * floor);

  const auto regressions = rows(check(current, real_report()), Change::regression);
  REQUIRE(regressions.size() == 1);
  CHECK(regressions[0].subject == "conv1d/naive vs reference");
  CHECK(regressions[0].metric == "max_scaled_error_u");
  CHECK(regressions[0].current.get<double>() == Approx(c["max_scaled_error"].get<double>() / u32));

  conveq::CheckThresholds tolerant;
  tolerant.max_error_growth = 1000;
  if (c["max_scaled_error"].get<double>() < 1000 * baseline_error) {
    CHECK(rows(check(current, real_report(), tolerant), Change::regression).empty());
  }
}

TEST_CASE("error growth from zero counts only above the 2 sqrt(n) u floor", "[check]") {
  json baseline = real_report();
  json current = real_report();
  // Twins that agreed bit for bit, now a few roundings apart: a summation order changed.
  json& base_c = comparison(baseline, "k3", "conv1d/naive", "conv2d/naive");
  json& cur_c = comparison(current, "k3", "conv1d/naive", "conv2d/naive");
  base_c["max_scaled_error"] = 0.0;
  const int64_t n = 16 * 3 + 1;
  const double floor = conveq::error_growth_floor(n);
  CHECK(floor == Approx(2 * std::sqrt(49.0)));
  cur_c["max_scaled_error"] = 0.9 * floor * u32;
  CHECK(rows(check(current, baseline), Change::regression).empty());
  cur_c["max_scaled_error"] = 1.1 * floor * u32;
  CHECK(rows(check(current, baseline), Change::regression).size() == 1);
}

TEST_CASE("a comparison that now fails, or turns non-finite, is a regression", "[check]") {
  json current = real_report();
  json& c = comparison(current, "pointwise", "linear/gemm", "reference");
  c["status"] = "failed";
  c["reason"] = "3 of 720 elements outside the tolerance";
  c["max_scaled_error"] = nullptr;  // a NaN mismatch is written as null
  const auto regressions = rows(check(current, real_report()), Change::regression);
  REQUIRE(regressions.size() == 2);
  CHECK(regressions[0].metric == "status");
  CHECK(regressions[1].metric == "max_scaled_error_u");
  CHECK(rows(check(real_report(), current), Change::improvement).size() == 2);
}

TEST_CASE("a problem that fails with every comparison passing is a regression", "[check]") {
  json current = real_report();
  auto& verdict = current["problems"][0]["report"]["verdict"];
  verdict["status"] = "failed";  // as --check-determinism does for a nondeterministic path
  verdict["summary"] = "Some path is not deterministic (see determinism).";
  const auto regressions = rows(check(current, real_report()), Change::regression);
  REQUIRE(regressions.size() == 1);
  CHECK(regressions[0].subject == "verdict");
  CHECK(regressions[0].reason.find("not deterministic") != std::string::npos);
  // When a comparison's failure explains it, the verdict adds no second row.
  comparison(current, "pointwise", "linear/gemm", "reference")["status"] = "failed";
  CHECK(rows(check(current, real_report()), Change::regression).size() == 1);
}

TEST_CASE("a path or comparison that disappeared is a regression, and a new one is a note",
          "[check]") {
  json current = real_report();
  auto& paths = current["problems"][0]["report"]["paths"];
  const std::string removed = paths[0]["name"];
  paths.erase(paths.begin());
  const auto result = check(current, real_report());
  const auto regressions = rows(result, Change::regression);
  REQUIRE(regressions.size() == 1);
  CHECK(regressions[0].subject == removed);
  CHECK(rows(check(real_report(), current), Change::note).size() == 1);
}

TEST_CASE("incompatible reports are refused with every reason listed", "[check]") {
  json other_version = real_report();
  other_version["schema_version"] = 999;
  CHECK(error_of([&] { check(other_version, real_report()); }).find("schema_version 999") !=
        std::string::npos);

  json renamed = real_report();
  renamed["problems"][0]["name"] = "renamed";
  const std::string message = error_of([&] { check(renamed, real_report()); });
  INFO(message);
  CHECK(message.find("problems missing from current.json: pointwise") != std::string::npos);
  CHECK(message.find("problems missing from baseline.json: renamed") != std::string::npos);

  json shard = real_report();
  shard["problems"].erase(0);
  CHECK(!error_of([&] { check(shard, real_report()); }).empty());
  conveq::CheckThresholds subset;
  subset.subset = true;
  CHECK(check(shard, real_report(), subset).problems == 1);

  json different = real_report();
  different["problems"][1]["report"]["problem"]["seed"] = 42;
  CHECK(error_of([&] {
          check(different, real_report());
        }).find("same name, different problem: k3") != std::string::npos);
}

TEST_CASE("a single compare report is a suite of one", "[check]") {
  const json single = real_report()["problems"][0]["report"];
  CHECK(!conveq::is_suite_report(single));
  const auto result = check(single, single);
  CHECK(result.problems == 1);
  CHECK(result.rows.empty());
  CHECK(!error_of([&] { check(single, real_report()); }).empty());
}

TEST_CASE("thresholds are validated", "[check]") {
  conveq::CheckThresholds t;
  t.max_slowdown = 0.5;
  CHECK(error_of([&] { conveq::validate(t); }).find("--max-slowdown 0.5") != std::string::npos);
  t = {};
  t.max_error_growth = std::nan("");
  CHECK(error_of([&] { conveq::validate(t); }).find("--max-error-growth") != std::string::npos);
}

TEST_CASE("a comparison that passed and is mistrusted now fails the check, as its own kind",
          "[check]") {
  json current = real_report();
  json& c = comparison(current, "pointwise", "linear/gemm", "reference");
  REQUIRE(c["status"] == "passed");
  c["status"] = "mistrusted";
  c["reason"] = "the tolerance is as large as the typical output";
  const auto result = check(current, real_report());
  CHECK(rows(result, Change::regression).empty());
  const auto mistrusted = rows(result, Change::mistrusted);
  REQUIRE(mistrusted.size() == 1);  // the verdict, unchanged, adds no second row
  CHECK(mistrusted[0].problem == "pointwise");
  CHECK(mistrusted[0].subject == "linear/gemm vs reference");
  CHECK(mistrusted[0].metric == "status");
  CHECK(mistrusted[0].reason == "now mistrusted: the tolerance is as large as the typical output");
  CHECK(result.exit_status() == conveq::kExitFailed);  // was exit 0
  const std::string table = conveq::format_check(result, {});
  CHECK(table.find("\nMISTRUSTED  pointwise") != std::string::npos);
  CHECK(table.find("0 regressions, 1 newly mistrusted, 0 improvements") != std::string::npos);
  const json report = conveq::to_json(result, {}, "current.json", "baseline.json");
  CHECK(report["mistrusted"] == 1);
  CHECK(report["regressions"] == 0);
  CHECK(report["rows"][0]["change"] == "mistrusted");

  // Trusted again is an improvement; mistrusted on both sides is no change at all.
  const auto reverse = check(real_report(), current);
  CHECK(rows(reverse, Change::improvement).size() == 1);
  CHECK(reverse.exit_status() == conveq::kExitPassed);
  const auto both = check(current, current);
  CHECK(both.rows.empty());
  CHECK(both.exit_status() == conveq::kExitPassed);
}

TEST_CASE("a problem whose verdict turned mistrusted fails the check", "[check]") {
  json current = real_report();
  auto& verdict = current["problems"][1]["report"]["verdict"];
  verdict["status"] = "mistrusted";
  verdict["summary"] = "Nothing failed, but a check is too weak to mean anything.";
  const auto result = check(current, real_report());
  const auto mistrusted = rows(result, Change::mistrusted);
  REQUIRE(mistrusted.size() == 1);
  CHECK(mistrusted[0].problem == "k3");
  CHECK(mistrusted[0].subject == "verdict");
  CHECK(result.exit_status() == conveq::kExitFailed);
  // A failure stays a regression, whatever else turned mistrusted.
  verdict["status"] = "failed";
  CHECK(rows(check(current, real_report()), Change::regression).size() == 1);
  CHECK(rows(check(current, real_report()), Change::mistrusted).empty());
}

TEST_CASE("statuses other than passed, failed and mistrusted are refused", "[check]") {
  json current = real_report();
  comparison(current, "k3", "conv1d/naive", "reference")["status"] = "banana";
  const std::string message = error_of([&] { check(current, real_report()); });
  CHECK(message.find("current.json: field problems[1].report.comparisons[") == 0);
  CHECK(message.find(".status: \"banana\" must be passed, failed or mistrusted") !=
        std::string::npos);
}
